"""The plain values of a batch run: its settings, its rows, their states, its progress.

Faces receive these and nothing else from the engine: a progress screen, a CLI printing
lines and the manifest writer all read the same `BatchProgress` snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

MAX_CONCURRENCY = 10  # WorkMail runs at most 10 export jobs per organization at once.


class RowState(str, Enum):
    """Where one mailbox of a run stands.

    STARTING means "a StartMailboxExportJob with this row's ClientToken may have reached
    AWS": it is committed before the call and re-sent with the same token on resume.
    """

    PLANNED = "planned"
    STARTING = "starting"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"

    @property
    def final(self) -> bool:
        return self in (RowState.COMPLETED, RowState.FAILED, RowState.CANCELLED,
                        RowState.SKIPPED)


class RunStatus(str, Enum):
    """The run as a whole: ACTIVE starts jobs, PAUSED only follows them, CANCELLED starts
    nothing more, FINISHED has no row left to start or follow."""

    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class RecentPolicy(str, Enum):
    """What to do with a mailbox exported in the last 24 hours."""

    SKIP = "skip"
    DEFER = "defer"  # schedule it for when its 24-hour window has passed


@dataclass(frozen=True)
class RunSettings:
    """What every job of a run shares; stored with the run before the first start."""

    organization_id: str
    role_arn: str
    kms_key_arn: str
    bucket: str
    base_prefix: str
    description: str = ""
    concurrency: int = MAX_CONCURRENCY
    max_retries: int = 2
    recent_policy: RecentPolicy = RecentPolicy.SKIP


@dataclass(frozen=True)
class RunInfo:
    """A stored run: its id, settings, status and creation time (epoch seconds)."""

    run_id: str
    settings: RunSettings
    status: RunStatus
    created: float
    cancel_running: bool = False


@dataclass(frozen=True)
class MailboxRow:
    """One mailbox of a run, as stored. Times are epoch seconds (None when not yet)."""

    run_id: str
    entity_id: str
    email: str
    name: str
    kind: str
    prefix: str
    state: RowState
    attempts: int = 0
    client_token: str = ""
    job_id: str = ""
    s3_path: str = ""
    error: str = ""
    progress: int = 0
    not_before: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    note: str = ""

    @property
    def label(self) -> str:
        """How a person names the mailbox: its email, else its name, else its id."""
        return self.email or self.name or self.entity_id


@dataclass(frozen=True)
class JobRecord:
    """One JobId the run obtained from AWS (a mailbox has one per attempt that started)."""

    run_id: str
    entity_id: str
    attempt: int
    job_id: str
    state: str
    started_at: float | None = None
    ended_at: float | None = None
    error: str = ""


@dataclass(frozen=True)
class BatchEvent:
    """Something that happened in a run, for a log pane or a plain progress line."""

    at: float
    message: str
    mailbox: str = ""

    def line(self) -> str:
        return f"{self.mailbox}: {self.message}" if self.mailbox else self.message


@dataclass(frozen=True)
class BatchProgress:
    """A snapshot of a run for a face: rows, totals, throughput and the time left.

    `throughput_per_hour` counts completed mailboxes per hour since the first start;
    `eta_seconds` is None until a job has completed. `poll_calls_last_tick` counts the
    List/Describe calls the last tick made to follow jobs; `api_calls_last_tick` all calls.
    """

    run_id: str
    status: RunStatus
    rows: tuple[MailboxRow, ...]
    totals: dict[RowState, int]
    now: float
    throughput_per_hour: float = 0.0
    eta_seconds: float | None = None
    slots: int = 0
    others_running: int = 0
    api_calls_last_tick: int = 0
    poll_calls_last_tick: int = 0
    waiting_until: float | None = None
    events: tuple[BatchEvent, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.state.final)

    @property
    def work_done(self) -> float:
        """Mailboxes' worth of work done: each final row counts 1, each running job the
        share WorkMail reports (ten jobs at 30 % are 3 mailboxes' worth)."""
        return sum(1.0 if row.state.final else row.progress / 100
                   if row.state == RowState.RUNNING else 0.0 for row in self.rows)

    @property
    def active(self) -> int:
        return self.totals.get(RowState.STARTING, 0) + self.totals.get(RowState.RUNNING, 0)

    @property
    def finished(self) -> bool:
        return self.status == RunStatus.FINISHED
