"""The review step of the bulk path: the single export's preflight checks (run on the first
mailbox with its own folder), a preview of the per-mailbox folders, the mailboxes exported
in the last 24 hours with the choice to skip them or schedule them after their window, how
many jobs at once, and Start (asks first), which stores the run and opens its progress."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from tui.app.steps.confirm_screen import ConfirmScreen
from tui.app.steps.findings_view import FindingsView
from tui.app.steps.step_screen import StepScreen
from tui.core.model import AwsProblem, ExportRequest, Level
from tui.core.safe_text import shown
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.present import FIELD_LABELS, levels_summary
from tui.wizard.stages import Stage
from tui.wizard.steps import StepSpec

if TYPE_CHECKING:
    from tui.core.batch.model import RunInfo
    from tui.wizard.bulk import CheckedPlan

SPEC = StepSpec(
    Stage.REVIEW, "Review the bulk export",
    "The same checks as one export, run on the first mailbox in its own folder. Each "
    "mailbox gets a folder of its own; nothing starts before you press Start.",
    loading="Checking everything and looking for recent exports…")


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class BulkPlanScreen(StepScreen):
    STAGE = Stage.REVIEW
    CSS_PATH = "bulk_plan_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("s", "start", "Start"),
        Binding("w", "toggle_recent", "Skip/schedule recent"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.checked: CheckedPlan | None = None
        self.starting = False

    @property
    def spec(self) -> StepSpec:
        return SPEC

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="bulk-plan"):
            yield Static(id="bulk-summary")
            yield Static(id="bulk-checks")
            yield Static(id="bulk-examples")
            yield Static(id="bulk-recent")
            with RadioSet(id="bulk-recent-choice"):
                yield RadioButton("Skip them", value=True, id="recent-skip")
                yield RadioButton("Schedule them after their 24-hour window",
                                  id="recent-schedule")
            with Horizontal(id="bulk-concurrency-row"):
                yield Static("Jobs at once", classes="form-label")
                yield Input(value="10", id="bulk-concurrency", compact=True,
                            restrict=r"[0-9]*", max_length=2)
                yield Static(id="bulk-concurrency-note")
            yield Static(id="bulk-rejected-lines")
            with Horizontal(classes="buttons"):
                yield Button("Start (s)", variant="success", id="bulk-start", disabled=True)

    def load(self) -> None:
        for hidden in ("#bulk-recent", "#bulk-recent-choice", "#bulk-rejected-lines"):
            self.query_one(hidden).display = False
        self._summary()
        aws, request, chosen = self.wizard.aws, self.state.request, self.state.bulk
        if aws is None or chosen is None:
            return
        from tui.wizard.bulk import plan_and_check

        now = self.wizard.bulk_timing.now()
        self.call_aws(lambda: plan_and_check(aws, request, chosen, now, calls.preflight),
                      lambda checked: self._checked_plan(checked, request),
                      message=SPEC.loading, group="check", busy=self.query_one("#bulk-checks"))

    def _summary(self) -> None:
        state, request = self.state, self.state.request
        count = len(state.bulk.mailboxes) if state.bulk else 0
        org = state.organization.alias if state.organization else request.organization_id
        role = state.role.name if state.role else request.role_arn
        key = ", ".join(state.key.aliases) if state.key and state.key.aliases else \
            request.kms_key_arn
        text = Text()
        text.append(f"{count} mailbox{'es' if count != 1 else ''}", style="bold")
        text.append(f" of {shown(org)} → ")
        text.append(shown(f"s3://{request.bucket}/{request.prefix.strip('/')}/<mailbox>/"),
                    style="bold")
        text.append(f"\nRole {shown(role)} · key {shown(key)}", style="dim")
        self.query_one("#bulk-summary", Static).update(text)

    def _checked_plan(self, checked: CheckedPlan, request: ExportRequest) -> None:
        from tui.wizard.bulk import concurrency_note, prefix_examples, rejected_line

        self.checked = checked
        plan, findings = checked.plan, checked.findings
        self.wizard.state = wz.with_findings(self.state, tuple(FIELD_LABELS), findings,
                                             for_request=request)
        self.refresh_stage_bar()
        errors = [f for f in findings if f.level is Level.ERROR]
        checks = Text("Checks: ", style="bold")
        checks.append(levels_summary(findings), style="red" if errors else "green")
        self.query_one("#bulk-checks", Static).update(checks)
        self.query_one(FindingsView).show([f for f in findings if f.level is not Level.OK])

        examples = Text("Each mailbox gets its own folder (@ becomes !40, + becomes !2B, so "
                        "the email can be read back):", style="dim")
        for label, prefix in prefix_examples(plan):
            examples.append(f"\n{label}", style="bold")
            examples.append(f" → {prefix}")
        self.query_one("#bulk-examples", Static).update(examples)

        recent = plan.recent
        self.query_one("#bulk-recent").display = bool(recent)
        self.query_one("#bulk-recent-choice").display = bool(recent)
        if recent:
            text = Text(f"{len(recent)} exported in the last 24 hours (WorkMail allows one "
                        "export a day; w switches):", style="bold yellow")
            for planned in recent[:5]:
                assert planned.recent is not None
                text.append(f"\n  {shown(planned.mailbox.email or planned.mailbox.name)}: "
                            f"job {shown(planned.recent.job_id[:8])}…, again from "
                            f"{_clock(planned.recent.available_at)}")
            if len(recent) > 5:
                text.append(f"\n  …and {len(recent) - 5} more")
            self.query_one("#bulk-recent", Static).update(text)

        self.query_one("#bulk-concurrency-note", Static).update(Text(
            concurrency_note(plan.others_running), style="dim"))

        lines = self.query_one("#bulk-rejected-lines", Static)
        lines.display = bool(plan.rejected)
        rejected = Text(f"Not exported ({len(plan.rejected)}):", style="bold yellow")
        for line in plan.rejected:
            rejected.append(f"\n  {rejected_line(line)}")
        lines.update(rejected)

        self.query_one("#bulk-start", Button).disabled = checked.blocked
        if errors:
            self.status.problem(f"{len(errors)} error(s) block the start; Esc goes back to "
                                "the step to fix.")
        elif not plan.mailboxes:
            self.status.problem("No mailbox left to export; Esc goes back to choose others.")
        self.refresh_bindings()

    def action_toggle_recent(self) -> None:
        """Recent exports: skip them <-> schedule them after their window."""
        schedule = self.query_one("#recent-schedule", RadioButton)
        skip = self.query_one("#recent-skip", RadioButton)
        schedule.value, skip.value = not schedule.value, schedule.value

    def on_input_changed(self, event: Input.Changed) -> None:
        from tui.wizard.bulk import concurrency_problem

        if event.input.id == "bulk-concurrency":
            problem = concurrency_problem(event.value)
            event.input.set_class(problem is not None, "-invalid")
            if problem:
                self.status.problem(problem)
            elif self.status.has_class("problem") and self.checked is not None \
                    and not self.checked.blocked:
                self.status.clear()

    # ---- starting --------------------------------------------------------------------
    def can_start(self) -> bool:
        return self.checked is not None and not self.checked.blocked and not self.starting

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bulk-start":
            self.action_start()

    def action_start(self) -> None:
        from tui.wizard.bulk import concurrency_problem

        if not self.can_start() or self.checked is None:
            return
        value = self.query_one("#bulk-concurrency", Input).value
        problem = concurrency_problem(value)
        if problem:
            self.status.problem(problem)
            self.query_one("#bulk-concurrency", Input).focus()
            return
        plan = self.checked.plan
        schedule = self.query_one("#recent-schedule", RadioButton).value
        waiting = len(plan.recent)
        question = Text(f"Start exporting {len(plan.mailboxes)} mailboxes?\n\n", style="bold")
        question.append(f"Up to {int(value)} jobs at once into "
                        + shown(f"s3://{self.state.request.bucket}/{plan.base_prefix}")
                        + "<mailbox>/.")
        if waiting:
            question.append(f"\n{waiting} exported in the last 24 hours will be "
                            + ("scheduled after their window." if schedule else "skipped."))
        self.app.push_screen(ConfirmScreen(question, yes="Start", no="Not yet"),
                             lambda yes: self._create_run(int(value), schedule) if yes else None)

    def _create_run(self, concurrency: int, schedule: bool) -> None:
        from tui.core.batch.model import RecentPolicy, RunSettings

        assert self.checked is not None
        plan, request, timing = self.checked.plan, self.state.request, self.wizard.bulk_timing
        settings = RunSettings(
            organization_id=request.organization_id, role_arn=request.role_arn,
            kms_key_arn=request.kms_key_arn, bucket=request.bucket,
            base_prefix=plan.base_prefix, description=request.description,
            concurrency=concurrency,
            recent_policy=RecentPolicy.DEFER if schedule else RecentPolicy.SKIP)
        aws = self.wizard.aws
        assert aws is not None

        def create() -> RunInfo:
            from tui.core.batch.connection import in_force
            from tui.core.batch.runner import create_run
            from tui.core.batch.store import BatchStore

            store = BatchStore.open()
            try:
                return create_run(store, settings, plan, timing.now(),
                                  connection=in_force(aws))
            finally:
                store.close()

        self.starting = True
        self.query_one("#bulk-start", Button).disabled = True
        self.call_aws(create, self._run_created, message="Storing the run…", group="start",
                      failed=self._not_created)

    def _run_created(self, run: RunInfo) -> None:
        from tui.app.bulk.bulk_progress_screen import BulkProgressScreen

        self.starting = False
        self.query_one("#bulk-start", Button).disabled = False
        aws = self.wizard.aws
        assert aws is not None
        self.app.push_screen(BulkProgressScreen(aws, run.run_id, self.wizard.bulk_timing))

    def _not_created(self, problem: AwsProblem) -> None:
        self.starting = False
        self.query_one("#bulk-start", Button).disabled = False
        self.status.problem(f"The run was not stored: {problem.sentence()}")

    def show_findings(self) -> None:
        """Findings are shown once the plan is checked (see `_checked_plan`)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return self.can_start() or None
        if action == "next":
            return False
        if action == "toggle_recent":
            return bool(self.checked and self.checked.plan.recent)
        return super().check_action(action, parameters)

