"""The journal made whole from the store (issue 11.11): a JobId whose journal write failed
(a full disk) is in the journal after the run is resumed, with the mailbox's name and email,
the run id and the job's last state."""

from __future__ import annotations

import sqlite3
from typing import Any

from tui.core.batch.model import RowState
from tui.core.batch.runner import BatchRunner, RunnerOptions
from tui.core.batch.scheduler import Tuning
from tui.core.journal import Journal, JournalError


def a_disk_that_fills_up_for(journal: Journal, victim_token: str) -> None:
    """The journal's writes for one ClientToken fail as a full disk makes them fail."""
    record_submit, record_started = journal.record_submit, journal.record_started

    def failing_submit(request: Any, region: str, **names: Any) -> None:
        if request.client_token == victim_token:
            raise JournalError(journal.path, "cannot be written",
                               sqlite3.OperationalError("database or disk is full"))
        record_submit(request, region, **names)

    def failing_started(client_token: str, job_id: str) -> None:
        if client_token == victim_token:
            raise JournalError(journal.path, "cannot be written",
                               sqlite3.OperationalError("database or disk is full"))
        record_started(client_token, job_id)

    journal.record_submit = failing_submit  # type: ignore[method-assign]
    journal.record_started = failing_started  # type: ignore[method-assign]


def journaled(run_id: str) -> dict[str, Any]:
    with Journal.open(source="batch") as journal:
        return {entry.job_id: entry for entry in journal.entries()
                if entry.batch_run_id == run_id}


def test_a_job_the_journal_missed_is_written_from_the_store_on_resume(harness: Any) -> None:
    run_id = harness.create()
    victim = harness.store.rows(run_id)[4]
    full_disk = Journal.open(source="batch")
    from tui.core.batch.tokens import client_token

    a_disk_that_fills_up_for(full_disk, client_token(run_id, victim.entity_id, 1))
    first = BatchRunner(harness.aws, harness.store, run_id,
                        RunnerOptions(clock=harness.clock, tuning=Tuning(seed=7),
                                      journal=full_disk))
    for _ in range(3):
        _, due = first.tick()
        harness.sim.clock.advance(due - harness.clock.now())
    warnings = list(first.recorder.warnings)
    first.close()
    full_disk.close()

    started = next(r for r in harness.store.rows(run_id) if r.entity_id == victim.entity_id)
    assert started.job_id  # the store has the JobId ...
    assert started.job_id not in journaled(run_id)  # ... the journal does not
    assert any("database or disk is full" in warning for warning in warnings)

    final = harness.runner(run_id).run()
    assert final.totals[RowState.COMPLETED] == 53
    entries = journaled(run_id)
    assert set(entries) == {record.job_id for record in harness.store.jobs(run_id)}
    assert len(entries) == 53
    repaired = entries[started.job_id]
    assert (repaired.entity_id, repaired.entity_name, repaired.entity_email) == (
        victim.entity_id, victim.name, victim.email)
    assert (repaired.source, repaired.batch_run_id, repaired.state) == (
        "batch", run_id, "COMPLETED")
    assert repaired.prefix == victim.prefix and repaired.s3_path.endswith(".zip")
    assert repaired.started_at is not None and repaired.ended_at is not None
    assert any("1 job(s) of this run were missing from the job journal" in e.message
               for e in harness.events_seen())
