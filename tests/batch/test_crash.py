"""Crash tests: the batch runner is killed with SIGKILL at random moments and resumed.

The child process talks to the simulator's HTTP server (its clock runs 60 times faster than
real time), the parent kills it at seeded random moments within half a second of it being
ready to tick (where the starts happen), starts it again, and at the end counts the
simulator's own jobs: every mailbox exported exactly once, and every JobId the simulator
created is in the run's store.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_oracle import jobs_per_mailbox

from tui.core.batch.model import RowState, RunSettings
from tui.core.batch.plan import choose_enabled, make_plan
from tui.core.batch.runner import create_run
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings
from tui.core.session import connect
from tui.sim import RealClock, SimulatedAws

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 20
SEED = 20270331


@pytest.fixture
def served_sim() -> Iterator[tuple[SimulatedAws, str]]:
    sim = SimulatedAws(world="demo", clock=RealClock(speed=60))
    try:
        url = sim.serve()
        sim.faults.latency = 0.02  # widen the window between a request and its answer
        yield sim, url
    finally:
        sim.stop()


def spawn(run_id: str, url: str) -> subprocess.Popen[str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_MAX_ATTEMPTS="1",
               PYTHONPATH=str(Path(__file__).parents[2]))
    return subprocess.Popen([sys.executable, str(CHILD), run_id], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until_ready(child: subprocess.Popen[str]) -> bool:
    """True once the child is about to tick; False when it ended first."""
    assert child.stdout is not None
    return child.stdout.readline().startswith("ready")


def test_killed_at_random_moments_every_mailbox_is_exported_exactly_once(
        served_sim: tuple[SimulatedAws, str]) -> None:
    sim, url = served_sim
    world = sim.world
    aws = connect(ConnectionSettings(region="us-east-1"))
    settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                           world.good_bucket, world.good_prefix, "crash test")
    plan = make_plan(aws, world.org_id, choose_enabled(aws, world.org_id), "exports",
                     time.time())
    store = BatchStore.open()
    run_id = create_run(store, settings, plan, time.time()).run_id
    rng = random.Random(SEED)
    began = time.monotonic()

    kills = left_starting = 0
    while kills < KILLS:
        child = spawn(run_id, url)
        if not wait_until_ready(child):
            child.wait(timeout=30)
            break
        time.sleep(rng.uniform(0.0, 0.5))
        child.kill()  # SIGKILL
        child.wait(timeout=30)
        kills += 1
        left = [row.state for row in store.rows(run_id)]
        left_starting += left.count(RowState.STARTING)

    final = spawn(run_id, url)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert out.rstrip().endswith("done")
    assert kills >= 15, "the run ended before it could be killed often enough"

    rows = store.rows(run_id)
    assert {row.state for row in rows} == {RowState.COMPLETED}
    jobs = sim.workmail.jobs(world.org_id)
    assert jobs_per_mailbox(jobs) == {row.entity_id: 1 for row in rows}
    assert {job.job_id for job in jobs} == {record.job_id for record in store.jobs(run_id)}
    assert {job.job_id for job in jobs} == {row.job_id for row in rows}
    print(f"{kills} kills, {left_starting} rows caught in STARTING, {len(jobs)} jobs, "
          f"{time.monotonic() - began:.1f} s")
    store.close()
