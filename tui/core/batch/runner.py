"""Running a batch: create a run from a plan, or resume one, and drive its scheduler.

`create_run` stores the plan (every row, before anything is sent to AWS) and the connection
it is driven with. `BatchRunner` takes the run's lock (`run_lock`: one process drives a run at
a time), makes the job journal whole from the store (`journal_sync`), loads the run and
reconciles it with the service (nothing starts before one complete listing; STARTING rows the
listing shows are adopted, the others re-sent with their own ClientToken), then ticks until
nothing is left to start or follow, handing a `BatchProgress` to `on_progress` after every
tick. A face on another thread steers it through `RunControl` (pause, resume, cancel). When
`run()` returns, the journal is synced again and the lock released (`close()`). Nothing here
prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from tui.core.batch.clock import Clock, SystemClock
from tui.core.batch.facts import plan_facts
from tui.core.batch.forecast import run_forecast
from tui.core.batch.journal_sync import sync_journal
from tui.core.batch.model import (
    MAX_CONCURRENCY,
    BatchProgress,
    MailboxRow,
    RecentPolicy,
    RowState,
    RunInfo,
    RunSettings,
    RunStatus,
)
from tui.core.batch.plan import Plan, PlannedMailbox
from tui.core.batch.progress import snapshot
from tui.core.batch.run_lock import RunLock
from tui.core.batch.scheduler import RunRecorder, Scheduler, Tuning
from tui.core.batch.service import WorkMailCalls
from tui.core.batch.store import BatchStore
from tui.core.batch.tokens import new_run_id
from tui.core.journal import Journal, JournalError
from tui.core.model import ConnectionSettings, CoreError, ExportJob, ExportRequest
from tui.core.session import Aws

ProgressCallback = Callable[[BatchProgress], None]
SHORTEST_SLEEP = 0.01  # seconds; a due time already reached still lets the clock move on


def _row_for(planned: PlannedMailbox, policy: RecentPolicy) -> MailboxRow:
    mailbox = planned.mailbox
    row = MailboxRow(run_id="", entity_id=mailbox.id, email=mailbox.email, name=mailbox.name,
                     kind=mailbox.kind, prefix=planned.prefix, state=RowState.PLANNED)
    if planned.left_out:
        return replace(row, state=RowState.SKIPPED, note=planned.left_out)
    recent = planned.recent
    if recent is None:
        return row
    if policy == RecentPolicy.DEFER:
        return replace(row, not_before=recent.available_at,
                       note=f"exported by job {recent.job_id}; waiting for its 24-hour window")
    return replace(row, state=RowState.SKIPPED,
                   note=f"exported in the last 24 hours by job {recent.job_id}")


def create_run(store: BatchStore, settings: RunSettings, plan: Plan, now: float,
               run_id: str | None = None, connection: ConnectionSettings | None = None
               ) -> RunInfo:
    """Store a new run of `plan` (its recent exports skipped or deferred as the settings
    say, the mailboxes it left out skipped with why), the `connection` to resume it with
    (`connection.in_force(aws)`) and, first, what the plan knew of its mailboxes (sizes,
    states, the lines it could not use: facts.py). Raises ValueError for a concurrency
    outside 1..10 or a plan of another org."""
    if not 1 <= settings.concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"Concurrency must be between 1 and {MAX_CONCURRENCY}, "
                         f"not {settings.concurrency}.")
    if plan.organization_id != settings.organization_id:
        raise ValueError("The plan was made for another organization than the run's.")
    rows = [_row_for(planned, settings.recent_policy) for planned in plan.mailboxes]
    run_id = run_id or new_run_id()
    store.save_facts(run_id, *plan_facts(plan))
    return store.create_run(run_id, settings, rows, now, connection)


class RunControl:
    """Thread-safe requests from a face: pause, resume, cancel (optionally cancelling the
    jobs already running). The runner applies them between ticks and wakes up for them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.wake = threading.Event()
        self._wanted: RunStatus | None = None
        self._cancel_running = False

    def pause(self) -> None:
        self._request(RunStatus.PAUSED)

    def resume(self) -> None:
        self._request(RunStatus.ACTIVE)

    def cancel(self, cancel_running: bool = False) -> None:
        with self._lock:
            self._cancel_running = cancel_running
        self._request(RunStatus.CANCELLED)

    def _request(self, status: RunStatus) -> None:
        with self._lock:
            self._wanted = status
        self.wake.set()

    def take(self) -> tuple[RunStatus, bool] | None:
        """The latest request not yet applied, and whether running jobs are to be cancelled."""
        with self._lock:
            wanted, self._wanted = self._wanted, None
            self.wake.clear()
            return None if wanted is None else (wanted, self._cancel_running)


