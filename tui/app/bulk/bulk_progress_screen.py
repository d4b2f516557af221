"""The progress of a bulk run: a table of mailboxes (state, progress, JobId, S3 path),
totals, pace and time left; pause, resume, cancel (asking whether running jobs go too);
manifests on demand and at the end, with the summary of what is left to do.

The engine's runner ticks in a thread worker and hands every snapshot to the screen with
`post_message`; the screen redraws only the rows that changed. Leaving (Esc, or quitting
the app) pauses the run first, so it can be resumed here or with `batch --resume`.

Each mailbox's export is verified in the background as soon as its row is COMPLETED (a line
counts the verdicts); d downloads every verified export of the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState

from tui.app.bulk.bulk_cancel_screen import BulkCancelScreen, CancelChoice
from tui.app.bulk.bulk_timing import BulkTiming
from tui.app.jobs.job_text import short_id
from tui.app.kit.safe_markup import literal, markup_safe
from tui.app.kit.status_line import StatusLine
from tui.app.retrieve.proof_view import DOWNLOADABLE, proof_line
from tui.app.retrieve.verifier import Verifier
from tui.app.steps.aws_calls import AwsCalls
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.core.batch.model import (
    BatchProgress,
    MailboxRow,
    RowState,
    RunInfo,
    RunSettings,
    RunStatus,
)
from tui.core.model import AwsProblem
from tui.core.safe_text import shown
from tui.wizard import bulk
from tui.wizard.retrieve import ChosenExport, completed_job, default_downloads_dir

if TYPE_CHECKING:
    from tui.core.batch.group import GroupProgress
    from tui.core.batch.runner import RunControl
    from tui.core.session import Aws

STATE_LOOK: dict[RowState, tuple[str, str]] = {
    RowState.PLANNED: ("· waiting", "dim"),
    RowState.STARTING: ("↑ starting", "cyan"),
    RowState.RUNNING: ("● running", "bold cyan"),
    RowState.COMPLETED: ("✓ exported", "green"),
    RowState.FAILED: ("✗ failed", "bold red"),
    RowState.CANCELLED: ("⊘ cancelled", "yellow"),
    RowState.SKIPPED: ("↷ skipped", "yellow"),
}
COLUMNS = (("mailbox", "Mailbox", None), ("state", "State", 11), ("done", "Done", 4),
           ("job", "JobId", 9), ("path", "S3 path", None))


def run_label(run: RunInfo) -> str:
    created = datetime.fromtimestamp(run.created, tz=timezone.utc)
    return f"{run.run_id} (started {created:%Y-%m-%d %H:%M} UTC, {bulk.status_word(run.status)})"


def row_cells(row: MailboxRow, room: int = 40) -> tuple[Text, ...]:
    """The table cells of a row; a mailbox label wider than `room` is shown by its name
    (alice.wong rather than a cut-off alice.wong@example-corp.a)."""
    word, style = STATE_LOOK[row.state]
    label = row.label if len(row.label) <= room or not row.name else row.name
    done = f"{row.progress}%" if row.state in (RowState.RUNNING, RowState.COMPLETED) else ""
    path = literal(row.s3_path) if row.s3_path else literal(row.prefix, "dim")
    return (literal(label), Text(word, style=style), Text(done, justify="right"),
            literal(short_id(row.job_id) if row.job_id else ""), path)


def left(progress: BatchProgress) -> int:
    """Mailboxes still to start or follow."""
    return sum(progress.totals.get(state, 0) for state in (
        RowState.PLANNED, RowState.STARTING, RowState.RUNNING))


def pausing_question(run_id: str, question: str) -> Text:
    """Asked before leaving a running run (Esc) or quitting during it (ctrl+q): what yes
    will do, said before it is done."""
    return Text.assemble((f"{question}\n\n", "bold"),
                         "The run will be paused: nothing new starts, and jobs already "
                         "running go on at WorkMail. Resume it with u on the bulk mailbox "
                         f"step, or {bulk.resume_command(run_id)}")


class BulkProgressScreen(Screen[None]):
    """Drives run `run_id` (new or unfinished) and shows it."""

    CSS_PATH = "bulk_progress_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("p", "pause", "Pause"),
        Binding("r", "resume", "Resume"),
        Binding("x", "cancel_run", "Cancel run"),
        Binding("m", "manifests", "Write manifests"),
        Binding("d", "download", "Download"),
        Binding("escape", "leave", "Back"),
    ]

    class Progressed(Message):
        def __init__(self, progress: BatchProgress) -> None:
            super().__init__()
            self.progress = progress

    def __init__(self, aws: Aws, run_id: str, timing: BulkTiming | None = None) -> None:
        super().__init__()
        self.aws = aws
        self.run_id = run_id
        self.timing = timing or BulkTiming()
        self.progress: BatchProgress | None = None
        self.control: RunControl | None = None
        self.manifests: list[Path] = []
        self.summary = ""
        self.calls = AwsCalls(self)
        self._leaving = threading.Event()
        self._runner: Worker[tuple[str, list[Path]]] | None = None
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._shown: dict[str, MailboxRow] = {}
        self._room = 40  # cells of the mailbox column (set on mount from the terminal width)
        self._last_posted: object = None
        self._after_stop: Callable[[], None] | None = None
        self.verifier = Verifier(self, aws, lambda *_: self._show_proof())
        self._settings: RunSettings | None = None  # read from the store with the first rows

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("Bulk export", "bold"), f"  ·  run {self.run_id}"),
                     id="bulk-bar")
        yield Static(id="bulk-totals")
        yield ProgressBar(total=None, show_eta=False, id="bulk-overall")
        yield Static(id="bulk-pace")
        yield DataTable(cursor_type="row", id="bulk-rows")
        yield Static(id="bulk-last-event")
        yield Static(id="bulk-proof")
        yield Static(id="bulk-end")
        yield StatusLine()
        yield Footer()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#bulk-rows", DataTable)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def running(self) -> bool:
        return self._runner is not None and self._runner.is_running

    def on_mount(self) -> None:
        self._room = self._mailbox_width("mailbox") or 40
        for key, label, width in COLUMNS:
            self.table.add_column(label, key=key, width=width or self._mailbox_width(key))
        self.query_one("#bulk-end").display = False
        self.table.focus()
        self._start_runner()

    def _mailbox_width(self, key: str) -> int | None:
        """The mailbox column takes what the fixed columns and ~30 cells of the S3 path
        leave (24 to 40 cells); the path column sizes itself."""
        fixed = sum(width or 0 for _, _, width in COLUMNS) + 2 * len(COLUMNS) + 4
        return max(24, min(40, self.app.size.width - fixed - 30)) if key == "mailbox" else None

    # ---- the runner ------------------------------------------------------------------
    def _start_runner(self) -> None:
        from tui.core.batch.runner import RunControl

        self.control = control = RunControl()
        self._leaving.clear()
        aws, run_id, timing, leaving = self.aws, self.run_id, self.timing, self._leaving

        def drive() -> tuple[str, list[Path]]:
            from tui.core.batch import report
            from tui.core.batch.runner import BatchRunner, RunnerOptions
            from tui.core.batch.store import BatchStore

            store = BatchStore.open()
            try:
                self._settings = store.run(run_id).settings
                runner = BatchRunner(aws, store, run_id,
                                     RunnerOptions(clock=timing.clock, tuning=timing.tuning),
                                     control, on_progress=self._post)
                runner.run(leaving.is_set)
                written = report.write_run_manifests(store, run_id, timing.reports())
                return report.summary(store.rows(run_id), run_id,
                                      report.extras_of(store, run_id)), written
            finally:
                store.close()

        self._runner = self.calls.run(drive, self._ended, self._failed,
                                      message="Reading the run and reconciling it with "
                                              "WorkMail…", group="runner")
        self.refresh_bindings()

    def _post(self, progress: BatchProgress) -> None:
        """Called on the runner's thread after every tick; a tick that changed nothing a
        person would see is not posted."""
        seen = (progress.status, progress.rows, progress.events[-1:], progress.slots)
        if seen != self._last_posted:
            self._last_posted = seen
            self.post_message(self.Progressed(progress))

    def on_bulk_progress_screen_progressed(self, message: Progressed) -> None:
        self.show(message.progress)

    def show(self, progress: BatchProgress) -> None:
        first = self.progress is None
        self.progress = progress
        self._report(progress)
        if first:
            self.status.clear()
        for row in progress.rows:
            if self._shown.get(row.entity_id) == row:
                continue  # unchanged: most rows of a large run on most ticks
            self._shown[row.entity_id] = row
            cells = row_cells(row, self._room)
            known = self._cells.get(row.entity_id)
            if known is None:
                self.table.add_row(*cells, key=row.entity_id)
            elif known != cells:
                for (key, _, _), old, new in zip(COLUMNS, known, cells, strict=True):
                    if old != new:
                        self.table.update_cell(row.entity_id, key, new)
            self._cells[row.entity_id] = cells
        self.show_totals(progress, progress.work_done, bulk.pace_text(progress))
        self._verify_completed(progress)
        if progress.events:
            last = progress.events[-1]
            self.query_one("#bulk-last-event", Static).update(
                literal(f"Last: {last.line()}", "dim", overflow="ellipsis", no_wrap=True))
        self.refresh_bindings()

    def show_totals(self, progress: BatchProgress | GroupProgress, done: float,
                    pace: str) -> None:
        """The state and counts, the overall bar at `done` of the total, and the pace line
        (this screen's and the group's)."""
        totals = Text(bulk.status_word(progress.status).capitalize(),
                      style="bold yellow" if progress.status is RunStatus.PAUSED else "bold")
        totals.append(f"  ·  {bulk.totals_text(progress)}")
        self.query_one("#bulk-totals", Static).update(totals)
        self.query_one("#bulk-overall", ProgressBar).update(total=max(progress.total, 1),
                                                            progress=done)
        self.query_one("#bulk-pace", Static).update(Text(pace, style="dim"))

    # ---- proof of the exports --------------------------------------------------------
    def _verify_completed(self, progress: BatchProgress) -> None:
        settings = self._settings
        if settings is None:
            return
        for row in progress.rows:
            job = completed_job(settings, row)
            if job is not None:
                self.verifier.verify(job)

    def _show_proof(self) -> None:
        line = proof_line(self.verifier.results.values(), len(self.verifier.asked))
        self.query_one("#bulk-proof", Static).update(line)
        self.refresh_bindings()

    def downloadable(self) -> list[ChosenExport]:
        """The run's exports verified so far (in plan order), to download."""
        progress, settings = self.progress, self._settings
        if progress is None or settings is None:
            return []
        targets = []
        for row in progress.rows:
            verification = self.verifier.results.get(row.job_id)
            job = completed_job(settings, row)
            if job is not None and verification is not None and \
                    verification.state in DOWNLOADABLE:
                targets.append(ChosenExport(job, row.label, self.run_id))
        return targets

    def action_download(self) -> None:
        targets = self.downloadable()
        if targets:
            from tui.app.retrieve.download_screen import DownloadScreen

            self.app.push_screen(DownloadScreen(self.aws, targets, default_downloads_dir()))

    def _ended(self, outcome: tuple[str, list[Path]]) -> None:
        self.summary, self.manifests = outcome
        if self.progress is not None:
            self._report(self.progress)
        end = literal(self.summary, "bold", lines=True)
        if self.manifests:
            end.append("\nManifests: ", style="dim")
            end.append(shown(", ".join(str(p) for p in self.manifests)))
        if self.progress is not None and left(self.progress):
            end.append(f"\nResume: u on the bulk mailbox step, or "
                       f"{bulk.resume_command(self.run_id)}", style="dim")
        widget = self.query_one("#bulk-end", Static)
        widget.update(end)
        widget.display = True
        self.refresh_bindings()
        if self._leaving.is_set():
            self._stopped()

    def _failed(self, problem: AwsProblem) -> None:
        self.status.problem(f"The run stopped: {problem.sentence()} Nothing is lost; r "
                            "resumes it.")
        self.refresh_bindings()
        if self._leaving.is_set():
            self._stopped()

    def _stopped(self) -> None:
        """The runner has returned after a pause asked on the way out."""
        then, self._after_stop = self._after_stop, None
        if then is not None:
            then()
        else:
            self.dismiss()

    def _report(self, progress: BatchProgress) -> None:
        """Tell the app how this run stands (what is left decides the exit status and the
        resume command printed at exit)."""
        from tui.app.wizard_app import WizardApp

        if isinstance(self.app, WizardApp):
            self.app.bulk_run_stands(self.run_id, progress)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.refresh_bindings()

    # ---- actions ---------------------------------------------------------------------
    def action_pause(self) -> None:
        if self.control is not None and self.running:
            self.control.pause()
            self.notify("Pausing: nothing new starts; running jobs go on at WorkMail.")

    def action_resume(self) -> None:
        if self.running and self.control is not None:
            self.control.resume()
            self.notify("Resuming: the free slots fill again.")
        elif not self.running:
            self.query_one("#bulk-end").display = False
            self._start_runner()

    def action_cancel_run(self) -> None:
        progress = self.progress
        if progress is None or not self.running:
            return

        def answered(choice: CancelChoice | None) -> None:
            if choice is not None and self.control is not None:
                self.control.cancel(cancel_running=choice is CancelChoice.WITH_RUNNING)
                self.notify("Cancelling the run…")

        self.app.push_screen(BulkCancelScreen(progress.active,
                                              progress.totals.get(RowState.PLANNED, 0)),
                             answered)

    def action_manifests(self) -> None:
        from tui.core.batch import report
        from tui.core.batch.store import BatchStore

        run_id, directory = self.run_id, self.timing.reports()

        def write() -> list[Path]:
            store = BatchStore.open()
            try:
                return report.write_run_manifests(store, run_id, directory)
            finally:
                store.close()

        self.calls.run(write, lambda paths: self.notify(
            "Manifests written: " + markup_safe(", ".join(str(p) for p in paths)), timeout=10),
            lambda problem: self.notify(f"The manifests were not written: "
                                        f"{markup_safe(problem.sentence())}", severity="error"),
            message="Writing the manifests…", group="manifests")

    def action_leave(self) -> None:
        if not self.running:
            self.dismiss()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.stop()

        self.app.push_screen(ConfirmScreen(
            pausing_question(self.run_id, "Leave the progress screen?"),
            yes="Pause and leave", no="Stay"), answered)

    def stop(self) -> None:
        """Pause the run and let the runner return after its next tick (saying so)."""
        if self.running and not self._leaving.is_set():
            self.status.busy("Pausing the run: waiting for the runner's current step…")
        self._halt()

    def _halt(self) -> None:
        self._leaving.set()
        if self.control is not None:
            self.control.pause()

    def pause_then(self, then: Callable[[], None]) -> None:
        """Pause the run and call `then` once the runner has returned (the pause stored)."""
        self._after_stop = then
        self.stop()

    def on_unmount(self) -> None:
        self._halt()  # the app is closing: its widgets are going, so nothing is said

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.progress.status if self.progress else None
        if action == "pause":
            return self.running and status is RunStatus.ACTIVE
        if action == "resume":  # also after a runner that stopped before its first tick
            ended = self._runner is not None and self._runner.is_finished
            return (self.running and status is RunStatus.PAUSED) or (
                ended and (self.progress is None or left(self.progress) > 0))
        if action == "cancel_run":
            return self.running and status in (RunStatus.ACTIVE, RunStatus.PAUSED)
        if action == "download":
            return bool(self.downloadable())
        return True
