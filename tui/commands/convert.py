"""`workmail-export convert ZIP --to mbox|maildir|eml DIR` (or `--run RUN_ID`, every export
the run downloaded, each into DIR/<mailbox>/): stream the zip into mail a client or server
takes, and say what was written and what was skipped and why. Exit 0, or 5 when the
messages written differ from the log's totalMessages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tui.commands import exit_codes
from tui.commands.exports import escaped
from tui.commands.output import emit_json, report_problem
from tui.commands.progress import ProgressOut, counted
from tui.core.model import CoreError
from tui.core.retrieve.convert import CALENDAR_DIRECTORY, check_target, convert_zip
from tui.core.retrieve.folder_names import safe_name
from tui.core.retrieve.model import ConvertSummary
from tui.core.safe_text import shown
from tui.wizard.retrieve import downloaded_exports

COMMAND = "convert"


def summary_lines(summary: ConvertSummary) -> list[str]:
    lines = [f"{summary.source} -> {summary.target} ({summary.format}): "
             f"{counted(summary.messages, 'message')} in "
             f"{counted(len(summary.folders), 'folder')}."]
    if summary.log_messages is not None:
        verdict = "matches" if summary.matches_log else "DIFFERS from"
        lines.append(f"  That {verdict} the log's totalMessages ({summary.log_messages:,}).")
    if summary.calendar_files:
        lines.append(f"  {counted(summary.calendar_files, 'calendar item')} copied as .ics "
                     f"files into {CALENDAR_DIRECTORY}/.")
    if summary.final_newlines_added:
        lines.append(f"  {counted(summary.final_newlines_added, 'message')} had no final line "
                     "break; one was added (an mbox message must end with one).")
    if summary.skipped:
        lines.append(f"  {counted(len(summary.skipped), 'entry', 'entries')} skipped:")
        lines += [f"    {entry.name}  ({entry.reason})" for entry in summary.skipped]
    lines.append("  Folders (in the export -> on disk):")
    lines += [f"    {folder}" for folder in summary.folders]
    return [shown(line) for line in lines]


def summary_dict(summary: ConvertSummary) -> dict[str, Any]:
    return {"source": summary.source, "target": summary.target, "format": summary.format,
            "messages": summary.messages, "log_messages": summary.log_messages,
            "matches_log": summary.matches_log, "folders": list(summary.folders),
            "calendar_files": summary.calendar_files,
            "final_newlines_added": summary.final_newlines_added,
            "skipped": [{"name": s.name, "reason": s.reason, "size": s.size}
                        for s in summary.skipped]}


def run_sources(run_id: str, directory: Path) -> list[tuple[str, Path]]:
    """(zip, its target) of every export of the run this machine downloaded."""
    return [(export.zip_path, directory / safe_name(export.label))
            for export in downloaded_exports(run_id, "convert")]


def run(zip_path: str, run_id: str, format: str, directory: Path, *, as_json: bool) -> int:
    try:
        sources = run_sources(run_id, directory) if run_id else [(zip_path, directory)]
        for _, target in sources:
            check_target(target)
    except CoreError as error:
        report_problem(escaped(error.problem), as_json)
        return exit_codes.AWS_ERROR if run_id else exit_codes.BAD_USAGE
    out = sys.stderr if as_json else sys.stdout
    summaries = []
    for source, target in sources:
        progress = ProgressOut(shown(Path(source).name), out, unit="entries")
        try:
            summary = convert_zip(Path(source).expanduser(), target, format,
                                  on_progress=progress.update)
        except CoreError as error:
            progress.finish()
            report_problem(escaped(error.problem), as_json)
            return exit_codes.AWS_ERROR
        progress.finish()
        summaries.append(summary)
        if not as_json:
            print("\n".join(summary_lines(summary)), flush=True)
    if as_json:
        emit_json({"conversions": [summary_dict(s) for s in summaries]})
    if any(summary.matches_log is False for summary in summaries):
        return exit_codes.EXPORT_NOT_PROVEN
    return exit_codes.OK