class JournalRecorder(RunRecorder):
    """Writes the run's jobs into the single-job journal (source "batch") so the jobs
    screen shows them; a journal failure becomes a warning, never a stopped run."""

    def __init__(self, journal: Journal, region: str, run_id: str) -> None:
        super().__init__()
        self.journal = journal
        self.region = region
        self.run_id = run_id

    def guard(self, action: Callable[[], object]) -> None:
        """Run a journal write; its failure becomes a warning (at most 20 are kept)."""
        try:
            action()
        except JournalError as exc:
            if len(self.warnings) < 20:
                self.warnings.append(exc.problem.sentence())

    def submitting(self, row: MailboxRow, request: ExportRequest) -> None:
        self.guard(lambda: self.journal.record_submit(
            request, self.region, entity_name=row.name, entity_email=row.email,
            batch_run_id=self.run_id))

    def started(self, row: MailboxRow) -> None:
        self.guard(lambda: self.journal.record_started(row.client_token, row.job_id))

    def finished(self, job: ExportJob) -> None:
        self.guard(lambda: self.journal.record_state(job))


@dataclass(frozen=True)
class RunnerOptions:
    """Injectables: the clock (a simulator's in tests), scheduler tuning, and the journal
    (None: open the default journal; `record_in_journal=False`: write none)."""

    clock: Clock | None = None
    tuning: Tuning | None = None
    journal: Journal | None = None
    record_in_journal: bool = True


