"""The local job journal: round trip, file modes, location overrides, damage, threads."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from world_requests import world_request

from tui.core.journal import Journal, JournalEntry, JournalError, journal_path
from tui.core.model import AwsProblem, ConnectionSettings, CoreError, ExportJob, ExportRequest
from tui.core.session import connect
from tui.core.submit import start_export
from tui.sim import SimulatedAws

ORG = "m-" + "1" * 32
OTHER_ORG = "m-" + "2" * 32


def a_request(entity: str = "alice", org: str = ORG) -> ExportRequest:
    return ExportRequest(
        organization_id=org,
        entity_id=entity,
        role_arn="arn:aws:iam::111122223333:role/WorkMailExport",
        kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        bucket="exports-bucket",
        prefix="workmail/2026/",
        description=f"export of {entity}",
    )


def record_started_jobs(path: Path, count: int) -> None:
    """`count` jobs submitted and started, job-0 first."""
    with Journal.open(path) as journal:
        for number in range(count):
            request = a_request(f"user{number}")
            journal.record_submit(request, "us-east-1")
            journal.record_started(request.client_token, f"job-{number}")


def by_token(journal: Journal, client_token: str) -> JournalEntry | None:
    """The entry of one submit, found the way the faces list them."""
    return next((e for e in journal.entries() if e.client_token == client_token), None)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_started_job_survives_reopening_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    request = a_request()
    with Journal.open(path, source="plain") as journal:
        journal.record_submit(request, "us-east-1", entity_name="Alice Liddell",
                              entity_email="alice@example.com", batch_run_id="run-7")
        journal.record_started(request.client_token, "job-1")

    with Journal.open(path) as journal:
        entry = journal.find("job-1")
    assert entry is not None
    assert (entry.client_token, entry.job_id, entry.organization_id, entry.region) == (
        request.client_token, "job-1", ORG, "us-east-1")
    assert (entry.entity_id, entry.entity_name, entry.entity_email) == (
        "alice", "Alice Liddell", "alice@example.com")
    assert (entry.role_arn, entry.kms_key_arn, entry.bucket, entry.prefix) == (
        request.role_arn, request.kms_key_arn, "exports-bucket", "workmail/2026/")
    assert entry.description == "export of alice"
    assert (entry.source, entry.batch_run_id, entry.state) == ("plain", "run-7", "RUNNING")
    assert entry.started_at is not None and entry.started_at >= entry.submitted_at
    assert entry.ended_at is None


def test_state_updates_keep_the_last_known_state(tmp_path: Path) -> None:
    request = a_request()
    ended = datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc)
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_submit(request, "eu-west-1")
        journal.record_started(request.client_token, "job-9")
        updated = journal.record_state(ExportJob(
            job_id="job-9", organization_id=ORG, entity_id="alice", state="COMPLETED",
            progress=100, s3_path="s3://exports-bucket/workmail/2026/job-9.zip", end_time=ended))
        unknown = journal.record_state(ExportJob(
            job_id="job-from-the-console", organization_id=ORG, entity_id="bob",
            state="RUNNING"))
        entries = journal.entries()

    assert updated is True and unknown is False
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.state, entry.progress, entry.ended_at) == ("COMPLETED", 100, ended)
    assert entry.s3_path == "s3://exports-bucket/workmail/2026/job-9.zip"
    assert entry.as_job().finished


def test_an_answer_recorded_again_loses_nothing_known_since(tmp_path: Path) -> None:
    """The same JobId recorded twice (an answer seen again, a resumed run adopting its job)
    keeps the state and start polled meanwhile; a poll keeps the submitted description."""
    request = a_request().with_changes(description="before the end")
    began = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_submit(request, "eu-west-1")
        journal.record_started(request.client_token, "job-9")
        journal.record_state(ExportJob(
            job_id="job-9", organization_id=ORG, entity_id="alice", state="COMPLETED",
            progress=100, start_time=began, description="other words"))
        journal.record_started(request.client_token, "job-9")
        (entry,) = journal.entries()
    assert (entry.state, entry.started_at, entry.description) == (
        "COMPLETED", began, "before the end")


def test_commits_are_on_disk_when_a_call_returns(tmp_path: Path) -> None:
    """WAL with synchronous=FULL: a power cut loses no recorded JobId (not testable by
    cutting power; the connection's settings are what makes it so)."""
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        settings = [journal._connection.execute(f"PRAGMA {name}").fetchone()[0]
                    for name in ("journal_mode", "synchronous")]
    assert settings == ["wal", 2]  # 2: FULL


def test_a_retried_submit_with_the_same_token_is_one_entry(tmp_path: Path) -> None:
    request = a_request()
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_submit(request, "us-east-1")
        journal.record_submit(request, "us-east-1")
        journal.record_started(request.client_token, "job-1")
        assert [e.job_id for e in journal.entries()] == ["job-1"]
        assert by_token(journal, request.client_token) == journal.find("job-1")
        assert journal.find("job-2") is None


def test_entries_are_newest_first_and_filter_by_organization(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        for number, org in enumerate([ORG, OTHER_ORG, ORG]):
            request = a_request(f"user{number}", org)
            journal.record_submit(request, "us-east-1")
            journal.record_started(request.client_token, f"job-{number}")
        assert [e.job_id for e in journal.entries()] == ["job-2", "job-1", "job-0"]
        assert [e.job_id for e in journal.entries(ORG)] == ["job-2", "job-0"]


def test_a_started_job_without_a_recorded_submit_is_reported(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal, pytest.raises(JournalError) as caught:
        journal.record_started("never-submitted", "job-1")
    assert "never-submitted" in str(caught.value) and "job-1" in str(caught.value)


def test_the_file_is_0600_in_a_0700_directory_with_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "state" / "deeper" / "journal.sqlite3"
    old_umask = os.umask(0o022)
    try:
        with Journal.open(path) as journal:
            request = a_request()
            journal.record_submit(request, "us-east-1")
            side_files = [p for p in path.parent.iterdir() if p != path]
            assert {p.name for p in side_files} == {"journal.sqlite3-wal", "journal.sqlite3-shm"}
            assert {p.name: mode_of(p) for p in side_files} == {
                "journal.sqlite3-wal": 0o600, "journal.sqlite3-shm": 0o600}
    finally:
        os.umask(old_umask)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700


def test_an_existing_too_open_journal_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    record_started_jobs(path, 1)
    path.chmod(0o644)
    Journal.open(path).close()
    assert mode_of(path) == 0o600


def test_location_explicit_path_then_journal_env_then_state_dir_then_platform(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKMAIL_EXPORT_STATE_DIR", str(tmp_path / "state"))
    assert journal_path() == tmp_path / "state" / "journal.sqlite3"

    monkeypatch.setenv("WORKMAIL_EXPORT_JOURNAL", str(tmp_path / "env.sqlite3"))
    assert journal_path() == tmp_path / "env.sqlite3"

    assert journal_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"

    monkeypatch.delenv("WORKMAIL_EXPORT_JOURNAL")
    monkeypatch.delenv("WORKMAIL_EXPORT_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert journal_path() == tmp_path / "xdg" / "workmail-export" / "journal.sqlite3"


def test_open_without_a_path_writes_where_the_environment_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKMAIL_EXPORT_STATE_DIR", str(tmp_path / "s"))
    with Journal.open() as journal:
        journal.record_submit(a_request(), "us-east-1")
    assert journal.path == tmp_path / "s" / "journal.sqlite3"
    with Journal.open(tmp_path / "s" / "journal.sqlite3") as again:
        assert len(again.entries()) == 1


def test_an_unusable_location_is_a_sentence_with_the_path_and_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(JournalError) as caught:
        Journal.open(blocker / "journal.sqlite3")
    message = str(caught.value)
    assert str(blocker / "journal.sqlite3") in message
    assert "--journal" in message and "WORKMAIL_EXPORT_JOURNAL" in message
    assert isinstance(caught.value, CoreError)


def test_a_journal_from_a_newer_version_is_reported_not_destroyed(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalError, match="newer workmail-export"):
        Journal.open(path)
    assert [p.name for p in tmp_path.iterdir()] == ["journal.sqlite3"]


def _assert_moved_aside_and_fresh(path: Path, original: bytes) -> None:
    with Journal.open(path) as journal:
        moved = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
        assert len(moved) == 1
        assert moved[0].name.startswith("journal.sqlite3.corrupt-")
        assert moved[0].read_bytes() == original
        assert str(path) in journal.warning and str(moved[0]) in journal.warning
        assert journal.entries() == []
        request = a_request()
        journal.record_submit(request, "us-east-1")
        journal.record_started(request.client_token, "job-after-damage")
    with Journal.open(path) as journal:
        assert journal.warning == ""
        assert [e.job_id for e in journal.entries()] == ["job-after-damage"]


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """Nothing proves such a file was a journal of ours (its header is gone or never was),
    so it is not moved aside: it may be someone's shopping list."""
    path = tmp_path / "journal.sqlite3"
    garbage = b"this is not a database, it is a shopping list\n" * 200
    path.write_bytes(garbage)
    path.chmod(0o644)
    with pytest.raises(JournalError, match="is not an SQLite database"):
        Journal.open(path)
    assert path.read_bytes() == garbage and mode_of(path) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["journal.sqlite3"]


def test_a_truncated_journal_is_moved_aside_and_a_fresh_journal_works(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    record_started_jobs(path, 200)
    whole = path.read_bytes()
    assert len(whole) > 8192
    half = whole[: len(whole) // 2]
    path.write_bytes(half)
    _assert_moved_aside_and_fresh(path, half)


def test_a_bad_row_is_skipped_and_the_rest_are_read(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    record_started_jobs(path, 3)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE jobs SET progress = 'lots' WHERE job_id = 'job-0'")
        raw.execute("UPDATE jobs SET started_at = 'yesterday-ish' WHERE job_id = 'job-1'")
    with Journal.open(path) as journal:
        assert [e.job_id for e in journal.entries()] == ["job-2"]
        assert journal.skipped_rows == 2
        assert journal.find("job-1") is None
        assert journal.warning == ""


def test_threads_sharing_one_journal_and_separate_journals_lose_nothing(
        tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    shared = Journal.open(path)
    errors: list[BaseException] = []

    def write(journal: Journal, worker: str, count: int) -> None:
        try:
            for number in range(count):
                request = a_request(f"{worker}-{number}")
                journal.record_submit(request, "us-east-1")
                journal.record_started(request.client_token, f"job-{worker}-{number}")
                journal.record_state(ExportJob(
                    job_id=f"job-{worker}-{number}", organization_id=ORG,
                    entity_id=request.entity_id, state="RUNNING", progress=number % 100))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    def write_own(worker: str, count: int) -> None:
        with Journal.open(path) as own:
            write(own, worker, count)

    threads = [threading.Thread(target=write, args=(shared, f"s{n}", 25)) for n in range(6)]
    threads += [threading.Thread(target=write_own, args=(f"o{n}", 25)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    shared.close()

    assert errors == []
    with Journal.open(path) as journal:
        job_ids = [e.job_id for e in journal.entries()]
    assert len(job_ids) == 9 * 25
    assert len(set(job_ids)) == len(job_ids)


def test_as_job_falls_back_to_the_submit_time(tmp_path: Path) -> None:
    request = a_request()
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_submit(request, "us-east-1")
        entry = by_token(journal, request.client_token)
    assert entry is not None and entry.job_id == "" and entry.started_at is None
    job = entry.as_job()
    assert job.start_time == entry.submitted_at
    assert datetime.now(timezone.utc) - entry.submitted_at < timedelta(minutes=1)


CHILD = Path(__file__).with_name("submit_then_die.py")


@pytest.mark.parametrize("moment", ["record_started", "start_export"])
def test_a_process_killed_right_after_submit_leaves_its_job_id_in_the_journal(
        sim: SimulatedAws, tmp_path: Path, moment: str) -> None:
    endpoint = sim.serve()
    path = tmp_path / "journal.sqlite3"
    request = world_request(sim, description="killed right after submit")
    child = subprocess.run(
        [sys.executable, str(CHILD), str(path), moment, json.dumps(asdict(request))],
        env={**os.environ, "AWS_ENDPOINT_URL": endpoint}, capture_output=True, text=True,
        timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr

    service_jobs = sim.workmail.jobs(sim.world.org_id)
    assert len(service_jobs) == 1
    with Journal.open(path) as journal:
        entry = by_token(journal, request.client_token)
        assert journal.warning == ""
    assert entry is not None
    assert entry.job_id == service_jobs[0].job_id
    assert service_jobs[0].client_token == request.client_token
    assert (entry.state, entry.source, entry.description) == (
        "RUNNING", "cli", "killed right after submit")
    printed = child.stdout.split()
    assert printed == ([] if moment == "record_started" else [entry.job_id])


def test_a_journal_that_cannot_be_written_still_lets_the_job_id_through(
        sim: SimulatedAws, tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    journal.close()  # every write now fails, as on a vanished or full disk
    started = start_export(connect(ConnectionSettings()), world_request(sim), journal)
    assert [job.job_id for job in sim.workmail.jobs(sim.world.org_id)] == [started.job_id]
    assert started.job_id in started.journal_warning
    assert str(tmp_path / "journal.sqlite3") in started.journal_warning


def test_a_submit_without_an_answer_gives_its_token_to_the_same_request_only(
        tmp_path: Path) -> None:
    lost = a_request()
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        assert journal.record_submit(lost, "us-east-1") is True
        assert journal.record_submit(lost, "us-east-1") is False  # sent before
        again = a_request()  # the same fields, a new token
        assert again.client_token != lost.client_token
        assert journal.unanswered_token(again, "us-east-1") == lost.client_token
        assert journal.unanswered_token(again, "eu-west-1") is None
        for field, value in (("prefix", "elsewhere/"), ("description", "other"),
                             ("entity_id", "bob"), ("role_arn", lost.role_arn + "2")):
            assert journal.unanswered_token(again.with_changes(**{field: value}),
                                            "us-east-1") is None
        journal.record_started(lost.client_token, "job-1")  # the answer came: token spent
        assert journal.unanswered_token(again, "us-east-1") is None


def test_a_refused_submit_does_not_lend_its_token_until_it_starts_a_job(tmp_path: Path) -> None:
    refused = a_request()
    problem = AwsProblem(code="LimitExceededException", message="Too many jobs.", hint="")
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        journal.record_submit(refused, "us-east-1")
        journal.record_refused(refused.client_token, problem)
        assert journal.unanswered_token(a_request(), "us-east-1") is None
        entry = by_token(journal, refused.client_token)
        assert entry is not None
        assert (entry.state, entry.error_info) == (
            "REFUSED", "LimitExceededException: Too many jobs.")
        assert journal.entries() == [entry]
        journal.record_started(refused.client_token, "job-1")  # a later retry got a job
        started = journal.find("job-1")
    assert started is not None and (started.state, started.error_info) == ("RUNNING", "")


def test_a_refusal_after_a_started_job_keeps_the_job(tmp_path: Path) -> None:
    """`start --client-token T` run again after T started a job, and refused this time (a
    changed field, a throttle): the job T started stays in the journal as it was."""
    request = a_request()
    problem = AwsProblem(code="ThrottlingException", message="Rate exceeded.", hint="")
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        journal.record_submit(request, "us-east-1")
        journal.record_started(request.client_token, "job-1")
        assert journal.record_submit(request, "us-east-1") is False  # the token was sent
        journal.record_refused(request.client_token, problem)
        entry = journal.find("job-1")
    assert entry is not None
    assert (entry.job_id, entry.state, entry.error_info) == ("job-1", "RUNNING", "")
