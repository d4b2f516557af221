"""Each misconfiguration of the demo world makes a job FAIL with a meaningful ErrorInfo, while
the good combinations COMPLETE, under every reading of tui.sim.assumptions (the legacy trust
only while the service sends sts:ExternalId). The simulator reads the live IAM/KMS/S3 state
(moto)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from sim_helpers import describe

from tui.sim import SimulatedAws
from tui.sim.assumptions import DEFAULT, variants

StartJob = Callable[..., str]


def finished(sim: SimulatedAws, workmail: Any, job_id: str) -> dict[str, Any]:
    sim.clock.advance(120)
    return describe(sim, workmail, job_id)


READINGS = variants()


def under_each_reading(sim: SimulatedAws, run: Callable[[], dict[str, Any]]
                       ) -> dict[str, dict[str, Any]]:
    """The job `run` starts, finished, under each reading of tui.sim.assumptions (a day apart,
    so that the mailbox's 24-hour window never stands in the way)."""
    found = {}
    try:
        for name, assumptions in READINGS:
            sim.assumptions = assumptions
            found[name] = run()
            sim.clock.advance(25 * 3600)
    finally:
        sim.assumptions = DEFAULT
    return found


@pytest.mark.parametrize("role", ["good_role_arn", "legacy_role_arn"])
def test_good_combinations_complete(sim: SimulatedAws, workmail: Any, start_job: StartJob,
                                    role: str) -> None:
    found = under_each_reading(
        sim, lambda: finished(sim, workmail, start_job(RoleArn=getattr(sim.world, role))))
    for reading, job in found.items():
        if role == "legacy_role_arn" and reading == "external_id=absent":
            assert job["State"] == "FAILED" and "cannot be assumed" in job["ErrorInfo"]
            continue
        assert (job["State"], job["EstimatedProgress"]) == ("COMPLETED", 100), reading
        assert "ErrorInfo" not in job


def test_a_deeper_prefix_inside_the_condition_completes(sim: SimulatedAws, workmail: Any,
                                                        start_job: StartJob) -> None:
    job = finished(sim, workmail, start_job(S3Prefix="exports/2026/alice"))
    assert job["State"] == "COMPLETED"
    assert job["S3Path"].startswith("exports/2026/alice/")


# (what to change, words ErrorInfo must contain)
MISCONFIGURATIONS: list[tuple[dict[str, str], list[str]]] = [
    ({"RoleArn": "untrusted_role_arn"},
     ["WorkMailExportEc2", "cannot be assumed by export.workmail.amazonaws.com"]),
    ({"RoleArn": "no_kms_role_arn"},
     ["WorkMailExportNoKms", "not allowed kms:GenerateDataKey"]),
    ({"RoleArn": "wrong_prefix_role_arn"},
     ["WorkMailExportOtherPrefix", "kms:EncryptionContext:aws:s3:arn",
      "arn:aws:s3:::example-corp-mail-export/exports/"]),
    ({"S3Prefix": "other/"},
     ["WorkMailExportRole", "kms:EncryptionContext:aws:s3:arn"]),
    ({"RoleArn": "arn:aws:iam::123456789012:role/NoSuchRole"},
     ["NoSuchRole", "does not exist"]),
    ({"RoleArn": "arn:aws:iam::999999999999:role/WorkMailExportRole"},
     ["999999999999", "does not exist"]),
    ({"KmsKeyArn": "disabled_key_arn"}, ["is Disabled", "must be Enabled"]),
    ({"KmsKeyArn": "pending_deletion_key_arn"}, ["is PendingDeletion", "must be Enabled"]),
    ({"KmsKeyArn": "asymmetric_key_arn"}, ["not a symmetric encryption key", "RSA_2048"]),
    ({"KmsKeyArn": "other_region_key_arn"},
     ["is in eu-west-1", "organization is in us-east-1"]),
    ({"KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"},
     ["does not exist"]),
    ({"S3BucketName": "public_bucket"},
     ["example-corp-public-share", "allows public access", "Block Public Access"]),
    ({"S3BucketName": "other_region_bucket"},
     ["example-corp-mail-export-eu", "is in eu-west-1", "organization is in us-east-1"]),
    ({"S3BucketName": "no-such-bucket-anywhere"}, ["no-such-bucket-anywhere", "does not exist"]),
]


@pytest.mark.parametrize(("changes", "words"), MISCONFIGURATIONS,
                         ids=[next(iter(c.values())) for c, _ in MISCONFIGURATIONS])
def test_each_misconfiguration_fails_with_a_meaningful_error(
        sim: SimulatedAws, workmail: Any, start_job: StartJob, changes: dict[str, str],
        words: list[str]) -> None:
    resolved = {k: getattr(sim.world, v, v) for k, v in changes.items()}

    def run() -> dict[str, Any]:
        job_id = start_job(**resolved)
        assert describe(sim, workmail, job_id)["State"] == "RUNNING"  # accepted first, like AWS
        return finished(sim, workmail, job_id)

    for job in under_each_reading(sim, run).values():
        assert job["State"] == "FAILED"
        assert job["EstimatedProgress"] == 0
        for word in words:
            assert word in job["ErrorInfo"]
        assert (job["EndTime"] - job["StartTime"]).total_seconds() < 30


def test_a_key_alias_arn_resolves_to_its_key(sim: SimulatedAws, workmail: Any,
                                             start_job: StartJob) -> None:
    alias = "arn:aws:kms:us-east-1:123456789012:alias/workmail-export"
    assert finished(sim, workmail, start_job(KmsKeyArn=alias))["State"] == "COMPLETED"


def test_changes_made_through_boto3_are_seen(sim: SimulatedAws, workmail: Any,
                                             start_job: StartJob) -> None:
    # moto 5.2.5 disable_key accepts only a bare key id (an ARN raises KeyError in moto)
    boto3.client("kms").disable_key(KeyId=sim.world.good_key_arn.split("/")[-1])
    job = finished(sim, workmail, start_job())
    assert job["State"] == "FAILED" and "Disabled" in job["ErrorInfo"]


def test_a_public_policy_is_harmless_while_block_public_access_is_on(
        sim: SimulatedAws, workmail: Any, start_job: StartJob) -> None:
    s3 = boto3.client("s3")
    bucket = sim.world.good_bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert finished(sim, workmail, start_job())["State"] == "COMPLETED"
    s3.delete_public_access_block(Bucket=bucket)
    job = finished(sim, workmail, start_job(EntityId=sim.world.user_ids[1]))
    assert job["State"] == "FAILED" and "public" in job["ErrorInfo"]


def test_a_bucket_policy_deny_for_the_role_fails_the_export(sim: SimulatedAws, workmail: Any,
                                                            start_job: StartJob) -> None:
    bucket = sim.world.good_bucket
    boto3.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": {"AWS": sim.world.good_role_arn},
            "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    job = finished(sim, workmail, start_job())
    assert job["State"] == "FAILED" and "s3:PutObject" in job["ErrorInfo"]


def test_a_role_with_a_broad_managed_policy_works(sim: SimulatedAws, workmail: Any,
                                                  start_job: StartJob) -> None:
    iam = boto3.client("iam")
    trust = iam.get_role(RoleName="WorkMailExportRole")["Role"]["AssumeRolePolicyDocument"]
    iam.create_role(RoleName="AdminExport", AssumeRolePolicyDocument=json.dumps(trust))
    policy = iam.create_policy(PolicyName="S3AndKmsEverything", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}]}))
    iam.attach_role_policy(RoleName="AdminExport", PolicyArn=policy["Policy"]["Arn"])
    role = "arn:aws:iam::123456789012:role/AdminExport"
    assert finished(sim, workmail, start_job(RoleArn=role))["State"] == "COMPLETED"


