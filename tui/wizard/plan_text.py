"""The words of a bulk plan that every face shows: sizes, each mailbox's line, the estimate
and the deadline warning.

`batch` (lines and --plan-only), the Textual review and the multi-organization views all read
these, so a plan reads the same everywhere. Text from AWS (names, emails) is returned as is:
each face escapes it the way its output needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.batch.disabled import is_disabled, removal_text
from tui.core.batch.forecast import Estimate, when
from tui.core.batch.order import Order
from tui.core.batch.plan import Plan, PlannedMailbox
from tui.wizard.bulk import duration

ORDER_WORDS = {
    Order.SIZE: "disabled mailboxes first (soonest removal first), then the largest first",
    Order.LISTING: "disabled mailboxes first (soonest removal first), then as listed",
}


def size_text(megabytes: float | None) -> str:
    """`850 MB`, `1.2 GB`, `3.4 TB`; `?` when unknown."""
    if megabytes is None:
        return "?"
    if megabytes < 1000:
        return f"{megabytes:.0f} MB"
    if megabytes < 1000 * 1024:
        return f"{megabytes / 1024:.1f} GB"
    return f"{megabytes / 1024 / 1024:.1f} TB"


@dataclass(frozen=True)
class PlanLine:
    """One mailbox of a plan as a person reads it."""

    position: int  # 1-based start order
    label: str
    state: str  # enabled, disabled, resource
    size: str
    note: str


def _note(planned: PlannedMailbox, now: float) -> str:
    if planned.left_out:
        return planned.left_out
    notes = []
    if is_disabled(planned.mailbox):
        notes.append(f"disabled: removed {removal_text(planned.mailbox, now)}")
    if planned.recent is not None:
        notes.append(f"exported in the last 24 hours (job {planned.recent.job_id}); again "
                     f"from {when(planned.recent.available_at)}")
    return "; ".join(notes)


def plan_lines(plan: Plan, now: float) -> list[PlanLine]:
    """Every mailbox of the plan in start order, with its state, size and what to know."""
    return [PlanLine(i, p.mailbox.email or p.mailbox.name or p.mailbox.id,
                     p.mailbox.state.lower() or "?", size_text(p.size_mb), _note(p, now))
            for i, p in enumerate(plan.mailboxes, start=1)]


def disabled_lines(plan: Plan, now: float) -> list[str]:
    """One line per disabled mailbox: who, when it is removed, included or left out."""
    lines = []
    for p in plan.mailboxes:
        if is_disabled(p.mailbox):
            fate = "left out on request" if p.left_out else "exported first"
            lines.append(f"{p.mailbox.email or p.mailbox.name or p.mailbox.id}: disabled, "
                         f"removed {removal_text(p.mailbox, now)}; {fate}")
    return lines


def size_summary(plan: Plan) -> str:
    """`56 mailboxes, 48.2 GB in all (2 sizes unknown: counted as the median)`."""
    exported = plan.exported
    text = f"{len(exported)} mailbox{'es' if len(exported) != 1 else ''}, " \
           f"{size_text(plan.total_mb)} in all"
    unknown = sum(p.size_mb is None for p in exported)
    if unknown:
        text += f" ({unknown} size{'s' if unknown != 1 else ''} unknown: counted as the median)"
    if plan.throttled_reads:
        text += f"; the size reads were throttled {plan.throttled_reads} time(s) and slowed down"
    return text


def estimate_line(estimate: Estimate) -> str:
    """`Estimated time: about 3 h 10 min (2 h 50 min to 3 h 30 min), done around ... with
    10 export slots.`"""
    if estimate.mailboxes == 0:
        return "Estimated time: nothing to export."
    if estimate.likely is None:
        return ("Estimated time: unknown, no export slot is free (others run 10 jobs in the "
                "organization); the run starts when one frees.")
    text = f"Estimated time: about {duration(estimate.seconds)}"
    spread = estimate.range_seconds
    if spread is not None and duration(spread[0]) != duration(spread[1]):
        text += f" ({duration(spread[0])} to {duration(spread[1])})"
    text += f", done around {when(estimate.likely)} with {estimate.slots} export slot" \
            f"{'s' if estimate.slots != 1 else ''}"
    if estimate.waiting_for_window:
        text += (f"; {estimate.waiting_for_window} wait for their 24-hour window first")
    return text + "."
