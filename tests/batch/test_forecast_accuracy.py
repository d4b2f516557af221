"""The estimate and the ETA against what the run then does, on the simulator clock.

An organization of 520 mailboxes with seeded log-normal sizes (median 2 GB); the simulator's
jobs take as long as their size says (15 s + size at 20 MB/s, each mailbox up to 10 % off:
tui.sim.jobs.export_seconds). First 20 of them are exported, so this machine has seen 20
jobs finish; then the other 500 are planned, estimated and run. The run's makespan is
measured from its start to the moment it knew its last job had ended (its last snapshot).
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from tui.core.batch.estimate import ASSUMED
from tui.core.batch.forecast import plan_estimate
from tui.core.batch.model import RowState
from tui.core.batch.plan import Chosen, choose_enabled, make_plan
from tui.core.batch.rate import Pace, RateLimiter
from tui.core.batch.runner import create_run
from tui.core.batch.scheduler import Tuning
from tui.wizard.bulk import machine_throughput

LEARNING, PLANNED = 20, 500
POLL = 15.0
# The simulator in this process answers as fast as it is asked: no need to pace the reads.
UNPACED = Pace(start=10_000.0, ceiling=10_000.0, burst=10_000.0)


def seed_sizes(sim: Any, extra: int, seed: int) -> None:
    world = sim.world
    for i in range(extra):
        sim.workmail.create_user(world.org_id, f"size.user{i}", f"Size {i}",
                                 f"size.user{i}@{world.domain}")
    def size_of(entity: str) -> float:  # the same size for a mailbox whoever asks first
        rng = random.Random(f"{seed}/{entity}")
        return min(40_000.0, max(100.0, rng.lognormvariate(math.log(2000), 0.75)))

    sim.workmail.set_mailbox_sizes(size_of)


def test_the_estimate_and_the_eta_hold_within_15_percent_once_20_jobs_were_seen(
        sim: Any, harness: Any) -> None:
    seed_sizes(sim, LEARNING + PLANNED - 53, seed=2027)
    aws, clock, store = harness.aws, harness.clock, harness.store
    org = sim.world.org_id
    everyone = choose_enabled(aws, org).mailboxes
    assert len(everyone) == LEARNING + PLANNED

    first = make_plan(aws, org, Chosen(everyone[:LEARNING]), "exports", clock.now(),
                      limiter=RateLimiter(UNPACED))
    learn = create_run(store, harness.settings, first, clock.now()).run_id
    harness.runner(learn).run()

    plan = make_plan(aws, org, Chosen(everyone[LEARNING:]), "exports", clock.now(),
                     limiter=RateLimiter(UNPACED))
    throughput = machine_throughput(plan)
    assert throughput.learned_from == LEARNING and not throughput.assumed
    began = clock.now()
    estimate = plan_estimate(plan, throughput, began, poll_seconds=POLL)
    assumed = plan_estimate(plan, ASSUMED, began, poll_seconds=POLL)

    run_id = create_run(store, harness.settings, plan, began).run_id
    harness.snapshots.clear()
    final = harness.runner(run_id, Tuning(poll_seconds=POLL, seed=7)).run()
    assert final.totals[RowState.COMPLETED] == PLANNED
    makespan = final.now - began
    assert estimate.seconds is not None and assumed.seconds is not None
    error = abs(estimate.seconds - makespan) / makespan
    print(f"makespan {makespan:.0f} s, estimated {estimate.seconds:.0f} s "
          f"({error:.1%} off; assumed model {assumed.seconds:.0f} s)")
    assert error <= 0.15
    # the learning is what makes it right: the assumption alone is far off
    assert abs(assumed.seconds - makespan) / makespan > 0.15
    assert estimate.earliest is not None and estimate.latest is not None
    assert estimate.earliest - began <= makespan * 1.15 and estimate.latest - began >= \
        makespan * 0.85

    checked, worst = 0, 0.0
    for snapshot in harness.snapshots:
        if snapshot.done < PLANNED / 4 or snapshot.finished:
            continue
        left = final.now - snapshot.now
        assert snapshot.eta_seconds is not None
        # within 15 %, or within one poll interval: the run sees a job's end only at its
        # next tick, so no ETA can be finer than that
        assert abs(snapshot.eta_seconds - left) <= max(0.15 * left, POLL), (
            snapshot.done, snapshot.eta_seconds, left)
        if left >= 10 * POLL:
            worst = max(worst, abs(snapshot.eta_seconds - left) / left)
        checked += 1
    assert checked > 100
    print(f"ETA checked at {checked} ticks from 25 % done; worst {worst:.1%} off while more "
          f"than {10 * POLL:.0f} s were left")


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75])
def test_the_eta_during_a_run_learns_from_the_run_itself(sim: Any, harness: Any,
                                                         fraction: float) -> None:
    """No history at all: the first jobs of the run teach the model, and from a quarter
    done on the ETA holds as well as with a history."""
    seed_sizes(sim, 200 - 53, seed=31)
    aws, clock, store = harness.aws, harness.clock, harness.store
    plan = make_plan(aws, sim.world.org_id, choose_enabled(aws, sim.world.org_id), "exports",
                     clock.now(), limiter=RateLimiter(UNPACED))
    run_id = create_run(store, harness.settings, plan, clock.now()).run_id
    final = harness.runner(run_id, Tuning(poll_seconds=POLL, seed=3)).run()
    at = next(s for s in harness.snapshots if s.done >= fraction * s.total)
    left = final.now - at.now
    assert at.eta_seconds is not None
    assert abs(at.eta_seconds - left) <= max(0.15 * left, POLL)
