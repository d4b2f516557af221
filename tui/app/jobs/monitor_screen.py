"""The job monitor: one export job's state, progress, times and S3 object, polled with the
core's backoff until the job ends; a FAILED job's ErrorInfo with its likely cause; Cancel
with a confirmation, and a refused cancel explained. A COMPLETED job's export is verified at
once (tui.app.retrieve.ProofView) and can then be downloaded (d).

Polling: each poll is one DescribeMailboxExportJob in a thread worker; a timer waits the next
of `poll_delays()` (2 s, growing to 30 s while nothing changes, back to 2 s on progress). A
failed poll is shown with the time of the next try and retried on the same backoff. Every
answer is kept in the journal (`JobWatch`). `JobTiming` scales the waits and supplies the
clock, so tests run fast and snapshots show fixed times.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Static
from textual.worker import Worker

from tui.app.jobs.job_calls import JobWatch, Polled
from tui.app.jobs.job_text import clock_time, export_object, mailbox_title
from tui.app.jobs.job_timing import JobTiming
from tui.app.jobs.job_view import JobView
from tui.app.kit.safe_markup import markup_safe
from tui.app.kit.status_line import StatusLine
from tui.app.retrieve.proof_view import ProofView, verdict_words
from tui.app.steps.aws_calls import AwsCalls
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.core.model import AwsProblem, ExportJob
from tui.core.safe_text import shown, shown_lines

if TYPE_CHECKING:
    from tui.app.wizard_app import WizardApp
    from tui.core.retrieve.model import Verification
    from tui.core.session import Aws


class MonitorScreen(Screen[None]):
    """Follows one job. `known` (a row of the jobs screen) is shown until the first poll."""

    CSS_PATH = "monitor_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "close", "Back"),
        Binding("r", "poll_now", "Check"),
        Binding("x", "cancel_job", "Cancel job"),
        Binding("c", "copy_path", "Copy S3 path"),
        Binding("i", "copy_job_id", "Copy JobId", show=False),
        Binding("d", "download", "Download"),
        Binding("j", "app.jobs", "Jobs"),
    ]

    def __init__(self, aws: Aws, organization_id: str, job_id: str, *,
                 known: ExportJob | None = None, mailbox: str = "",
                 timing: JobTiming | None = None, download_when_verified: bool = False) -> None:
        super().__init__()
        self.download_when_verified = download_when_verified
        self.job_watch = JobWatch(aws, organization_id, job_id)
        self.job = known
        self.mailbox = mailbox
        self.timing = timing or JobTiming()
        self.polls = 0  # answered polls (tests read it)
        self.waits: list[float] = []  # every planned wait, in the core's seconds
        self.calls = AwsCalls(self)
        self._delays: Generator[float, bool | None, None] | None = None
        self._delays_started = False
        self._next_poll: Timer | None = None
        self._journal_warned = False
        self._last_failure = ""  # the sentence of the last failed poll, until one answers
        self._ended_note = ""

    # ---- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        organization, job_id = (shown(self.job_watch.organization_id),
                                shown(self.job_watch.job_id))
        yield Static(Text.assemble(("Job monitor", "bold"),
                                   (f" · organization {organization}", "dim")),
                     id="monitor-bar")
        yield Static(Text.assemble(("Export job ", "bold"), (job_id, "bold")),
                     id="monitor-title")
        with VerticalScroll(id="monitor-body"):
            yield JobView(id="job-view")
            yield Static(id="monitor-notice")
            yield ProofView(id="export-proof")
            with Horizontal(classes="buttons", id="monitor-buttons"):
                yield Button("Cancel job (x)", variant="error", id="cancel-job")
                yield Button("Download (d)", variant="primary", id="download")
                yield Button("Copy S3 path (c)", id="copy-path")
        yield StatusLine()
        yield Footer()

    @property
    def view(self) -> JobView:
        return self.query_one(JobView)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def notice(self) -> Static:
        return self.query_one("#monitor-notice", Static)

    @property
    def proof(self) -> ProofView:
        return self.query_one(ProofView)

    def on_mount(self) -> None:
        from tui.core.jobs import poll_delays

        self._delays = poll_delays()
        self.notice.display = False
        if self.job is not None:
            self._show(self.job)
        else:
            self.view.loading = True
            self._show_buttons()
        self.set_interval(self.timing.tick_seconds, self._tick)
        self._poll()

    def on_unmount(self) -> None:
        self.job_watch.close()

    # ---- polling -----------------------------------------------------------------------
    @property
    def polling(self) -> bool:
        """Whether another poll is planned or running (False once the job has ended)."""
        return self._next_poll is not None or self.calls.running("poll")

    def _poll(self) -> None:
        self._next_poll = None
        message = (f"Trying again… The last check failed. {self._last_failure}"
                   if self._last_failure else "Checking the job…")
        self.calls.run(self.job_watch.poll, self._polled, self._poll_failed, message=message,
                       group="poll")

    def _polled(self, polled: Polled) -> None:
        previous, job = self.job, polled.job
        self.polls += 1
        self._last_failure = ""
        self.view.loading = False
        self._show(job)
        if polled.journal_problem and not self._journal_warned:
            self._journal_warned = True
            self.notify(f"The job journal was not updated: "
                        f"{markup_safe(polled.journal_problem)}",
                        severity="warning", timeout=10)
        checked = clock_time(self.timing.now())
        if job.finished:
            self._ended_note = f"Checked at {checked}: the job has ended, so checking stopped."
            self.status.note(self._ended_note)
            if job.state == "COMPLETED" and not self.proof.display:
                self._verify(job)
            return
        progressed = previous is None or (previous.state, previous.progress) != (
            job.state, job.progress)
        delay = self._plan_next(progressed)
        self.status.note(f"Checked at {checked}; next check in {delay:g} s (r checks now).")

    def _poll_failed(self, problem: AwsProblem) -> None:
        self.view.loading = False
        if self.job is None:
            self.view.unknown()
        delay = self._plan_next(progressed=False)
        retry_at = clock_time(self.timing.now() + timedelta(seconds=delay))
        self._last_failure = problem.sentence()
        self.status.problem(f"The last check failed. {problem.sentence()} Next try in "
                            f"{delay:g} s, at {retry_at} (r tries now).")

    def _verify(self, job: ExportJob) -> None:
        from tui.wizard.retrieve import verify_and_record

        aws, now = self.job_watch.aws, self.timing.now
        self.proof.verifying()
        self.calls.run(lambda: verify_and_record(aws, job, now()), self._verified,
                       self._verify_failed, message="Verifying the export in S3…",
                       group="verify", quiet=True)  # the proof box says it is verifying

    def _verified(self, verification: Verification) -> None:
        self.proof.show(verification)
        self.status.note(f"{self._ended_note} {verdict_words(verification)}")  # always seen
        self._show_buttons()
        self.refresh_bindings()
        if self.download_when_verified and self.proof.downloadable:
            self.download_when_verified = False
            self.action_download()

    def _verify_failed(self, problem: AwsProblem) -> None:
        self.proof.display = False
        self.status.problem(f"The export could not be verified: {problem.sentence()}")

    def _plan_next(self, progressed: bool) -> float:
        """The core's next delay (reset after progress), and a timer to poll after it."""
        assert self._delays is not None
        if progressed and self._delays_started:
            delay = self._delays.send(True)
        else:
            delay, self._delays_started = next(self._delays), True
        self.waits.append(delay)
        self._stop_timer()
        self._next_poll = self.set_timer(self.timing.wait(delay), self._poll)
        return delay

    def _stop_timer(self) -> None:
        if self._next_poll is not None:
            self._next_poll.stop()
            self._next_poll = None

    def _tick(self) -> None:
        self.view.tick(self.timing.now())

    def _show(self, job: ExportJob) -> None:
        self.job = job
        self.view.show(job, self.mailbox, self.timing.now())
        self._show_buttons()
        self.refresh_bindings()

    def _show_buttons(self) -> None:
        job = self.job
        self.query_one("#cancel-job", Button).display = job is not None and not job.finished
        self.query_one("#download", Button).display = self.proof.downloadable
        self.query_one("#copy-path", Button).display = bool(job and export_object(job))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)
        self.refresh_bindings()

    # ---- actions -----------------------------------------------------------------------
    def action_poll_now(self) -> None:
        if self.calls.running("poll"):
            return
        self._stop_timer()
        self._poll()

    def action_cancel_job(self) -> None:
        job = self.job
        if job is None or job.finished or self.calls.running("cancel"):
            return
        question = Text.assemble(
            ("Cancel this export job?\n\n", "bold"),
            f"{shown(self.mailbox or job.entity_id)} is at {job.progress}%. WorkMail stops the "
            "export; the mailbox is not in S3 until it is exported again. Near completion "
            "WorkMail may refuse to cancel.")
        self.app.push_screen(ConfirmScreen(question, yes="Cancel the job", no="Keep it running"),
                             self._cancel_answered)

    def _cancel_answered(self, yes: bool | None) -> None:
        if not yes:
            return
        self.notice.display = False
        self.calls.run(self.job_watch.cancel, self._cancelled, self._cancel_refused,
                       message="Asking WorkMail to cancel the job…", group="cancel")

    def _cancelled(self, _: Any) -> None:
        self._say(Text("WorkMail accepted the cancel; the job stops shortly.", style="yellow"))
        self.action_poll_now()

    def _cancel_refused(self, problem: AwsProblem) -> None:
        text = Text("The cancel was refused. ", style="bold red")
        text.append(shown_lines(problem.hint or problem.sentence()))
        if problem.hint and problem.message:
            text.append(f"\n(WorkMail: {shown_lines(problem.message)})", style="dim")
        self._say(text, problem=True)
        self.action_poll_now()

    def _say(self, text: Text, *, problem: bool = False) -> None:
        self.notice.update(text)
        self.notice.set_class(problem, "problem")
        self.notice.display = True

    def action_copy_path(self) -> None:
        uri = export_object(self.job) if self.job else ""
        if uri:
            self._copy(f"the S3 URI {uri}", uri, "export-uri.txt")

    def action_download(self) -> None:
        job = self.job
        if job is None or not self.proof.downloadable:
            return
        from tui.app.retrieve.download_screen import DownloadScreen
        from tui.wizard.retrieve import ChosenExport, default_downloads_dir

        target = ChosenExport(job, self.mailbox or job.entity_id)
        self.app.push_screen(DownloadScreen(self.job_watch.aws, [target],
                                            default_downloads_dir()))

    def action_copy_job_id(self) -> None:
        self._copy("the JobId", self.job_watch.job_id, "job-id.txt")

    def _copy(self, what: str, text: str, filename: str) -> None:
        from tui.app.wizard_app import WizardApp

        if isinstance(self.app, WizardApp):
            self.app.copy_text(what, text, filename)

    def action_close(self) -> None:
        self.dismiss()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel-job":
            self.action_cancel_job()
        elif event.button.id == "copy-path":
            self.action_copy_path()
        elif event.button.id == "download":
            self.action_download()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        job = self.job
        if action == "cancel_job":
            return job is not None and not job.finished and not self.calls.running("cancel")
        if action == "copy_path":
            return bool(job and export_object(job))
        if action == "download":
            return self.proof.downloadable
        return True


def monitor_started_job(app: WizardApp, download: bool = False) -> None:
    """Open the monitor on the job the wizard just started; with `download`, it downloads
    the export as soon as the job has completed and its export is verified."""
    state, aws = app.state, app.aws
    if state.result is None or aws is None:
        return
    app.push_screen(MonitorScreen(aws, state.request.organization_id, state.result.job_id,
                                  mailbox=mailbox_title(state.mailbox, state.request.entity_id),
                                  timing=app.job_timing, download_when_verified=download))
