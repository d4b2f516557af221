"""The words every face uses for a setup plan and for what applying it did, as plain lines.

A plan is shown whole: each step's sentence, its exact call with every parameter and
document, the whole document it replaces (when it changes one), what it needs and costs and
how it is undone; then what no change can fix, and the permissions applying needs. Text
that came from the account (existing documents, names) is escaped here (`shown_lines`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tui.core.safe_text import shown, shown_lines
from tui.core.setup.plan import calls_text

if TYPE_CHECKING:
    from tui.core.setup.apply import Applied
    from tui.core.setup.plan import Call, Plan, Step

INDENT = "     "
NOTHING_TO_DO = "Nothing to do: everything this plan covers is already in place."


def call_text(call: Call) -> str:
    """`service Operation` and its parameters, documents pretty-printed."""
    return shown_lines(call.shown())


def step_lines(number: int, step: Step) -> list[str]:
    """One step, numbered: sentence, call, before, needs, cost, undo, note."""
    lines = [f"{number}. {shown(step.summary)}"]
    lines += [f"{INDENT}{line}" for line in call_text(step.call).splitlines()]
    if step.before is not None:
        lines.append(f"{INDENT}Before (the whole document this replaces):")
        lines += [f"{INDENT}  {shown(line)}"
                  for line in json.dumps(step.before, indent=2).splitlines()]
    lines.append(f"{INDENT}Needs: {', '.join(step.permissions)}")
    if step.cost:
        lines.append(f"{INDENT}Cost: {step.cost}")
    if step.undo is not None:
        undo = f"{step.undo.service} {step.undo.operation}"
        lines.append(f"{INDENT}Undo: {undo}" + (f" ({step.undo_note})" if step.undo_note else ""))
    else:
        lines.append(f"{INDENT}Undo: {step.undo_note or 'nothing to call'}")
    if step.note:
        lines.append(f"{INDENT}Note: {shown(step.note)}")
    return lines


def plan_lines(plan: Plan) -> list[str]:
    """The whole plan, as a person reads it before saying yes."""
    where = (f"Organization {plan.organization_id} in {plan.region}." if plan.organization_id
             else f"Every organization in {plan.region}.")
    lines = [shown(plan.title), where, ""]
    if plan.empty:
        lines.append(NOTHING_TO_DO)
    for number, step in enumerate(plan.steps, 1):
        lines += [*step_lines(number, step), ""]
    if plan.blockers:
        lines.append("What no change of this plan can fix:")
        lines += [f"  ✗ {shown(blocker)}" for blocker in plan.blockers]
    if plan.notes:
        lines += [f"Note: {shown(note)}" for note in plan.notes]
    if plan.steps:
        lines.append(f"Applying needs: {', '.join(plan.permissions)}.")
    return lines


def applied_lines(applied: Applied, hand_off: str = "") -> list[str]:
    """What applying did: done, failed and why, what is left, how to finish or undo.
    `hand_off` names how to get the plan to someone who may apply it (a command)."""
    total = len(applied.plan.steps)
    if applied.ok:
        return [f"Done: {len(applied.done)} of {calls_text(total)} made."]
    lines = [f"Stopped at call {len(applied.done) + 1} of {total}: "
             f"{shown(applied.failure_sentence())}",
             f"Made before it: {calls_text(len(applied.done))}"
             + (": " + "; ".join(shown(s.summary) for s in applied.done) if applied.done
                else "."),
             f"Not made: {calls_text(1 + len(applied.remaining))}."]
    lines.append("To finish: run the same setup again; it plans only what is still missing.")
    if hand_off and applied.missing_permission:
        lines.append(f"Or hand the plan to someone allowed to apply it: {hand_off}")
    undo = applied.undo_calls()
    if undo:
        lines.append("To undo what was done (newest first):")
        lines += [f"  {shown(c.service)} {shown(c.operation)} "
                  f"{shown(json.dumps(c.params, separators=(',', ':')))}" for c in undo]
    return lines
