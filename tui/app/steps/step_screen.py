"""The frame every wizard step shares: stage bar, title, explanation, body, status line,
findings and footer; AWS calls in thread workers with a loading state and Retry; Esc back.

A step subclass sets STAGE, composes its body and calls `choose(state)` when the person
picks something; the frame runs the step's check and moves on when nothing blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, DataTable, Footer, Input, Select, Static
from textual.worker import Worker, WorkerState

from tui.app.kit.copying import file_named_in
from tui.app.kit.long_lived import freeze_once
from tui.app.kit.stage_bar import StageBar
from tui.app.kit.status_line import StatusLine
from tui.app.steps.findings_view import FindingsView
from tui.core.model import AwsProblem, ExportRequest, Finding, Level, StartedJob
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.problems import problem_of
from tui.wizard.stages import Stage
from tui.wizard.steps import StepSpec, spec

if TYPE_CHECKING:
    from tui.app.wizard_app import WizardApp

T = TypeVar("T")
VERDICT = "findings"  # what the status line's verdict on the step's findings is about


def problem_text(problem: AwsProblem) -> str:
    """A problem as the status line says it, with the keys that help."""
    return f"{problem.sentence()}  (ctrl+r retries)"


class StepScreen(Screen[None]):
    """Base of the eight step screens."""

    STAGE: ClassVar[Stage]
    # No focus by position: each step focuses where it wants (its list, its search field) in
    # load(). Textual's default would focus the first widget that can take focus when the
    # screen shows, and while a step's list is loading that was the field before it (the
    # bulk step's filter, so a `/` or `u` pressed at once was typed there). A list that was
    # loading gets the focus when it is done (on_worker_state_changed).
    AUTO_FOCUS: ClassVar[str | None] = ""
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+r", "retry", "Retry"),
        Binding("p", "copy_policy", "Copy policy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._aws_calls: dict[Worker[Any], tuple[Callable[[Any], None],
                                                 Callable[[AwsProblem], None] | None,
                                                 Widget | None]] = {}
        self._retry_last: Callable[[], object] | None = None
        self._debounce: Timer | None = None

    # ---- frame -----------------------------------------------------------------------
    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    @property
    def spec(self) -> StepSpec:
        return spec(self.STAGE)

    @property
    def state(self) -> wz.WizardState:
        return self.wizard.state

    def compose(self) -> ComposeResult:
        state = self.state
        yield StageBar(self.STAGE, wz.completed_stages(state))
        yield Static(Text(self.spec.title, style="bold"), id="step-title")
        yield Static(Text(self.spec.explanation), id="step-explanation")
        with Vertical(id="step-body"):
            yield from self.compose_body()
        yield StatusLine()
        yield FindingsView()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        freeze_once(self.app, f"{self.STAGE.name} shown")  # what the steps so far loaded
        self.show_findings()
        self.show_verdict()
        self.load()
        self.check_again_if_stale()

    def load(self) -> None:
        """Start the step's discovery; subclasses with choices override."""

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def show_findings(self) -> None:
        self.query_one(FindingsView).show(wz.findings_of(self.state, self.STAGE))

    def show_verdict(self) -> bool:
        """Say on the status line what the step's findings (those of the current values)
        mean; True when nothing holds the step."""
        findings = wz.findings_of(self.state, self.STAGE)
        if wz.has_error(findings):
            self.status.problem(self.error_advice(), about=VERDICT)
        elif any(f.level is Level.WARNING for f in findings):
            self.status.warning("Read the warning below; ctrl+n continues anyway.",
                                about=VERDICT)
        else:
            self.status.clear(about=VERDICT)
            return True
        return False

    def error_advice(self) -> str:
        """What to do about an error below: choose again, or change a later step, since an
        error may come from a value chosen there (a role that may not write to the bucket)."""
        later = [s for s in wz.reachable_stages(self.state)
                 if self.STAGE.position < s.position < Stage.REVIEW.position]
        if not later:
            return "Fix the error below or choose something else."
        names = " or ".join(s.value.lower() for s in later)
        return (f"Fix the error below, choose something else, or change the {names} "
                "(ctrl+p: Go to step).")

    def check_again_if_stale(self) -> None:
        """Findings of this step made for values that have changed since (another role for
        the key policy) are not shown; check the step's value again, without moving on."""
        check, aws, request = self.spec.check, self.wizard.aws, self.state.request
        if (check is None or aws is None or self.STAGE is Stage.REVIEW
                or not wz.stale_stage(self.state, self.STAGE)):
            return
        self.call_aws(lambda: check(aws, request),
                      lambda findings: self._record(findings, request),
                      message=f"Checking the {self.STAGE.value.lower()} again for what was "
                              "chosen since…", group="check")

    def refresh_stage_bar(self) -> None:
        bar = self.query_one(StageBar)
        bar.done = wz.completed_stages(self.state)
        bar.refresh()

    def debounce(self, seconds: float, action: Callable[[], object]) -> None:
        """Run `action` after `seconds` unless called again first (search as you type)."""
        self.stop_debounce()
        self._debounce = self.set_timer(seconds, action)

    def stop_debounce(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    # ---- AWS calls in workers ------------------------------------------------------------
    def call_aws(self, work: Callable[[], T], done: Callable[[T], None], *, message: str,
                 group: str = "load", busy: Widget | None = None,
                 failed: Callable[[AwsProblem], None] | None = None) -> Worker[T]:
        """Run `work` in a thread worker (a newer call of the same group cancels an older
        one, whose result is then dropped); show `message` while it runs, hand the result to
        `done`, or show the problem as a sentence that ctrl+r retries."""
        self._retry_last = lambda: self.call_aws(work, done, message=message, group=group,
                                            busy=busy, failed=failed)
        self.status.busy(message)
        if busy is not None:
            busy.loading = True
        worker = self.run_worker(work, name=message, group=group, thread=True,
                                 exclusive=True, exit_on_error=False)
        self._aws_calls[worker] = (done, failed, busy)
        self.refresh_bindings()
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        entry = self._aws_calls.get(event.worker)
        if entry is None or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        del self._aws_calls[event.worker]
        done, failed, busy = entry
        still_busy = any(w.is_running for w in self._aws_calls)
        if busy is not None and not any(b is busy for _, _, b in self._aws_calls.values()):
            busy.loading = False
            if not isinstance(self.focused, (Input, Button, Select, DataTable)):
                busy.focus()  # a loading widget loses focus; give it back
        if event.state is WorkerState.CANCELLED:
            return
        if still_busy:
            self.status.busy(next(w.name for w in self._aws_calls if w.is_running))
        else:
            self.status.clear()
            self.show_verdict()
        if event.state is WorkerState.SUCCESS:
            self._retry_last = None
            done(event.worker.result)
        elif event.state is WorkerState.ERROR:
            assert event.worker.error is not None
            problem = problem_of(event.worker.error, event.worker.name)
            if failed is not None:
                failed(problem)
            else:
                self.status.problem(problem_text(problem))
        self.refresh_bindings()

    @property
    def loading_anything(self) -> bool:
        """Whether a call of this step is still running."""
        return bool(self._aws_calls)

    # ---- choosing and moving ---------------------------------------------------------
    def choose(self, new: wz.WizardState) -> None:
        """A choice was made: check it (unless this very choice was checked already) and
        move on when no finding blocks."""
        old = self.state
        already_checked = new == old and bool(wz.findings_of(new, self.STAGE))
        self.wizard.state = new
        self.refresh_stage_bar()
        check, request, aws = self.spec.check, new.request, self.wizard.aws
        if already_checked or check is None or aws is None:
            self.after_check()
            return
        self.call_aws(lambda: check(aws, request),
                      lambda findings: self._checked(findings, request),
                      message=f"Checking the {self.STAGE.value.lower()}…", group="check")

    def _record(self, findings: list[Any], request: ExportRequest) -> None:
        """Keep what the check of `request` found; show it if `request` is still current."""
        self.wizard.state = wz.with_findings(self.state, self.spec.fields, findings,
                                             for_request=request)
        self.refresh_stage_bar()
        self.show_findings()
        self.show_verdict()
        self.refresh_bindings()

    def _checked(self, findings: list[Any], request: ExportRequest) -> None:
        self._record(findings, request)
        if wz.stale_stage(self.state, self.STAGE):  # the values changed while checking
            self.choose(self.state)
        else:
            self.after_check()

    def after_check(self) -> None:
        """Move on unless a finding is an error (stay) or a warning (ask to confirm). What
        could not be checked yet (a role's permissions before the key is chosen) is checked
        again at the review, so it does not stop the walk."""
        if self.show_verdict():
            self.action_next()
        self.refresh_bindings()

    # ---- submitting (review and result) ------------------------------------------------
    def submit_export(self, message: str = "Submitting the export job…") -> None:
        """StartMailboxExportJob with the request's ClientToken (recorded in the journal
        first), then the result step with the JobId or the problem."""
        aws, request, mailbox = self.wizard.aws, self.state.request, self.state.mailbox
        if aws is None or self.wizard.submitting:
            return
        self.wizard.submitting = True
        self.call_aws(lambda: calls.submit(aws, request, mailbox=mailbox), self._submitted,
                      message=message, group="submit", failed=self._submit_failed)

    def _submitted(self, job: StartedJob) -> None:
        self.wizard.submitting = False
        self.wizard.started_jobs.append(job.job_id)
        self.wizard.go(wz.submitted(self.state, job))

    def _submit_failed(self, problem: AwsProblem) -> None:
        self.wizard.submitting = False
        self.wizard.go(wz.failed(self.state, problem))

    def copy_policy(self, findings: list[Finding] | tuple[Finding, ...]) -> None:
        """Send the first policy JSON among `findings` to the clipboard (ctrl+s then saves it
        under the file name its fix hint reads)."""
        with_policy = [f for f in findings if f.policy]
        if not with_policy:
            self.notify("No policy to copy here.", severity="warning")
            return
        first = with_policy[0]
        self.wizard.copy_text("the policy JSON", first.policy,
                              file_named_in(first.fix, "policy.json"))

    def action_copy_policy(self) -> None:
        self.copy_policy(wz.findings_of(self.state, self.STAGE))

    def keep_values(self) -> None:
        """Save what was typed but not yet chosen before leaving (destination overrides)."""

    def action_next(self) -> None:
        if wz.can_advance(self.state):
            self.keep_values()
            self.wizard.go(wz.next_stage(self.state))

    def action_back(self) -> None:
        if self.wizard.submitting:
            self.notify("A submit is in flight; wait for its answer.", severity="warning")
            return
        if self.STAGE is not Stage.CONNECTION:
            self.keep_values()
            self.wizard.go(wz.back(self.state))

    def action_retry(self) -> None:
        if self._retry_last is not None:
            self._retry_last()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self._retry_last is not None and not self.loading_anything
        if action == "next":
            return wz.can_advance(self.state)
        if action == "back":
            return self.STAGE is not Stage.CONNECTION
        if action == "copy_policy":
            return any(f.policy for f in wz.findings_of(self.state, self.STAGE))
        return True
