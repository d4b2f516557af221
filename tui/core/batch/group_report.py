"""The manifests of a group of runs: one per organization (report.py, as for any run) and a
combined one, `<group id>.csv` / `.json`: every line of every organization's manifest with
its organization and Region first, then one line per organization that could not take part
(state `not taking part`, the reason in the note). Written 0600."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from tui.core.batch import report
from tui.core.batch.facts import Group
from tui.core.batch.store import BatchStore

COLUMNS = ("organization", "organization_id", "region", *report.COLUMNS)
NOT_TAKING_PART = "not taking part"


def group_rows(store: BatchStore, group: Group) -> list[dict[str, object]]:
    """Every organization's manifest lines, then the organizations left out."""
    table: list[dict[str, object]] = []
    for member in group.members:
        run = store.run(member.run_id)
        lines = report.manifest_rows(run, store.rows(member.run_id),
                                     extras=report.extras_of(store, member.run_id))
        table += [{"organization": member.label, "organization_id": member.organization_id,
                   "region": member.region} | line for line in lines]
    for left in group.left_out:
        blank: dict[str, object] = dict.fromkeys(COLUMNS, "")
        table.append(blank | {
            "organization": left.label, "organization_id": left.organization_id,
            "region": left.region, "state": NOT_TAKING_PART, "note": left.reason})
    return table


def group_document(store: BatchStore, group: Group) -> dict[str, object]:
    organizations = []
    for member in group.members:
        run, rows = store.run(member.run_id), store.rows(member.run_id)
        organizations.append({
            "organization": member.label, "organization_id": member.organization_id,
            "region": member.region, "run_id": member.run_id, "status": run.status.value,
            "summary": report.summary(rows, member.run_id,
                                      report.extras_of(store, member.run_id))})
    return {"group_id": group.group_id, "organizations": organizations,
            "not_taking_part": [{"organization": o.label, "organization_id": o.organization_id,
                                 "region": o.region, "reason": o.reason}
                                for o in group.left_out],
            "mailboxes": group_rows(store, group)}


def _write_private(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    temporary.replace(path)


def write_group_manifests(store: BatchStore, group: Group, directory: Path) -> list[Path]:
    """Each organization's manifests, then the combined `<group id>.csv` and `.json`."""
    written = []
    for member in group.members:
        written += report.write_run_manifests(store, member.run_id, directory)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(group_rows(store, group))
    for suffix, text in (("csv", out.getvalue()),
                         ("json", json.dumps(group_document(store, group), indent=2))):
        path = directory / f"{group.group_id}.{suffix}"
        _write_private(path, text)
        written.append(path)
    return written
