"""The seeded worlds: what the demo world holds, that it is deterministic, the large world's
size, and the callable and empty worlds."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from sim_helpers import NO_RETRIES

from tui.sim import ManualClock, RealClock, SimulatedAws, World


def test_demo_world_directory(sim: SimulatedAws) -> None:
    org = sim.workmail.directory.org(sim.world.org_id)
    users = list(org.of_kind("USER"))
    assert [u.state for u in users].count("ENABLED") == 50
    assert [u.state for u in users].count("DISABLED") == 3
    assert [u.state for u in users].count("DELETED") == 2
    assert len({u.email for u in users}) == 55
    assert all(u.email == f"{u.name}@example-corp.awsapps.com" for u in users)
    resources = sorted(r.resource_type for r in org.of_kind("RESOURCE"))
    assert resources == ["EQUIPMENT", "ROOM", "ROOM"]
    assert org.find(sim.world.group_id).name == "all-staff"  # type: ignore[union-attr]
    handles = {sim.world.enabled_user: "ENABLED", sim.world.disabled_user: "DISABLED",
               sim.world.deleted_user: "DELETED"}
    assert {org.find(i).state for i in handles} == set(handles.values())  # type: ignore[union-attr]


def test_demo_world_keys(sim: SimulatedAws) -> None:
    w = sim.world
    kms = boto3.client("kms", region_name="us-east-1", config=NO_RETRIES)
    described = {arn: kms.describe_key(KeyId=arn)["KeyMetadata"] for arn in (
        w.good_key_arn, w.disabled_key_arn, w.asymmetric_key_arn, w.pending_deletion_key_arn)}
    good = described[w.good_key_arn]
    assert (good["KeySpec"], good["KeyUsage"], good["KeyState"]) == (
        "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Enabled")
    assert described[w.disabled_key_arn]["KeyState"] == "Disabled"
    assert described[w.asymmetric_key_arn]["KeyUsage"] == "SIGN_VERIFY"
    assert described[w.pending_deletion_key_arn]["KeyState"] == "PendingDeletion"
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/workmail-export"] == good["KeyId"]
    assert w.other_region_key_arn.startswith("arn:aws:kms:eu-west-1:123456789012:key/")


def test_demo_world_buckets(sim: SimulatedAws) -> None:
    w = sim.world
    s3 = boto3.client("s3", region_name="us-east-1", config=NO_RETRIES)
    assert w.good_bucket == "example-corp-mail-export"
    assert s3.get_bucket_location(Bucket=w.good_bucket)["LocationConstraint"] is None
    assert s3.get_bucket_location(Bucket=w.other_region_bucket)[
        "LocationConstraint"] == "eu-west-1"
    block = s3.get_public_access_block(Bucket=w.good_bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    status = s3.get_bucket_policy_status(Bucket=w.public_bucket)["PolicyStatus"]
    assert status["IsPublic"] is True


def trust_of(role_arn: str) -> dict[str, Any]:
    iam = boto3.client("iam", config=NO_RETRIES)
    return dict(iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"][
        "AssumeRolePolicyDocument"])


def test_demo_world_roles_use_the_guides_forms(sim: SimulatedAws) -> None:
    w = sim.world
    good = trust_of(w.good_role_arn)["Statement"][0]
    assert good["Principal"] == {"Service": "export.workmail.amazonaws.com"}
    org_arn = f"arn:aws:workmail:us-east-1:123456789012:organization/{w.org_id}"
    assert good["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                 "ArnLike": {"aws:SourceArn": org_arn}}
    legacy = trust_of(w.legacy_role_arn)["Statement"][0]
    assert legacy["Condition"] == {"StringEquals": {"sts:ExternalId": "123456789012"}}
    assert trust_of(w.untrusted_role_arn)["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}
    iam = boto3.client("iam", config=NO_RETRIES)
    policy = iam.get_role_policy(RoleName="WorkMailExportRole", PolicyName="WorkMailExport")
    kms_statement = policy["PolicyDocument"]["Statement"][1]
    assert kms_statement["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn":
                       "arn:aws:s3:::example-corp-mail-export/exports/*"}}
    assert len(w.unrelated_role_arns) == 3
    assert len(iam.list_roles()["Roles"]) == 8


def test_seeding_is_deterministic(sim: SimulatedAws) -> None:
    first = sim.world
    sim.stop()
    with SimulatedAws(world="demo") as again:
        assert again.world == first


def test_empty_world(isolated_aws_env: None) -> None:
    with SimulatedAws(world="empty") as sim:
        assert sim.world == World()
        client = boto3.client("workmail", region_name="us-east-1", config=NO_RETRIES)
        assert client.list_organizations()["OrganizationSummaries"] == []


def test_fresh_world_has_an_organization_and_nothing_to_export_with(
        isolated_aws_env: None) -> None:
    with SimulatedAws(world="fresh") as sim:
        assert sim.world.org_id and sim.world.enabled_user
        assert not (sim.world.good_role_arn or sim.world.good_key_arn or sim.world.good_bucket)
        assert boto3.client("iam").list_roles()["Roles"] == []
        assert boto3.client("kms", region_name="us-east-1").list_keys()["Keys"] == []
        assert boto3.client("s3").list_buckets()["Buckets"] == []
        client = boto3.client("workmail", region_name="us-east-1", config=NO_RETRIES)
        (org,) = [o for o in client.list_organizations()["OrganizationSummaries"]
                  if o["State"] == "Active"]
        assert org["OrganizationId"] == sim.world.org_id


def test_a_callable_world_seeds_its_own_things(isolated_aws_env: None) -> None:
    def tiny(sim: SimulatedAws) -> World:
        org = sim.workmail.create_organization("tiny-co", default_domain="tiny.example.com")
        user = sim.workmail.create_user(org, "solo", "Solo Person", "solo@tiny.example.com")
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="tiny-exports")
        return World(org_id=org, enabled_user=user, good_bucket="tiny-exports")

    with SimulatedAws(world=tiny) as sim:
        client = boto3.client("workmail", region_name="us-east-1", config=NO_RETRIES)
        user = client.describe_user(OrganizationId=sim.world.org_id, UserId="solo")
        assert user["Email"] == "solo@tiny.example.com"
        assert sim.world.enabled_user == user["UserId"]


def test_an_unknown_world_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError,
                       match="Unknown world 'huge'; choose one of empty, fresh, demo, large"):
        SimulatedAws(world="huge")


def test_only_one_simulator_is_active_at_a_time(sim: SimulatedAws) -> None:
    with pytest.raises(RuntimeError, match="already active"):
        SimulatedAws(world="empty").start()
    assert boto3.client("workmail", config=NO_RETRIES).list_organizations()[
        "OrganizationSummaries"]


def test_large_world_size(isolated_aws_env: None) -> None:
    with SimulatedAws(world="large", clock=ManualClock()) as sim:
        org = sim.workmail.directory.org(sim.world.org_id)
        assert len(list(org.of_kind("USER"))) == 20_000
        iam = boto3.client("iam", config=NO_RETRIES)
        roles = sum(len(p["Roles"]) for p in iam.get_paginator("list_roles").paginate())
        assert roles == 1_000
        keys = sum(len(boto3.client("kms", region_name=r, config=NO_RETRIES).list_keys()["Keys"])
                   for r in ("us-east-1", "eu-west-1"))
        assert keys == 300
        s3 = boto3.client("s3", config=NO_RETRIES)
        assert len(s3.list_buckets()["Buckets"]) == 500
        workmail = boto3.client("workmail", config=NO_RETRIES)
        found = workmail.list_users(OrganizationId=sim.world.org_id,
                                    Filters={"UsernamePrefix": "zoe.lopez"})["Users"]
        assert found and all(u["Name"].startswith("zoe.lopez") for u in found)
        assert sim.seed_seconds > 0  # how long is bench_search.py's to say


def test_real_clock_runs_and_can_jump() -> None:
    clock = RealClock(speed=1000.0)
    first = clock.now()
    clock.advance(3600)
    assert (clock.now() - first).total_seconds() >= 3600


def test_manual_clock_only_moves_when_told() -> None:
    clock = ManualClock()
    start = clock.now()
    assert clock.now() == start
    clock.advance(90)
    assert (clock.now() - start).total_seconds() == 90



def test_workmail_seeded_before_start_is_kept_and_a_restart_is_fresh(
        isolated_aws_env: None) -> None:
    sim = SimulatedAws(world="empty")
    org = sim.workmail.create_organization("early-bird")
    with sim:
        client = boto3.client("workmail", region_name="us-east-1", config=NO_RETRIES)
        assert client.describe_organization(OrganizationId=org)["Alias"] == "early-bird"
    with sim:
        client = boto3.client("workmail", region_name="us-east-1", config=NO_RETRIES)
        assert client.list_organizations()["OrganizationSummaries"] == []
