"""The scheduler: keeps the organization's export slots busy, one tick at a time.

Each tick (1) follows the run's running jobs with ListMailboxExportJobs, newest page first,
reading only as many pages as it takes to see them all (one call per 100 running jobs), and
counts the RUNNING jobs others have in the organization; (2) settles what finished: COMPLETED,
CANCELLED, or FAILED (retried a bounded number of times when the ErrorInfo looks transient);
(3) starts the next mailboxes into the slots that are free *now*, so a slot freed in this tick
is refilled in this tick.

Crash safety: a row becomes STARTING (with its attempt's ClientToken) and is committed before
StartMailboxExportJob is sent, and the job description carries a tag naming the run and the
attempt. A start whose answer never came (the process was killed, the connection dropped, a
5xx) may have created a job, and the service may no longer honour its token (tokens expire;
after 24 hours nothing else refuses a second export). So such a row is *held*: it is not sent
again until a complete ListMailboxExportJobs, begun after that start, has been read. A job of
this run and attempt found in it is adopted (the row follows that JobId); a row the listing
does not show was never started and is sent again, with the same token. After a (re)start of
the scheduler every STARTING row is held this way, and nothing at all starts before that first
complete listing, which also counts the slots others use and the mailboxes exported in the
last 24 hours. A listing that fails is retried with backoff; the rows stay held meanwhile.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, replace

from tui.core.batch.clock import Clock
from tui.core.batch.model import (
    MAX_CONCURRENCY,
    BatchEvent,
    JobRecord,
    MailboxRow,
    RecentPolicy,
    RowState,
    RunInfo,
    RunStatus,
)
from tui.core.batch.plan import EXPORT_WINDOW_SECONDS, MAYBE_WINDOW_STATES, in_export_window
from tui.core.batch.retry import Backoff, looks_transient
from tui.core.batch.service import CallFailure, FailureKind, WorkMailCalls
from tui.core.batch.store import BatchStore
from tui.core.batch.tokens import client_token, parse_tag, tagged_description
from tui.core.model import ExportJob, ExportRequest

_PENDING = (RowState.PLANNED, RowState.STARTING)
# Clocks keep time to the microsecond at best: a moment this close counts as reached.
_RESOLUTION = 0.001


@dataclass(frozen=True)
class Tuning:
    """How often and how patiently the scheduler works; defaults suit real AWS."""

    poll_seconds: float = 15.0
    full_scan_seconds: float = 600.0
    retry_delay_seconds: float = 60.0
    limit_backoff: tuple[float, float] = (15.0, 300.0)
    throttle_backoff: tuple[float, float] = (2.0, 120.0)
    seed: int | None = None


class RunRecorder:
    """Where started jobs are also written (the single-job journal); the default is nowhere.

    The runner passes an adapter over `journal.Journal`; failures there are the recorder's
    to report, they never stop a run: they are kept in `warnings`.
    """

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def submitting(self, row: MailboxRow, request: ExportRequest) -> None:
        """A start is about to be sent."""

    def started(self, row: MailboxRow) -> None:
        """The service answered with the row's JobId."""

    def finished(self, job: ExportJob) -> None:
        """The job reached a final state."""


def epoch(job: ExportJob) -> float | None:
    return job.start_time.timestamp() if job.start_time else None


