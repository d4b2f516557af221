"""Setup plans applied on the simulator: each fixable misconfiguration of the demo world, and an
account with nothing, end with an export the simulator COMPLETES; what exists is only added
to; a second plan is empty; what no change can fix is reported, not changed.

The simulator's oracle (tui/sim/oracle.py), not the core, judges each export."""

from __future__ import annotations

import json
from typing import Any

import pytest
from setup_kit import (
    admin_only_key,
    changing,
    connection,
    export_after,
    export_state,
    record_calls,
    set_up,
)

from tui.core import checks
from tui.core.model import ExportRequest, Level
from tui.core.setup.apply import apply_plan
from tui.core.setup.plan import Kind
from tui.core.setup.planner import plan_setup
from tui.core.setup.request import Part, SetupRequest

PREFIX = "exports/"


def errors(aws: Any, request: ExportRequest) -> list[str]:
    return [f.message for f in checks.preflight(aws, request) if f.level is Level.ERROR]


# --- from nothing -------------------------------------------------------------------------------


def test_an_account_with_nothing_gets_role_key_and_bucket_and_exports(fresh: Any) -> None:
    aws = connection(fresh)
    request = SetupRequest(fresh.world.org_id, bucket="example-corp-exports", prefix=PREFIX,
                           create_key=True)
    plan = plan_setup(aws, request)
    assert [s.call.operation for s in plan.steps] == [
        "CreateRole", "CreateKey", "CreateAlias", "CreateBucket", "PutPublicAccessBlock",
        "PutBucketOwnershipControls", "PutBucketEncryption", "PutBucketTagging",
        "PutRolePolicy"]
    assert plan.role_arn == (f"arn:aws:iam::{fresh.world.account}:role/workmail-export/"
                             "WorkMailExport-example-corp")
    applied = apply_plan(aws, plan)
    assert applied.ok and applied.key_arn.startswith("arn:aws:kms:us-east-1:")
    export = export_after(fresh, aws, applied)
    assert errors(aws, export) == []
    assert export_state(fresh, aws, export) == ("COMPLETED", "")


def test_what_setup_creates_is_tagged_private_and_encrypted_without_a_bucket_key(
        fresh: Any) -> None:
    aws = connection(fresh)
    applied = set_up(fresh, aws, SetupRequest(fresh.world.org_id, bucket="example-corp-exports",
                                              prefix=PREFIX, create_key=True))
    tags = {"workmail-export:purpose": "mailbox-export",
            "workmail-export:organization": fresh.world.org_id}
    iam, kms, s3 = aws.client("iam"), aws.client("kms"), aws.client("s3")
    role = iam.get_role(RoleName="WorkMailExport-example-corp")["Role"]
    assert {t["Key"]: t["Value"] for t in role["Tags"]} == tags
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert trust["StringEquals"] == {"aws:SourceAccount": fresh.world.account}
    assert trust["ArnLike"]["aws:SourceArn"].endswith(f"organization/{fresh.world.org_id}")
    key_tags = kms.list_resource_tags(KeyId=applied.key_arn.split("/")[-1])["Tags"]
    assert {t["TagKey"]: t["TagValue"] for t in key_tags} == tags
    bucket = "example-corp-exports"
    assert {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]} == tags
    assert all(s3.get_public_access_block(Bucket=bucket)[
        "PublicAccessBlockConfiguration"].values())
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
        "Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == applied.key_arn
    assert rule["BucketKeyEnabled"] is False
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]


def test_applying_twice_plans_nothing_and_changes_nothing(fresh: Any) -> None:
    aws = connection(fresh)
    request = SetupRequest(fresh.world.org_id, bucket="example-corp-exports", prefix=PREFIX,
                           create_key=True)
    first = set_up(fresh, aws, request)
    calls = record_calls(aws)
    second = plan_setup(aws, request)
    assert second.empty and not second.blockers
    assert second.role_arn == first.plan.role_arn and second.key_arn == first.key_arn
    assert apply_plan(aws, second).ok
    assert changing(calls) == []
    again = plan_setup(aws, SetupRequest(fresh.world.org_id, bucket="example-corp-exports",
                                         prefix=PREFIX))  # no --create-key: its key is found
    assert again.empty and again.key_arn == first.key_arn


# --- each fixable misconfiguration of the demo world ----------------------------------------


def _good(sim: Any, **changes: str) -> dict[str, str]:
    values = {"role": "WorkMailExportRole", "key": sim.world.good_key_arn,
              "bucket": sim.world.good_bucket, "prefix": sim.world.good_prefix}
    values.update(changes)
    return values


FIXABLE = {
    # name: (what the setup is asked to use, as world handles or values)
    "untrusted role": {"role": "WorkMailExportEc2"},
    "no-KMS role": {"role": "WorkMailExportNoKms"},
    "wrong-prefix role": {"role": "WorkMailExportOtherPrefix"},
    "disabled key": {"key": "disabled_key_arn"},
    "pending-deletion key": {"key": "pending_deletion_key_arn"},
    "public bucket": {"bucket": "public_bucket"},
    "missing role": {"role": "NewExportRole"},
    "missing bucket": {"bucket": "example-corp-new-exports"},
    "a prefix outside the role's condition": {"prefix": "archive/2027/"},
}


