"""Copying text out of the app, honestly: Textual sends it to the terminal's clipboard with
an OSC 52 escape and cannot know whether the terminal did anything with it (tmux without
`set-clipboard on`, macOS Terminal and others drop it), so the person is told exactly that
and offered ctrl+s to write the same text to a new file instead, whose path is shown.

A file is written in the working directory (where the `file://` of a fix hint points), mode
0600, created new: an existing file is never overwritten; one that
already holds exactly this text is named again, else the next free name is used
(permissions-2.json).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from textual.app import App

from tui.app.kit.safe_markup import markup_safe

SAVE_KEY = "ctrl+s"
_FILE_URL = re.compile(r"file://([\w.-]+)")
_MOST_ATTEMPTS = 100


@dataclass(frozen=True)
class Copied:
    """What was sent to the clipboard last: a description (`the policy JSON`), the text, the
    file name to save it under, and the screen it was copied on."""

    what: str
    text: str
    filename: str
    screen_id: int


def file_named_in(fix: str, fallback: str) -> str:
    """The file a fix hint reads (`--policy-document file://permissions.json`), so the text
    saved is where the hint's command looks; `fallback` when it names none."""
    found = _FILE_URL.search(fix)
    return found.group(1) if found else fallback


def copy_out(app: App[object], what: str, text: str, filename: str) -> Copied:
    """Send `text` to the terminal's clipboard and say what that means; returns the record
    that ctrl+s saves."""
    app.copy_to_clipboard(text)
    app.notify(f"Sent {markup_safe(what)} to the terminal's clipboard (OSC 52). If your "
               "terminal does not support that (tmux needs set-clipboard on), nothing was "
               f"copied: {SAVE_KEY.replace('ctrl+', '^')} writes it to a file instead.",
               timeout=10)
    return Copied(what, text, filename, id(app.screen))


def save_to_file(text: str, filename: str, directory: Path | None = None) -> tuple[Path, bool]:
    """Write `text` to a new file `filename` in `directory` (default: the working directory),
    mode 0600. Returns the path and whether it was written now (False: a regular file there
    already held exactly this text). Never overwrites or follows anything existing; raises
    OSError when the directory cannot be written."""
    folder = Path.cwd() if directory is None else directory
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""
    data = text.encode("utf-8")
    for attempt in range(1, _MOST_ATTEMPTS + 1):
        name = filename if attempt == 1 else f"{stem}-{attempt}{dot}{suffix}"
        path = folder / name
        if _holds(path, data):
            return path, False
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        return path, True
    raise FileExistsError(f"{folder / filename} and {_MOST_ATTEMPTS - 1} numbered names "
                          "after it exist already")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _holds(path: Path, data: bytes) -> bool:
    """Whether `path` is a regular file (not a link, FIFO or device) holding exactly
    `data`; read only when its size matches."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False
    try:
        return path.read_bytes() == data
    except OSError:
        return False
