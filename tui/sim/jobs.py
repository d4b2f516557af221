"""Mailbox export jobs: their progress over the simulator's clock and the service's job rules.

A job never runs in the background. Its state, progress and end time are computed from the
clock whenever someone asks, so `ManualClock.advance()` moves every job at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .assumptions import DEFAULT, KEY_CONCATENATED, LIST_OLDEST_FIRST, Assumptions
from .service_error import WorkMailError, invalid_parameter

MAX_RUNNING_JOBS_PER_ORG = 10
EXPORT_COOLDOWN = timedelta(hours=24)
LIST_WINDOW = timedelta(days=7)
# Which job states use up a mailbox's one export per 24 hours: Assumptions.window_states.

# What the book does when a start breaks a limit (`JobBook.limit_mode`): refuse it, as AWS
# does, or let the job start and only record the breach, so a test of the product's own rule
# fails when the product breaks it instead of being saved by the refusal and a retry.
REFUSE, RECORD = "refuse", "record"
RUNNING_LIMIT, EXPORT_WINDOW = "running-limit", "export-window"
# ASSUMPTION (unverified): "cancel might not be possible near completion" is modeled as
# refusing cancel from 95 % on.
CANCEL_REFUSED_FROM_PROGRESS = 95
# A job AWS could not carry out fails this many seconds after it started (or at its end).
FAILURE_DELAY_SECONDS = 8.0


# ASSUMPTION (unverified): an export job takes a fixed start-up time plus the mailbox's size
# at a steady rate, and a mailbox takes up to 10 % more or less than that line says (AWS
# publishes no throughput). The numbers only need to make size matter on the simulator clock.
EXPORT_OVERHEAD_SECONDS = 15.0
EXPORT_MB_PER_SECOND = 20.0


def default_duration(entity_id: str) -> float:
    """45-75 seconds, always the same for the same mailbox (the demo's job lengths)."""
    return 45.0 + zlib.crc32(entity_id.encode()) % 31


def variation(entity_id: str) -> float:
    """0.9 .. 1.1, fixed per mailbox: how far its export strays from the size line."""
    return 0.9 + (zlib.crc32(b"variation/" + entity_id.encode()) % 201) / 1000


def export_seconds(entity_id: str, size_mb: float) -> float:
    """How long the export of a mailbox of `size_mb` takes (see the ASSUMPTION above)."""
    return (EXPORT_OVERHEAD_SECONDS + size_mb / EXPORT_MB_PER_SECOND) * variation(entity_id)


def default_size_mb(entity_id: str) -> float:
    """The demo's mailbox sizes (about 500-1,300 MB): chosen so that `export_seconds` gives
    each mailbox its `default_duration`, so sizes drive job lengths without changing them."""
    seconds = default_duration(entity_id) / variation(entity_id)
    return round(EXPORT_MB_PER_SECOND * (seconds - EXPORT_OVERHEAD_SECONDS), 1)


@dataclass
class SimExportJob:
    """One job as the simulated service stores it (`jobs(org_id)` returns these)."""

    job_id: str
    organization_id: str
    entity_id: str
    description: str
    role_arn: str
    kms_key_arn: str
    bucket: str
    prefix: str
    s3_path: str
    start_time: datetime
    duration: float
    failure: str | None = None  # ErrorInfo when AWS could not carry the export out
    cancelled_at: datetime | None = None
    client_token: str = ""
    request: tuple[tuple[str, str], ...] = ()

    @property
    def _finish_after(self) -> float:
        if self.failure:
            return min(FAILURE_DELAY_SECONDS, self.duration)
        return self.duration

    def _natural_end(self) -> datetime:
        return self.start_time + timedelta(seconds=self._finish_after)

    def state(self, now: datetime) -> str:
        if self.cancelled_at is not None and self.cancelled_at < self._natural_end():
            return "CANCELLED"
        if now < self._natural_end():
            return "RUNNING"
        return "FAILED" if self.failure else "COMPLETED"

    def end_time(self, now: datetime) -> datetime | None:
        state = self.state(now)
        if state == "RUNNING":
            return None
        if state == "CANCELLED":
            return self.cancelled_at
        return self._natural_end()

    def progress(self, now: datetime) -> int:
        state = self.state(now)
        if state == "COMPLETED":
            return 100
        if self.failure:
            return 0
        at = min(now, self.cancelled_at) if self.cancelled_at else now
        elapsed = (at - self.start_time).total_seconds()
        return max(0, min(99, int(100 * elapsed / self.duration)))

    def error_info(self, now: datetime) -> str | None:
        return self.failure if self.state(now) == "FAILED" else None


def s3_path_for(prefix: str, job_id: str, form: str = DEFAULT.object_key) -> str:
    """The export object's key: an ASSUMPTION (unverified), Assumptions.object_key."""
    separator = "" if prefix.endswith("/") or form == KEY_CONCATENATED else "/"
    return f"{prefix}{separator}{job_id}.zip"


@dataclass(frozen=True)
class Breach:
    """A start that broke one of the service's limits (refused, or let through and recorded)."""

    kind: str  # RUNNING_LIMIT | EXPORT_WINDOW
    organization_id: str
    entity_id: str
    at: datetime
    message: str


class JobBook:
    """Every job of every organization, with the rules StartMailboxExportJob enforces."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.jobs: dict[str, SimExportJob] = {}
        self._by_token: dict[str, SimExportJob] = {}
        self.size_for: Callable[[str], float] = default_size_mb  # MB, by entity id
        self.duration_for: Callable[[str], float] = self.sized_duration
        self.limit_mode = REFUSE
        self.breaches: list[Breach] = []  # every start that broke a limit, refused or not
        # ASSUMPTION (unverified): AWS honours a ClientToken only for a while after the job it
        # started (how long is not documented for WorkMail); None: for ever. A retry after
        # that starts a new job, as a new token would.
        self.token_lifetime: timedelta | None = None

    def sized_duration(self, entity_id: str) -> float:
        """The default job length: from the mailbox's size (`export_seconds`)."""
        return export_seconds(entity_id, self.size_for(entity_id))

    def of_org(self, org_id: str) -> list[SimExportJob]:
        return [j for j in self.jobs.values() if j.organization_id == org_id]

    def replay(self, client_token: str, request: tuple[tuple[str, str], ...]
               ) -> SimExportJob | None:
        """The job a retried request already started, or None for a new token."""
        job = self._by_token.get(client_token)
        if job is None:
            return None
        if self.token_lifetime is not None and \
                self._now() - job.start_time >= self.token_lifetime:
            return None
        if job.request != request:
            # ASSUMPTION (unverified): IdempotentParameterMismatch is not modeled for WorkMail,
            # so a reused token with other parameters is answered with InvalidParameterException.
            raise invalid_parameter(
                f"ClientToken {client_token} was already used with different parameters.")
        return job

    def forget_tokens(self) -> None:
        """Every ClientToken given so far stops being honoured (they expired)."""
        self._by_token.clear()

    def check_limits(self, org_id: str, entity_id: str,
                     assumptions: Assumptions = DEFAULT) -> None:
        """Raise LimitExceededException for a start that breaks a limit (recording the breach
        first; with `limit_mode` RECORD only record it)."""
        now = self._now()
        org_jobs = self.of_org(org_id)
        running = sum(1 for j in org_jobs if j.state(now) == "RUNNING")
        if running >= MAX_RUNNING_JOBS_PER_ORG:
            self._breach(RUNNING_LIMIT, org_id, entity_id, now,
                         f"Organization {org_id} already has {running} export jobs running; "
                         f"at most {MAX_RUNNING_JOBS_PER_ORG} can run at the same time.")
        for job in org_jobs:
            recent = now - job.start_time < EXPORT_COOLDOWN
            if (job.entity_id == entity_id and recent
                    and job.state(now) in assumptions.window_states):
                # ASSUMPTION (unverified): the once-per-24-hours rule surfaces as
                # LimitExceededException.
                self._breach(EXPORT_WINDOW, org_id, entity_id, now,
                             f"Mailbox {entity_id} was already exported in the last 24 hours "
                             f"(job {job.job_id}); a mailbox can be exported once every 24 "
                             "hours.")
                break

    def _breach(self, kind: str, org_id: str, entity_id: str, now: datetime,
                message: str) -> None:
        self.breaches.append(Breach(kind, org_id, entity_id, now, message))
        if self.limit_mode == REFUSE:
            raise WorkMailError("LimitExceededException", message)

    def add(self, job: SimExportJob) -> None:
        self.jobs[job.job_id] = job
        if job.client_token:
            self._by_token[job.client_token] = job

    def get(self, org_id: str, job_id: str) -> SimExportJob:
        # ASSUMPTION (unverified): DescribeMailboxExportJob still answers for jobs older than
        # the seven days ListMailboxExportJobs shows.
        job = self.jobs.get(job_id)
        if job is None or job.organization_id != org_id:
            # ASSUMPTION (unverified): an unknown JobId is reported as EntityNotFoundException.
            raise WorkMailError("EntityNotFoundException",
                                f"Mailbox export job {job_id} not found in {org_id}.")
        return job

    def listed(self, org_id: str, order: str = DEFAULT.list_order) -> list[SimExportJob]:
        """The jobs ListMailboxExportJobs shows: started in the last seven days, newest first
        (the order is an ASSUMPTION, unverified: Assumptions.list_order)."""
        now = self._now()
        recent = [j for j in self.of_org(org_id) if now - j.start_time <= LIST_WINDOW]
        return sorted(recent, key=lambda j: j.start_time, reverse=order != LIST_OLDEST_FIRST)

    def cancel(self, org_id: str, job_id: str) -> None:
        # ASSUMPTION (unverified): Cancel's ClientToken is not checked; cancelling is
        # idempotent by itself (see below).
        now = self._now()
        job = self.get(org_id, job_id)
        state = job.state(now)
        if state == "CANCELLED":
            return  # cancelling twice is harmless (ASSUMPTION, unverified)
        if state != "RUNNING":
            # ASSUMPTION (unverified): cancelling a finished job is InvalidParameterException.
            raise invalid_parameter(f"Job {job_id} is {state} and can no longer be cancelled.")
        if job.progress(now) >= CANCEL_REFUSED_FROM_PROGRESS:
            raise invalid_parameter(
                f"Job {job_id} is {job.progress(now)}% done; it is too close to completion "
                "to be cancelled.")
        job.cancelled_at = now
