"""Crash tests: the batch runner is killed with SIGKILL and resumed, in a child process that
talks to the simulator's HTTP server (its clock runs 60 times faster than real time, and the
child reads the same clock). At the end the simulator's own jobs are counted: every mailbox
exported exactly once, and every JobId the simulator created is in the run's store and in
the journal.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
from batch_oracle import jobs_per_mailbox
from crash_kit import count, create_demo_run, kill, served_simulator, spawn, wait_until_ready

from tui.core.batch.model import RowState
from tui.core.batch.store import BatchStore

KILLS = 20
SEED = 20270331
DAY = 24 * 3600


@pytest.fixture
def served_sim() -> Iterator[tuple[Any, str]]:
    sim, url = served_simulator()
    try:
        sim.faults.latency = 0.02  # widen the window between a request and its answer
        yield sim, url
    finally:
        sim.faults.clear()
        sim.stop()


@pytest.fixture
def store() -> Iterator[BatchStore]:
    opened = BatchStore.open()
    yield opened
    opened.close()


def test_killed_at_random_moments_and_mid_start_every_mailbox_is_exported_exactly_once(
        served_sim: tuple[Any, str], store: BatchStore) -> None:
    """Every fourth kill (while mailboxes are left to start) lands mid-start for sure: the
    service has started the job and its answer is held back when the child dies."""
    sim, url = served_sim
    run_id = create_demo_run(sim, store)
    rng = random.Random(SEED)
    began = time.monotonic()

    kills = mid_start = 0
    while kills < KILLS:
        child = spawn(sim, url, run_id)
        if not wait_until_ready(child):
            child.wait(timeout=30)
            break
        planned = any(row.state == RowState.PLANNED for row in store.rows(run_id))
        if kills % 4 == 3 and planned:
            in_flight = sim.faults.hold_next_response("StartMailboxExportJob")
            assert in_flight.reached.wait(30), "the child never sent a start"
            kill(child)
            in_flight.release()
            assert RowState.STARTING in {row.state for row in store.rows(run_id)}
            mid_start += 1
        else:
            time.sleep(rng.uniform(0.0, 0.5))
            kill(child)
        kills += 1

    final = spawn(sim, url, run_id)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert out.rstrip().endswith("done")
    assert kills >= 15, "the run ended before it could be killed often enough"
    assert mid_start >= 3, "too few kills landed mid-start"

    rows = store.rows(run_id)
    assert {row.state for row in rows} == {RowState.COMPLETED}
    jobs = sim.workmail.jobs(sim.world.org_id)
    assert jobs_per_mailbox(jobs) == {row.entity_id: 1 for row in rows}
    assert {job.job_id for job in jobs} == {record.job_id for record in store.jobs(run_id)}
    assert {job.job_id for job in jobs} == {row.job_id for row in rows}
    assert count(sim, store, run_id).lost == frozenset()
    print(f"{kills} kills ({mid_start} mid-start), {len(jobs)} jobs, "
          f"{time.monotonic() - began:.1f} s")


def test_a_start_in_flight_at_the_kill_is_adopted_after_the_day_not_started_again(
        served_sim: tuple[Any, str], store: BatchStore) -> None:
    """Issue 11.9, exactly: killed while a Start was in flight; the service no longer
    honours that ClientToken; the resume comes after the 24-hour window; the first
    ListMailboxExportJobs after the resume fails."""
    sim, url = served_sim
    org = sim.world.org_id
    run_id = create_demo_run(sim, store, ["alice.wong", "bob.smith", "boardroom"])
    in_flight = sim.faults.hold_next_response("StartMailboxExportJob")
    child = spawn(sim, url, run_id)
    assert in_flight.reached.wait(30), "the child never sent a start"
    kill(child)  # the service has acted; its answer never reaches the child
    in_flight.release()
    [orphan] = sim.workmail.jobs(org)
    row = next(r for r in store.rows(run_id) if r.entity_id == orphan.entity_id)
    assert (row.state, row.job_id) == (RowState.STARTING, "")

    sim.workmail.expire_client_tokens()
    sim.clock.advance(DAY + 3600)
    sim.faults.fail_next("ListMailboxExportJobs")
    resumed = spawn(sim, url, run_id)
    out, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, err
    assert out.rstrip().endswith("done")

    jobs = sim.workmail.jobs(org)
    rows = store.rows(run_id)
    assert jobs_per_mailbox(jobs) == {r.entity_id: 1 for r in rows}
    adopted = next(r for r in rows if r.entity_id == orphan.entity_id)
    assert (adopted.state, adopted.job_id) == (RowState.COMPLETED, orphan.job_id)
    assert count(sim, store, run_id).lost == frozenset()
