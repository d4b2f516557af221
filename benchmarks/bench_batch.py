"""Benchmark of the bulk export scheduler: 500 mailboxes with varied job durations.

Runs the real batch engine against the simulator on a manual clock (sleeping advances
simulated time), so a day of exports takes seconds. For each seeded run it prints:
- the makespan (first start to last end, from the simulator's own job records) against the
  lower bound max(longest job, total job time / 10), against fixed batches of 10 that wait
  for their slowest job (what the public scripts do), and against an ideal greedy scheduler
  in the same order with no polling delay (what is left is the engine's own overhead);
- the List/Describe calls each polling tick made to follow the running jobs.
Twice: mailboxes in listing order, and largest first (plan by_size=True, sizes from
GetMailboxDetails that predict durations only roughly). Then the medians over the runs.
Usage: python benchmarks/bench_batch.py [--runs 3]   (BENCH_MAILBOXES=N for another size)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                   "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                   "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"})
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)

from tui.core.batch.clock import SteppedClock  # noqa: E402
from tui.core.batch.model import RowState, RunSettings  # noqa: E402
from tui.core.batch.plan import choose_enabled, make_plan  # noqa: E402
from tui.core.batch.runner import BatchRunner, RunnerOptions, create_run  # noqa: E402
from tui.core.batch.scheduler import Tuning  # noqa: E402
from tui.core.batch.store import BatchStore  # noqa: E402
from tui.core.model import ConnectionSettings  # noqa: E402
from tui.core.session import connect  # noqa: E402
from tui.sim import ManualClock, SimulatedAws  # noqa: E402

MAILBOXES = int(os.environ.get("BENCH_MAILBOXES", "500"))
SLOTS = 10
# Job durations: log-normal, median 20 minutes, clipped to 2 minutes .. 4 hours.
MEDIAN_SECONDS, SIGMA, SHORTEST, LONGEST = 20 * 60.0, 0.75, 120.0, 4 * 3600.0
NOISE = 0.2  # how loosely mailbox size predicts export time


def durations_for(entity_ids: list[str], seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {entity: min(LONGEST, max(SHORTEST, rng.lognormvariate(math.log(MEDIAN_SECONDS),
                                                                  SIGMA)))
            for entity in entity_ids}


def fixed_batches(durations: list[float], size: int = SLOTS) -> float:
    """Makespan of batches of `size` in listing order, each waiting for its slowest job
    (what the public scripts do; no polling delay counted)."""
    return sum(max(durations[i:i + size]) for i in range(0, len(durations), size))


def greedy_in_order(durations: list[float], slots: int = SLOTS) -> float:
    """Makespan of starting each job, in plan order, the instant a slot frees (no polling
    delay, no knowledge of durations): the best any scheduler without sizes can do."""
    free_at = [0.0] * slots
    for duration in durations:
        start = min(free_at)
        free_at[free_at.index(start)] = start + duration
    return max(free_at)


def sizes_for(durations: dict[str, float], seed: int) -> dict[str, float]:
    """Mailbox sizes (MB) that explain the durations only roughly: 100 MB a minute, times a
    log-normal error of about 20 %, so ordering by size is a guess, not an oracle."""
    rng = random.Random(seed * 7919)
    return {entity: seconds / 60 * 100 * rng.lognormvariate(0.0, NOISE)
            for entity, seconds in durations.items()}


def one_run(seed: int, by_size: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as state, SimulatedAws(world="demo",
                                                               clock=ManualClock()) as sim:
        os.environ["WORKMAIL_EXPORT_STATE_DIR"] = state
        world = sim.world
        for i in range(MAILBOXES - 53):  # the demo org has 53 enabled mailboxes
            sim.workmail.create_user(world.org_id, f"bench.user{i}", f"Bench {i}",
                                     f"bench.user{i}@{world.domain}")
        aws = connect(ConnectionSettings(region="us-east-1"))
        clock = SteppedClock(lambda: sim.clock.now().timestamp(), sim.clock.advance)
        chosen = choose_enabled(aws, world.org_id)
        durations = durations_for([m.id for m in chosen.mailboxes], seed)
        sim.workmail.set_job_duration(lambda entity: durations[entity])
        sizes = sizes_for(durations, seed)
        sim.workmail.mailbox_size_for = lambda entity: sizes[entity]
        plan = make_plan(aws, world.org_id, chosen, "exports", clock.now(), by_size=by_size)
        store = BatchStore.open()
        settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                               world.good_bucket, "exports", "benchmark")
        run = create_run(store, settings, plan, clock.now())
        polls: list[int] = []
        running: list[int] = []

        def watch(progress: Any) -> None:
            polls.append(progress.poll_calls_last_tick)
            running.append(progress.totals[RowState.RUNNING])

        began = time.perf_counter()
        runner = BatchRunner(aws, store, run.run_id,
                             RunnerOptions(clock=clock, tuning=Tuning(seed=seed)),
                             on_progress=watch)
        final = runner.run()
        wall = time.perf_counter() - began
        store.close()

        jobs = sim.workmail.jobs(world.org_id)
        now = sim.clock.now()
        assert final.totals[RowState.COMPLETED] == MAILBOXES, final.totals
        assert len(jobs) == MAILBOXES
        first = min(job.start_time for job in jobs)
        last = max(job.end_time(now) for job in jobs)
        makespan = (last - first).total_seconds()
        planned_order = [durations[p.mailbox.id] for p in plan.mailboxes]
        listing_order = [durations[m.id] for m in chosen.mailboxes]
        bound = max(max(planned_order), sum(planned_order) / SLOTS)
        return {"seed": seed, "makespan": makespan, "bound": bound,
                "fixed": fixed_batches(listing_order),
                "greedy": greedy_in_order(planned_order), "ticks": len(polls),
                "polls": Counter(polls), "max_running": max(running),
                "calls": runner.calls.calls, "wall": wall}


def hours(seconds: float) -> str:
    return f"{seconds / 3600:6.2f} h"


def report(results: list[dict[str, Any]], order: str) -> None:
    for r in results:
        print(f"[{order}] seed {r['seed']}: makespan {hours(r['makespan'])}, "
              f"bound {hours(r['bound'])} (x{r['makespan'] / r['bound']:.3f}), "
              f"fixed batches {hours(r['fixed'])} (x{r['fixed'] / r['bound']:.3f}), "
              f"ideal greedy in the same order "
              f"{hours(r['greedy'])} (x{r['greedy'] / r['bound']:.3f}); {r['ticks']} ticks, "
              f"poll calls per tick {dict(sorted(r['polls'].items()))}, "
              f"{r['calls']} API calls in all, most running {r['max_running']}, "
              f"{r['wall']:.1f} s wall")
    ratio = statistics.median(r["makespan"] / r["bound"] for r in results)
    fixed = statistics.median(r["fixed"] / r["bound"] for r in results)
    greedy = statistics.median(r["makespan"] / r["greedy"] for r in results)
    per_tick = statistics.median(
        statistics.mean(n for n, c in r["polls"].items() for _ in range(c)) for r in results)
    print(f"[{order}] median over {len(results)} runs of {MAILBOXES} mailboxes: "
          f"makespan / bound {ratio:.3f} (goal <= 1.05); makespan / ideal greedy {greedy:.4f}; "
          f"fixed batches of {SLOTS} / bound {fixed:.3f}; "
          f"poll calls per tick {per_tick:.2f} (ceil(10 running / 100) = 1)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for order, by_size in (("plan order", False), ("largest first", True)):
        report([one_run(seed, by_size) for seed in range(1, args.runs + 1)], order)
    return 0


if __name__ == "__main__":
    sys.exit(main())
