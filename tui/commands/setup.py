"""`workmail-export setup`: plan (the default, changes nothing), or apply, what an export
needs - the role, the key, the bucket; `--format shell|cloudformation` writes the plan for
someone else to apply; `--remove` plans (and applies) the removal of what the tool created.

Exit statuses: 0 a plan shown or applied; 3 the plan has something no change can fix; 1 an
AWS call failed while applying (what was done and how to finish are on stderr); 2 bad usage
(an --apply that cannot ask and has no --yes).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from tui.commands import exit_codes
from tui.commands.common import connect
from tui.commands.output import emit_json, say_error
from tui.core.model import ConnectionSettings
from tui.core.setup.plan import Call, Plan, Step
from tui.wizard.setup_text import applied_lines, plan_lines

COMMAND = "setup"


@dataclass(frozen=True)
class SetupOptions:
    """What the flags ask for."""

    organization_id: str = ""
    bucket: str = ""
    prefix: str = ""
    role_name: str = ""
    key_arn: str = ""
    create_key: bool = False
    apply: bool = False
    yes: bool = False
    as_json: bool = False
    format: str = ""  # "", "shell" or "cloudformation"
    remove: bool = False
    argv: tuple[str, ...] = ()  # the command line, for the hand-off advice


def run(settings: ConnectionSettings, options: SetupOptions) -> int:
    aws = connect(settings, confirm_identity=True)
    if options.remove:
        from tui.core.setup.remove import plan_removal

        plan = plan_removal(aws, options.organization_id)
    else:
        from tui.core.setup.planner import plan_setup
        from tui.core.setup.request import SetupRequest

        plan = plan_setup(aws, SetupRequest(
            organization_id=options.organization_id, bucket=options.bucket,
            prefix=options.prefix, role_name=options.role_name, key_arn=options.key_arn,
            create_key=options.create_key))
    if options.format:
        return _hand_off(plan, options.format)
    if not options.apply:
        _show(plan, options)
        return exit_codes.CHECK_ERRORS if plan.blockers else exit_codes.OK
    return _apply(aws, plan, options)


def _show(plan: Plan, options: SetupOptions, applied: dict[str, Any] | None = None) -> None:
    if options.as_json:
        emit_json({"plan": plan_dict(plan), **({"applied": applied} if applied else {})})
    elif applied is None:
        print("\n".join(plan_lines(plan)))


def _hand_off(plan: Plan, format: str) -> int:
    """The plan as a shell script or a CloudFormation template on stdout; what the template
    cannot express is said on stderr."""
    if format == "shell":
        from tui.core.setup.shell import shell_script

        print(shell_script(plan), end="")
    else:
        from tui.core.setup.cloudformation import template

        rendered = template(plan)
        if not rendered.text and plan.steps:
            say_error(COMMAND, "CloudFormation cannot make any call of this plan: it only "
                               "changes what exists, which a stack cannot. Use --format shell.")
            return exit_codes.BAD_USAGE
        if plan.empty:
            say_error(COMMAND, "nothing to do: everything this plan covers is in place.")
        print(rendered.text, end="")
        for step in rendered.left_out:
            say_error(COMMAND, f"not in the template (CloudFormation cannot change what it "
                               f"did not create): {step.summary} Run it with --format shell.")
    if plan.blockers:
        for blocker in plan.blockers:
            say_error(COMMAND, f"no change can fix: {blocker}")
        return exit_codes.CHECK_ERRORS
    return exit_codes.OK


def _confirmed(plan: Plan, options: SetupOptions) -> bool | None:
    """True to apply, False when the person said no, None when nobody can be asked."""
    if options.yes:
        return True
    if not sys.stdin.isatty():
        return None
    answer = input(f"{plan.confirmation()} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _apply(aws: Any, plan: Plan, options: SetupOptions) -> int:
    from tui.core.setup.apply import Event, apply_plan

    if not options.as_json:
        print("\n".join(plan_lines(plan)))
    if plan.empty:
        if options.as_json:
            _show(plan, options, {"ok": True, "done": 0})
        return exit_codes.CHECK_ERRORS if plan.blockers else exit_codes.OK
    confirmed = _confirmed(plan, options)
    if confirmed is None:
        say_error(COMMAND, "--apply asks before it changes anything; pass --yes to apply "
                           "without asking (standard input is not a terminal).")
        return exit_codes.BAD_USAGE
    if not confirmed:
        say_error(COMMAND, "nothing was changed.")
        return exit_codes.INTERRUPTED

    def progress(index: int, step: Step, event: Event) -> None:
        if not options.as_json and event is not Event.STARTED:
            mark = "✓" if event is Event.DONE else "✗"
            print(f"{mark} {index + 1}/{len(plan.steps)} {step.summary}", flush=True)

    applied = apply_plan(aws, plan, progress)
    lines = applied_lines(applied, hand_off=_hand_off_command(options))
    if options.as_json:
        _show(plan, options, {"ok": applied.ok, "done": len(applied.done),
                              "failure": applied.failure_sentence(),
                              "key_arn": applied.key_arn,
                              "undo": [call_dict(c) for c in applied.undo_calls()]})
    stream = sys.stdout if applied.ok and not options.as_json else sys.stderr
    for line in lines:
        print(line, file=stream)
    if not applied.ok:
        return exit_codes.AWS_ERROR
    return exit_codes.CHECK_ERRORS if plan.blockers else exit_codes.OK


def _hand_off_command(options: SetupOptions) -> str:
    args = [a for a in options.argv if a not in ("--apply", "--yes", "--json")]
    base = " ".join(["workmail-export", *args])
    return f"{base} --format shell (or --format cloudformation)"


def call_dict(call: Call) -> dict[str, Any]:
    return {"service": call.service, "operation": call.operation, "params": dict(call.params)}


def plan_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON: every step's call, documents, before, needs, cost and undo."""
    return {
        "title": plan.title, "organization_id": plan.organization_id, "region": plan.region,
        "role_arn": plan.role_arn, "key_arn": plan.key_arn, "bucket": plan.bucket,
        "prefix": plan.prefix, "blockers": list(plan.blockers), "notes": list(plan.notes),
        "permissions": plan.permissions,
        "steps": [{"summary": s.summary, "kind": s.kind.value, "subject": s.subject,
                   "call": call_dict(s.call), "before": s.before, "needs": list(s.permissions),
                   "cost": s.cost, "undo": call_dict(s.undo) if s.undo else None,
                   "undo_note": s.undo_note, "note": s.note, "outputs": dict(s.outputs)}
                  for s in plan.steps],
    }

