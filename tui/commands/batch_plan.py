"""How `batch` shows a plan before it starts: lines (the whole per-mailbox table with
--plan-only) or a JSON document; both carry the sizes, the mailboxes left out or not
exportable with why, the disabled ones, the estimate and the deadline warning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tui.commands.output import finding_dict
from tui.core.batch.forecast import Estimate, when
from tui.core.batch.model import RecentPolicy
from tui.core.batch.order import Order
from tui.core.batch.plan import Plan
from tui.core.model import Finding
from tui.core.safe_text import shown
from tui.wizard import bulk
from tui.wizard.plan_text import (
    ORDER_WORDS,
    disabled_lines,
    estimate_line,
    plan_lines,
    size_summary,
)

Say = Callable[[str], None]


def plan_headline(plan: Plan, bucket: str, recent: RecentPolicy) -> str:
    recent_word = "skipped" if recent is RecentPolicy.SKIP else \
        "scheduled after their 24-hour window"
    return (f"Plan: {len(plan.exported)} mailbox(es) of {plan.organization_id} to "
            f"s3://{shown(bucket)}/{shown(plan.base_prefix)}<mailbox>/; "
            f"{len(plan.recent)} exported in the last 24 hours ({recent_word}); "
            f"{plan.others_running} job(s) already running in the organization.")


def say_plan(say: Say, plan: Plan, estimate: Estimate, *, bucket: str, recent: RecentPolicy,
             order: Order, warning: str | None, now: float, every_line: bool) -> None:
    """The plan as lines: headline, sizes, order, disabled mailboxes, what is not exported,
    (with `every_line`, each mailbox), the estimate and its basis, the deadline warning."""
    say(plan_headline(plan, bucket, recent))
    say(f"Size: {size_summary(plan)}.")
    say(f"Order: {ORDER_WORDS[order]}.")
    for line in disabled_lines(plan, now):
        say(f"  {shown(line)}")
    if every_line:
        say(f"  {'#':>5}  {'Mailbox':<44} {'State':<9} {'Size':>9}  Note")
        for item in plan_lines(plan, now):
            say(f"  {item.position:>5}  {shown(item.label):<44} {item.state:<9} "
                f"{item.size:>9}  {shown(item.note)}")
    else:
        for label, prefix in bulk.prefix_examples(plan):
            say(f"  {shown(label)} -> s3://{shown(bucket)}/{shown(prefix)}")
    if plan.rejected:
        say(f"Not exported ({len(plan.rejected)}):")
        for rejected in plan.rejected:
            say(f"  {shown(bulk.rejected_line(rejected))}")
    for entity, reason in plan.sizes_unknown.items():
        say(f"  size of {shown(entity)} unknown: {shown(reason)}")
    say(estimate_line(estimate))
    say(estimate.throughput.describe())
    if warning:
        say(f"Warning: {warning}")


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


def plan_document(plan: Plan, estimate: Estimate, findings: Sequence[Finding], *,
                  bucket: str, order: Order, warning: str | None, now: float
                  ) -> dict[str, Any]:
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
        "findings": [finding_dict(f) for f in findings],
    }