class BatchRunner:
    """Drives one stored run to its end. Construct it to resume any run by id.

    The runner holds the run's lock from construction until `close()` (which `run()` calls
    when it returns); pass `lock` when the face took it earlier (e.g. to refuse before
    connecting). Raises `run_lock.RunLocked` when another runner holds the run, StoreError
    when the run is unknown.
    """

    def __init__(self, aws: Aws, store: BatchStore, run_id: str,
                 options: RunnerOptions | None = None, control: RunControl | None = None,
                 on_progress: ProgressCallback | None = None, lock: RunLock | None = None
                 ) -> None:
        opts = options or RunnerOptions()
        self.store = store
        self.clock: Clock = opts.clock or SystemClock()
        self.control = control or RunControl()
        self.on_progress = on_progress
        run = store.run(run_id)  # an unknown run is refused before any lock file is made
        if lock is not None and lock.run_id != run_id:
            raise ValueError(f"The lock handed over is run {lock.run_id}'s, not {run_id}'s.")
        self.lock = lock or RunLock.acquire(store.path, run_id)
        self._closed = False
        self._own_journal: Journal | None = None
        try:
            if run.status == RunStatus.PAUSED:  # resuming a run means: go on
                store.set_status(run_id, RunStatus.ACTIVE)
                run = store.run(run_id)
            self.calls = WorkMailCalls(aws)
            self.recorder = self._recorder(aws, run, opts)
            self._sync_journal()
            self.scheduler = Scheduler(self.calls, store, run, self.clock, opts.tuning,
                                       self.recorder)
            journal = (self.recorder.journal if isinstance(self.recorder, JournalRecorder)
                       else None)
            self.forecast = run_forecast(store, run_id, journal,
                                         self.scheduler.tuning.poll_seconds)
            for warning in self.recorder.warnings:
                self.scheduler.note(warning)
        except BaseException:
            self._let_go()
            raise

    def _recorder(self, aws: Aws, run: RunInfo, opts: RunnerOptions) -> RunRecorder:
        if not opts.record_in_journal:
            return RunRecorder()
        journal = opts.journal
        if journal is None:
            try:
                journal = self._own_journal = Journal.open(source="batch")
            except CoreError as exc:
                recorder = RunRecorder()
                recorder.warnings.append(exc.problem.sentence())
                return recorder
        recorder = JournalRecorder(journal, aws.region, run.run_id)
        if journal.warning:  # a damaged journal was moved aside: said as the run's first note
            recorder.warnings.append(journal.warning)
        return recorder

    def _sync_journal(self) -> None:
        """Every JobId of the store into the journal (see journal_sync); a failure is a
        warning, as every journal failure of a run is."""
        recorder = self.recorder
        if not isinstance(recorder, JournalRecorder):
            return
        written = 0

        def sync() -> None:
            nonlocal written
            written = sync_journal(recorder.journal, self.store, recorder.run_id,
                                   recorder.region)

        recorder.guard(sync)
        if written:
            recorder.warnings.append(
                f"{written} job(s) of this run were missing from the job journal "
                f"{recorder.journal.path}; they were added from the run's store.")

    def close(self) -> None:
        """Let go of the run: sync the journal once more, release the lock (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._sync_journal()
        finally:
            self._let_go()

    def _let_go(self) -> None:
        if self._own_journal is not None:
            self._own_journal.close()
            self._own_journal = None
        self.lock.release()

    def __enter__(self) -> BatchRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def run_id(self) -> str:
        return self.scheduler.run.run_id

    def progress(self) -> BatchProgress:
        s = self.scheduler
        rows, now, slots = list(s.rows.values()), self.clock.now(), s.capacity()
        return snapshot(s.run.run_id, s.status, rows, now, slots=slots,
                        eta_seconds=self.forecast.eta(rows, now, slots, s.waiting_until),
                        others_running=len(s.others_running),
                        api_calls_last_tick=s.api_calls_last_tick,
                        poll_calls_last_tick=s.poll_calls_last_tick,
                        waiting_until=s.waiting_until, events=s.events)

    def _apply_control(self) -> None:
        request = self.control.take()
        if request is None:
            return
        wanted, cancel_running = request
        s = self.scheduler
        if s.status in (RunStatus.FINISHED, RunStatus.CANCELLED) or wanted == s.status:
            return
        s.status = wanted
        if wanted == RunStatus.CANCELLED:
            s.cancel_running = cancel_running
            s.follow_running = cancel_running
        self.store.set_status(self.run_id, wanted,
                              cancel_running if wanted == RunStatus.CANCELLED else None)
        s.note(f"run {wanted.value}" + (" (running jobs cancelled too)"
                                        if wanted == RunStatus.CANCELLED and cancel_running
                                        else ""))

    def apply_requests(self) -> bool:
        """Apply what the face asked (pause, resume, cancel) now, without a tick (a loop that
        drives several runs: group.py); whether the run's status changed."""
        before = self.scheduler.status
        self._apply_control()
        return self.scheduler.status != before

    def tick(self) -> tuple[BatchProgress, float]:
        """One round: apply face requests, tick, report. Returns the snapshot and when the
        next tick is due (epoch seconds)."""
        if self._closed:
            raise RuntimeError("This runner was closed; construct a new one to go on.")
        self._apply_control()
        due = self.scheduler.tick()
        progress = self.progress()
        if self.on_progress is not None:
            self.on_progress(progress)
        return progress, due

    def run(self, stop: Callable[[], bool] | None = None) -> BatchProgress:
        """Tick until nothing is left to start or follow, or until `stop()` (asked after each
        tick) is true, e.g. a face that paused the run and leaves; returns the last snapshot.
        The runner is closed when this returns (a new runner drives the run again)."""
        try:
            while True:
                progress, due = self.tick()
                if self.scheduler.done:
                    return progress
                if stop is not None and stop():
                    self._apply_control()  # a pause asked for on the way out is kept
                    return self.progress()
                self.clock.sleep(max(SHORTEST_SLEEP, due - self.clock.now()),
                                 self.control.wake)
        finally:
            self.close()
