"""What the throughput model learns from: every export this machine saw finish, from the
batch store (sizes stored with the run) and the job journal (single exports too), each JobId
once; a job whose mailbox's size was never read, or that did not complete, teaches nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tui.core.batch.facts import MailboxFacts
from tui.core.batch.history import finished_samples, learned_throughput
from tui.core.batch.model import JobRecord, MailboxRow, RowState, RunSettings
from tui.core.batch.store import BatchStore
from tui.core.journal import JournalEntry

ORG = "m-" + "0" * 32
SETTINGS = RunSettings(ORG, "arn:aws:iam::123456789012:role/R",
                       "arn:aws:kms:us-east-1:123456789012:key/k", "bucket", "exports/")
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def journal_job(entity: str, job_id: str, seconds: float | None,
                state: str = "COMPLETED") -> JournalEntry:
    ended = None if seconds is None else T0 + timedelta(seconds=seconds)
    return JournalEntry(f"tok-{job_id}", ORG, "us-east-1", entity, SETTINGS.role_arn,
                        SETTINGS.kms_key_arn, "bucket", "exports/", T0, "start", job_id,
                        started_at=T0, ended_at=ended, state=state)


def test_the_store_and_the_journal_each_teach_once_per_job_and_only_with_a_size() -> None:
    store = BatchStore.open()
    rows = [MailboxRow("", e, f"{e}@example.com", e, "USER", f"exports/{e}/",
                       RowState.COMPLETED) for e in ("ana", "bo", "cy")]
    store.save_facts("r1", [MailboxFacts("ana", 1000.0, "ENABLED"),
                            MailboxFacts("bo", 3000.0, "ENABLED"),
                            MailboxFacts("cy", None, "ENABLED")])  # cy's size was unknown
    store.create_run("r1", SETTINGS, rows, 0.0)
    store.save_job(JobRecord("r1", "ana", 1, "job-ana", "COMPLETED", 100.0, 220.0))
    store.save_job(JobRecord("r1", "bo", 1, "job-bo", "COMPLETED", 100.0, 420.0))
    store.save_job(JobRecord("r1", "cy", 1, "job-cy", "COMPLETED", 100.0, 300.0))
    journal = [
        journal_job("ana", "job-ana", 120.0),  # the run's job again: counted once
        journal_job("bo", "job-bo-single", 320.0),  # a single export; size from the store
        journal_job("dee", "job-dee", 170.0),  # size only from the plan being estimated
        journal_job("eve", "job-eve", 90.0),  # size never read: nothing learned
        journal_job("ana", "job-ana-failed", 50.0, state="FAILED"),
        journal_job("bo", "job-bo-running", None, state="RUNNING"),
    ]
    try:
        samples = finished_samples(store, journal, {"dee": 1500.0})
        assert sorted((s.job_id, s.size_mb, s.seconds) for s in samples) == [
            ("job-ana", 1000.0, 120.0), ("job-bo", 3000.0, 320.0),
            ("job-bo-single", 3000.0, 320.0), ("job-dee", 1500.0, 170.0)]
        # four jobs: still the stated assumption (it says so), a fifth and it is fitted
        model = learned_throughput(store, journal, {"dee": 1500.0})
        assert model.learned_from == 4 and model.assumed
        fifth = [*journal, journal_job("fay", "job-fay", 520.0)]
        model = learned_throughput(store, fifth, {"dee": 1500.0, "fay": 5000.0})
        assert model.learned_from == 5 and not model.assumed
        # the five lie on one line, 20 s plus 10 MB/s: the fit finds it
        assert model.mb_per_second == pytest.approx(10.0)
        assert model.overhead_seconds == pytest.approx(20.0)
    finally:
        store.close()
