"""What the two bulk reviews (one organization, several at once) share: reading the "Jobs at
once" field, and the end of the Start question (the estimate, and the deadline warning said
again where the admin decides)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text
    from textual.widgets import Input

    from tui.app.kit.status_line import StatusLine
    from tui.core.batch.forecast import Estimate


def entered_concurrency(event: Input.Changed, status: StatusLine) -> int | None:
    """The jobs-at-once value just typed into #bulk-concurrency; None for another field, or
    for a value refused (the field is marked and the status line says why)."""
    from tui.wizard.bulk import concurrency_problem

    if event.input.id != "bulk-concurrency":
        return None
    problem = concurrency_problem(event.value)
    event.input.set_class(problem is not None, "-invalid")
    if problem:
        status.problem(problem)
        return None
    return int(event.value)


def end_start_question(question: Text, estimate: Estimate, warning: str | None) -> None:
    """Append the estimate and, when there is one, the deadline warning to `question`."""
    from tui.wizard.plan_text import estimate_line

    question.append(f"\n{estimate_line(estimate)}")
    if warning:
        question.append(f"\n⚠ {warning}", style="bold yellow")
