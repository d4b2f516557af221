"""The progress snapshot of a run: totals and throughput; the time left is the runner's
(forecast.RunForecast: the throughput model and the schedule of what is left).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tui.core.batch.model import BatchEvent, BatchProgress, MailboxRow, RowState, RunStatus


def totals(rows: Iterable[MailboxRow]) -> dict[RowState, int]:
    counted = dict.fromkeys(RowState, 0)
    for row in rows:
        counted[row.state] += 1
    return counted


def throughput_per_hour(rows: Sequence[MailboxRow], now: float) -> float:
    starts = [row.started_at for row in rows if row.started_at is not None]
    completed = sum(1 for row in rows if row.state == RowState.COMPLETED)
    if not starts or not completed or now <= min(starts):
        return 0.0
    return completed * 3600.0 / (now - min(starts))


def snapshot(run_id: str, status: RunStatus, rows: Sequence[MailboxRow], now: float, *,
             slots: int, eta_seconds: float | None = None, others_running: int = 0,
             api_calls_last_tick: int = 0,
             poll_calls_last_tick: int = 0, waiting_until: float | None = None,
             events: Iterable[BatchEvent] = ()) -> BatchProgress:
    """The value handed to a face after every tick."""
    return BatchProgress(
        run_id=run_id, status=status, rows=tuple(rows), totals=totals(rows), now=now,
        throughput_per_hour=throughput_per_hour(rows, now),
        eta_seconds=eta_seconds, slots=slots,
        others_running=others_running, api_calls_last_tick=api_calls_last_tick,
        poll_calls_last_tick=poll_calls_last_tick, waiting_until=waiting_until,
        events=tuple(events),
    )
