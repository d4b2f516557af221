"""The review step of the bulk path: the single export's preflight checks (run on the first
enabled mailbox with its own folder), every mailbox in start order with its state, size and
what to know (disabled mailboxes first, then the largest), the estimate (from the throughput
model and the schedule, with its basis) and the deadline warning, a preview of the
per-mailbox folders, the choices (disabled mailboxes exported or left out, order, recent
exports skipped or scheduled, jobs at once: each redraws the estimate), Save plan (the plan
as CSV and JSON, nothing started) and Start (asks first), which stores the run and opens its
progress."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Input, RadioButton, RadioSet, Static

from tui.app.bulk.plan_review import end_start_question, entered_concurrency
from tui.app.kit.safe_markup import markup_safe
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
    from pathlib import Path

    from tui.core.batch.forecast import Estimate
    from tui.core.batch.model import RunInfo
    from tui.core.batch.plan import Plan
    from tui.wizard.bulk import CheckedPlan, PlanChoices

SPEC = StepSpec(
    Stage.REVIEW, "Review the bulk export",
    "The same checks as one export, run on the first mailbox in its own folder. Each "
    "mailbox gets a folder of its own; nothing starts before you press Start.",
    loading="Checking everything and looking for recent exports…")
SHOWN_ROWS = 500  # mailboxes listed on screen; Save plan writes them all
PLAN_COLUMNS = (("#", 4), ("Mailbox", 38), ("State", 8), ("Size", 8), ("Note", None))


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class BulkPlanScreen(StepScreen):
    STAGE = Stage.REVIEW
    CSS_PATH = "bulk_plan_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("s", "start", "Start"),
        Binding("f", "save_plan", "Save plan"),
        Binding("d", "toggle_disabled", "Disabled in/out"),
        Binding("o", "toggle_order", "Order"),
        Binding("w", "toggle_recent", "Skip/schedule recent"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.checked: CheckedPlan | None = None
        self.starting = False
        self.plan: Plan | None = None  # the checked plan as chosen (order, disabled)
        self.estimate: Estimate | None = None
        self.warning: str | None = None  # the deadline warning of the estimate, if any
        self.largest_first = True
        self._concurrency = 10

    @property
    def spec(self) -> StepSpec:
        return SPEC

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="bulk-plan"):
            yield Static(id="bulk-summary")
            yield Static(id="bulk-checks")
            yield Static(id="bulk-estimate")
            yield Static(id="bulk-disabled")
            with RadioSet(id="bulk-disabled-choice"):
                yield RadioButton("Export them first", value=True, id="disabled-include")
                yield RadioButton("Leave them out (named in the plan and the manifest)",
                                  id="disabled-skip")
            yield Static(id="bulk-order")
            yield DataTable(cursor_type="row", id="bulk-mailboxes")
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
                yield Button("Save plan (f)", id="bulk-save", disabled=True)

    def load(self) -> None:
        for hidden in ("#bulk-recent", "#bulk-recent-choice", "#bulk-rejected-lines",
                       "#bulk-disabled", "#bulk-disabled-choice", "#bulk-mailboxes"):
            self.query_one(hidden).display = False
        table = self.query_one("#bulk-mailboxes", DataTable)
        fixed = sum(width or 0 for _, width in PLAN_COLUMNS) + 2 * len(PLAN_COLUMNS) + 8
        for label, width in PLAN_COLUMNS:
            table.add_column(label, key=label.lower(),
                             width=width or max(20, self.app.size.width - fixed))
        self._summary()
        aws, request, chosen = self.wizard.aws, self.state.request, self.state.bulk
        if aws is None or chosen is None:
            return
        from tui.wizard.bulk import plan_and_check

        now = self.wizard.bulk_timing.now()

        def sizes_read(read: int, total: int) -> None:
            if read == total or read % 25 == 0:
                self.post_message(self.SizesRead(read, total))

        from tui.core.batch.rate import RateLimiter

        limiter = RateLimiter(self.wizard.bulk_timing.pace)
        self.call_aws(lambda: plan_and_check(aws, request, chosen, now, calls.preflight,
                                             limiter=limiter, on_sizes=sizes_read),
                      lambda checked: self._checked_plan(checked, request),
                      message=SPEC.loading, group="check", busy=self.query_one("#bulk-checks"))

    class SizesRead(Message):
        """Posted from the size readers: how far they are."""

        def __init__(self, read: int, total: int) -> None:
            super().__init__()
            self.read = read
            self.total = total

    def on_bulk_plan_screen_sizes_read(self, message: SizesRead) -> None:
        if self.checked is None:
            self.status.busy(f"Reading the size of each mailbox ({message.read} of "
                             f"{message.total})…")

    def _summary(self) -> None:
        from tui.wizard.plan_text import size_text

        state, request = self.state, self.state.request
        count = len(self.plan.exported) if self.plan else \
            len(state.bulk.mailboxes) if state.bulk else 0
        org = state.organization.alias if state.organization else request.organization_id
        role = state.role.name if state.role else request.role_arn
        key = ", ".join(state.key.aliases) if state.key and state.key.aliases else \
            request.kms_key_arn
        text = Text()
        text.append(f"{count} mailbox{'es' if count != 1 else ''}", style="bold")
        if self.plan is not None:
            text.append(f", {size_text(self.plan.total_mb)}", style="bold")
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
            examples.append(f"\n{shown(label)}", style="bold")
            examples.append(f" → {shown(prefix)}")
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
            rejected.append(f"\n  {shown(rejected_line(line))}")
        lines.update(rejected)

        disabled = [p for p in plan.mailboxes if p.mailbox.state == "DISABLED"]
        self.query_one("#bulk-disabled").display = bool(disabled)
        self.query_one("#bulk-disabled-choice").display = bool(disabled)
        self.query_one("#bulk-mailboxes").display = bool(plan.mailboxes)
        self.reshape()
        self.query_one("#bulk-start", Button).disabled = checked.blocked
        self.query_one("#bulk-save", Button).disabled = not plan.mailboxes
        if errors:
            self.status.problem(f"{len(errors)} error(s) block the start; Esc goes back to "
                                "the step to fix.")
        elif not plan.mailboxes:
            self.status.problem("No mailbox left to export; Esc goes back to choose others.")
        self.refresh_bindings()

    # ---- the choices and what they make of the plan ---------------------------------
    def choices(self) -> PlanChoices:
        from tui.core.batch.model import DisabledPolicy, RecentPolicy
        from tui.core.batch.order import Order
        from tui.wizard.bulk import PlanChoices

        skip = self.query_one("#disabled-skip", RadioButton).value
        schedule = self.query_one("#recent-schedule", RadioButton).value
        return PlanChoices(
            order=Order.SIZE if self.largest_first else Order.LISTING,
            disabled=DisabledPolicy.SKIP if skip else DisabledPolicy.INCLUDE,
            recent=RecentPolicy.DEFER if schedule else RecentPolicy.SKIP,
            concurrency=self._concurrency)

    def reshape(self) -> None:
        """Apply the choices to the checked plan: order, disabled mailboxes, estimate."""
        from tui.core.batch.forecast import END_OF_SUPPORT, deadline_warning
        from tui.wizard.bulk import estimate_of, shaped
        from tui.wizard.plan_text import ORDER_WORDS, estimate_line

        if self.checked is None or self.state.bulk is None:
            return
        choices, now = self.choices(), self.wizard.bulk_timing.now()
        listing = [m.id for m in self.state.bulk.mailboxes]
        self.plan = plan = shaped(self.checked.plan, listing, choices, now)
        self.estimate = estimate = estimate_of(self.checked, plan, choices, now,
                                               self._poll_seconds())
        self.warning = warning = deadline_warning(estimate, END_OF_SUPPORT.timestamp())
        text = Text(estimate_line(estimate), style="bold")
        text.append(f"\n{estimate.throughput.describe()}", style="dim")
        if warning:
            text.append(f"\n⚠ {warning}", style="bold yellow")
        self.query_one("#bulk-estimate", Static).update(text)
        self._summary()
        self._disabled_note(plan, now)
        self.query_one("#bulk-order", Static).update(Text.assemble(
            ("Order: ", "bold"), ORDER_WORDS[choices.order], (" · o switches", "dim")))
        self._table(plan, now)

    def _poll_seconds(self) -> float:
        from tui.core.batch.forecast import DEFAULT_POLL_SECONDS

        tuning = self.wizard.bulk_timing.tuning
        return tuning.poll_seconds if tuning is not None else DEFAULT_POLL_SECONDS

    def _disabled_note(self, plan: Plan, now: float) -> None:
        from tui.core.batch.disabled import KEPT_DAYS
        from tui.wizard.plan_text import disabled_lines

        lines = disabled_lines(plan, now)
        text = Text()
        text.append(f"{len(lines)} disabled: WorkMail removes a disabled mailbox {KEPT_DAYS} "
                    "days after disabling (d switches)", style="bold yellow")
        for line in lines[:5]:
            text.append(f"\n  {shown(line)}")
        if len(lines) > 5:
            text.append(f"\n  …and {len(lines) - 5} more")
        self.query_one("#bulk-disabled", Static).update(text)

    def _table(self, plan: Plan, now: float) -> None:
        from tui.wizard.plan_text import plan_lines

        table = self.query_one("#bulk-mailboxes", DataTable)
        table.clear()
        lines = plan_lines(plan, now)
        for line in lines[:SHOWN_ROWS]:
            style = "dim" if line.note.startswith("disabled; left out") else ""
            table.add_row(Text(str(line.position), style=style),
                          Text(shown(line.label), style=style, overflow="ellipsis"),
                          Text(line.state, style="yellow" if line.state == "disabled" else style),
                          Text(line.size, justify="right", style=style),
                          Text(shown(line.note), style="dim", overflow="ellipsis",
                               no_wrap=True))
        if len(lines) > SHOWN_ROWS:
            table.add_row(Text("…"), Text(f"{len(lines) - SHOWN_ROWS} more: f saves the whole "
                                          "plan", style="dim"), Text(""), Text(""), Text(""))

    def action_toggle_recent(self) -> None:
        """Recent exports: skip them <-> schedule them after their window."""
        schedule = self.query_one("#recent-schedule", RadioButton)
        skip = self.query_one("#recent-skip", RadioButton)
        schedule.value, skip.value = not schedule.value, schedule.value
        self.reshape()

    def action_toggle_disabled(self) -> None:
        """Disabled mailboxes: export them first <-> leave them out (named)."""
        include = self.query_one("#disabled-include", RadioButton)
        skip = self.query_one("#disabled-skip", RadioButton)
        include.value, skip.value = not include.value, include.value
        self.reshape()

    def action_toggle_order(self) -> None:
        """After the disabled mailboxes: largest first <-> as listed."""
        self.largest_first = not self.largest_first
        self.reshape()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.reshape()

    def on_input_changed(self, event: Input.Changed) -> None:
        concurrency = entered_concurrency(event, self.status)
        if concurrency is not None:
            self._concurrency = concurrency
            self.reshape()
            if self.status.has_class("problem") and self.checked is not None \
                    and not self.checked.blocked:
                self.status.clear()

    def action_save_plan(self) -> None:
        """The plan as CSV and JSON in the reports folder; nothing is started."""
        from tui.wizard.plan_file import plan_document, write_plan

        plan, estimate = self.plan, self.estimate
        if plan is None or estimate is None:
            return
        choices, timing = self.choices(), self.wizard.bulk_timing
        now = timing.now()
        document = plan_document(plan, estimate, bucket=self.state.request.bucket,
                                 order=choices.order, warning=self.warning, now=now)
        directory = timing.reports()

        def saved(paths: list[Path]) -> None:
            self.notify("Plan saved (nothing was started): "
                        + markup_safe(", ".join(str(p) for p in paths)), timeout=10)

        self.call_aws(lambda: write_plan(document, directory, now), saved,
                      message="Saving the plan…", group="save",
                      failed=lambda problem: self.status.problem(
                          f"The plan was not saved: {problem.sentence()}"))

    # ---- starting --------------------------------------------------------------------
    def can_start(self) -> bool:
        return self.checked is not None and not self.checked.blocked and not self.starting

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bulk-start":
            self.action_start()
        elif event.button.id == "bulk-save":
            self.action_save_plan()

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
        from tui.wizard.plan_text import size_text

        plan, estimate = self.plan, self.estimate
        if plan is None or estimate is None:
            return
        schedule = self.query_one("#recent-schedule", RadioButton).value
        waiting = len(plan.recent)
        question = Text(f"Start exporting {len(plan.exported)} mailboxes "
                        f"({size_text(plan.total_mb)})?\n\n", style="bold")
        question.append(f"Up to {int(value)} jobs at once into "
                        + shown(f"s3://{self.state.request.bucket}/{plan.base_prefix}")
                        + "<mailbox>/.")
        if waiting:
            question.append(f"\n{waiting} exported in the last 24 hours will be "
                            + ("scheduled after their window." if schedule else "skipped."))
        if plan.left_out:
            question.append(f"\n{len(plan.left_out)} disabled left out (named in the "
                            "manifest).")
        end_start_question(question, estimate, self.warning)
        self.app.push_screen(ConfirmScreen(question, yes="Start", no="Not yet"),
                             lambda yes: self._create_run(int(value), schedule) if yes else None)

    def _create_run(self, concurrency: int, schedule: bool) -> None:
        from tui.core.batch.model import RecentPolicy, RunSettings

        assert self.plan is not None
        plan, request, timing = self.plan, self.state.request, self.wizard.bulk_timing
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
        if action == "toggle_disabled":
            return bool(self.checked and any(p.mailbox.state == "DISABLED"
                                             for p in self.checked.plan.mailboxes))
        if action in ("toggle_order", "save_plan"):
            return self.plan is not None and bool(self.plan.mailboxes)
        return super().check_action(action, parameters)

