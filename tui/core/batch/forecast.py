"""When will it be done? The estimate before a run, the ETA during one, and the deadline.

Both come from the same two pieces: the throughput model (estimate.py: how long one job of a
given size takes, assumed or learned) and the schedule played forward (schedule.py: ten
slots, plan order, mailboxes waiting for their 24-hour window, the scheduler's backoff). A
straight-line pace ("12 done in an hour, 40 left") is never used: it ignores the slots,
the windows and the waits.

During a run a running job's end comes from both the model and the EstimatedProgress AWS
reports (weighted by that progress); the model is re-fitted whenever a job of the run
completes. Mailboxes of unknown size count as the median of the known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from statistics import median

from tui.core.batch.estimate import Sample, Throughput, fit
from tui.core.batch.facts import MailboxFacts
from tui.core.batch.history import finished_samples
from tui.core.batch.model import (
    MAX_CONCURRENCY,
    JobRecord,
    MailboxRow,
    RecentPolicy,
    RowState,
)
from tui.core.batch.plan import Plan
from tui.core.batch.schedule import Pending, finish_time
from tui.core.batch.store import BatchStore
from tui.core.journal import Journal

# AWS ends support for Amazon WorkMail on 2027-03-31: exports must be done before that day.
END_OF_SUPPORT = datetime(2027, 3, 31, tzinfo=timezone.utc)
# A mailbox of unknown size when no size at all is known. ASSUMPTION: 1 GB.
TYPICAL_MB = 1024.0
DEFAULT_POLL_SECONDS = 15.0
WHAT_HELPS = ("Each organization has its own 10 export slots (AWS's limit per organization, "
              "which this tool cannot raise), so several organizations export side by side: "
              "start them together (workmail-export batch --all-organizations). Within one "
              "organization only less work helps: start now, and leave out mailboxes that "
              "are not needed (--from-file).")


@dataclass(frozen=True)
class Estimate:
    """How long a plan will take: its end, likely and the range, from `now`; None when it
    cannot start (no free slot)."""

    mailboxes: int
    total_mb: float
    unknown_sizes: int
    now: float
    likely: float | None
    earliest: float | None
    latest: float | None
    throughput: Throughput
    slots: int
    waiting_for_window: int = 0

    @property
    def seconds(self) -> float | None:
        return None if self.likely is None else self.likely - self.now

    @property
    def range_seconds(self) -> tuple[float, float] | None:
        if self.earliest is None or self.latest is None:
            return None
        return self.earliest - self.now, self.latest - self.now


def _typical(sizes: Sequence[float]) -> float:
    return median(sizes) if sizes else TYPICAL_MB


def plan_estimate(plan: Plan, throughput: Throughput, now: float,
                  concurrency: int = MAX_CONCURRENCY,
                  recent: RecentPolicy = RecentPolicy.SKIP,
                  poll_seconds: float = DEFAULT_POLL_SECONDS) -> Estimate:
    """The estimate of `plan` run from `now` with `concurrency` slots (less what others run),
    its recent exports skipped or scheduled after their window."""
    slots = max(0, min(concurrency, MAX_CONCURRENCY - plan.others_running))
    planned = [p for p in plan.exported
               if p.recent is None or recent is RecentPolicy.DEFER]
    typical = _typical([p.size_mb for p in planned if p.size_mb is not None])
    sizes = [p.size_mb if p.size_mb is not None else typical for p in planned]
    after = [p.recent.available_at if p.recent is not None else 0.0 for p in planned]

    def end(factor: float) -> float | None:
        pending = [Pending(throughput.seconds(size) * factor, not_before)
                   for size, not_before in zip(sizes, after, strict=True)]
        return finish_time(now, slots, (), pending, poll=poll_seconds)

    return Estimate(
        mailboxes=len(planned), total_mb=sum(p.size_mb or 0.0 for p in planned),
        unknown_sizes=sum(p.size_mb is None for p in planned), now=now, likely=end(1.0),
        earliest=end(throughput.fast), latest=end(throughput.slow), throughput=throughput,
        slots=slots, waiting_for_window=sum(a > now for a in after))


class RunForecast:
    """The ETA of a run: its rows' sizes (facts), what this machine learned before the run
    (`history`, re-fitted with the run's own completed jobs) and the poll interval.

    `own_jobs` gives the run's job records (store.jobs): their start and end are the
    service's, so a learned duration never mixes this machine's clock with AWS's. Without
    it the rows' times are used."""

    def __init__(self, facts: Mapping[str, MailboxFacts], history: Sequence[Sample],
                 poll_seconds: float = DEFAULT_POLL_SECONDS,
                 own_jobs: Callable[[], Sequence[JobRecord]] | None = None) -> None:
        self.sizes = {entity: f.size_mb for entity, f in facts.items() if f.size_mb is not None}
        self.history = list(history)
        self.poll_seconds = poll_seconds
        self.own_jobs = own_jobs
        self._typical = _typical(list(self.sizes.values()))
        self._fitted: tuple[int, Throughput] | None = None

    def size(self, entity_id: str) -> float:
        return self.sizes.get(entity_id, self._typical)

    def _own_samples(self, rows: Sequence[MailboxRow]) -> list[Sample]:
        if self.own_jobs is not None:
            return [Sample(self.sizes[j.entity_id], j.ended_at - j.started_at, j.job_id)
                    for j in self.own_jobs() if j.state == "COMPLETED"
                    and j.entity_id in self.sizes and j.started_at is not None
                    and j.ended_at is not None and j.ended_at > j.started_at]
        return [Sample(self.sizes[r.entity_id], r.ended_at - r.started_at, r.job_id)
                for r in rows if r.state is RowState.COMPLETED and r.job_id
                and r.entity_id in self.sizes and r.started_at is not None
                and r.ended_at is not None]

    def throughput(self, rows: Sequence[MailboxRow]) -> Throughput:
        """The model fitted to the history and the run's completed jobs (re-fitted when one
        more completes)."""
        completed = sum(row.state is RowState.COMPLETED for row in rows)
        if self._fitted is None or self._fitted[0] != completed:
            own = self._own_samples(rows)
            seen = {s.job_id for s in own}
            samples = [s for s in self.history if s.job_id not in seen] + own
            self._fitted = (completed, fit(samples))
        return self._fitted[1]

    def _running_end(self, row: MailboxRow, now: float, model: Throughput) -> float:
        started = row.started_at if row.started_at is not None else now
        by_model = started + model.seconds(self.size(row.entity_id))
        elapsed = now - started
        if row.progress <= 0 or elapsed <= 0:
            return max(now, by_model)
        # EstimatedProgress is a whole percent: read 40 as 40.5, the middle of its span
        by_progress = started + elapsed * 100.0 / (row.progress + 0.5)
        weight = row.progress / 100.0
        return max(now, weight * by_progress + (1 - weight) * by_model)

    def eta(self, rows: Sequence[MailboxRow], now: float, slots: int,
            waiting_until: float | None = None) -> float | None:
        """Seconds until every row is final, from the schedule of what is left; None when
        nothing is left or no slot is free to run it."""
        left = [r for r in rows if r.state in (RowState.PLANNED, RowState.STARTING,
                                               RowState.RUNNING)]
        if not left:
            return None
        model = self.throughput(rows)
        running = [self._running_end(r, now, model) for r in left
                   if r.state is RowState.RUNNING]
        pending = [Pending(model.seconds(self.size(r.entity_id)), r.not_before) for r in left
                   if r.state is not RowState.RUNNING]
        end = finish_time(now, slots, running, pending, waiting_until or 0.0,
                          poll=self.poll_seconds)
        return None if end is None else end - now


def run_forecast(store: BatchStore, run_id: str, journal: Journal | None,
                 poll_seconds: float = DEFAULT_POLL_SECONDS) -> RunForecast:
    """The ETA model of a stored run: its sizes, what this machine saw finish before, and
    the run's own job records as they complete."""
    entries = journal.entries() if journal is not None else []
    return RunForecast(store.facts(run_id), finished_samples(store, entries), poll_seconds,
                       lambda: store.jobs(run_id))


# -- the deadline -------------------------------------------------------------------------


def deadline_moment(text: str) -> float:
    """Epoch seconds of a deadline given as `YYYY-MM-DD` (the start of that day, UTC) or an
    ISO 8601 time (UTC unless it names a zone); ValueError with a sentence otherwise."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2027-03-01 or a time like "
                         "2027-03-01T12:00Z") from None
    return moment.timestamp()


def when(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def deadline_warning(estimate: Estimate, deadline: float) -> str | None:
    """A sentence when the estimate ends at or after `deadline` (likely: it will not make
    it; only the slow end of the range: it might not), with what would help; else None."""
    if estimate.likely is None or estimate.mailboxes == 0:
        return None
    if estimate.likely >= deadline:
        return (f"This will not finish before {when(deadline)}: the estimate ends around "
                f"{when(estimate.likely)}. {WHAT_HELPS}")
    if estimate.latest is not None and estimate.latest >= deadline:
        return (f"This might not finish before {when(deadline)}: likely around "
                f"{when(estimate.likely)}, but the slow end of the estimate is "
                f"{when(estimate.latest)}. {WHAT_HELPS}")
    return None
