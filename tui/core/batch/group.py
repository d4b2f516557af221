"""Several organizations at once: one run per organization, all driven by one loop.

Each organization keeps its own run (its own 10 slots, its own 24-hour rule, its own store
rows and manifest); a group only says which runs belong together (store: group_members) and
which organizations could not take part. `GroupRunner` ticks every run that is due (those
due together side by side, on a few threads: a tick is mostly waiting on AWS), then sleeps
until the next one is due, so one process follows any number of organizations while using
almost no CPU. Resuming a group resumes each of its runs (BatchRunner reconciles each with
the service); a finished run just stays finished. `GroupProgress` adds the runs up for a
face: totals, and an ETA that is the latest of the organizations' (they run side by side).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tui.core.batch.clock import Clock, SystemClock
from tui.core.batch.facts import Group, GroupMember, LeftOutOrganization
from tui.core.batch.model import BatchProgress, RowState, RunSettings, RunStatus
from tui.core.batch.plan import Plan
from tui.core.batch.runner import (
    SHORTEST_SLEEP,
    BatchRunner,
    RunControl,
    RunnerOptions,
    create_run,
)
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings
from tui.core.session import Aws

TICKERS = 8  # runs ticked side by side at most


def new_group_id() -> str:
    """A fresh group id: `g` and 12 hex digits (run ids start with `r`)."""
    return "g" + secrets.token_hex(6)


@dataclass(frozen=True)
class GroupPart:
    """One organization's run to create: its settings and plan, Region and label, and the
    connection stored with it (for its resume)."""

    settings: RunSettings
    plan: Plan
    region: str
    label: str
    connection: ConnectionSettings | None = None


def create_group(store: BatchStore, parts: Sequence[GroupPart],
                 left_out: Sequence[LeftOutOrganization], now: float,
                 group_id: str | None = None) -> Group:
    """Store one run per part (each as `runner.create_run` stores a run), then the group."""
    members = []
    for part in parts:
        run = create_run(store, part.settings, part.plan, now, connection=part.connection)
        members.append(GroupMember(run.run_id, part.region, part.label,
                                   part.settings.organization_id))
    group = Group(group_id or new_group_id(), now, tuple(members), tuple(left_out))
    store.create_group(group)
    return group


class GroupControl:
    """Pause, resume or cancel every run of a group from a face's thread; wakes the loop."""

    def __init__(self, controls: Sequence[RunControl]) -> None:
        self.controls = list(controls)
        self.wake = threading.Event()

    def pause(self) -> None:
        self._each(lambda control: control.pause())

    def resume(self) -> None:
        self._each(lambda control: control.resume())

    def cancel(self, cancel_running: bool = False) -> None:
        self._each(lambda control: control.cancel(cancel_running))

    def _each(self, action: Callable[[RunControl], None]) -> None:
        for control in self.controls:
            action(control)
        self.wake.set()


@dataclass(frozen=True)
class PartProgress:
    """One organization of a group and the last snapshot of its run."""

    member: GroupMember
    progress: BatchProgress


@dataclass(frozen=True)
class GroupProgress:
    """The runs of a group added up, for one progress view."""

    group_id: str
    parts: tuple[PartProgress, ...]
    left_out: tuple[LeftOutOrganization, ...] = ()
    now: float = 0.0
    totals: dict[RowState, int] = field(default_factory=dict)

    @classmethod
    def of(cls, group: Group, snapshots: Mapping[str, BatchProgress], now: float
           ) -> GroupProgress:
        parts = tuple(PartProgress(m, snapshots[m.run_id]) for m in group.members
                      if m.run_id in snapshots)
        totals = dict.fromkeys(RowState, 0)
        for part in parts:
            for state, count in part.progress.totals.items():
                totals[state] += count
        return cls(group.group_id, parts, group.left_out, now, totals)

    @property
    def total(self) -> int:
        return sum(part.progress.total for part in self.parts)

    @property
    def done(self) -> int:
        return sum(part.progress.done for part in self.parts)

    @property
    def finished(self) -> bool:
        return all(part.progress.finished for part in self.parts)

    @property
    def active(self) -> int:
        """Jobs starting or running, in every organization."""
        return sum(part.progress.active for part in self.parts)

    @property
    def status(self) -> RunStatus:
        """ACTIVE while any run is, else PAUSED while any is, else the first run's."""
        statuses = {part.progress.status for part in self.parts}
        for status in (RunStatus.ACTIVE, RunStatus.PAUSED, RunStatus.CANCELLED):
            if status in statuses:
                return status
        return RunStatus.FINISHED

    @property
    def eta_seconds(self) -> float | None:
        """The organizations run side by side: the group ends with its latest run."""
        known = [part.progress.eta_seconds for part in self.parts
                 if not part.progress.finished and part.progress.eta_seconds is not None]
        return max(known) if known else None