@pytest.mark.parametrize("name", list(FIXABLE))
def test_each_fixable_misconfiguration_ends_in_a_completed_export(sim: Any, name: str) -> None:
    aws = connection(sim)
    values = _good(sim, **{k: getattr(sim.world, v, v) for k, v in FIXABLE[name].items()})
    role_arn = f"arn:aws:iam::{sim.world.account}:role/{values['role']}"
    broken = ExportRequest(organization_id=sim.world.org_id, entity_id=sim.world.enabled_user,
                           role_arn=role_arn, kms_key_arn=values["key"], bucket=values["bucket"],
                           prefix=values["prefix"])
    if name not in ("missing role",):  # (a missing role's ARN would be under the tool's path)
        assert export_state(sim, aws, broken)[0] == "FAILED"
    request = SetupRequest(sim.world.org_id, bucket=values["bucket"], prefix=values["prefix"],
                           role_name=values["role"], key_arn=values["key"])
    applied = set_up(sim, aws, request)
    assert applied.done
    export = export_after(sim, aws, applied, entity=sim.world.user_ids[1])
    assert errors(aws, export) == []
    assert export_state(sim, aws, export) == ("COMPLETED", "")
    assert plan_setup(aws, request).empty


def test_a_key_policy_without_the_role_gets_one_statement(sim: Any) -> None:
    aws = connection(sim)
    kms = aws.client("kms")
    arn, admin_only = admin_only_key(aws, sim.world.account)
    applied = set_up(sim, aws, SetupRequest(sim.world.org_id, bucket=sim.world.good_bucket,
                                            prefix=PREFIX, role_name="WorkMailExportRole",
                                            key_arn=arn))
    assert [s.call.operation for s in applied.done] == ["PutKeyPolicy", "PutRolePolicy"]
    policy = json.loads(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
    assert policy["Statement"][0] == admin_only["Statement"][0]
    assert export_state(sim, aws, export_after(sim, aws, applied)) == ("COMPLETED", "")


def test_a_bucket_with_a_bucket_key_gets_the_bucket_arn_in_the_role_condition(sim: Any) -> None:
    aws = connection(sim)
    world = sim.world
    aws.client("s3").put_bucket_encryption(
        Bucket=world.good_bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                   "KMSMasterKeyID": world.good_key_arn},
            "BucketKeyEnabled": True}]})
    request = ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user,
                            role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                            bucket=world.good_bucket, prefix=PREFIX)
    bucket_findings = checks.check_bucket(aws, request)
    assert [f.level for f in bucket_findings] == [Level.WARNING]
    assert "S3 Bucket Key" in bucket_findings[0].message
    assert export_state(sim, aws, request)[0] == "FAILED"
    applied = set_up(sim, aws, SetupRequest(world.org_id, bucket=world.good_bucket,
                                            prefix=PREFIX, role_name="WorkMailExportRole",
                                            key_arn=world.good_key_arn))
    (step,) = applied.done
    condition = step.call.params["PolicyDocument"]["Statement"][0]["Condition"]["StringLike"]
    assert condition["kms:EncryptionContext:aws:s3:arn"] == [
        f"arn:aws:s3:::{world.good_bucket}/exports/*", f"arn:aws:s3:::{world.good_bucket}"]
    assert [f.level for f in checks.check_bucket(aws, request)] == [Level.OK]
    assert export_state(sim, aws, request) == ("COMPLETED", "")


# --- what exists is only added to ---------------------------------------------------------------


