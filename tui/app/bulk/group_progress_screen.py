"""The combined progress of several organizations' runs (a group): a row per organization
(done, running, waiting, failed, its time left), the totals, one bar and the time left of
all of them (the latest organization's: they run side by side), the last event naming its
organization; pause, resume, cancel (asking about running jobs) all of them at once;
manifests at the end, each organization's and the combined one.

One loop drives every run (core.batch.group.GroupRunner) in a thread worker and hands each
round's GroupProgress to the screen with `post_message`. Leaving pauses them all, so they can
be resumed here or with `batch --resume g...`.
"""

from __future__ import annotations

import threading
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
from tui.app.kit.status_line import StatusLine
from tui.app.steps.aws_calls import AwsCalls
from tui.app.steps.confirm_screen import ConfirmScreen
from tui.core.batch.group import GroupProgress, PartProgress
from tui.core.batch.model import RowState, RunStatus
from tui.core.model import AwsProblem
from tui.core.safe_text import shown
from tui.wizard import bulk

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tui.core.batch.group import GroupControl
    from tui.core.session import Aws

COLUMNS = (("organization", "Organization", 14), ("region", "Region", 9),
           ("state", "State", 8), ("done", "Done", 9), ("running", "Running", 7),
           ("waiting", "Waiting", 7), ("failed", "Failed", 6), ("left", "Time left", 12))
WIDE = 100  # from this many cells the Region column has room


def part_cells(part: PartProgress) -> dict[str, Text]:
    """The cells of an organization's row, by column key."""
    progress, totals = part.progress, part.progress.totals
    waiting = totals.get(RowState.PLANNED, 0) + totals.get(RowState.STARTING, 0)
    failed = totals.get(RowState.FAILED, 0) + totals.get(RowState.CANCELLED, 0)
    left = bulk.duration(progress.eta_seconds) if not progress.finished else "done"
    return {"organization": Text(shown(part.member.label), overflow="ellipsis"),
            "region": Text(part.member.region, style="dim"),
            "state": Text(bulk.status_word(progress.status),
                          style="yellow" if progress.status is RunStatus.PAUSED else ""),
            "done": Text(f"{progress.done}/{progress.total}", justify="right"),
            "running": Text(str(totals.get(RowState.RUNNING, 0)), justify="right"),
            "waiting": Text(str(waiting), justify="right"),
            "failed": Text(str(failed), justify="right",
                           style="bold red" if failed else "dim"),
            "left": Text(left)}


