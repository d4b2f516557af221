"""Read an export .zip without unpacking it: its entries, each classified, and their bytes
as streams. This is the reader every later step shares (inspect, convert, IMAP delivery).

    with ExportZip.open(path) as export:
        for entry in export.messages():          # or entries(): every entry, folders too
            entry.folder, entry.name, entry.size, entry.date
            with export.stream(entry) as data:   # the message's bytes, decompressed
                ...

An entry's folder is its directory path in the zip ("Inbox/Projects/x.eml" is in
("Inbox", "Projects")). ASSUMPTION: '/' is the only separator (as the zip format says); ""
and "." components are dropped; anything else, ".." included, is a folder name like any other
(writers make names safe). A name without the zip's UTF-8 flag is read as UTF-8 when it is
valid UTF-8, else as CP437 (the zip format's default), as Info-ZIP's unzip does.
ASSUMPTION: an entry's own time (no time zone in a zip) is UTC.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Protocol

from tui.core.model import AwsProblem, CoreError
from tui.core.retrieve.entry_kinds import HEAD_BYTES, NO_SENDER, classify
from tui.core.retrieve.model import ItemKind

UTF8_FLAG = 0x800
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
               NotImplementedError, ValueError)  # damaged, encrypted or unsupported entries


class Readable(Protocol):
    """What writers read an entry's bytes from (an EntryStream)."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class ExportEntry:
    """One zip entry: where it is, what it is (from its content), its size and date."""

    name: str  # the entry's full name in the zip, decoded
    folder: tuple[str, ...]
    file_name: str
    size: int  # uncompressed
    kind: ItemKind
    reason: str = ""  # why it is not a message
    calendar: bool = False  # a calendar item (iCalendar file, or a MIME invitation)
    date: datetime | None = None  # the message's date, else the entry's own time
    sender: str = NO_SENDER
    info: zipfile.ZipInfo = field(repr=False, compare=False, default_factory=zipfile.ZipInfo)


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name, decoded (see the module docstring)."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def split_name(name: str) -> tuple[tuple[str, ...], str]:
    """(folder components, file name) of an entry name."""
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if name.endswith("/"):
        return tuple(parts), ""
    if not parts:
        return (), ""
    return tuple(parts[:-1]), parts[-1]


def _entry_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time, tzinfo=timezone.utc)
    except ValueError:
        return None


class ExportZip:
    """An export .zip opened for reading (a context manager)."""

    def __init__(self, archive: zipfile.ZipFile, path: str) -> None:
        self.archive = archive
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> ExportZip:
        """Open `path`; CoreError with a sentence when it is not a readable zip."""
        try:
            return cls(zipfile.ZipFile(path), str(path))
        except FileNotFoundError:
            raise _unreadable(path, "does not exist") from None
        except IsADirectoryError:
            raise _unreadable(path, "is a directory") from None
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise _unreadable(path, f"is not a zip file or is damaged ({error})") from None

    def __enter__(self) -> ExportZip:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.archive.close()

    @property
    def size(self) -> int:
        return Path(self.path).stat().st_size

    def entries(self) -> Iterator[ExportEntry]:
        """Every entry in the zip's order, folders included, each classified by its head."""
        for info in self.archive.infolist():
            yield self.entry(info)

    def messages(self) -> Iterator[ExportEntry]:
        """The entries that are mail messages (MIME invitations included)."""
        return (entry for entry in self.entries() if entry.kind is ItemKind.MESSAGE)

    def entry(self, info: zipfile.ZipInfo) -> ExportEntry:
        name = entry_name(info)
        folder, file_name = split_name(name)
        own_time = _entry_time(info)
        if info.is_dir() or not file_name:
            return ExportEntry(name, folder, "", 0, ItemKind.FOLDER, date=own_time, info=info)
        try:
            with self.archive.open(info) as stream:
                head = stream.read(HEAD_BYTES)
        except READ_ERRORS as error:
            return ExportEntry(name, folder, file_name, info.file_size, ItemKind.OTHER,
                               reason=f"could not be read ({error})", date=own_time, info=info)
        facts = classify(head)
        return ExportEntry(name, folder, file_name, info.file_size, facts.kind,
                           reason=facts.reason,
                           calendar=facts.calendar or facts.kind is ItemKind.CALENDAR,
                           date=facts.date or own_time, sender=facts.sender, info=info)

    def stream(self, entry: ExportEntry) -> EntryStream:
        """The entry's bytes as a stream (decompressed as read; its CRC is checked at the
        end). A damaged, encrypted or unsupported entry raises EntryUnreadable."""
        try:
            return EntryStream(self.archive.open(entry.info), entry.name)
        except READ_ERRORS as error:
            raise EntryUnreadable(entry.name, error) from error

    def read(self, entry: ExportEntry) -> bytes:
        with self.stream(entry) as data:
            return data.read()

    def folders(self) -> list[tuple[str, ...]]:
        """Every folder the zip shows: directory entries and the parents of every entry."""
        found: set[tuple[str, ...]] = set()
        for info in self.archive.infolist():
            folder, _ = split_name(entry_name(info))
            found.update(folder[:depth] for depth in range(1, len(folder) + 1))
        return sorted(found)


class EntryUnreadable(Exception):
    """An entry could not be read to its end (damaged, encrypted or unsupported)."""

    def __init__(self, name: str, cause: BaseException) -> None:
        super().__init__(f"{name}: {cause}")
        self.name = name
        self.cause = cause


class EntryStream:
    """An entry's bytes; a read that fails raises EntryUnreadable (never a write's error)."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self._raw = raw
        self._name = name

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._raw.read(size)
        except READ_ERRORS as error:
            raise EntryUnreadable(self._name, error) from error

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> EntryStream:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _unreadable(path: str | Path, what: str) -> CoreError:
    return CoreError(AwsProblem(
        code="NotAZip", operation="read zip", message=f"{path} {what}.",
        hint="Give the .zip a download wrote (workmail-export download JOB_ID --to DIR); a "
             "download that stopped is resumed by running it again."))
