"""The simulator's shared assumptions (tui.sim.assumptions) each change what it does, and its
limits can record a breach instead of refusing it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from sim_helpers import describe

from tui.sim import SimulatedAws
from tui.sim.assumptions import (
    ALTERNATIVES,
    DEFAULT,
    EXTERNAL_ID_ABSENT,
    KEY_CONCATENATED,
    LIST_OLDEST_FIRST,
    PATTERN_AS_WRITTEN,
    WINDOW_USED_BY_ANY_START,
    Assumptions,
    variants,
)
from tui.sim.jobs import EXPORT_WINDOW, RUNNING_LIMIT


def assume(sim: SimulatedAws, **changes: Any) -> None:
    sim.assumptions = replace(DEFAULT, **changes)


def test_variants_are_the_default_then_each_alternative_alone() -> None:
    found = variants()
    assert found[0] == ("default", DEFAULT)
    assert len(found) == 1 + sum(len(values) for values in ALTERNATIVES.values())
    for _, assumptions in found[1:]:
        changed = [name for name in ALTERNATIVES
                   if getattr(assumptions, name) != getattr(DEFAULT, name)]
        assert len(changed) == 1
    assert [name for name, _ in variants("external_id")] == ["default", "external_id=absent"]


def test_assumptions_can_be_given_at_start_and_survive_a_restart() -> None:
    concatenated = Assumptions(object_key=KEY_CONCATENATED)
    sim = SimulatedAws(world="empty", assumptions=concatenated)
    with sim:
        assert sim.assumptions is concatenated
    with sim:  # a restart makes a new WorkMail backend
        assert sim.workmail.assumptions is concatenated


@pytest.mark.parametrize(("form", "prefix", "key_start"), [
    ("joined", "exports/", "exports/"),
    ("joined", "exports", "exports/"),
    (KEY_CONCATENATED, "exports/", "exports/"),
    (KEY_CONCATENATED, "exports", "exports"),
])
def test_the_object_key_follows_the_assumed_form(sim: SimulatedAws, workmail: Any,
                                                 start_job: Any, form: str, prefix: str,
                                                 key_start: str) -> None:
    assume(sim, object_key=form)
    job_id = start_job(S3Prefix=prefix)
    assert describe(sim, workmail, job_id)["S3Path"] == f"{key_start}{job_id}.zip"


def test_the_concatenated_key_falls_outside_a_condition_on_the_prefix_folder(
        sim: SimulatedAws, workmail: Any, start_job: Any) -> None:
    assume(sim, object_key=KEY_CONCATENATED)
    job_id = start_job(S3Prefix="exports")
    sim.clock.advance(120)
    job = describe(sim, workmail, job_id)
    assert job["State"] == "FAILED" and "kms:EncryptionContext:aws:s3:arn" in job["ErrorInfo"]


def test_without_an_external_id_the_older_trust_no_longer_lets_the_service_in(
        sim: SimulatedAws, workmail: Any, start_job: Any) -> None:
    assume(sim, external_id=EXTERNAL_ID_ABSENT)
    legacy = start_job(RoleArn=sim.world.legacy_role_arn)
    current = start_job(RoleArn=sim.world.good_role_arn,
                        EntityId=sim.world.user_ids[1])
    sim.clock.advance(120)
    assert describe(sim, workmail, legacy)["State"] == "FAILED"
    assert describe(sim, workmail, current)["State"] == "COMPLETED"


@pytest.mark.parametrize(("states", "second_start"), [
    (DEFAULT.window_states, "accepted"),
    (WINDOW_USED_BY_ANY_START, "LimitExceededException"),
])
def test_which_ended_jobs_use_up_the_day_is_the_assumed_set(
        sim: SimulatedAws, workmail: Any, start_job: Any, states: tuple[str, ...],
        second_start: str) -> None:
    assume(sim, window_states=states)
    failed = start_job(KmsKeyArn=sim.world.disabled_key_arn)
    sim.clock.advance(60)
    assert describe(sim, workmail, failed)["State"] == "FAILED"
    try:
        start_job()
        outcome = "accepted"
    except ClientError as refused:
        outcome = refused.response["Error"]["Code"]
    assert outcome == second_start


@pytest.mark.parametrize("acl", ["public-read", "authenticated-read", "public-read-write"])
@pytest.mark.parametrize("refused", [True, False])
def test_a_public_acl_fails_the_export_only_when_assumed_to(
        sim: SimulatedAws, workmail: Any, start_job: Any, acl: str, refused: bool) -> None:
    assume(sim, public_acl_refused=refused)
    s3 = boto3.client("s3")
    s3.put_public_access_block(Bucket=sim.world.good_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_bucket_acl(Bucket=sim.world.good_bucket, ACL=acl)
    job_id = start_job()
    sim.clock.advance(120)
    job = describe(sim, workmail, job_id)
    assert job["State"] == ("FAILED" if refused else "COMPLETED")


def test_a_private_acl_never_fails_the_export(sim: SimulatedAws, workmail: Any,
                                              start_job: Any) -> None:
    s3 = boto3.client("s3")
    s3.delete_public_access_block(Bucket=sim.world.good_bucket)
    s3.put_bucket_acl(Bucket=sim.world.good_bucket, ACL="private")
    job_id = start_job()
    sim.clock.advance(120)
    assert describe(sim, workmail, job_id)["State"] == "COMPLETED"


@pytest.mark.parametrize(("pattern_match", "accepted"), [
    (DEFAULT.pattern_match, False), (PATTERN_AS_WRITTEN, True)])
def test_an_unanchored_pattern_applies_as_assumed(sim: SimulatedAws, start_job: Any,
                                                  pattern_match: str, accepted: bool) -> None:
    """botocore's S3Prefix pattern is unanchored: as written, a value with a good part passes."""
    assume(sim, pattern_match=pattern_match)
    try:
        start_job(S3Prefix="exports/then@bad")
        outcome = True
    except ClientError as refused:
        assert refused.response["Error"]["Code"] == "InvalidParameterException"
        outcome = False
    assert outcome is accepted


