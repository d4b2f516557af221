"""The combined progress of several organizations' runs (a group): a row per organization
(done, running, waiting, failed, its time left), the totals, one bar and the time left of
all of them (the latest organization's: they run side by side), the last event naming its
organization; the keys and behaviour of one run's progress (BulkProgressScreen: pause,
resume, cancel asking about running jobs, leaving pauses, manifests), acting on every
organization at once; at the end each organization's manifest and the combined one.

One loop drives every run (core.batch.group.GroupRunner) in a thread worker and hands each
round's GroupProgress to the screen with `post_message`. Leaving pauses them all, so they can
be resumed here or with `batch --resume g...`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, ProgressBar, Static

from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.app.bulk.bulk_timing import BulkTiming
from tui.app.kit.safe_markup import markup_safe
from tui.app.kit.status_line import StatusLine
from tui.core.batch.group import GroupProgress, PartProgress
from tui.core.batch.model import RowState, RunStatus
from tui.core.safe_text import shown
from tui.wizard import bulk

if TYPE_CHECKING:
    from collections.abc import Mapping

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


class GroupProgressScreen(BulkProgressScreen):
    """Drives group `group_id` (new or unfinished) and shows it; `run_id` is the group's id
    (what `batch --resume` takes)."""

    def __init__(self, connections: Mapping[str, Aws], group_id: str,
                 timing: BulkTiming | None = None) -> None:
        super().__init__(next(iter(connections.values())), group_id, timing)
        self.connections = dict(connections)
        self.columns = list(COLUMNS)
        self.progress: Any = None  # the last GroupProgress

    @property
    def group_id(self) -> str:
        return self.run_id

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

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # the one run's columns are not this table's
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
        leaving = self._leaving

        def drive() -> tuple[str, list[Path]]:
            store = BatchStore.open()
            try:
                runner = GroupRunner(connections, store, group_id,
                                     RunnerOptions(clock=timing.clock, tuning=timing.tuning),
                                     on_progress=self._post)
                self.control = runner.control  # type: ignore[assignment]
                final = runner.run(leaving.is_set)
                return self._written(store, final)
            finally:
                store.close()

        self._runner = self.calls.run(drive, self._ended, self._failed,
                                      message="Reading the runs and reconciling them with "
                                              "WorkMail…", group="runner")
        self.refresh_bindings()

    def _written(self, store: Any, final: GroupProgress) -> tuple[str, list[Path]]:
        """The manifests (each organization's beside the combined ones, which are returned)
        and the summary of every organization."""
        from tui.core.batch.group_report import write_group_manifests

        group = store.group(self.group_id)
        written = write_group_manifests(store, group, self.timing.reports())
        summary = (f"{final.done} of {final.total} mailboxes done in {len(final.parts)} "
                   "organizations (each organization's manifest beside the combined one).")
        for left in group.left_out:
            summary += f"\nNot taking part: {shown(left.label)}: {shown(left.reason)}"
        return summary, [p for p in written if p.name.startswith(self.group_id)]

    def _post(self, progress: Any) -> None:
        seen = (progress.status, progress.done, progress.totals.get(RowState.RUNNING),
                tuple(p.progress.events[-1:] for p in progress.parts))
        if seen != self._last_posted:
            self._last_posted = seen
            self.post_message(self.Progressed(progress))

    def show(self, progress: Any) -> None:
        if self.progress is None:
            self.status.clear()
        self.progress = progress
        for part in progress.parts:
            key, cells = part.member.run_id, part_cells(part)
            if key not in self.table.rows:
                self.table.add_row(*(cells[column] for column, _, _ in self.columns), key=key)
            else:
                for column, _, _ in self.columns:
                    self.table.update_cell(key, column, cells[column])
        self.show_totals(progress, progress.done, bulk.group_pace_text(progress))
        latest = max(((p, e) for p in progress.parts for e in p.progress.events[-1:]),
                     key=lambda pair: pair[1].at, default=None)
        if latest is not None:
            part, event = latest
            self.query_one("#bulk-last-event", Static).update(Text(
                f"Last: {shown(part.member.label)}: {shown(event.line())}", style="dim",
                overflow="ellipsis", no_wrap=True))
        self.refresh_bindings()

    def action_manifests(self) -> None:
        from tui.core.batch.group_report import write_group_manifests
        from tui.core.batch.store import BatchStore

        group_id, directory = self.group_id, self.timing.reports()

        def write() -> list[Path]:
            store = BatchStore.open()
            try:
                return write_group_manifests(store, store.group(group_id), directory)
            finally:
                store.close()

        self.calls.run(write, lambda paths: self.notify(
            f"Manifests written in {markup_safe(directory)}: {len(paths)} files", timeout=10),
            lambda problem: self.notify(f"The manifests were not written: "
                                        f"{markup_safe(problem.sentence())}", severity="error"),
            message="Writing the manifests…", group="manifests")
