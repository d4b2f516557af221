"""Inspect an export .zip without unpacking it: folders with their messages and sizes,
calendar items, entries that are not messages (and why), totals against the output log.

ASSUMPTION (unverified): the log's totalMessages counts the entries that are MIME messages,
totalFolders every folder the zip shows (directory entries and the parents of entries),
totalBytes the size of the .zip (see verify).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tui.core.retrieve.model import (
    ExportLog,
    FolderSummary,
    Inspection,
    ItemKind,
    LogComparison,
    SkippedEntry,
)
from tui.core.retrieve.output_log import log_beside
from tui.core.retrieve.zip_reader import ExportZip


def inspect_zip(path: str | Path, log: ExportLog | None = None) -> Inspection:
    """What the export at `path` holds; `log` defaults to the one saved beside it."""
    log = log or log_beside(path)
    counts: Counter[tuple[str, ...]] = Counter()
    sizes: Counter[tuple[str, ...]] = Counter()
    calendar: list[str] = []
    others: list[SkippedEntry] = []
    with ExportZip.open(path) as export:
        size = export.size
        for entry in export.entries():
            if entry.kind is ItemKind.MESSAGE:
                counts[entry.folder] += 1
                sizes[entry.folder] += entry.size
            elif entry.kind is not ItemKind.FOLDER and not entry.calendar:
                others.append(SkippedEntry(entry.name, entry.reason, entry.size))
            if entry.calendar:
                calendar.append(entry.name)
        folders = export.folders()
    folder_count = len(folders)  # what totalFolders counts: the zip's folders
    if counts[()]:
        folders.insert(0, ())  # messages at the top of the zip, outside any folder
    summaries = tuple(FolderSummary(folder, counts[folder], sizes[folder]) for folder in folders)
    messages = sum(counts.values())
    comparisons: tuple[LogComparison, ...] = ()
    if log is not None:
        comparisons = (LogComparison("totalMessages", messages, log.total_messages),
                       LogComparison("totalFolders", folder_count, log.total_folders),
                       LogComparison("totalBytes", size, log.total_bytes))
    return Inspection(path=str(path), size=size, folders=summaries, messages=messages,
                      message_bytes=sum(sizes.values()), calendar_items=tuple(calendar),
                      others=tuple(others), log=log, comparisons=comparisons)
