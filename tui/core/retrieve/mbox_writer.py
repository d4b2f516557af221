"""One mbox file per folder, mboxrd-quoted, written while the zip is read.

mboxrd: each message starts with a line "From <sender> <date>" (the envelope sender and the
message's date, in asctime form, UTC) and ends with an empty line; every body line that
starts with any number of '>' and then "From " gets one more '>' (`MboxrdQuoter`), so a
reader can tell the next message from a line in this one, and undo the quoting exactly.
A message whose last line has no line break gets one (mbox cannot end a message otherwise;
the summary counts them). Bytes are otherwise kept as they are, CRLF line ends included.

Files: `<target>/<folder>/<subfolder>.mbox`, each component made safe by folder_names (a
folder "Inbox/Projects" is `Inbox/Projects.mbox`, beside `Inbox.mbox`); messages at the top
of the zip go to "(top level).mbox". A message that cannot be read to its end is taken out
again (the file is cut back to where it started).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from tui.core.retrieve.folder_names import fit_file_name, safe_name
from tui.core.retrieve.zip_reader import ExportEntry, Readable

CHUNK = 1024 * 1024
TOP_LEVEL = "(top level)"
_QUOTE = re.compile(rb"^(>*)(From )", re.MULTILINE)
_COULD_BE_FROM = (b"", b"F", b"Fr", b"Fro", b"From")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class MboxrdQuoter:
    """mboxrd quoting of a stream fed in chunks of any size, in bounded memory: at most the
    first four bytes of an unfinished line are held back ("From" could still follow)."""

    def __init__(self) -> None:
        self._held = b""  # the start of a line that could still become "From "
        self._mid_line = False  # the current line's start is already decided and passed on

    def feed(self, data: bytes) -> bytes:
        out = []
        if self._mid_line:
            end = data.find(b"\n")
            if end < 0:
                return data
            out.append(data[:end + 1])
            data = data[end + 1:]
            self._mid_line = False
        data = self._held + data
        self._held = b""
        cut = data.rfind(b"\n") + 1
        out.append(_quoted(data[:cut]))
        tail = data[cut:]
        if tail:
            run = len(tail) - len(tail.lstrip(b">"))
            if tail[run:] in _COULD_BE_FROM:
                out.append(tail[:run])  # the extra '>' can go anywhere in the run: later
                self._held = tail[run:]
            else:
                out.append(_quoted(tail))
                self._mid_line = True
        return b"".join(out)

    def finish(self) -> bytes:
        held, self._held, self._mid_line = self._held, b"", False
        return held


def _quoted(lines: bytes) -> bytes:
    """mboxrd quoting of whole lines; most chunks (base64 attachments) hold no "From " at
    all, and a substring search is much faster than the line-by-line pattern."""
    return _QUOTE.sub(rb"\1>\2", lines) if b"From " in lines else lines


def unquote_mboxrd(message: bytes) -> bytes:
    """Undo mboxrd quoting (what a reader of the mbox does; Python's `mailbox` does not)."""
    return re.sub(rb"^>(>*From )", rb"\1", message, flags=re.MULTILINE)


def from_line(sender: str, date: datetime | None) -> bytes:
    moment = (date or _EPOCH).astimezone(timezone.utc)
    return f"From {sender} {moment:%a %b} {moment.day:2d} {moment:%H:%M:%S %Y}\n".encode()


def mbox_file(target: Path, folder: tuple[str, ...]) -> Path:
    """Where a folder's mbox goes."""
    if not folder:
        return target / fit_file_name(safe_name(TOP_LEVEL), ".mbox")
    *parents, last = folder
    return target.joinpath(*(safe_name(p) for p in parents)) / fit_file_name(
        safe_name(last), ".mbox")


class MboxWriter:
    """Appends messages to the mbox of their folder."""

    format = "mbox"

    def __init__(self, target: Path) -> None:
        self.target = target
        self.final_newlines_added = 0

    def folder(self, folder: tuple[str, ...]) -> str:
        """Make sure the folder's mbox exists (empty folders too); its path."""
        path = mbox_file(self.target, folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return str(path.relative_to(self.target))

    def add(self, entry: ExportEntry, data: Readable) -> None:
        path = mbox_file(self.target, entry.folder)
        with path.open("ab") as out:
            start = out.tell()
            try:
                last = self._write(out, entry, data)
            except BaseException:
                out.truncate(start)
                raise
            if last != b"\n":
                out.write(b"\n")
                self.final_newlines_added += 1
            out.write(b"\n")

    @staticmethod
    def _write(out: IO[bytes], entry: ExportEntry, data: Readable) -> bytes:
        out.write(from_line(entry.sender, entry.date))
        quoter = MboxrdQuoter()
        last = b""
        for chunk in _chunks(data):
            quoted = quoter.feed(chunk)
            out.write(quoted)
            last = quoted[-1:] or last
        held = quoter.finish()
        out.write(held)
        return held[-1:] or last


def _chunks(data: Readable) -> Iterable[bytes]:
    while chunk := data.read(CHUNK):
        yield chunk
