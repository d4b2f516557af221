"""What the crash tests and the crash campaign share: a simulator served over HTTP whose clock
runs 60 times faster than real time, runs stored for it, the child process that drives a run
until it is killed (crash_child.py), and the count of what the simulator holds at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.batch.model import RunSettings
from tui.core.batch.plan import choose_enabled, choose_named, make_plan
from tui.core.batch.runner import create_run
from tui.core.batch.store import BatchStore
from tui.core.journal import Journal
from tui.core.model import ConnectionSettings
from tui.core.session import connect

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).parents[2]
SPEED = 60  # a 45-75 s export job ends in about a second


def served_simulator(fault_seed: int = 0) -> tuple[Any, str]:
    """A started demo world on RealClock(speed=SPEED) and its URL; stop it with .stop()."""
    from tui.sim import Faults, RealClock, SimulatedAws

    sim = SimulatedAws(world="demo", clock=RealClock(speed=SPEED), faults=Faults(fault_seed))
    url = sim.serve()
    return sim, url


def create_demo_run(sim: Any, store: BatchStore, names: list[str] | None = None,
                    description: str = "crash test") -> str:
    """Store a run of the demo organization (every enabled mailbox, or those named)."""
    world = sim.world
    aws = connect(ConnectionSettings(region="us-east-1"))
    settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                           world.good_bucket, world.good_prefix, description)
    chosen = (choose_named(aws, world.org_id, names) if names
              else choose_enabled(aws, world.org_id))
    now = sim.clock.now().timestamp()
    plan = make_plan(aws, world.org_id, chosen, "exports", now)
    return create_run(store, settings, plan, now).run_id


def spawn(sim: Any, url: str, run_id: str) -> subprocess.Popen[str]:
    """The child that drives `run_id`, reading the simulator's clock as it is now."""
    anchor = ",".join(repr(part) for part in sim.clock.anchor())
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_MAX_ATTEMPTS="1", SIM_CLOCK=anchor,
               PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(CHILD), run_id], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until_ready(child: subprocess.Popen[str]) -> bool:
    """True once the child is about to tick; False when it ended first."""
    assert child.stdout is not None
    return child.stdout.readline().startswith("ready")


def kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL, and reap it."""
    child.kill()
    child.communicate(timeout=30)


@dataclass(frozen=True)
class Count:
    """What the simulator holds against what the run recorded."""

    jobs: int
    duplicates: int  # jobs beyond the first of each mailbox
    lost: frozenset[str]  # JobIds the simulator has that the store or the journal lacks
    unfinished: int  # rows of the run not COMPLETED


def count(sim: Any, store: BatchStore, run_id: str) -> Count:
    jobs = sim.workmail.jobs(sim.world.org_id)
    per_mailbox = Counter(job.entity_id for job in jobs)
    stored = {record.job_id for record in store.jobs(run_id)}
    with Journal.open(source="batch") as journal:
        journaled = {entry.job_id for entry in journal.entries()
                     if entry.batch_run_id == run_id}
    simulated = {job.job_id for job in jobs}
    unfinished = sum(1 for row in store.rows(run_id) if row.state.value != "completed")
    return Count(len(jobs), sum(n - 1 for n in per_mailbox.values()),
                 frozenset(simulated - (stored & journaled)), unfinished)
