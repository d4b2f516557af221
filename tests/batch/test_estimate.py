"""The pieces of the estimate, each against numbers worked out by hand: the throughput model
(assumed, then fitted), the schedule played forward, the ETA of a run (backoff, 24-hour
windows, running jobs) and the deadline warning, which appears exactly when the estimate
crosses the deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from tui.core.batch.estimate import ASSUMED, LEARN_FROM, Sample, fit
from tui.core.batch.facts import MailboxFacts
from tui.core.batch.forecast import (
    END_OF_SUPPORT,
    Estimate,
    RunForecast,
    deadline_moment,
    deadline_warning,
)
from tui.core.batch.model import MailboxRow, RowState
from tui.core.batch.rate import Pace, RateLimiter
from tui.core.batch.schedule import Pending, finish_time, lower_bound


def test_until_five_jobs_finished_the_model_is_the_stated_assumption() -> None:
    few = fit([Sample(1000.0, 100.0)] * (LEARN_FROM - 1))
    assert few.assumed and few.learned_from == LEARN_FROM - 1
    assert (few.mb_per_second, few.overhead_seconds) == (ASSUMED.mb_per_second,
                                                         ASSUMED.overhead_seconds)
    assert few.describe().startswith("Assumed throughput, until this machine has seen 5 "
                                     "exports finish (only 4 finished job(s) seen so far)")
    assert "from 33% to 300% of that speed" in few.describe()


def test_the_fit_finds_rate_and_overhead_of_finished_jobs() -> None:
    # 20 MB/s and 15 s a job, exactly
    samples = [Sample(size, 15 + size / 20) for size in (100.0, 400.0, 900.0, 2000.0, 5000.0)]
    model = fit(samples)
    assert not model.assumed and model.learned_from == 5
    assert model.mb_per_second == pytest.approx(20.0)
    assert model.overhead_seconds == pytest.approx(15.0)
    assert (model.fast, model.slow) == (pytest.approx(0.95), pytest.approx(1.05))
    assert model.describe() == ("Learned from 5 finished jobs on this machine: 20.0 MB/s per "
                                "job plus 15 s a job (±5%).")


def test_the_fit_judges_jobs_by_their_relative_error_so_short_jobs_stay_right() -> None:
    """Jobs stray from the line by a share of their length (±5..10 %). Twenty short jobs
    (20 s) and three long ones (about 2,000 s, mostly slow): plain least squares lets the
    long ones drag the overhead down and says 17.9 s for a short job; fitted on the relative
    error it stays within 2 %. The end of a run is many short jobs, where a few seconds
    decide which poll sees each end."""
    def true(size: float) -> float:
        return 15 + size / 20

    samples = [Sample(100.0, true(100.0) * f) for f in (0.95, 1.05) * 10] + [
        Sample(size, true(size) * f) for size, f in ((40000.0, 1.1), (30000.0, 0.92),
                                                     (35000.0, 1.08))]
    model = fit(samples)
    assert model.seconds(100.0) == pytest.approx(true(100.0), rel=0.02)
    assert model.seconds(40000.0) == pytest.approx(true(40000.0), rel=0.05)


def test_the_fit_stays_physical_when_the_jobs_say_little() -> None:
    # bigger mailboxes finishing sooner: no negative rate, all time put on size
    backwards = fit([Sample(s, 1000 - s / 10) for s in (100.0, 200.0, 300.0, 400.0, 500.0)])
    assert backwards.mb_per_second > 0 and backwards.overhead_seconds >= 0
    # all the same size: the line cannot be told from its slope; all time on size
    same = fit([Sample(500.0, 200.0)] * 6)
    assert same.seconds(500.0) == pytest.approx(200.0) and same.overhead_seconds == 0.0
    # all empty: all the time is overhead, the rate stays the assumed one
    empty = fit([Sample(0.0, 200.0)] * 6)
    assert empty.seconds(0.0) == pytest.approx(200.0)
    assert empty.mb_per_second == ASSUMED.mb_per_second


def test_the_schedule_fills_slots_in_plan_order_as_they_free() -> None:
    jobs = [Pending(100.0), Pending(50.0), Pending(50.0), Pending(10.0)]
    # slot A: 100; slot B: 50, then 50 (ends 100), then 10 (ends 110)
    assert finish_time(0.0, 2, (), jobs) == 110.0
    # a job's end is seen at the next tick (every 15 s): B 0-50 seen at 60, then 60-110
    # seen at 120; A 0-100 seen at 105, then 105-115 seen at 120
    assert finish_time(0.0, 2, (), jobs, poll=15.0) == 120.0
    assert finish_time(0.0, 0, (), jobs) is None
    assert finish_time(0.0, 2, (), []) == 0.0
    assert lower_bound([100.0, 50.0, 50.0, 10.0], 2) == 105.0


def test_the_schedule_waits_for_backoff_windows_and_running_jobs() -> None:
    # backing off until 70: nothing starts before
    assert finish_time(0.0, 10, (), [Pending(30.0)], start_from=70.0) == 100.0
    # a mailbox waiting for its 24-hour window starts when it opens; the next in plan order
    # takes the free slot meanwhile
    day = 86400.0
    assert finish_time(0.0, 1, (), [Pending(60.0, not_before=day), Pending(30.0)]) == day + 60
    # two running jobs hold both slots until 40 and 90: 40-70, then 70-100 in the same slot
    assert finish_time(0.0, 2, [40.0, 90.0], [Pending(30.0), Pending(30.0)]) == 100.0
    # three running but only two slots (others took one): the first start waits for two ends
    assert finish_time(0.0, 2, [10.0, 20.0, 50.0], [Pending(5.0)]) == 50.0


def row(entity: str, state: RowState, **changes: object) -> MailboxRow:
    base = MailboxRow(run_id="r1", entity_id=entity, email=f"{entity}@x", name=entity,
                      kind="USER", prefix=f"p/{entity}/", state=state)
    return replace(base, **changes)  # type: ignore[arg-type]


LEARNED = [Sample(size, 15 + size / 20, f"old{i}")
           for i, size in enumerate((100.0, 300.0, 600.0, 1200.0, 2400.0, 4800.0))]


def forecast(sizes: dict[str, float], poll: float = 0.0) -> RunForecast:
    return RunForecast({e: MailboxFacts(e, s, "ENABLED") for e, s in sizes.items()}, LEARNED,
                       poll)


def test_the_eta_counts_the_backoff_the_scheduler_waits_out() -> None:
    """Issue 11 item 14: "said 37 s while the run waited 72 s". One mailbox of 400 MB left
    (35 s), the scheduler backing off for 72 s after a throttled start."""
    rows = [row("a", RowState.STARTING)]
    eta = forecast({"a": 400.0}).eta(rows, now=1000.0, slots=10, waiting_until=1072.0)
    assert eta == pytest.approx(72.0 + 35.0)
    assert forecast({"a": 400.0}).eta(rows, now=1000.0, slots=10) == pytest.approx(35.0)


def test_the_eta_counts_mailboxes_scheduled_after_their_24_hour_window() -> None:
    """Issue 10 item 17: a mailbox deferred to after its window ends the run then."""
    rows = [row("a", RowState.COMPLETED, job_id="j1", started_at=0.0, ended_at=35.0),
            row("b", RowState.PLANNED, not_before=50_000.0)]
    eta = forecast({"a": 400.0, "b": 400.0}).eta(rows, now=1000.0, slots=10)
    assert eta == pytest.approx(50_000.0 + 35.0 - 1000.0)


def test_a_running_job_ends_by_its_progress_and_the_model() -> None:
    # model: 15 + 900/20 = 60 s; progress 50 % (read as 50.5) after 40 s says 79.2 s;
    # weight 0.5: 69.6 s
    rows = [row("a", RowState.RUNNING, started_at=0.0, progress=50, job_id="j")]
    assert forecast({"a": 900.0}).eta(rows, now=40.0, slots=10) == pytest.approx(
        (60 + 40 * 100 / 50.5) / 2 - 40)
    # no progress yet: the model alone
    rows = [row("a", RowState.RUNNING, started_at=0.0, progress=0, job_id="j")]
    assert forecast({"a": 900.0}).eta(rows, now=40.0, slots=10) == pytest.approx(20.0)
    assert forecast({"a": 900.0}).eta([row("a", RowState.COMPLETED)], 40.0, 10) is None


def test_the_run_refits_the_model_with_its_own_finished_jobs() -> None:
    sizes = {f"m{i}": 1000.0 + 100 * i for i in range(8)}
    slow = RunForecast({e: MailboxFacts(e, s, "ENABLED") for e, s in sizes.items()}, [], 0.0)
    rows = [row(e, RowState.PLANNED) for e in sizes]
    assert slow.throughput(rows).assumed
    # five of its own jobs done at 10 MB/s, no overhead: learned from them
    done = [replace(r, state=RowState.COMPLETED, job_id=f"j{i}", started_at=0.0,
                    ended_at=sizes[r.entity_id] / 10) for i, r in enumerate(rows[:5])]
    model = slow.throughput(done + rows[5:])
    assert model.learned_from == 5 and model.mb_per_second == pytest.approx(10.0)


def estimate_ending(likely: float, latest: float) -> Estimate:
    return Estimate(mailboxes=3, total_mb=1.0, unknown_sizes=0, now=0.0, likely=likely,
                    earliest=likely - 10, latest=latest, throughput=ASSUMED, slots=10)


def test_the_deadline_warning_appears_exactly_when_the_estimate_crosses_it() -> None:
    deadline = END_OF_SUPPORT.timestamp()
    assert deadline_warning(estimate_ending(deadline - 2, deadline - 1), deadline) is None
    might = deadline_warning(estimate_ending(deadline - 1, deadline), deadline)
    assert might is not None and might.startswith(
        "This might not finish before 2027-03-31 00:00 UTC: likely around 2027-03-30 23:59 "
        "UTC, but the slow end of the estimate is 2027-03-31 00:00 UTC.")
    will = deadline_warning(estimate_ending(deadline, deadline + 5), deadline)
    assert will is not None and will.startswith(
        "This will not finish before 2027-03-31 00:00 UTC: the estimate ends around "
        "2027-03-31 00:00 UTC.")
    assert "its own 10 export slots (AWS's limit per organization" in will
    assert "batch --all-organizations" in will


def test_deadlines_are_dates_or_times_in_utc() -> None:
    assert deadline_moment("2027-03-31") == END_OF_SUPPORT.timestamp()
    assert deadline_moment("2027-03-01T12:00Z") == datetime(
        2027, 3, 1, 12, tzinfo=timezone.utc).timestamp()
    with pytest.raises(ValueError, match="is not a date like 2027-03-01"):
        deadline_moment("next friday")


def test_the_rate_limiter_spaces_calls_halves_on_throttling_and_climbs_back() -> None:
    moments: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(Pace(start=10.0, floor=1.0, ceiling=12.0, step=1.0, window=2,
                               burst=2.0), clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
        moments.append(now[0])
    assert moments == pytest.approx([0.0, 0.0, 0.1, 0.2])  # a burst of two, then 10 a second
    limiter.throttled()
    assert limiter.rate == 5.0 and limiter.throttles == 1
    limiter.wait()
    # nothing saved up any more: the next call waits a turn at 5 a second
    assert now[0] == pytest.approx(0.2 + 1 / 5)
    for _ in range(20):
        limiter.succeeded()
    assert limiter.rate == 12.0  # back up, never above the ceiling
    # a burst refused at once is one congestion: the calls given their turn at the old rate
    # halve it once, not once each
    turns = [limiter.wait() for _ in range(3)]
    for turn in turns:
        limiter.throttled(turn)
    assert limiter.rate == 6.0 and limiter.throttles == 4
    for _ in range(10):
        limiter.throttled()
    assert limiter.rate == 1.0 and limiter.lowest_rate == 1.0
