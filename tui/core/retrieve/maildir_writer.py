"""A Maildir++ tree: the INBOX at the root, every other folder a ".A.B" directory beside it
(names by folder_names.maildir_folder), each with cur/, new/ and tmp/.

Each message is written into tmp/ and renamed into cur/ when whole (the Maildir delivery
protocol, so no reader ever sees half a message), named `<time>.M<n>P<pid>.<host>,S=<size>:2,`
(S= is Dovecot's size hint; no flags: ASSUMPTION, the export carries no read/unread state),
with the file's time set to the message's date (Dovecot takes it as the received date).
Bytes are kept as they are.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from tui.core.retrieve.folder_names import maildir_folder
from tui.core.retrieve.zip_reader import ExportEntry, Readable

CHUNK = 1024 * 1024
SUBDIRECTORIES = ("cur", "new", "tmp")


class MaildirWriter:
    """Delivers messages into the Maildir++ folder of their zip folder."""

    format = "maildir"

    def __init__(self, target: Path) -> None:
        self.target = target
        self.final_newlines_added = 0
        self._count = 0
        self._host = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"
        self._ready: set[Path] = set()
        self._make(target)  # the INBOX always exists: a Maildir is a Maildir

    def _make(self, directory: Path, subfolder: bool = False) -> Path:
        if directory not in self._ready:
            for name in SUBDIRECTORIES:
                (directory / name).mkdir(parents=True, exist_ok=True)
            if subfolder:
                (directory / "maildirfolder").touch()  # Maildir++: this is a folder
            self._ready.add(directory)
        return directory

    def folder(self, folder: tuple[str, ...]) -> str:
        name = maildir_folder(folder)
        self._make(self.target / name if name else self.target, subfolder=bool(name))
        return name or "."

    def add(self, entry: ExportEntry, data: Readable) -> None:
        name = maildir_folder(entry.folder)
        directory = self._make(self.target / name if name else self.target, bool(name))
        self._count += 1
        moment = int(entry.date.timestamp()) if entry.date else 0
        unique = f"{max(moment, 0)}.M{self._count}P{os.getpid()}.{self._host}"
        staging = directory / "tmp" / unique
        try:
            with staging.open("xb") as out:
                shutil.copyfileobj(data, out, CHUNK)
                size = out.tell()
            if entry.date:
                os.utime(staging, (moment, moment))
            os.rename(staging, directory / "cur" / f"{unique},S={size}:2,")
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
