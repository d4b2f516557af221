"""The progress snapshot of a run: totals, throughput and an estimate of the time left.

The estimate uses the mean duration of the run's completed jobs: the work left (a mean job
for each mailbox still to start, the unfinished share of each running one) spread over the
run's slots, but never less than what the longest running job still needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from statistics import fmean

from tui.core.batch.model import BatchEvent, BatchProgress, MailboxRow, RowState, RunStatus


def totals(rows: Iterable[MailboxRow]) -> dict[RowState, int]:
    counted = dict.fromkeys(RowState, 0)
    for row in rows:
        counted[row.state] += 1
    return counted


def mean_duration(rows: Iterable[MailboxRow]) -> float | None:
    durations = [row.ended_at - row.started_at for row in rows
                 if row.state == RowState.COMPLETED and row.started_at is not None
                 and row.ended_at is not None]
    return fmean(durations) if durations else None


def throughput_per_hour(rows: Sequence[MailboxRow], now: float) -> float:
    starts = [row.started_at for row in rows if row.started_at is not None]
    completed = sum(1 for row in rows if row.state == RowState.COMPLETED)
    if not starts or not completed or now <= min(starts):
        return 0.0
    return completed * 3600.0 / (now - min(starts))


def eta_seconds(rows: Sequence[MailboxRow], now: float, slots: int) -> float | None:
    """Seconds until every row is final, or None before the first job has completed."""
    mean = mean_duration(rows)
    if mean is None:
        return None
    waiting = sum(1 for row in rows if row.state in (RowState.PLANNED, RowState.STARTING))
    left_running = [max(0.0, mean - (now - row.started_at)) if row.started_at is not None
                    else mean for row in rows if row.state == RowState.RUNNING]
    work = waiting * mean + sum(left_running)
    return max(work / max(slots, 1), max(left_running, default=0.0))


def snapshot(run_id: str, status: RunStatus, rows: Sequence[MailboxRow], now: float, *,
             slots: int, others_running: int = 0, api_calls_last_tick: int = 0,
             poll_calls_last_tick: int = 0, waiting_until: float | None = None,
             events: Iterable[BatchEvent] = ()) -> BatchProgress:
    """The value handed to a face after every tick."""
    return BatchProgress(
        run_id=run_id, status=status, rows=tuple(rows), totals=totals(rows), now=now,
        throughput_per_hour=throughput_per_hour(rows, now),
        eta_seconds=eta_seconds(rows, now, slots), slots=slots,
        others_running=others_running, api_calls_last_tick=api_calls_last_tick,
        poll_calls_last_tick=poll_calls_last_tick, waiting_until=waiting_until,
        events=tuple(events),
    )