class GroupRunner:
    """Drives every run of a stored group to its end (constructing it resumes them)."""

    def __init__(self, connections: Mapping[str, Aws], store: BatchStore, group_id: str,
                 options: RunnerOptions | None = None,
                 on_progress: Callable[[GroupProgress], None] | None = None) -> None:
        group = store.group(group_id)
        if group is None:
            raise ValueError(f"There is no group of runs {group_id!r} in {store.path}.")
        self.group = group
        self.store = store
        opts = options or RunnerOptions()
        self.clock: Clock = opts.clock or SystemClock()
        self.on_progress = on_progress
        self.runners: dict[str, BatchRunner] = {}
        try:  # each runner takes its run's lock; one held elsewhere lets the others go
            for member in group.members:
                self.runners[member.run_id] = BatchRunner(connections[member.region], store,
                                                          member.run_id, opts)
        except BaseException:
            self._close_runners()
            raise
        self.control = GroupControl([r.control for r in self.runners.values()])
        self._latest = {run_id: r.progress() for run_id, r in self.runners.items()}
        self._due = dict.fromkeys(self.runners, 0.0)
        self._pool: ThreadPoolExecutor | None = None

    def progress(self) -> GroupProgress:
        return GroupProgress.of(self.group, self._latest, self.clock.now())

    def _tick(self, run_id: str) -> None:
        progress, due = self.runners[run_id].tick()
        self._latest[run_id] = progress
        self._due[run_id] = due

    def tick(self) -> float:
        """Tick every run that is due (side by side); when the next one is due."""
        self.control.wake.clear()  # what a face asks from now on wakes the next sleep
        now = self.clock.now()
        for run_id, runner in self.runners.items():  # a pause or resume asked meanwhile
            if not runner.scheduler.done and runner.apply_requests():
                self._latest[run_id] = runner.progress()
                self._due[run_id] = now  # a resumed run fills its slots at once
        due = [run_id for run_id, runner in self.runners.items()
               if not runner.scheduler.done and self._due[run_id] <= now + SHORTEST_SLEEP]
        if len(due) == 1:
            self._tick(due[0])
        elif due:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=min(TICKERS, len(self.runners)),
                                                thread_name_prefix="workmail-export-group")
            list(self._pool.map(self._tick, due))
        if self.on_progress is not None:
            self.on_progress(self.progress())
        left = [self._due[run_id] for run_id, runner in self.runners.items()
                if not runner.scheduler.done]
        return min(left, default=now)

    @property
    def done(self) -> bool:
        return all(runner.scheduler.done for runner in self.runners.values())

    def run(self, stop: Callable[[], bool] | None = None) -> GroupProgress:
        """Tick until every run is done, or until `stop()` (asked after each round) is
        true: then a pause asked for on the way out is kept by every run."""
        try:
            while True:
                due = self.tick()
                if self.done:
                    return self.progress()
                if stop is not None and stop():
                    for run_id, runner in self.runners.items():
                        runner.apply_requests()
                        self._latest[run_id] = runner.progress()
                    return self.progress()
                self.clock.sleep(max(SHORTEST_SLEEP, due - self.clock.now()),
                                 self.control.wake)
        finally:
            self.close()

    def close(self) -> None:
        """Let the ticking threads and every run's lock go (a new GroupRunner drives the
        group again)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._close_runners()

    def _close_runners(self) -> None:
        for runner in self.runners.values():
            runner.close()