def test_a_key_policy_without_iam_delegation_blocks_the_role(sim: SimulatedAws, workmail: Any,
                                                             start_job: StartJob) -> None:
    boto3.client("kms").put_key_policy(
        KeyId=sim.world.good_key_arn, PolicyName="default", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/admin"},
                "Action": "kms:*", "Resource": "*"}]}))
    job = finished(sim, workmail, start_job())
    assert job["State"] == "FAILED" and "key policy" in job["ErrorInfo"]


def test_trust_bound_to_another_organization_fails(sim: SimulatedAws, workmail: Any,
                                                   start_job: StartJob) -> None:
    iam = boto3.client("iam")
    other_org = "arn:aws:workmail:us-east-1:123456789012:organization/m-" + "a" * 32
    iam.update_assume_role_policy(RoleName="WorkMailExportRole", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "export.workmail.amazonaws.com"},
            "Action": "sts:AssumeRole", "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": other_org}}}]}))
    job = finished(sim, workmail, start_job())
    assert job["State"] == "FAILED" and "cannot be assumed" in job["ErrorInfo"]


def test_error_info_stays_within_the_models_1024_characters(sim: SimulatedAws, workmail: Any,
                                                            start_job: StartJob) -> None:
    long_role = "arn:aws:iam::123456789012:role/" + "r" * 1000
    job = finished(sim, workmail, start_job(RoleArn=long_role))
    assert job["State"] == "FAILED"
    assert len(job["ErrorInfo"]) == 1024 and job["ErrorInfo"].startswith("Access denied: role")


def _default_encryption(bucket: str, key_arn: str, bucket_key: bool) -> None:
    boto3.client("s3").put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": key_arn},
                   "BucketKeyEnabled": bucket_key}]})


def test_a_bucket_key_makes_the_bucket_the_encryption_context(
        sim: SimulatedAws, workmail: Any, start_job: StartJob) -> None:
    """ASSUMPTION (S3 user guide; WorkMail's writer unverified): with a Bucket Key on by
    default, KMS sees the bucket's ARN, so a condition on bucket/prefix* refuses; the bucket's
    ARN allowed too, it works. Default encryption without a Bucket Key changes nothing."""
    world = sim.world
    _default_encryption(world.good_bucket, world.good_key_arn, bucket_key=False)
    assert finished(sim, workmail, start_job())["State"] == "COMPLETED"
    _default_encryption(world.good_bucket, world.good_key_arn, bucket_key=True)
    job = finished(sim, workmail, start_job(EntityId=world.user_ids[1]))
    assert job["State"] == "FAILED"
    assert f"encryption context arn:aws:s3:::{world.good_bucket} via" in job["ErrorInfo"]
    iam = boto3.client("iam")
    document = json.loads(json.dumps(iam.get_role_policy(
        RoleName="WorkMailExportRole", PolicyName="WorkMailExport")["PolicyDocument"]))
    document["Statement"][1]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] = [
        f"arn:aws:s3:::{world.good_bucket}/exports/*", f"arn:aws:s3:::{world.good_bucket}"]
    iam.put_role_policy(RoleName="WorkMailExportRole", PolicyName="WorkMailExport",
                        PolicyDocument=json.dumps(document))
    assert finished(sim, workmail, start_job(EntityId=world.user_ids[2]))["State"] == "COMPLETED"
