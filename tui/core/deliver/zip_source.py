"""An export .zip as the delivery's source: its mail messages as SourceMessages (read one at
a time, never the whole zip in memory), and what it holds that IMAP does not carry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.deliver.model import SourceMessage
from tui.core.retrieve.model import ItemKind
from tui.core.retrieve.output_log import log_beside
from tui.core.retrieve.zip_reader import ExportEntry, ExportZip


@dataclass
class ZipSource:
    """The messages of one export zip. `source_id` names the export in the delivery record:
    the zip's name without `.zip` (a download names it after the JobId). `expected` is the
    output log's totalMessages when a log lies beside the zip. While `messages()` is read,
    `not_mail` collects the entries that are not delivered (calendar files, other files),
    each with why."""

    export: ExportZip
    source_id: str
    expected: int | None = None
    not_mail: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def open(cls, path: str | Path) -> ZipSource:
        """Open `path` (a CoreError with a sentence when it is not a readable zip)."""
        export = ExportZip.open(path)
        log = log_beside(path)
        stem = Path(path).name.removesuffix(".zip").removesuffix(".sha384-mismatch")
        return cls(export, stem, log.total_messages if log else None)

    def close(self) -> None:
        self.export.close()

    def __enter__(self) -> ZipSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def count_hint(self) -> int:
        """How many messages to expect, for a progress display: the log's count, else the
        zip's files (an upper bound: files that are not mail count too)."""
        return self.expected or sum(1 for info in self.export.archive.infolist()
                                    if not info.is_dir())

    def messages(self) -> Iterator[SourceMessage]:
        for entry in self.export.entries():
            if entry.kind is ItemKind.MESSAGE:
                yield self._message(entry)
            elif entry.kind is ItemKind.CALENDAR:
                self.not_mail.append((entry.name, "a calendar item: import it into the new "
                                                  "calendar; IMAP carries mail only"))
            elif entry.kind is not ItemKind.FOLDER:
                self.not_mail.append((entry.name, entry.reason or "not a mail message"))

    def _message(self, entry: ExportEntry) -> SourceMessage:
        return SourceMessage(key=entry.name, folder=entry.folder, size=entry.size,
                             read=lambda: self.export.read(entry), date=entry.date)
