"""The setup actions of the role, key and destination steps: `c` creates (a role for this
export, a key, a bucket), `f` fixes what the step's check found when a change can. Each opens
the plan screen; once a plan is applied, the step takes the created or repaired values and
checks them again (moving on when they pass).

After a check finds something, the fix is planned in the background, so the status line can
name it ("f: Enable this key, 1 call") before the person asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Input

from tui.app.setup.plan_screen import PlanScreen
from tui.app.steps.step_screen import StepScreen
from tui.core.model import AwsProblem
from tui.core.setup.plan import calls_text
from tui.wizard import calls
from tui.wizard.setup_actions import (
    CREATE_LABELS,
    FIX_LABELS,
    ActionKind,
    after_apply,
    fixable,
    plan_title,
    setup_request,
)
from tui.wizard.stages import Stage

if TYPE_CHECKING:
    from tui.core.setup.apply import Applied
    from tui.core.setup.plan import Plan

    _Base = StepScreen
else:
    _Base = object


class SetupActions(_Base):
    """Mixed into a StepScreen subclass (before it in the bases)."""

    fix_plan: Plan | None = None

    # ---- what a screen says -----------------------------------------------------------
    def offers_create(self) -> bool:
        """Whether `c` is offered now (a screen narrows it: nothing usable listed)."""
        return True

    def new_values(self) -> tuple[str, str]:
        """(bucket, prefix) a new bucket's plan starts from (the destination step)."""
        return "", ""

    # ---- bindings ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        ready = self.wizard.aws is not None and bool(self.state.request.organization_id)
        if action == "setup_create":
            return ready and self.offers_create() and not self.loading_anything
        if action == "setup_fix":
            return ready and fixable(self.state, self.STAGE) and not self.loading_anything
        return super().check_action(action, parameters)

    def action_setup_create(self) -> None:
        self._open_plan(ActionKind.CREATE)

    def action_setup_fix(self) -> None:
        self._open_plan(ActionKind.FIX)

    def _open_plan(self, kind: ActionKind) -> None:
        aws, state, stage = self.wizard.aws, self.state, self.STAGE
        if aws is None:
            return
        if stage is Stage.DESTINATION and kind is ActionKind.CREATE:
            _, prefix = self.new_values()
            organization = state.request.organization_id

            def plan_bucket(name: str) -> Plan:
                request = setup_request(state, stage, kind, bucket=name, prefix=prefix)
                return calls.plan_setup(aws, request, CREATE_LABELS[stage])

            screen = PlanScreen(CREATE_LABELS[stage], plan_bucket, name_label="Bucket name",
                                suggest=lambda: calls.suggest_bucket_name(aws, organization))
        else:
            request = setup_request(state, stage, kind)
            known = self.fix_plan if kind is ActionKind.FIX else None
            title = plan_title(known, stage, kind) if known else \
                CREATE_LABELS[stage] if kind is ActionKind.CREATE else FIX_LABELS[stage]
            screen = PlanScreen(title, lambda _name: calls.plan_setup(aws, request, title),
                                plan=known)
        self.app.push_screen(screen, self._applied)

    def _applied(self, applied: Applied | None) -> None:
        self.fix_plan = None
        if applied is None:
            self.refresh_bindings()
            return
        if not applied.ok:
            self.load()  # what was made before the failure shows in the list
            return
        new = after_apply(self.state, self.STAGE, applied)
        self.load()
        self.after_setup(new)

    def after_setup(self, new: Any) -> None:
        """The plan was applied: take the new values and check them (screens may add)."""
        self.choose(new)

    # ---- planning the fix ahead ------------------------------------------------------------
    def after_check(self) -> None:
        super().after_check()
        if self.is_current and fixable(self.state, self.STAGE) and self.wizard.aws is not None:
            self._plan_fix()

    def _plan_fix(self) -> None:
        aws, state, stage = self.wizard.aws, self.state, self.STAGE
        assert aws is not None
        request = setup_request(state, stage, ActionKind.FIX)
        said = self.status.text
        kind = "problem" if self.status.has_class("problem") else "warning"

        def planned(plan: Plan) -> None:
            if self.state != state:
                return  # another value was chosen meanwhile
            self.fix_plan = plan
            if plan.steps:
                title = plan_title(plan, stage, ActionKind.FIX)
                line = f"{said} Or press f: {title} ({calls_text(len(plan.steps))}, shown first)."
                if isinstance(self.focused, Input):
                    self.query_one("#choices").focus()  # where f is a key, not a letter
                (self.status.problem if kind == "problem" else self.status.warning)(line)
            else:
                (self.status.problem if kind == "problem" else self.status.warning)(said)
            self.refresh_bindings()

        def unplanned(problem: AwsProblem) -> None:
            if self.state == state:  # no fix to offer ahead; f still plans when pressed
                (self.status.problem if kind == "problem" else self.status.warning)(said)

        self.call_aws(lambda: calls.plan_setup(aws, request), planned,
                      message="Looking for a fix this tool can make…", group="fix",
                      failed=unplanned)
