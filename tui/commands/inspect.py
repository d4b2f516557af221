"""`workmail-export inspect ZIP [--log FILE]`: what an export holds, read without unpacking
it: folders with their messages and sizes, calendar items, entries that are not messages
and why, and the totals against the output log (the one a download saved beside the zip, or
--log). Exit 0, or 5 when a total differs from the log's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.cells import cell_len

from tui.commands import exit_codes
from tui.commands.output import emit_json
from tui.commands.progress import counted, size_text
from tui.core.retrieve.inspect import inspect_zip
from tui.core.retrieve.model import ExportLog, Inspection
from tui.core.retrieve.output_log import parse_log
from tui.core.safe_text import shown

TOP_LEVEL = "(top level)"


def folder_label(path: tuple[str, ...]) -> str:
    return "/".join(path) if path else TOP_LEVEL


def inspection_lines(inspection: Inspection) -> list[str]:
    """The inspection as lines for a terminal, every name escaped."""
    lines = [f"{inspection.path}  ({size_text(inspection.size)}, {inspection.size:,} bytes)",
             "", f"{counted(len(inspection.folders), 'folder')}:"]
    width = min(48, max((cell_len(folder_label(f.path)) for f in inspection.folders),
                        default=6))
    for folder in inspection.folders:
        noun = "message" if folder.messages == 1 else "messages"
        label = folder_label(folder.path)
        padding = " " * max(0, width - cell_len(label))  # CJK letters take two cells
        lines.append(f"  {label}{padding}  {folder.messages:>7,} {noun:<8}  "
                     f"{size_text(folder.bytes):>10}")
    lines.append(f"  {'':<{width}}  {inspection.messages:>7,} messages  "
                 f"{size_text(inspection.message_bytes):>10}")
    if inspection.calendar_items:
        lines += ["", f"{counted(len(inspection.calendar_items), 'calendar item')}:"]
        lines += [f"  {name}" for name in inspection.calendar_items]
    if inspection.others:
        lines += ["", f"{counted(len(inspection.others), 'entry', 'entries')} that are not "
                      "messages (convert skips them):"]
        lines += [f"  {other.name}  ({other.reason}, {other.size:,} bytes)"
                  for other in inspection.others]
    lines.append("")
    if inspection.log is None:
        lines.append("No output log beside the zip to compare with (give one with --log).")
    else:
        lines.append(f"Against the log {inspection.log.key}:")
        for comparison in inspection.comparisons:
            verdict = "matches" if comparison.matches else "DIFFERS"
            logged = "not given" if comparison.logged is None else f"{comparison.logged:,}"
            lines.append(f"  {comparison.name:<14} zip {comparison.found:>9,}   log {logged:>9}"
                         f"   {verdict}")
    return [shown(line) for line in lines]


def inspection_dict(inspection: Inspection) -> dict[str, Any]:
    return {
        "path": inspection.path, "size": inspection.size, "messages": inspection.messages,
        "message_bytes": inspection.message_bytes,
        "folders": [{"path": list(f.path), "messages": f.messages, "bytes": f.bytes}
                    for f in inspection.folders],
        "calendar_items": list(inspection.calendar_items),
        "not_messages": [{"name": o.name, "reason": o.reason, "size": o.size}
                         for o in inspection.others],
        "log": inspection.log.key if inspection.log else None,
        "comparisons": [{"name": c.name, "zip": c.found, "log": c.logged, "matches": c.matches}
                        for c in inspection.comparisons],
        "matches_log": inspection.matches_log,
    }


def read_log_file(path: str) -> ExportLog | None:
    try:
        return parse_log(Path(path).expanduser().read_bytes()[:65537], path)
    except OSError:
        return None


def run(zip_path: str, log: ExportLog | None, *, as_json: bool) -> int:
    inspection = inspect_zip(Path(zip_path).expanduser(), log)
    if as_json:
        emit_json(inspection_dict(inspection))
    else:
        print("\n".join(inspection_lines(inspection)))
    return exit_codes.EXPORT_NOT_PROVEN if inspection.matches_log is False else exit_codes.OK
