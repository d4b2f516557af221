"""What the monitor shows of one job: state, progress bar, mailbox, times, S3 object, and for
a FAILED job WorkMail's ErrorInfo with the likely cause to check first."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import ProgressBar, Static

from tui.app.jobs.job_text import (
    NOT_YET,
    STATE_MARKS,
    STATE_STYLES,
    elapsed,
    moment,
)
from tui.app.kit.safe_markup import literal
from tui.core.model import ExportJob
from tui.core.safe_text import shown_lines
from tui.wizard.present import NO_EXPORT, export_place, export_place_text

STATE_WORDS = {
    "RUNNING": "Running: WorkMail is exporting the mailbox.",
    "COMPLETED": "Completed: the mailbox is in S3.",
    "FAILED": "Failed: WorkMail could not export the mailbox.",
    "CANCELLED": "Cancelled: the export was stopped.",
}
_FACTS = ("Mailbox", "Started", "Elapsed", "S3 object", "Description")
_DETAILS = ("IAM role", "KMS key")


def state_text(job: ExportJob) -> Text:
    """`● Running: WorkMail is exporting the mailbox.`, coloured by state."""
    words = STATE_WORDS.get(job.state, job.state or "Unknown state")
    return literal(f"{STATE_MARKS.get(job.state, '?')} {words}",
                   STATE_STYLES.get(job.state, "bold"))


def elapsed_text(job: ExportJob, now: datetime) -> str:
    if job.end_time is not None:
        return f"{elapsed(job, now)}, ended {moment(job.end_time)}"
    if job.finished:
        return elapsed(job, now)
    return f"{elapsed(job, now)} so far"


def object_text(job: ExportJob) -> Text:
    """The export object's s3:// URI; said to be missing when the job did not complete
    (`export_place`: the words `status` uses too, escaped there)."""
    place, note = export_place(job)
    if not place:
        return Text(NOT_YET)
    if place == NO_EXPORT:
        return Text(export_place_text(job), style="dim")
    return Text.assemble((place, "bold"), (f" ({note})" if note else "", "dim"))


def failure_text(job: ExportJob) -> Text:
    """WorkMail's ErrorInfo, then the likely cause from the core."""
    from tui.core.jobs import likely_cause

    text = Text()
    text.append("WorkMail says: ", style="bold")
    text.append(shown_lines(job.error_info or "(no ErrorInfo given)"))
    text.append("\n\nLikely cause: ", style="bold")
    text.append(shown_lines(likely_cause(job.error_info)))
    return text


def _label(name: str) -> Static:
    return Static(Text(name, style="dim"), classes="fact-label")


class JobView(Vertical):
    """The facts of one job; `show(job, mailbox, now)` redraws them, `tick(now)` only the
    elapsed time of a running job."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._job: ExportJob | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="job-state")
        yield Static(id="job-failure")
        with Grid(id="job-progress-row"):
            yield _label("Progress")
            yield ProgressBar(total=100, show_eta=False, id="job-progress")
        with Grid(id="job-facts", classes="facts"):
            for name in _FACTS:
                yield _label(name)
                yield Static(NOT_YET, id=_value_id(name), classes="fact-value")
        with Grid(id="job-details", classes="facts"):
            for name in _DETAILS:
                yield _label(name)
                yield Static(NOT_YET, id=_value_id(name), classes="fact-value")

    def show(self, job: ExportJob, mailbox: str, now: datetime) -> None:
        self.query_one("#job-state", Static).update(state_text(job))
        bar = self.query_one("#job-progress", ProgressBar)
        bar.update(progress=job.progress)
        bar.set_class(job.state == "CANCELLED", "stopped")
        self.query_one("#job-progress-row").display = job.state != "FAILED"
        # AWS's words (a Description anyone in the organization may write): literal Text,
        # never a str, which Static would read as markup.
        values: dict[str, Text] = {
            "Mailbox": literal(mailbox or job.entity_id),
            "Started": Text(moment(job.start_time)),
            "Elapsed": Text(elapsed_text(job, now)),
            "S3 object": object_text(job),
            "Description": literal(job.description or NOT_YET),
            "IAM role": literal(job.role_arn or NOT_YET),
            "KMS key": literal(job.kms_key_arn or NOT_YET),
        }
        for name, value in values.items():
            self.query_one(f"#{_value_id(name)}", Static).update(value)
        failure = self.query_one("#job-failure", Static)
        failure.display = job.state == "FAILED"
        if failure.display:
            failure.update(failure_text(job))
        self._job = job

    def unknown(self) -> None:
        """No answer about the job yet (the first check failed)."""
        self.query_one("#job-state", Static).update(
            Text("? Not known yet: WorkMail has not answered about this job.", style="bold"))
        self.query_one("#job-progress-row").display = False

    def tick(self, now: datetime) -> None:
        if self._job is not None and not self._job.finished:
            self.query_one(f"#{_value_id('Elapsed')}", Static).update(
                Text(elapsed_text(self._job, now)))


def _value_id(name: str) -> str:
    return "fact-" + name.lower().replace(" ", "-")
