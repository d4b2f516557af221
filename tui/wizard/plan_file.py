"""A plan as a document: the JSON that `batch --json` prints before a run and
`batch --plan-only --json` prints instead of one, and the CSV + JSON files the Textual review
saves (its "plan only" choice), so a plan can be read, kept and compared before anything
starts. Files are written 0600 (they list every employee's address).
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tui.core.batch.forecast import Estimate, when
from tui.core.batch.order import Order
from tui.core.batch.plan import Plan
from tui.wizard.plan_text import plan_lines

PLAN_COLUMNS = ("position", "mailbox", "state", "entity_id", "size_mb", "destination",
                "left_out", "note")


def estimate_document(estimate: Estimate) -> dict[str, Any]:
    spread = estimate.range_seconds
    model = estimate.throughput
    return {"mailboxes": estimate.mailboxes, "total_mb": round(estimate.total_mb, 1),
            "unknown_sizes": estimate.unknown_sizes, "seconds": estimate.seconds,
            "range_seconds": list(spread) if spread else None,
            "finish": when(estimate.likely) if estimate.likely is not None else None,
            "slots": estimate.slots, "waiting_for_window": estimate.waiting_for_window,
            "throughput": {"mb_per_second": round(model.mb_per_second, 3),
                           "overhead_seconds": round(model.overhead_seconds, 1),
                           "learned_from": model.learned_from, "assumed": model.assumed,
                           "basis": model.describe()}}


def plan_document(plan: Plan, estimate: Estimate, *, bucket: str, order: Order,
                  warning: str | None, now: float) -> dict[str, Any]:
    """The plan as one JSON document (`type: plan`): every mailbox with its size and note."""
    return {
        "type": "plan", "organization_id": plan.organization_id,
        "mailboxes": len(plan.exported), "recent": len(plan.recent),
        "others_running": plan.others_running, "order": order.value,
        "total_mb": round(plan.total_mb, 1), "throttled_size_reads": plan.throttled_reads,
        "planned": [{"position": p.position, "mailbox": p.label, "state": p.state,
                     "entity_id": m.mailbox.id, "size_mb": m.size_mb,
                     "destination": f"s3://{bucket}/{m.prefix}", "left_out": bool(m.left_out),
                     "note": p.note}
                    for p, m in zip(plan_lines(plan, now), plan.mailboxes, strict=True)],
        "rejected": [{"line": r.text, "reason": r.reason} for r in plan.rejected],
        "sizes_unknown": dict(plan.sizes_unknown),
        "estimate": estimate_document(estimate), "deadline_warning": warning,
    }


def plan_csv(document: dict[str, Any]) -> str:
    """Every mailbox of the plan document, then its rejected lines (position empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PLAN_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(document["planned"])
    for rejected in document["rejected"]:
        writer.writerow(dict.fromkeys(PLAN_COLUMNS, "") | {
            "mailbox": rejected["line"], "state": "excluded", "note": rejected["reason"]})
    return out.getvalue()


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_plan(document: dict[str, Any], directory: Path, now: float) -> list[Path]:
    """`plan-<organization>-<UTC time>.csv` and `.json` in `directory`; their paths."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = directory / f"plan-{document['organization_id']}-{stamp}"
    written = []
    for suffix, text in (("csv", plan_csv(document)),
                         ("json", json.dumps(document, indent=2))):
        path = base.with_suffix(f".{suffix}")
        _write_private(path, text)
        written.append(path)
    return written
