"""The setup actions of the plain face, line by line: the same choices as the Textual face
("Create a role for this export", "Create a key", "Create a bucket", and the fix a check's
error or warning can have), each shown as its whole plan, confirmed (the question names what
will be created or changed), applied with a line per call, then checked like any choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from questionary import Choice

from tui.core.model import CoreError
from tui.plain.terminal import choose, confirm, say
from tui.wizard import calls
from tui.wizard.setup_actions import (
    CREATE_LABELS,
    DEFAULT_PREFIX,
    ActionKind,
    after_apply,
    fixable,
    plan_title,
    setup_request,
)
from tui.wizard.setup_text import applied_lines, plan_lines
from tui.wizard.stages import Stage

if TYPE_CHECKING:
    from tui.core.setup.apply import Event
    from tui.core.setup.plan import Plan, Step
    from tui.plain.plain_wizard import PlainWizard

CREATE = "setup:create"  # the value of a "Create ..." choice in a step's list


def create_choice(stage: Stage) -> Choice:
    return Choice(f"{CREATE_LABELS[stage]}… (you see the plan first)", CREATE)


def _bucket_and_prefix(w: PlainWizard) -> tuple[str, str]:
    import questionary

    from tui.core.model import Field
    from tui.core.setup.bucket import new_bucket_problem
    from tui.plain.terminal import type_in

    say("Finding a free name…")
    suggested = calls.suggest_bucket_name(w.connection, w.state.request.organization_id)
    name: str = questionary.text(
        "New bucket's name:", default=suggested,
        validate=lambda text: new_bucket_problem(text.strip()) or True).unsafe_ask().strip()
    prefix = type_in("S3 prefix:", Field.PREFIX, w.state.request.prefix or DEFAULT_PREFIX)
    return name, prefix


def run_action(w: PlainWizard, kind: ActionKind, plan: Plan | None = None) -> None:
    """Plan (unless `plan` is known), show it whole, ask, apply, and check what it made."""
    stage = w.state.stage
    bucket = prefix = ""
    if stage is Stage.DESTINATION and kind is ActionKind.CREATE:
        bucket, prefix = _bucket_and_prefix(w)
    if plan is None:
        say("Reading your account and planning…")
        plan = calls.plan_setup(w.connection, setup_request(w.state, stage, kind, bucket,
                                                            prefix))
    title = plan_title(plan, stage, kind)
    say()
    say(title, style="bold")
    for line in plan_lines(plan)[1:]:
        say(line)
    if plan.empty:
        return
    answer = choose("What now?", [Choice(f"Apply: {plan.summary()}", "apply"),
                                  Choice("Write the plan for someone else (shell script, "
                                         "CloudFormation template)", "write"),
                                  Choice("Back, change nothing", "back")])
    if answer == "write":
        _write(plan)
        return
    if answer != "apply" or not confirm(plan.confirmation(), default=False):
        say("Nothing was changed.")
        return
    _apply(w, plan, stage)


def _write(plan: Plan) -> None:
    from tui.core.setup.hand_off import write_hand_off

    try:
        paths = write_hand_off(plan)
    except OSError as error:
        say(f"Could not write the files: {error.strerror or error}", style="fg:ansired")
        return
    say("Written, for someone allowed to make these calls: " + ", ".join(map(str, paths)))


def _apply(w: PlainWizard, plan: Plan, stage: Stage) -> None:
    total = len(plan.steps)

    def progress(index: int, step: Step, event: Event) -> None:
        if event.value != "started":
            mark = "✓" if event.value == "done" else "✗"
            say(f"{mark} {index + 1}/{total} {step.summary}")

    applied = calls.apply_plan(w.connection, plan, progress)
    style = "fg:ansigreen" if applied.ok else "fg:ansired"
    for number, line in enumerate(applied_lines(
            applied, hand_off="choose 'Write the plan for someone else' on the plan")):
        say(line, style=style if number == 0 else "")
    if applied.ok:
        w.check_and_advance(after_apply(w.state, stage, applied))


def offer_fix(w: PlainWizard) -> bool:
    """After a check found an error or warning at a setup step: plan the fix and, when a
    change can make it, offer it. True when the walk was taken over (fixed or refused)."""
    stage = w.state.stage
    if not fixable(w.state, stage):
        return False
    try:
        plan = calls.plan_setup(w.connection, setup_request(w.state, stage, ActionKind.FIX))
    except CoreError:
        return False  # no fix to offer: the step is asked again, as before
    if not plan.steps:
        return False
    title = plan_title(plan, stage, ActionKind.FIX)
    if choose("What now?", [Choice(f"{title} (see the plan first)", "fix"),
                            Choice("Choose something else", "again")]) != "fix":
        return False
    run_action(w, ActionKind.FIX, plan)
    return True