class Scheduler:
    """One run's scheduling state. Not thread-safe: one thread calls `tick()`; other
    threads talk to it through the runner's control."""

    def __init__(self, calls: WorkMailCalls, store: BatchStore, run: RunInfo, clock: Clock,
                 tuning: Tuning | None = None, recorder: RunRecorder | None = None,
                 ) -> None:
        self.calls = calls
        self.store = store
        self.run = run
        self.settings = run.settings
        self.clock = clock
        self.tuning = tuning or Tuning()
        self.recorder = recorder or RunRecorder()
        self.status = run.status
        self.cancel_running = run.cancel_running
        self.follow_running = True
        self.rows: dict[str, MailboxRow] = {row.entity_id: row for row in store.rows(run.run_id)}
        self.known_jobs: set[str] = {job.job_id for job in store.jobs(run.run_id)}
        self.others_running: set[str] = set()
        self.recent_exports: dict[str, tuple[float, str, bool]] = {}
        # FAILED or CANCELLED jobs of the last 24 hours: (start, JobId) by mailbox. Whether
        # they use up a mailbox's day is not documented; once the service refused a start for
        # one, they count (`ended_jobs_use_the_day`) and such mailboxes wait for their day.
        self.ended_in_window: dict[str, tuple[float, str]] = {}
        self.ended_jobs_use_the_day = False
        self.events: deque[BatchEvent] = deque(maxlen=50)
        self.api_calls_last_tick = 0
        self.poll_calls_last_tick = 0
        self.waiting_until: float | None = None
        self._last_full_scan: float | None = None
        self._force_full_scan = True
        # Reconciled: one complete listing has been read since this scheduler began. Held:
        # STARTING rows whose start may have happened and that no complete listing begun
        # after it has shown yet (see the module docstring).
        self.reconciled = False
        self.held: set[str] = {row.entity_id for row in self.rows.values()
                               if row.state == RowState.STARTING}
        self._scan_retry_at: float | None = None
        self._cancel_sent: set[str] = set()
        self._progressed: dict[str, MailboxRow] = {}
        rng = random.Random(self.tuning.seed)
        self._limit_backoff = Backoff(*self.tuning.limit_backoff, rng=rng)
        self._throttle_backoff = Backoff(*self.tuning.throttle_backoff, rng=rng)

    # -- the tick -----------------------------------------------------------------------

    def tick(self) -> float:
        """Do one round of work; returns when (epoch seconds) the next tick is due."""
        now = self.clock.now()
        calls_before, polls_before = self.calls.calls, self.calls.polls
        self._refresh(now)
        if self.status == RunStatus.ACTIVE:
            self._fill_slots(now)
        elif self.status == RunStatus.CANCELLED:
            self._settle_cancel(now)
        self._update_finished()
        self.api_calls_last_tick = self.calls.calls - calls_before
        self.poll_calls_last_tick = self.calls.polls - polls_before
        return self._next_tick(now)

    @property
    def done(self) -> bool:
        """Nothing left to start or follow (after a cancel that keeps running jobs, nothing
        left to start)."""
        states = {row.state for row in self.rows.values()}
        if not self.follow_running:
            return not states & set(_PENDING)
        return not states & {RowState.PLANNED, RowState.STARTING, RowState.RUNNING}

    def capacity(self) -> int:
        """How many jobs this run may have at once now: N minus what others run."""
        return max(0, min(self.settings.concurrency, MAX_CONCURRENCY - len(self.others_running)))

    def count(self, *states: RowState) -> int:
        return sum(1 for row in self.rows.values() if row.state in states)

    def note(self, message: str, row: MailboxRow | None = None) -> None:
        self.events.append(BatchEvent(self.clock.now(), message, row.label if row else ""))

    # -- following jobs -----------------------------------------------------------------

    def _refresh(self, now: float) -> None:
        tracked = {row.job_id for row in self.rows.values() if row.state == RowState.RUNNING}
        pending = self.count(*_PENDING) > 0
        full = (self._force_full_scan
                or (self._last_full_scan is not None
                    and now - self._last_full_scan >= self.tuning.full_scan_seconds)
                or (not tracked and pending and bool(self.others_running)))
        if not tracked and not full:
            return
        unseen = set(tracked)
        try:
            for page in self.calls.job_pages(self.settings.organization_id):
                for job in page:
                    unseen.discard(job.job_id)
                    self._observe(job, now)
                if not full and not unseen:
                    break
            else:
                for job_id in unseen:
                    self._observe(self.calls.describe(self.settings.organization_id, job_id),
                                  now)
        except CallFailure as failure:
            if full and (self.held or not self.reconciled):
                delay = self._throttle_backoff.next_delay()
                self._scan_retry_at = now + delay
                self.note(f"could not list the jobs ({failure.problem.sentence()}); nothing "
                          f"whose start may have happened is sent again until a listing "
                          f"succeeds (next try in {delay:.0f} s)")
            else:
                self.note(f"could not follow the jobs ({failure.problem.sentence()}); "
                          "trying again at the next tick")
            return
        finally:
            self._save_progress()
        if full:
            self._last_full_scan = now
            self._force_full_scan = False
            if self._scan_retry_at is not None:
                self._scan_retry_at = None
                self._throttle_backoff.reset()
            self.reconciled = True
            self.held.clear()  # the listing showed every start sent before it began
            self._settle_unanswered_starts(now)

    def _observe(self, job: ExportJob, now: float) -> None:
        """Take in one job the service listed or described."""
        started = epoch(job)
        tag = parse_tag(job.description)
        ours = tag is not None and tag[0] == self.run.run_id
        if in_export_window(job, now) and started is not None:
            self.recent_exports[job.entity_id] = (started, job.job_id, ours)
        if in_export_window(job, now, MAYBE_WINDOW_STATES) and started is not None:
            known = self.ended_in_window.get(job.entity_id)
            if known is None or known[0] < started:
                self.ended_in_window[job.entity_id] = (started, job.job_id)
        if not ours:
            if job.state == "RUNNING":
                self.others_running.add(job.job_id)
            else:
                self.others_running.discard(job.job_id)
            return
        assert tag is not None
        attempt = tag[1]
        row = self.rows.get(job.entity_id)
        if job.job_id not in self.known_jobs:
            self._remember_job(job, attempt)
        if row is None or row.attempts != attempt:
            self._update_job_record(job, attempt, "")
            return
        if row.state == RowState.STARTING:
            row = self._mark_running(row, job.job_id, started or now)
            self.note(f"found job {job.job_id} whose start answer was lost", row)
        if row.state == RowState.RUNNING and row.job_id == job.job_id:
            self._follow(row, job, now)

    def _follow(self, row: MailboxRow, job: ExportJob, now: float) -> None:
        if job.state == "RUNNING":
            if job.progress != row.progress:  # saved with the tick's other progress
                self._progressed[row.entity_id] = replace(row, progress=job.progress)
                self.rows[row.entity_id] = self._progressed[row.entity_id]
            return
        ended = job.end_time.timestamp() if job.end_time else now
        if job.state == "COMPLETED":
            self._save(replace(row, state=RowState.COMPLETED, progress=100,
                               s3_path=job.s3_path, ended_at=ended, error=""))
            self.note(f"completed ({job.s3_path})", row)
            self._update_job_record(job, row.attempts, "")
        elif job.state == "CANCELLED":
            self._save(replace(row, state=RowState.CANCELLED, ended_at=ended,
                               error=row.error or "The job was cancelled."))
            self.note("cancelled", row)
            self._update_job_record(job, row.attempts, "cancelled")
        else:
            job = self._settle_failure(row, job, now, ended)
        self.recorder.finished(job)

    def _settle_failure(self, row: MailboxRow, job: ExportJob, now: float, ended: float
                        ) -> ExportJob:
        """Retry a transient failure (bounded) or record it; returns the job as described
        (with its ErrorInfo, which the list leaves out)."""
        error = job.error_info
        if not error:
            try:
                described = self.calls.describe(self.settings.organization_id, job.job_id)
                error, job = described.error_info, described
            except CallFailure as failure:
                error = f"(ErrorInfo could not be read: {failure.problem.sentence()})"
        error = error or "The job failed without ErrorInfo."
        self._update_job_record(job, row.attempts, error)
        if looks_transient(error) and row.attempts <= self.settings.max_retries \
                and self.status != RunStatus.CANCELLED:
            delay = self.tuning.retry_delay_seconds
            self._save(replace(row, state=RowState.PLANNED, job_id="", progress=0,
                               not_before=now + delay, error=error,
                               note=f"attempt {row.attempts} failed; retrying"))
            self.note(f"attempt {row.attempts} failed ({error}); retrying", row)
        else:
            self._save(replace(row, state=RowState.FAILED, ended_at=ended, error=error,
                               s3_path=""))
            self.note(f"failed ({error})", row)
        return job

    def _settle_unanswered_starts(self, now: float) -> None:
        """After a full scan: a STARTING row whose mailbox someone else exported in the last
        24 hours cannot start before that window ends; skip or defer it as the run says."""
        for row in list(self.rows.values()):
            if row.state != RowState.STARTING:
                continue
            recent = self._blocking_export(row, now)
            if recent is not None:
                self._apply_recent_policy(row, recent[0], recent[1], row.attempts - 1)
        if self.status == RunStatus.CANCELLED:
            for row in list(self.rows.values()):
                if row.state == RowState.STARTING:
                    self._save(replace(row, state=RowState.CANCELLED,
                                       error="Not started: the run was cancelled."))

    def _blocking_export(self, row: MailboxRow, now: float) -> tuple[float, str] | None:
        """(start, JobId) of another job that exported this mailbox less than 24 h ago."""
        recent = self.recent_exports.get(row.entity_id)
        if recent is None or recent[2] or now - recent[0] >= EXPORT_WINDOW_SECONDS:
            return None
        return recent[0], recent[1]

    def _ended_job_in_window(self, row: MailboxRow, now: float) -> tuple[float, str] | None:
        """(start, JobId) of a FAILED or CANCELLED job of this mailbox less than 24 h old."""
        ended = self.ended_in_window.get(row.entity_id)
        if ended is None or now - ended[0] >= EXPORT_WINDOW_SECONDS:
            return None
        return ended

    def _wait_for_the_day(self, row: MailboxRow, started: float, job_id: str,
                          attempts: int) -> None:
        """The mailbox's FAILED or CANCELLED job uses up its day: start it once that is over."""
        self._save(replace(row, state=RowState.PLANNED, attempts=attempts,
                           not_before=started + EXPORT_WINDOW_SECONDS,
                           note=f"job {job_id} ended within 24 hours; WorkMail counts it, so "
                                "this mailbox waits for its 24-hour window"))
        self.note(f"job {job_id} ended within 24 h and uses up the day; deferred", row)

    def _apply_recent_policy(self, row: MailboxRow, started: float, job_id: str,
                             attempts: int) -> None:
        available = started + EXPORT_WINDOW_SECONDS
        if self.settings.recent_policy == RecentPolicy.DEFER:
            self._save(replace(row, state=RowState.PLANNED, attempts=attempts,
                               not_before=available, note=f"exported by job {job_id}; "
                               "waiting for its 24-hour window"))
            self.note(f"exported in the last 24 h by {job_id}; deferred", row)
        else:
            self._save(replace(row, state=RowState.SKIPPED, attempts=attempts,
                               note=f"exported in the last 24 hours by job {job_id}",
                               error=""))
            self.note(f"exported in the last 24 h by {job_id}; skipped", row)

    # -- starting jobs ------------------------------------------------------------------

    def _fill_slots(self, now: float) -> None:
        now += _RESOLUTION
        if not self.reconciled:
            return  # nothing starts before one complete listing (see the module docstring)
        if self.waiting_until is not None and now < self.waiting_until:
            return
        self.waiting_until = None
        # A STARTING row not adopted by a listing was never started: it needs a free slot too
        # (a held one may have a job running: it keeps its slot).
        held = sum(1 for r in self.rows.values()
                   if r.state == RowState.STARTING and r.entity_id in self.held)
        free = self.capacity() - self.count(RowState.RUNNING) - held
        for row in [r for r in self.rows.values() if r.state == RowState.STARTING]:
            if row.entity_id in self.held:
                continue
            if free <= 0:
                break
            if row.not_before <= now:
                if not self._start(row, now):
                    return
                free -= self._is_running(row)
        free = self.capacity() - self.count(RowState.STARTING, RowState.RUNNING)
        for row in list(self.rows.values()):
            if free <= 0:
                return
            if row.state == RowState.PLANNED and row.not_before <= now:
                recent = self._blocking_export(row, now)
                if recent is not None:
                    self._apply_recent_policy(row, recent[0], recent[1], row.attempts)
                    continue
                ended = self._ended_job_in_window(row, now)
                if ended is not None and self.ended_jobs_use_the_day:
                    self._wait_for_the_day(row, *ended, row.attempts)
                    continue
                if not self._start(row, now):
                    return
                free -= self._is_running(row)

    def _is_running(self, row: MailboxRow) -> int:
        """1 when the row's start got a job (it takes a slot), else 0."""
        return int(self.rows[row.entity_id].state == RowState.RUNNING)

    def _start(self, row: MailboxRow, now: float) -> bool:
        """Send one start; False when the scheduler should stop starting for now."""
        if row.state == RowState.PLANNED:
            attempt = row.attempts + 1
            row = self._save(replace(
                row, state=RowState.STARTING, attempts=attempt, not_before=0.0,
                client_token=client_token(self.run.run_id, row.entity_id, attempt)))
        request = self._request(row)
        self.recorder.submitting(row, request)
        try:
            job_id = self.calls.start(request)
        except CallFailure as failure:
            return self._start_failed(row, failure, now)
        self._limit_backoff.reset()
        self._throttle_backoff.reset()
        row = self._mark_running(row, job_id, now)
        self.note(f"started job {job_id} (attempt {row.attempts})", row)
        return True

    def _request(self, row: MailboxRow) -> ExportRequest:
        return ExportRequest(
            organization_id=self.settings.organization_id, entity_id=row.entity_id,
            role_arn=self.settings.role_arn, kms_key_arn=self.settings.kms_key_arn,
            bucket=self.settings.bucket, prefix=row.prefix,
            description=tagged_description(self.settings.description, self.run.run_id,
                                           row.attempts),
            client_token=row.client_token,
        )

    def _start_failed(self, row: MailboxRow, failure: CallFailure, now: float) -> bool:
        sentence = failure.problem.sentence()
        if failure.kind in (FailureKind.NETWORK, FailureKind.SERVER):
            # the request may have reached AWS and started the job: hold the row until a
            # listing shows whether it did
            self.held.add(row.entity_id)
            self._force_full_scan = True
        ended = self._ended_job_in_window(row, now)
        if (failure.kind == FailureKind.LIMIT and ended is not None
                and self.count(RowState.RUNNING) + len(self.others_running) < MAX_CONCURRENCY):
            # Not the running-jobs limit, as far as the last listing tells: the mailbox's day,
            # used up by a job that ended FAILED or CANCELLED (an ASSUMPTION the service has
            # now settled). This mailbox waits; the others go on.
            self.ended_jobs_use_the_day = True
            self._wait_for_the_day(row, *ended, row.attempts - 1)
            return True
        if failure.kind == FailureKind.PERMANENT:
            self._save(replace(row, state=RowState.FAILED, error=sentence, ended_at=now))
            self.note(f"not started ({sentence})", row)
            return True
        backoff = (self._limit_backoff if failure.kind == FailureKind.LIMIT
                   else self._throttle_backoff)
        delay = backoff.next_delay()
        self.waiting_until = now + delay
        if failure.kind == FailureKind.LIMIT:
            self._force_full_scan = True  # recount others' jobs; look for a 24-hour window
        self._save(replace(row, not_before=now + delay, note=f"waiting: {sentence}"))
        self.note(f"{failure.kind.value} ({sentence}); next try in {delay:.0f} s", row)
        return False

    def _mark_running(self, row: MailboxRow, job_id: str, started: float) -> MailboxRow:
        row = self._save(replace(row, state=RowState.RUNNING, job_id=job_id, progress=0,
                                 started_at=started, not_before=0.0, note=""))
        if job_id not in self.known_jobs:
            self.known_jobs.add(job_id)
            self.store.save_job(JobRecord(self.run.run_id, row.entity_id, row.attempts, job_id,
                                          "RUNNING", started_at=started))
        self.recorder.started(row)
        return row

    # -- cancelling ---------------------------------------------------------------------

    def _settle_cancel(self, now: float) -> None:
        planned = [replace(row, state=RowState.CANCELLED,
                           error="Not started: the run was cancelled.")
                   for row in self.rows.values() if row.state == RowState.PLANNED]
        if planned:
            self.store.save_rows(planned)
            self.rows.update({row.entity_id: row for row in planned})
        if self.count(RowState.STARTING):
            self._force_full_scan = True
        if not self.cancel_running:
            return
        for row in self.rows.values():
            if row.state != RowState.RUNNING or row.job_id in self._cancel_sent:
                continue
            try:
                self.calls.cancel(self.settings.organization_id, row.job_id)
                self._cancel_sent.add(row.job_id)
                self.note(f"cancel sent for job {row.job_id}", row)
            except CallFailure as failure:
                if failure.kind.transient:
                    self.note(f"cancel not sent yet ({failure.problem.sentence()})", row)
                    return
                self._cancel_sent.add(row.job_id)
                self.note(f"cancel refused ({failure.problem.sentence()})", row)

    # -- bookkeeping --------------------------------------------------------------------

    def _save(self, row: MailboxRow) -> MailboxRow:
        self._progressed.pop(row.entity_id, None)
        self.store.save_row(row)
        self.rows[row.entity_id] = row
        return row

    def _save_progress(self) -> None:
        """Progress of running jobs: one transaction a tick, not one per job (it is not
        needed for recovery, only for the screen after a restart)."""
        if self._progressed:
            self.store.save_rows(self._progressed.values())
            self._progressed.clear()

    def _remember_job(self, job: ExportJob, attempt: int) -> None:
        self.known_jobs.add(job.job_id)
        self.store.save_job(JobRecord(self.run.run_id, job.entity_id, attempt, job.job_id,
                                      job.state, started_at=epoch(job)))

    def _update_job_record(self, job: ExportJob, attempt: int, error: str) -> None:
        ended = job.end_time.timestamp() if job.end_time else None
        self.store.save_job(JobRecord(self.run.run_id, job.entity_id, attempt, job.job_id,
                                      job.state, started_at=epoch(job), ended_at=ended,
                                      error=error or job.error_info))

    def _update_finished(self) -> None:
        if self.status == RunStatus.ACTIVE and self.done:
            self.status = RunStatus.FINISHED
            self.store.set_status(self.run.run_id, RunStatus.FINISHED)

    def _next_tick(self, now: float) -> float:
        """When the next tick is due: the poll interval while jobs run, else the earliest
        moment a waiting mailbox may start."""
        poll = now + self.tuning.poll_seconds
        if self.status != RunStatus.ACTIVE:
            return poll
        if self._scan_retry_at is not None:  # held until a listing succeeds
            return min(poll, self._scan_retry_at)
        # A STARTING row needs a free slot, a PLANNED one a slot no STARTING row will take:
        # with none free, only the poll can show one freed (others' jobs end unseen). A held
        # row waits for the listing its tick makes.
        slots = self.capacity()
        due = [row.not_before for row in self.rows.values()
               if (row.state == RowState.STARTING
                   and (row.entity_id in self.held or slots > self.count(RowState.RUNNING)))
               or (row.state == RowState.PLANNED
                   and slots > self.count(RowState.STARTING, RowState.RUNNING))]
        if not due:
            return poll
        earliest = max(self.waiting_until or now, min(due))
        # with nothing of ours running there is nothing to follow until then (a day, for a
        # mailbox waiting for its 24-hour window)
        return min(poll, earliest) if self.count(RowState.RUNNING) else earliest