@pytest.mark.parametrize(("order", "newest_first"), [
    (DEFAULT.list_order, True), (LIST_OLDEST_FIRST, False)])
def test_jobs_are_listed_in_the_assumed_order(sim: SimulatedAws, workmail: Any, start_job: Any,
                                              order: str, newest_first: bool) -> None:
    assume(sim, list_order=order)
    started = []
    for user in sim.world.user_ids[:3]:
        started.append(start_job(EntityId=user))
        sim.clock.advance(5)
    listed = [j["JobId"] for j in workmail.list_mailbox_export_jobs(
        OrganizationId=sim.world.org_id)["Jobs"]]
    assert listed == (started[::-1] if newest_first else started)


# --- breaches of the service's limits ---------------------------------------------------------


def test_an_eleventh_running_job_is_refused_and_recorded(sim: SimulatedAws,
                                                         start_job: Any) -> None:
    for user in sim.world.user_ids[:10]:
        start_job(EntityId=user)
    assert sim.workmail.breaches == []
    with pytest.raises(ClientError, match="LimitExceededException"):
        start_job(EntityId=sim.world.user_ids[10])
    (breach,) = sim.workmail.breaches
    assert (breach.kind, breach.entity_id) == (RUNNING_LIMIT, sim.world.user_ids[10])
    assert len(sim.workmail.jobs(sim.world.org_id)) == 10


def test_recording_lets_the_breach_through_and_counts_each(sim: SimulatedAws,
                                                           start_job: Any) -> None:
    sim.workmail.refuse_breaches(False)
    for user in sim.world.user_ids[:11]:
        start_job(EntityId=user)
    start_job(EntityId=sim.world.user_ids[0], S3Prefix="exports/again/")
    kinds = [(b.kind, b.entity_id) for b in sim.workmail.breaches]
    assert kinds == [(RUNNING_LIMIT, sim.world.user_ids[10]),
                     (RUNNING_LIMIT, sim.world.user_ids[0]),
                     (EXPORT_WINDOW, sim.world.user_ids[0])]
    assert len(sim.workmail.jobs(sim.world.org_id)) == 12
    sim.workmail.refuse_breaches(True)
    with pytest.raises(ClientError, match="LimitExceededException"):
        start_job(EntityId=sim.world.user_ids[1], S3Prefix="exports/again/")
    assert len(sim.workmail.breaches) == 4  # the refused one is recorded too (the first only)
    assert sim.workmail.breaches[-1].kind == RUNNING_LIMIT


def test_every_assumed_export_layout_is_one_the_simulator_can_write() -> None:
    from tui.sim.export_content import LAYOUTS

    assert {DEFAULT.export_layout, *ALTERNATIVES["export_layout"]} == set(LAYOUTS)


def test_the_export_layout_is_an_assumption_the_writer_follows(sim: SimulatedAws) -> None:
    assert sim.exports.layout == DEFAULT.export_layout
    sim.exports.layout = "nested"
    assert sim.assumptions.export_layout == "nested"
    assume(sim)  # back to every default
    assert sim.exports.layout == DEFAULT.export_layout
    with pytest.raises(ValueError, match="Unknown layout"):
        sim.exports.layout = "flat"
