"""How `batch` shows a plan before it starts: lines (the whole per-mailbox table with
--plan-only) or a JSON document; both carry the sizes, the mailboxes left out or not
exportable with why, the disabled ones, the estimate and the deadline warning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tui.commands.output import finding_dict
from tui.core.batch.forecast import Estimate
from tui.core.batch.model import RecentPolicy
from tui.core.batch.order import Order
from tui.core.batch.plan import Plan
from tui.core.model import Finding
from tui.core.safe_text import shown
from tui.wizard import bulk
from tui.wizard.plan_file import plan_document
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


def plan_json(plan: Plan, estimate: Estimate, findings: Sequence[Finding], *, bucket: str,
              order: Order, warning: str | None, now: float) -> dict[str, Any]:
    """The plan as one JSON document (`type: plan`), with the findings of its checks."""
    return plan_document(plan, estimate, bucket=bucket, order=order, warning=warning,
                         now=now) | {"findings": [finding_dict(f) for f in findings]}
