"""Step 8: the JobId (large, copyable, and where the journal keeps it) with the job's known
state, or the problem AWS reported with Retry (same ClientToken, so at most one job) and
Edit (the step at fault)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button, Static

from tui.app.kit.safe_markup import literal
from tui.app.steps.step_screen import StepScreen
from tui.core.model import AwsProblem, StartedJob
from tui.core.safe_text import shown
from tui.wizard import state as wz
from tui.wizard.present import problem_rows, started_words, submit_failed_headline
from tui.wizard.stages import Stage


def journal_location() -> str:
    from tui.core.journal import journal_path

    return str(journal_path())


class ResultScreen(StepScreen):
    STAGE = Stage.RESULT
    CSS_PATH = "result_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "copy_job_id", "Copy JobId"),
        Binding("m", "monitor", "Monitor job"),
        Binding("d", "download", "Download when done"),
        Binding("r", "retry_submit", "Retry"),
        Binding("e", "edit", "Edit"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="result-scroll"):
            job, problem = self.state.result, self.state.problem
            if job is not None:
                yield from self._compose_job(job)
            elif problem is not None:
                yield from self._compose_problem(problem)

    def _compose_job(self, job: StartedJob) -> ComposeResult:
        headline, note = started_words(job)
        style = "bold green" if job.state in ("RUNNING", "COMPLETED") else "bold yellow"
        yield Static(literal(headline, style), id="outcome")
        yield Static(literal(job.job_id, "bold"), id="job-id")
        if note:
            yield Static(literal(note), id="started-note")
        if job.journal_warning:
            yield Static(literal(f"⚠ {job.journal_warning}", "yellow", lines=True),
                         id="journal")
        else:
            yield Static(Text.assemble(("Recorded in the journal at ", "dim"),
                                       shown(journal_location())), id="journal")
        with Horizontal(classes="buttons"):
            yield Button("Monitor job (m)", variant="primary", id="monitor")
            yield Button("Copy JobId (c)", id="copy")

    def _compose_problem(self, problem: AwsProblem) -> ComposeResult:
        yield Static(Text(submit_failed_headline(problem),
                          style="bold yellow" if problem.outcome_unknown else "bold red"),
                     id="outcome")
        with Grid(id="problem"):
            for label, value in problem_rows(problem):
                yield Static(Text(label, style="dim"))
                yield Static(Text(value, style="bold" if label == "Exception" else ""))
        edit_stage = wz.edit_stage(self.state)
        with Horizontal(classes="buttons"):
            yield Button("Retry (r)", variant="primary", id="retry")
            yield Button("Back to the review (e)" if edit_stage is Stage.REVIEW
                         else f"Edit {edit_stage.value} (e)", id="edit")

    def load(self) -> None:
        for button in self.query(Button):
            button.focus()
            break

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"copy": self.action_copy_job_id, "retry": self.action_retry_submit,
                   "edit": self.action_edit, "monitor": self.action_monitor}
        actions[event.button.id or ""]()

    def action_copy_job_id(self) -> None:
        if self.state.result is not None:
            self.wizard.copy_text("the JobId", self.state.result.job_id, "job-id.txt")

    def action_monitor(self) -> None:
        from tui.app.jobs.monitor_screen import monitor_started_job

        monitor_started_job(self.wizard)

    def action_download(self) -> None:
        """Follow the job, then verify and download its export once it has completed."""
        from tui.app.jobs.monitor_screen import monitor_started_job

        monitor_started_job(self.wizard, download=True)

    def action_retry_submit(self) -> None:
        """The same request with the same ClientToken: the service starts at most one job."""
        if self.state.problem is None or self.wizard.submitting:
            return
        for button in self.query(Button):
            button.disabled = True
        self.submit_export("Submitting the export job again (same ClientToken)…")

    def action_edit(self) -> None:
        if self.state.problem is not None and not self.wizard.submitting:
            self.wizard.go(wz.edit(self.state))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        failed = self.state.problem is not None
        if action in ("copy_job_id", "monitor", "download"):
            return self.state.result is not None
        if action in ("retry_submit", "edit"):
            return failed and not self.wizard.submitting
        if action in ("retry", "next"):
            return False
        return super().check_action(action, parameters)
