"""Convert an export .zip into mail a mail client or server takes: mbox, Maildir++ or .eml.

Streaming: entries are read from the zip one at a time, each message copied a chunk at a time
into the writer of the chosen format, so memory stays flat whatever the export's size. Every
folder the zip shows is made (empty ones too). Messages (MIME invitations included) go to the
writer; iCalendar files are copied to `iCalendar files/<folder>/` as .ics (a mail format has no
place for them); every other entry is skipped, with its reason in the summary. A message
that cannot be read to its end (a damaged entry) is taken out again and listed as skipped.
`workmail-export-folders.json` beside the output maps each folder's name on disk back to its
path in the export.

The target must be a new or empty directory: a conversion never writes among files it did
not make.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tui.core.model import AwsProblem, CoreError
from tui.core.retrieve.eml_writer import EmlWriter, folder_directory
from tui.core.retrieve.folder_names import FOLDER_MAP, fit_file_name, safe_name
from tui.core.retrieve.maildir_writer import MaildirWriter
from tui.core.retrieve.mbox_writer import MboxWriter
from tui.core.retrieve.model import ConvertSummary, ExportLog, ItemKind, SkippedEntry
from tui.core.retrieve.output_log import log_beside
from tui.core.retrieve.zip_reader import EntryUnreadable, ExportEntry, ExportZip, Readable

FORMATS = ("mbox", "maildir", "eml")
CALENDAR_DIRECTORY = "iCalendar files"
CHUNK = 1024 * 1024


class Writer(Protocol):
    format: str
    final_newlines_added: int

    def folder(self, folder: tuple[str, ...]) -> str: ...

    def add(self, entry: ExportEntry, data: Readable) -> None: ...


WRITERS: dict[str, Callable[[Path], Writer]] = {
    "mbox": MboxWriter, "maildir": MaildirWriter, "eml": EmlWriter}

Progress = Callable[[int, int], None]  # (entries done, entries in all)


class ConvertStopped(Exception):
    """Stopped on request; what was written so far stays."""


def check_target(target: Path) -> None:
    """CoreError unless `target` is a new or empty directory."""
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise _refused(target, "exists and is not a directory")
        if any(target.iterdir()):
            raise _refused(target, "is not empty")


def convert_zip(path: str | Path, target: Path, format: str, log: ExportLog | None = None,
                on_progress: Progress | None = None, stop: threading.Event | None = None
                ) -> ConvertSummary:
    """Convert the export at `path` into `target` in `format` (one of FORMATS)."""
    if format not in WRITERS:
        raise ValueError(f"unknown format {format!r}")
    check_target(target)
    log = log or log_beside(path)
    with ExportZip.open(path) as export:
        target.mkdir(parents=True, exist_ok=True)
        writer = WRITERS[format](target)
        names = {writer.folder(folder): list(folder) for folder in export.folders()}
        infos = export.archive.infolist()
        messages = calendar_files = 0
        skipped: list[SkippedEntry] = []
        for number, info in enumerate(infos, 1):
            if stop is not None and stop.is_set():
                raise ConvertStopped(f"Stopped after {number - 1} of {len(infos)} entries.")
            entry = export.entry(info)
            if entry.kind is ItemKind.MESSAGE:
                if _copy(export, entry, writer, skipped):
                    messages += 1
                    names.setdefault(writer.folder(entry.folder), list(entry.folder))
            elif entry.kind is ItemKind.CALENDAR:
                calendar_files += _copy_calendar(export, entry, target, skipped)
            elif entry.kind is ItemKind.OTHER:
                skipped.append(SkippedEntry(entry.name, entry.reason, entry.size))
            if on_progress is not None:
                on_progress(number, len(infos))
    (target / FOLDER_MAP).write_text(json.dumps(names, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    return ConvertSummary(
        source=str(path), target=str(target), format=format, messages=messages,
        folders=tuple(f"{'/'.join(folder) or '(top level)'} -> {name}"
                      for name, folder in names.items()),
        calendar_files=calendar_files, final_newlines_added=writer.final_newlines_added,
        skipped=tuple(skipped), log_messages=log.total_messages if log else None)


def _copy(export: ExportZip, entry: ExportEntry, writer: Writer,
          skipped: list[SkippedEntry]) -> bool:
    try:
        with export.stream(entry) as data:
            writer.add(entry, data)
    except EntryUnreadable as error:
        skipped.append(SkippedEntry(entry.name, f"could not be read to its end "
                                    f"({error.cause})", entry.size))
        return False
    except OSError as error:
        raise _write_failed(writer, error) from error
    return True


def _copy_calendar(export: ExportZip, entry: ExportEntry, target: Path,
                   skipped: list[SkippedEntry]) -> int:
    directory = folder_directory(target / CALENDAR_DIRECTORY, entry.folder)
    directory.mkdir(parents=True, exist_ok=True)
    stem = entry.file_name[:-4] if entry.file_name.lower().endswith(".ics") else entry.file_name
    path = directory / fit_file_name(safe_name(stem), ".ics")
    try:
        with export.stream(entry) as data, path.open("xb") as out:
            shutil.copyfileobj(data, out, CHUNK)
    except FileExistsError:
        skipped.append(SkippedEntry(entry.name, f"a calendar file {path.name} was written "
                                    "already", entry.size))
        return 0
    except EntryUnreadable as error:
        path.unlink(missing_ok=True)
        skipped.append(SkippedEntry(entry.name, f"could not be read to its end "
                                    f"({error.cause})", entry.size))
        return 0
    except OSError as error:
        raise _write_failed_calendar(path, error) from error
    return 1


def _refused(target: Path, what: str) -> CoreError:
    return CoreError(AwsProblem(
        code="TargetNotEmpty", operation="convert", message=f"{target} {what}.",
        hint="Give a new or empty directory: a conversion never writes among other files."))


def _write_failed_calendar(path: Path, error: OSError) -> CoreError:
    return _write_failed(f"Could not write {path}", error)


def _write_failed(writer: Writer | str, error: OSError) -> CoreError:
    what = writer if isinstance(writer, str) else f"Could not write the {writer.format} output"
    return CoreError(AwsProblem(
        code="WriteFailed", operation="convert",
        message=f"{what}: {error.strerror or error}.",
        hint="Check the free space and permissions of the target directory, then convert "
             "again into a new, empty directory."))