class GroupProgressScreen(Screen[None]):
    """Drives group `group_id` (new or unfinished) and shows it."""

    CSS_PATH = "bulk_progress_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("p", "pause", "Pause all"),
        Binding("r", "resume", "Resume all"),
        Binding("x", "cancel_run", "Cancel all"),
        Binding("escape", "leave", "Back"),
    ]

    class Progressed(Message):
        def __init__(self, progress: GroupProgress) -> None:
            super().__init__()
            self.progress = progress

    def __init__(self, connections: Mapping[str, Aws], group_id: str,
                 timing: BulkTiming | None = None) -> None:
        super().__init__()
        self.connections = dict(connections)
        self.group_id = group_id
        self.timing = timing or BulkTiming()
        self.progress: GroupProgress | None = None
        self.control: GroupControl | None = None
        self.manifests: list[Path] = []
        self.calls = AwsCalls(self)
        self._leaving = threading.Event()
        self._runner: Worker[list[Path]] | None = None
        self._last_posted: object = None
        self.columns = list(COLUMNS)

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("Bulk export of several organizations", "bold"),
                                   f"  ·  group {self.group_id}"), id="bulk-bar")
        yield Static(id="bulk-totals")
        yield ProgressBar(total=None, show_eta=False, id="bulk-overall")
        yield Static(id="bulk-pace")
        yield DataTable(cursor_type="row", id="bulk-rows")
        yield Static(id="bulk-last-event")
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
        self.columns = [c for c in COLUMNS if c[0] != "region" or self.app.size.width >= WIDE]
        for key, label, width in self.columns:
            self.table.add_column(label, key=key, width=width)
        self.query_one("#bulk-end").display = False
        self.table.focus()
        self._start_runner()

    def _start_runner(self) -> None:
        from tui.core.batch.group import GroupRunner
        from tui.core.batch.runner import RunnerOptions
        from tui.core.batch.store import BatchStore

        self._leaving.clear()
        connections, group_id, timing = self.connections, self.group_id, self.timing
        leaving, started = self._leaving, threading.Event()

        def drive() -> list[Path]:
            from tui.core.batch.group_report import write_group_manifests

            store = BatchStore.open()
            try:
                runner = GroupRunner(connections, store, group_id,
                                     RunnerOptions(clock=timing.clock, tuning=timing.tuning),
                                     on_progress=self._post)
                self.control = runner.control
                started.set()
                runner.run(leaving.is_set)
                group = store.group(group_id)
                assert group is not None
                return write_group_manifests(store, group, timing.reports())
            finally:
                store.close()

        self._runner = self.calls.run(drive, self._ended, self._failed,
                                      message="Reading the runs and reconciling them with "
                                              "WorkMail…", group="runner")
        self.refresh_bindings()

    def _post(self, progress: GroupProgress) -> None:
        seen = (progress.status, progress.done, progress.totals.get(RowState.RUNNING),
                tuple(p.progress.events[-1:] for p in progress.parts))
        if seen != self._last_posted:
            self._last_posted = seen
            self.post_message(self.Progressed(progress))

    def on_group_progress_screen_progressed(self, message: Progressed) -> None:
        self.show(message.progress)

    def show(self, progress: GroupProgress) -> None:
        if self.progress is None:
            self.status.clear()
        self.progress = progress
        for part in progress.parts:
            key = part.member.run_id
            cells = part_cells(part)
            if key not in self.table.rows:
                self.table.add_row(*(cells[column] for column, _, _ in self.columns), key=key)
            else:
                for column, _, _ in self.columns:
                    self.table.update_cell(key, column, cells[column])
        totals = Text(bulk.status_word(progress.status).capitalize(),
                      style="bold yellow" if progress.status is RunStatus.PAUSED else "bold")
        totals.append(f"  ·  {bulk.totals_text(progress)}")
        self.query_one("#bulk-totals", Static).update(totals)
        self.query_one("#bulk-overall", ProgressBar).update(total=max(progress.total, 1),
                                                            progress=progress.done)
        self.query_one("#bulk-pace", Static).update(Text(bulk.group_pace_text(progress),
                                                         style="dim"))
        latest = max(((p, e) for p in progress.parts for e in p.progress.events[-1:]),
                     key=lambda pair: pair[1].at, default=None)
        if latest is not None:
            part, event = latest
            self.query_one("#bulk-last-event", Static).update(Text(
                f"Last: {shown(part.member.label)}: {shown(event.line())}", style="dim",
                overflow="ellipsis", no_wrap=True))
        self.refresh_bindings()

    def _ended(self, manifests: list[Path]) -> None:
        self.manifests = manifests
        progress = self.progress
        end = Text()
        if progress is not None:
            end.append(f"{progress.done} of {progress.total} mailboxes done in "
                       f"{len(progress.parts)} organizations.", style="bold")
            for left in progress.left_out:
                end.append(f"\nNot taking part: {shown(left.label)}: {shown(left.reason)}",
                           style="yellow")
        combined = [p for p in manifests if p.name.startswith(self.group_id)]
        if combined:
            end.append("\nCombined manifest: ", style="dim")
            end.append(", ".join(str(p) for p in combined))
        if progress is not None and not progress.finished:
            end.append(f"\nResume: {bulk.resume_command(self.group_id)}", style="dim")
        widget = self.query_one("#bulk-end", Static)
        widget.update(end)
        widget.display = True
        self.refresh_bindings()
        if self._leaving.is_set():
            self.dismiss()

    def _failed(self, problem: AwsProblem) -> None:
        self.status.problem(f"The runs stopped: {problem.sentence()} Nothing is lost; r "
                            "resumes them.")
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.refresh_bindings()

    def action_pause(self) -> None:
        if self.control is not None and self.running:
            self.control.pause()
            self.notify("Pausing every organization: nothing new starts; running jobs go on "
                        "at WorkMail.")

    def action_resume(self) -> None:
        if self.running and self.control is not None:
            self.control.resume()
            self.notify("Resuming every organization.")
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
                self.notify("Cancelling every organization's run…")

        running = progress.totals.get(RowState.RUNNING, 0) + progress.totals.get(
            RowState.STARTING, 0)
        self.app.push_screen(BulkCancelScreen(running, progress.totals.get(RowState.PLANNED,
                                                                           0)), answered)

    def action_leave(self) -> None:
        if not self.running:
            self.dismiss()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.stop()

        self.app.push_screen(ConfirmScreen(
            Text.assemble(("Leave the progress screen?\n\n", "bold"),
                          "Every organization's run is paused; jobs already running go on at "
                          "WorkMail. Resume them with "
                          f"{bulk.resume_command(self.group_id)}"),
            yes="Pause and leave", no="Stay"), answered)

    def stop(self) -> None:
        """Pause every run and let the loop return after its round."""
        self._leaving.set()
        if self.control is not None:
            self.control.pause()

    def on_unmount(self) -> None:
        self.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.progress.status if self.progress else None
        if action == "pause":
            return self.running and status is RunStatus.ACTIVE
        if action == "resume":
            return (self.running and status is RunStatus.PAUSED) or (
                not self.running and self.progress is not None and not self.progress.finished)
        if action == "cancel_run":
            return self.running and status in (RunStatus.ACTIVE, RunStatus.PAUSED)
        return True
