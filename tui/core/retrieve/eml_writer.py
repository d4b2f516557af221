"""A tree of .eml files: one directory per folder (components made safe by folder_names),
one file per message, named after its zip entry (".eml" added when it has no such ending),
with the file's time set to the message's date. Bytes are kept as they are. Each file is
written under a temporary name and renamed when whole; a name taken already gets "~2",
"~3"... (zip entries may repeat a name).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tui.core.retrieve.folder_names import fit_file_name, safe_name
from tui.core.retrieve.zip_reader import ExportEntry, Readable

CHUNK = 1024 * 1024


def folder_directory(target: Path, folder: tuple[str, ...]) -> Path:
    return target.joinpath(*(safe_name(part) for part in folder))


class EmlWriter:
    """Writes each message as a .eml file in its folder's directory."""

    format = "eml"

    def __init__(self, target: Path) -> None:
        self.target = target
        self.final_newlines_added = 0
        target.mkdir(parents=True, exist_ok=True)

    def folder(self, folder: tuple[str, ...]) -> str:
        directory = folder_directory(self.target, folder)
        directory.mkdir(parents=True, exist_ok=True)
        return str(directory.relative_to(self.target))

    def add(self, entry: ExportEntry, data: Readable) -> None:
        directory = folder_directory(self.target, entry.folder)
        directory.mkdir(parents=True, exist_ok=True)
        stem = entry.file_name[:-4] if entry.file_name.lower().endswith(".eml") else \
            entry.file_name
        path = directory / fit_file_name(safe_name(stem), ".eml")
        number = 1
        while path.exists():
            number += 1
            path = directory / fit_file_name(safe_name(f"{stem}~{number}"), ".eml")
        staging = path.with_name(path.name + ".tmp")
        try:
            with staging.open("xb") as out:
                shutil.copyfileobj(data, out, CHUNK)
            if entry.date:
                moment = entry.date.timestamp()
                os.utime(staging, (moment, moment))
            os.replace(staging, path)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