def test_an_unrelated_inline_policy_and_three_key_statements_come_out_unchanged(
        sim: Any) -> None:
    aws = connection(sim)
    iam, kms, account = aws.client("iam"), aws.client("kms"), sim.world.account
    unrelated = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*"}]}
    iam.create_role(RoleName="MixedUse", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="MixedUse", PolicyName="Logging",
                        PolicyDocument=json.dumps(unrelated))
    three = [{"Sid": f"Other{n}", "Effect": "Allow",
              "Principal": {"AWS": f"arn:aws:iam::{account}:user/user{n}"},
              "Action": ["kms:Encrypt", "kms:DescribeKey"], "Resource": "*"}
             for n in range(3)]
    key_policy = {"Version": "2012-10-17", "Statement": three}
    arn = kms.create_key(KeyUsage="ENCRYPT_DECRYPT",
                         Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
    trust_before = iam.get_role(RoleName="MixedUse")["Role"]["AssumeRolePolicyDocument"]

    applied = set_up(sim, aws, SetupRequest(sim.world.org_id, bucket=sim.world.good_bucket,
                                            prefix=PREFIX, role_name="MixedUse", key_arn=arn))
    assert {s.kind for s in applied.done} == {Kind.CHANGE}
    assert iam.get_role_policy(RoleName="MixedUse", PolicyName="Logging")[
        "PolicyDocument"] == unrelated
    trust_after = iam.get_role(RoleName="MixedUse")["Role"]["AssumeRolePolicyDocument"]
    assert trust_after["Statement"][0] == trust_before["Statement"][0]
    after = json.loads(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"])
    assert after["Statement"][:3] == three
    assert len(after["Statement"]) == 4
    export = export_after(sim, aws, applied)
    assert export_state(sim, aws, export) == ("COMPLETED", "")


def test_the_plan_shows_each_changed_document_whole_before_and_after(sim: Any) -> None:
    aws = connection(sim)
    plan = plan_setup(aws, SetupRequest(sim.world.org_id, bucket=sim.world.good_bucket,
                                        prefix=PREFIX, role_name="WorkMailExportEc2",
                                        key_arn=sim.world.good_key_arn))
    (trust,) = [s for s in plan.steps if s.call.operation == "UpdateAssumeRolePolicy"]
    assert trust.before is not None
    assert trust.after["Statement"][: len(trust.before["Statement"])] == trust.before["Statement"]
    assert trust.undo is not None and trust.undo.params["PolicyDocument"] == trust.before


# --- what no change can fix ----------------------------------------------------------------------


def test_a_deny_is_reported_and_left_alone(sim: Any) -> None:
    aws = connection(sim)
    deny = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "kms:*", "Resource": "*"}]}
    aws.client("iam").put_role_policy(RoleName="WorkMailExportRole", PolicyName="NoKms",
                                      PolicyDocument=json.dumps(deny))
    plan = plan_setup(aws, SetupRequest(sim.world.org_id, bucket=sim.world.good_bucket,
                                        prefix=PREFIX, role_name="WorkMailExportRole",
                                        key_arn=sim.world.good_key_arn))
    assert plan.empty
    (blocker,) = plan.blockers
    assert "a Deny statement" in blocker and "does not remove it" in blocker


@pytest.mark.parametrize(("change", "words"), [
    ({"key_arn": "asymmetric_key_arn"}, "asymmetric"),
    ({"key_arn": "other_region_key_arn"}, "is in eu-west-1"),
    ({"bucket": "other_region_bucket"}, "cannot move to another Region. A free name in "
                                        "us-east-1: example-corp-mail-export-eu-123456789012"),
])
def test_what_a_change_cannot_fix_is_a_blocker(sim: Any, change: dict[str, str],
                                               words: str) -> None:
    aws = connection(sim)
    values = {"bucket": sim.world.good_bucket, "key_arn": sim.world.good_key_arn}
    values.update({k: getattr(sim.world, v) for k, v in change.items()})
    plan = plan_setup(aws, SetupRequest(sim.world.org_id, prefix=PREFIX,
                                        role_name="WorkMailExportRole", **values))
    assert any(words in b for b in plan.blockers), plan.blockers


def test_a_default_role_name_taken_by_another_role_gets_a_free_name(fresh: Any) -> None:
    aws = connection(fresh)
    aws.client("iam").create_role(RoleName="WorkMailExport-example-corp",
                                  AssumeRolePolicyDocument=json.dumps({
                                      "Version": "2012-10-17", "Statement": []}))
    plan = plan_setup(aws, SetupRequest(fresh.world.org_id, parts=frozenset({Part.ROLE})))
    assert plan.steps[0].call.params["RoleName"] == "WorkMailExport-example-corp-2"
    assert "is taken by a role this tool did not create" in plan.notes[0]


def test_a_missing_permission_stops_the_apply_and_says_which(sim: Any) -> None:
    fresh_plan = plan_setup(connection(sim), SetupRequest(
        sim.world.org_id, bucket="example-corp-second", prefix=PREFIX,
        role_name="WorkMailExportRole", key_arn=sim.world.good_key_arn))
    sim.faults.deny("s3", "PutBucketEncryption")
    aws = connection(sim)
    applied = apply_plan(aws, fresh_plan)
    assert not applied.ok
    assert applied.missing_permission == "s3:PutEncryptionConfiguration"
    assert applied.failure_sentence().startswith(
        "could not apply: missing s3:PutEncryptionConfiguration")
    assert [s.call.operation for s in applied.done] == [
        "CreateBucket", "PutPublicAccessBlock", "PutBucketOwnershipControls"]
    assert [c.operation for c in applied.undo_calls()] == ["DeleteBucket"]


def test_an_alias_taken_by_another_key_gets_a_free_one(fresh: Any) -> None:
    aws = connection(fresh)
    kms = aws.client("kms")
    other = kms.create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=f"alias/workmail-export/{fresh.world.org_id}", TargetKeyId=other)
    plan = plan_setup(aws, SetupRequest(fresh.world.org_id, create_key=True,
                                        parts=frozenset({Part.KEY})))
    alias = plan.steps[1].call.params["AliasName"]
    assert alias == f"alias/workmail-export/{fresh.world.org_id}-2"
    assert "names a key this tool did not create" in plan.notes[0]
