"""Jobs on the service side (through the simulator) and how they merge with the journal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

import pytest
from world_requests import world_request

from tui.core.jobs import cancel_job, describe_job, likely_cause, list_jobs, merge_jobs, poll_delays
from tui.core.journal import Journal, JournalEntry
from tui.core.model import ConnectionSettings, CoreError, ExportJob
from tui.core.session import Aws, connect
from tui.core.submit import start_export
from tui.sim import SimulatedAws
from tui.sim.jobs import SimExportJob

ORG = "m-" + "3" * 32
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
ROLE = "arn:aws:iam::111122223333:role/WorkMailExport"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def service_job(job_id: str, entity: str, state: str, progress: int, age: timedelta,
                **more: str) -> ExportJob:
    """A job as ListMailboxExportJobs describes it: no role, key or prefix."""
    return ExportJob(job_id=job_id, organization_id=ORG, entity_id=entity, state=state,
                     progress=progress, bucket="exports", start_time=NOW - age, **more)


def journal_entry(job_id: str, entity: str, age: timedelta, **more: object) -> JournalEntry:
    fields: dict[str, object] = {
        "client_token": f"token-{job_id or entity}", "organization_id": ORG,
        "region": "us-east-1", "entity_id": entity, "role_arn": ROLE, "kms_key_arn": KEY,
        "bucket": "exports", "prefix": f"mail/{entity}/", "submitted_at": NOW - age,
        "source": "tui", "job_id": job_id, "state": "RUNNING", "progress": 10,
        "started_at": NOW - age if job_id else None,
    }
    fields.update(more)
    return JournalEntry(**fields)  # type: ignore[arg-type]


def test_merge_gives_one_row_per_job_newest_first_with_the_journal_filling_gaps() -> None:
    running = service_job("job-a", "alice-id", "RUNNING", 40, timedelta(hours=1))
    done = service_job("job-b", "bob-id", "COMPLETED", 100, timedelta(hours=2),
                       s3_path="mail/bob/job-b.zip", description="bob, by the console")
    service = [running, done, running]  # the same job on two pages
    journal = [
        journal_entry("job-a", "alice-id", timedelta(hours=1), entity_name="Alice Liddell",
                      description="alice before she leaves"),
        journal_entry("job-old", "carol-id", timedelta(days=8), state="COMPLETED",
                      progress=100, s3_path="mail/carol/job-old.zip",
                      ended_at=NOW - timedelta(days=8) + timedelta(minutes=2),
                      entity_email="carol@example.com", source="cli"),
        journal_entry("", "dave-id", timedelta(minutes=5)),  # submitted, no JobId known
    ]

    rows = merge_jobs(service, journal)

    assert [row.job.job_id for row in rows] == ["job-a", "job-b", "job-old"]
    alice, bob, carol = rows
    assert (alice.job.state, alice.job.progress) == ("RUNNING", 40)
    assert (alice.job.role_arn, alice.job.kms_key_arn, alice.job.prefix) == (
        ROLE, KEY, "mail/alice-id/")
    assert alice.job.description == "alice before she leaves"
    assert (alice.entity_label, alice.source, alice.from_journal) == (
        "Alice Liddell", "tui", False)
    assert (bob.job.role_arn, bob.job.prefix, bob.entity_label, bob.source) == (
        "", "", "bob-id", "")
    assert bob.job.description == "bob, by the console" and not bob.from_journal
    assert carol.from_journal
    assert (carol.job.state, carol.job.progress, carol.job.s3_path) == (
        "COMPLETED", 100, "mail/carol/job-old.zip")
    assert (carol.entity_label, carol.source) == ("carol@example.com", "cli")
    assert carol.job.start_time == NOW - timedelta(days=8)


def test_the_service_state_wins_over_the_journals_last_known_state() -> None:
    failed = service_job("job-f", "erin-id", "FAILED", 0, timedelta(minutes=30),
                         error_info="Access denied to the KMS key")
    journal = [journal_entry("job-f", "erin-id", timedelta(minutes=30), state="RUNNING",
                             progress=55)]
    (row,) = merge_jobs([failed], journal)
    assert (row.job.state, row.job.progress, row.job.error_info) == (
        "FAILED", 0, "Access denied to the KMS key")
    assert row.job.role_arn == ROLE and not row.from_journal


def test_without_the_service_list_the_journal_still_shows_every_job() -> None:
    journal = [journal_entry(f"job-{n}", f"user{n}", timedelta(days=n)) for n in range(3)]
    rows = merge_jobs([], journal)
    assert [row.job.job_id for row in rows] == ["job-0", "job-1", "job-2"]
    assert all(row.from_journal for row in rows)


def test_poll_delays_back_off_to_thirty_seconds_and_reset_on_progress() -> None:
    delays = poll_delays()
    first = list(islice(delays, 10))
    assert first[:4] == [2.0, 3.0, 4.5, 6.75]
    assert first == sorted(first) and first[-1] == 30.0 and max(first) == 30.0
    assert delays.send(True) == 2.0
    assert next(delays) == 3.0


@pytest.mark.parametrize(("error_info", "points_to"), [
    ("Access denied when calling kms:GenerateDataKey on the key", "KMS key"),
    ("The KMS key is disabled", "KMS key"),
    ("KMS: the key policy does not allow the role", "KMS key"),
    ("Access Denied writing to bucket exports", "bucket"),
    ("S3 PutObject failed: AccessDenied", "bucket"),
    ("The bucket allows public access", "bucket"),
    ("Access denied", "trust policy"),
    ("WorkMail is not authorized to perform sts:AssumeRole on the role", "trust policy"),
    ("KMS key arn:aws:kms:eu-west-1:1:key/k is in eu-west-1, but it must be in the "
     "organization's Region", "same Region"),
    ("Access denied: role arn:aws:iam::1:role/KmsS3BucketExport cannot be assumed by "
     "export.workmail.amazonaws.com", "trust policy"),
    ("Internal error", "no cause this tool recognises"),
    ("", "no cause this tool recognises"),
])
def test_likely_cause_points_at_the_policy_to_check(error_info: str, points_to: str) -> None:
    assert points_to in likely_cause(error_info)


# --- through the simulator -----------------------------------------------------------------


@pytest.fixture
def aws(sim: SimulatedAws) -> Aws:
    sim.workmail.set_job_duration(100)
    return connect(ConnectionSettings())


def started(aws: Aws, sim: SimulatedAws, **changes: str) -> str:
    return start_export(aws, world_request(sim, **changes)).job_id


def test_describe_follows_a_job_from_running_to_completed(aws: Aws, sim: SimulatedAws) -> None:
    job_id = started(aws, sim, description="alice before shutdown")
    org = sim.world.org_id

    job = describe_job(aws, org, job_id)
    assert (job.job_id, job.organization_id, job.entity_id) == (
        job_id, org, sim.world.enabled_user)
    assert (job.state, job.progress, job.finished) == ("RUNNING", 0, False)
    assert (job.role_arn, job.kms_key_arn, job.bucket, job.prefix) == (
        sim.world.good_role_arn, sim.world.good_key_arn, sim.world.good_bucket,
        sim.world.good_prefix)
    assert job.description == "alice before shutdown"
    assert job.end_time is None and job.start_time is not None

    sim.clock.advance(40)
    assert describe_job(aws, org, job_id).progress == 40
    sim.clock.advance(60)
    done = describe_job(aws, org, job_id)
    assert (done.state, done.progress, done.finished) == ("COMPLETED", 100, True)
    assert done.s3_path.endswith(f"{job_id}.zip") and done.error_info == ""
    assert done.end_time is not None and done.start_time is not None
    assert (done.end_time - done.start_time).total_seconds() == 100


@pytest.mark.parametrize(("changes", "points_to"), [
    ({"role_arn": "no_kms_role_arn"}, "KMS key"),
    ({"role_arn": "untrusted_role_arn"}, "trust policy"),
    ({"bucket": "public_bucket"}, "public access"),
    ({"kms_key_arn": "other_region_key_arn"}, "same Region"),
])
def test_a_failed_job_carries_error_info_and_a_likely_cause(
        aws: Aws, sim: SimulatedAws, changes: dict[str, str], points_to: str) -> None:
    (field, handle), = changes.items()
    job_id = started(aws, sim, **{field: getattr(sim.world, handle)})
    sim.clock.advance(100)
    job = describe_job(aws, sim.world.org_id, job_id)
    assert job.state == "FAILED" and job.error_info
    assert points_to in likely_cause(job.error_info)


def test_an_unknown_job_id_is_named_as_such(aws: Aws, sim: SimulatedAws) -> None:
    with pytest.raises(CoreError) as caught:
        describe_job(aws, sim.world.org_id, "no-such-job")
    assert "no export job with that JobId" in caught.value.problem.hint
    assert caught.value.problem.field is None


def test_list_reads_every_page_of_the_last_seven_days(aws: Aws, sim: SimulatedAws) -> None:
    org, now = sim.world.org_id, sim.clock.now()
    for number in range(130):  # 125 within seven days, 5 older: more than one page of 100
        sim.workmail.book.add(SimExportJob(
            job_id=f"seeded-{number:03}", organization_id=org,
            entity_id=sim.world.user_ids[number % len(sim.world.user_ids)],
            description="", role_arn=sim.world.good_role_arn,
            kms_key_arn=sim.world.good_key_arn, bucket=sim.world.good_bucket,
            prefix="exports/", s3_path=f"exports/seeded-{number:03}.zip",
            start_time=now - timedelta(hours=number * 1.35), duration=60))

    jobs = list_jobs(aws, org)

    assert len(jobs) == 125
    assert len({job.job_id for job in jobs}) == 125
    assert jobs[0].job_id == "seeded-000" and jobs[0].state == "RUNNING"
    assert jobs[-1].job_id == "seeded-124" and jobs[-1].state == "COMPLETED"
    assert all(job.role_arn == job.kms_key_arn == job.prefix == "" for job in jobs)
    assert all(job.bucket == sim.world.good_bucket for job in jobs)


def test_cancel_is_accepted_while_running(aws: Aws, sim: SimulatedAws) -> None:
    job_id = started(aws, sim)
    sim.clock.advance(30)
    cancel_job(aws, sim.world.org_id, job_id)
    sim.clock.advance(100)
    job = describe_job(aws, sim.world.org_id, job_id)
    assert (job.state, job.progress) == ("CANCELLED", 30)


def test_cancel_of_a_completed_job_is_refused_and_explained(aws: Aws, sim: SimulatedAws) -> None:
    job_id = started(aws, sim)
    sim.clock.advance(101)
    with pytest.raises(CoreError) as caught:
        cancel_job(aws, sim.world.org_id, job_id)
    problem = caught.value.problem
    assert problem.code == "InvalidParameterException"
    assert problem.hint == "The job has already finished (COMPLETED); there is nothing to cancel."
    assert "COMPLETED" in str(caught.value)
    assert describe_job(aws, sim.world.org_id, job_id).state == "COMPLETED"


def test_cancel_near_completion_is_refused_and_explained(aws: Aws, sim: SimulatedAws) -> None:
    job_id = started(aws, sim)
    sim.clock.advance(97)
    with pytest.raises(CoreError) as caught:
        cancel_job(aws, sim.world.org_id, job_id)
    hint = caught.value.problem.hint
    assert hint.startswith("The job is at 97% and too close to completion to cancel.")
    assert "let it finish" in hint
    sim.clock.advance(3)
    assert describe_job(aws, sim.world.org_id, job_id).state == "COMPLETED"


def test_jobs_older_than_seven_days_come_back_from_the_journal(
        aws: Aws, sim: SimulatedAws, tmp_path: Path) -> None:
    org = sim.world.org_id
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        old = start_export(aws, world_request(sim, description="last week"), journal).job_id
        sim.clock.advance(100)
        journal.record_state(describe_job(aws, org, old))  # what the monitor does
        sim.clock.advance(8 * 24 * 3600)
        new = start_export(aws, world_request(sim), journal).job_id
        listed = list_jobs(aws, org)
        rows = merge_jobs(listed, journal.entries(org))

    assert [job.job_id for job in listed] == [new]
    assert [(row.job.job_id, row.from_journal) for row in rows] == [(new, False), (old, True)]
    assert rows[1].job.state == "COMPLETED" and rows[1].job.description == "last week"
    assert rows[0].job.role_arn == sim.world.good_role_arn
    assert rows[0].job.prefix == sim.world.good_prefix
