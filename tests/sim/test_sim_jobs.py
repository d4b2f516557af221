"""Export jobs through boto3: progress on the clock, limits, idempotency, listing, cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sim_helpers import describe, good_request

from tui.sim import SimulatedAws

StartJob = Callable[..., str]


def test_a_good_job_runs_then_completes_on_the_clock(sim: SimulatedAws, workmail: Any,
                                                      start_job: StartJob) -> None:
    sim.workmail.set_job_duration(60)
    job_id = start_job(Description="alice before shutdown")
    job = describe(sim, workmail, job_id)
    assert (job["State"], job["EstimatedProgress"]) == ("RUNNING", 0)
    assert "EndTime" not in job and "ErrorInfo" not in job
    assert job["EntityId"] == sim.world.enabled_user
    assert job["Description"] == "alice before shutdown"
    assert (job["RoleArn"], job["KmsKeyArn"], job["S3BucketName"], job["S3Prefix"]) == (
        sim.world.good_role_arn, sim.world.good_key_arn, "example-corp-mail-export", "exports/")
    assert job["S3Path"] == f"exports/{job_id}.zip"
    sim.clock.advance(30)
    assert describe(sim, workmail, job_id)["EstimatedProgress"] == 50
    sim.clock.advance(30)
    done = describe(sim, workmail, job_id)
    assert (done["State"], done["EstimatedProgress"]) == ("COMPLETED", 100)
    assert (done["EndTime"] - done["StartTime"]).total_seconds() == 60


def test_default_duration_is_about_a_minute_and_the_same_per_mailbox(sim: SimulatedAws,
                                                                      start_job: StartJob) -> None:
    start_job()
    start_job(EntityId=sim.world.user_ids[1])
    durations = [j.duration for j in sim.workmail.jobs(sim.world.org_id)]
    assert all(45 <= d <= 75 for d in durations)
    assert sim.workmail.book.duration_for(sim.world.enabled_user) == durations[0]


@pytest.mark.parametrize("entity", ["alice.wong", "alice.wong@example-corp.awsapps.com",
                                    "ALICE.WONG@example-corp.awsapps.com"])
def test_entity_by_name_or_email_resolves_to_its_id(sim: SimulatedAws, workmail: Any,
                                                    start_job: StartJob, entity: str) -> None:
    job_id = start_job(EntityId=entity)
    assert describe(sim, workmail, job_id)["EntityId"] == sim.world.enabled_user


def test_resources_and_disabled_users_can_be_exported(sim: SimulatedAws, workmail: Any,
                                                      start_job: StartJob) -> None:
    for entity in (sim.world.room_id, sim.world.equipment_id, sim.world.disabled_user):
        assert describe(sim, workmail, start_job(EntityId=entity))["State"] == "RUNNING"


@pytest.mark.parametrize(("entity", "words"), [
    ("group", "group"), ("deleted", "not found"), ("nobody.here", "not found")])
def test_groups_deleted_and_unknown_entities_are_not_found(sim: SimulatedAws, workmail: Any,
                                                           start_job: StartJob, entity: str,
                                                           words: str) -> None:
    entity_id = {"group": sim.world.group_id, "deleted": sim.world.deleted_user}.get(entity, entity)
    with pytest.raises(workmail.exceptions.EntityNotFoundException) as caught:
        start_job(EntityId=entity_id)
    assert words in caught.value.response["Error"]["Message"]
    assert sim.workmail.jobs(sim.world.org_id) == []


def test_only_an_active_organization_accepts_jobs(sim: SimulatedAws, workmail: Any,
                                                  start_job: StartJob) -> None:
    with pytest.raises(workmail.exceptions.OrganizationStateException) as caught:
        start_job(OrganizationId=sim.world.inactive_org_id)
    assert "Inactive" in caught.value.response["Error"]["Message"]
    with pytest.raises(workmail.exceptions.OrganizationNotFoundException):
        start_job(OrganizationId="m-" + "1" * 32)


@pytest.mark.parametrize("prefix", ["user@example/", "with space/", "plus+sign/"])
def test_a_prefix_outside_the_model_pattern_is_an_invalid_parameter(
        workmail: Any, start_job: StartJob, prefix: str) -> None:
    with pytest.raises(workmail.exceptions.InvalidParameterException) as caught:
        start_job(S3Prefix=prefix)
    assert "S3Prefix" in caught.value.response["Error"]["Message"]


def test_at_most_ten_jobs_run_per_organization(sim: SimulatedAws, workmail: Any,
                                               start_job: StartJob) -> None:
    sim.workmail.set_job_duration(60)
    for user in sim.world.user_ids[:10]:
        start_job(EntityId=user)
    with pytest.raises(workmail.exceptions.LimitExceededException) as caught:
        start_job(EntityId=sim.world.user_ids[10])
    assert "at most 10" in caught.value.response["Error"]["Message"]
    sim.clock.advance(60)  # all ten complete
    assert start_job(EntityId=sim.world.user_ids[10])


def test_failed_jobs_do_not_count_against_the_ten(sim: SimulatedAws, workmail: Any,
                                                  start_job: StartJob) -> None:
    users = sim.world.user_ids
    for user in users[:9]:
        start_job(EntityId=user)
    start_job(EntityId=users[9], RoleArn=sim.world.untrusted_role_arn)
    with pytest.raises(workmail.exceptions.LimitExceededException):
        start_job(EntityId=users[10])
    sim.clock.advance(10)  # the badly configured job has failed; nine still run
    assert start_job(EntityId=users[10])
    with pytest.raises(workmail.exceptions.LimitExceededException):
        start_job(EntityId=users[11])


def test_a_mailbox_is_exported_at_most_once_in_24_hours(sim: SimulatedAws, workmail: Any,
                                                        start_job: StartJob) -> None:
    sim.workmail.set_job_duration(60)
    start_job()
    sim.clock.advance(3600)
    with pytest.raises(workmail.exceptions.LimitExceededException) as caught:
        start_job()
    assert "24 hours" in caught.value.response["Error"]["Message"]
    sim.clock.advance(23 * 3600)
    assert start_job()


def test_a_failed_or_cancelled_job_does_not_block_the_mailbox(sim: SimulatedAws, workmail: Any,
                                                              start_job: StartJob) -> None:
    start_job(RoleArn=sim.world.untrusted_role_arn)
    sim.clock.advance(60)
    cancelled = start_job()
    workmail.cancel_mailbox_export_job(OrganizationId=sim.world.org_id, JobId=cancelled,
                                       ClientToken="cancel-1")
    assert start_job()


def test_same_client_token_same_request_gives_the_same_job(sim: SimulatedAws,
                                                           workmail: Any) -> None:
    params = good_request(sim, ClientToken="retry-me")
    first = workmail.start_mailbox_export_job(**params)["JobId"]
    sim.clock.advance(30)
    again = workmail.start_mailbox_export_job(**params)["JobId"]
    assert again == first
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1


def test_an_expired_client_token_starts_a_new_job_once_the_day_has_passed(
        sim: SimulatedAws, workmail: Any) -> None:
    params = good_request(sim, ClientToken="kept-a-while")
    sim.workmail.set_token_lifetime(3600)
    first = workmail.start_mailbox_export_job(**params)["JobId"]
    sim.clock.advance(1800)
    assert workmail.start_mailbox_export_job(**params)["JobId"] == first  # still honoured
    sim.clock.advance(2 * 3600)
    with pytest.raises(workmail.exceptions.LimitExceededException):  # a new request now
        workmail.start_mailbox_export_job(**params)
    sim.workmail.expire_client_tokens()
    sim.workmail.set_token_lifetime(None)
    sim.clock.advance(24 * 3600)
    second = workmail.start_mailbox_export_job(**params)["JobId"]
    assert second != first
    assert len(sim.workmail.jobs(sim.world.org_id)) == 2


def test_same_client_token_with_other_parameters_is_refused(sim: SimulatedAws,
                                                            workmail: Any) -> None:
    workmail.start_mailbox_export_job(**good_request(sim, ClientToken="t-1"))
    other = good_request(sim, ClientToken="t-1", EntityId=sim.world.user_ids[1])
    with pytest.raises(workmail.exceptions.InvalidParameterException) as caught:
        workmail.start_mailbox_export_job(**other)
    assert "ClientToken" in caught.value.response["Error"]["Message"]
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1


def test_boto3_fills_a_fresh_token_so_plain_repeats_are_new_requests(
        sim: SimulatedAws, workmail: Any, start_job: StartJob) -> None:
    start_job(EntityId=sim.world.user_ids[1])
    start_job(EntityId=sim.world.user_ids[2])
    assert len(sim.workmail.jobs(sim.world.org_id)) == 2


def test_list_shows_the_last_seven_days_newest_first(sim: SimulatedAws, workmail: Any,
                                                     start_job: StartJob) -> None:
    old = start_job(EntityId=sim.world.user_ids[1])
    sim.clock.advance(3 * 86400)
    newer = start_job(EntityId=sim.world.user_ids[2])
    jobs = workmail.list_mailbox_export_jobs(OrganizationId=sim.world.org_id)["Jobs"]
    assert [j["JobId"] for j in jobs] == [newer, old]
    assert set(jobs[0]) >= {"JobId", "EntityId", "S3BucketName", "S3Path", "State",
                            "EstimatedProgress", "StartTime"}
    assert "RoleArn" not in jobs[0] and "KmsKeyArn" not in jobs[0]
    sim.clock.advance(5 * 86400)  # old is 8 days old now
    jobs = workmail.list_mailbox_export_jobs(OrganizationId=sim.world.org_id)["Jobs"]
    assert [j["JobId"] for j in jobs] == [newer]
    assert describe(sim, workmail, old)["State"] == "COMPLETED"  # still describable


def test_list_jobs_pages(sim: SimulatedAws, workmail: Any, start_job: StartJob) -> None:
    ids = {start_job(EntityId=user) for user in sim.world.user_ids[:5]}
    pages = [workmail.list_mailbox_export_jobs(OrganizationId=sim.world.org_id, MaxResults=2)]
    while "NextToken" in pages[-1]:  # botocore has no paginator for this operation
        pages.append(workmail.list_mailbox_export_jobs(
            OrganizationId=sim.world.org_id, MaxResults=2, NextToken=pages[-1]["NextToken"]))
    assert [len(p["Jobs"]) for p in pages] == [2, 2, 1]
    assert {j["JobId"] for p in pages for j in p["Jobs"]} == ids


def test_cancel_a_running_job(sim: SimulatedAws, workmail: Any, start_job: StartJob) -> None:
    sim.workmail.set_job_duration(100)
    job_id = start_job()
    sim.clock.advance(40)
    workmail.cancel_mailbox_export_job(OrganizationId=sim.world.org_id, JobId=job_id,
                                       ClientToken="c-1")
    sim.clock.advance(100)
    job = describe(sim, workmail, job_id)
    assert (job["State"], job["EstimatedProgress"]) == ("CANCELLED", 40)
    assert (job["EndTime"] - job["StartTime"]).total_seconds() == 40


@pytest.mark.parametrize(("after", "words"), [(100, "COMPLETED"), (96, "too close")])
def test_cancel_is_refused_when_finished_or_nearly_done(sim: SimulatedAws, workmail: Any,
                                                        start_job: StartJob, after: int,
                                                        words: str) -> None:
    sim.workmail.set_job_duration(100)
    job_id = start_job()
    sim.clock.advance(after)
    with pytest.raises(workmail.exceptions.InvalidParameterException) as caught:
        workmail.cancel_mailbox_export_job(OrganizationId=sim.world.org_id, JobId=job_id,
                                           ClientToken="c-2")
    assert words in caught.value.response["Error"]["Message"]
    assert describe(sim, workmail, job_id)["State"] != "CANCELLED"


def test_unknown_job_is_not_found(sim: SimulatedAws, workmail: Any) -> None:
    with pytest.raises(workmail.exceptions.EntityNotFoundException):
        workmail.describe_mailbox_export_job(OrganizationId=sim.world.org_id, JobId="nope-123")
    with pytest.raises(workmail.exceptions.EntityNotFoundException):
        workmail.cancel_mailbox_export_job(OrganizationId=sim.world.org_id, JobId="nope-123",
                                           ClientToken="c-3")
