"""A group of five organizations' runs killed with SIGKILL at random moments and resumed:
every organization ends with every mailbox exported exactly once (0 duplicates) and every
JobId the simulator created in its run's store (0 lost), never more than 10 running in an
organization across the restarts, counted on the simulator's side.

The children talk to the simulator's HTTP server (its clock 60 times faster than real time,
every job 6 simulated seconds) and resume the whole group each time, as
`batch --resume g...` does."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_oracle import most_running
from test_group import REGIONS, UNPACED, connector, settings_of

from tui.core.batch.group import create_group
from tui.core.batch.model import RowState
from tui.core.batch.organizations import candidates
from tui.core.batch.store import BatchStore
from tui.sim import RealClock, SimulatedAws
from tui.wizard import calls
from tui.wizard.all_orgs import group_parts, plan_every_organization
from tui.wizard.bulk import PlanChoices

CHILD = Path(__file__).with_name("group_child.py")
KILLS = 10
SEED = 20270331


@pytest.fixture
def served_orgs(isolated_aws_env: None) -> Iterator[tuple[SimulatedAws, str]]:
    sim = SimulatedAws(world="orgs", clock=RealClock(speed=60))
    try:
        url = sim.serve()
        sim.workmail.set_job_duration(6.0)
        sim.faults.latency = 0.005  # widen the window between a request and its answer
        yield sim, url
    finally:
        sim.stop()


def spawn(group_id: str, url: str) -> subprocess.Popen[str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_MAX_ATTEMPTS="1",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]),
                                           str(Path(__file__).parent)]))
    return subprocess.Popen([sys.executable, str(CHILD), group_id], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_group_resumes_every_organization_with_no_duplicate_and_nothing_lost(
        served_orgs: tuple[SimulatedAws, str]) -> None:
    sim, url = served_orgs
    connect_to = connector()
    now = time.time()
    found = candidates(connect_to, REGIONS, settings_of(sim))
    account = plan_every_organization(connect_to, found, now, calls.preflight, pace=UNPACED)
    store = BatchStore.open()
    group = create_group(store, group_parts(account, PlanChoices(), now), account.left_out,
                         now)
    assert len(group.members) == 5
    print(f"planned in {time.time() - now:.1f} s")
    rng = random.Random(SEED)

    kills = 0
    while kills < KILLS:
        child = spawn(group.group_id, url)
        assert child.stdout is not None
        if not child.stdout.readline().startswith("ready"):
            child.wait(timeout=30)
            break
        time.sleep(rng.uniform(0.0, 0.6))
        child.kill()  # SIGKILL
        child.wait(timeout=30)
        kills += 1

    print(f"killed {kills} times in {time.time() - now:.1f} s")
    final = spawn(group.group_id, url)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert out.rstrip().endswith("done")
    assert kills == KILLS, "the group ended before it could be killed often enough"

    duplicates = lost = started = 0
    at = sim.clock.now()
    for member in group.members:
        rows = store.rows(member.run_id)
        assert {row.state for row in rows} == {RowState.COMPLETED}
        jobs = sim.workmail.jobs(member.organization_id)
        assert most_running(jobs, at) <= 10  # restarts never overfill an organization
        started += len(jobs)
        per_mailbox = Counter(job.entity_id for job in jobs)
        assert set(per_mailbox) == {row.entity_id for row in rows}
        duplicates += sum(count - 1 for count in per_mailbox.values())
        recorded = {record.job_id for record in store.jobs(member.run_id)}
        lost += len({job.job_id for job in jobs} - recorded)
    print(f"{kills} kills; {started} jobs; {duplicates} duplicates; {lost} lost")
    assert (duplicates, lost) == (0, 0)
    store.close()
