"""Preflight checks against the simulated demo world.

Every misconfiguration the demo world seeds is caught by the right check at the right level;
the fix hints' policy JSON, applied to a fresh role, makes the checks and a real job pass; an
access denial is "could not check", never an error. The oracle (what preflight says against
what the simulator does with the job, under every shared assumption) is test_oracle_matrix.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from oracle_kit import deny, run_job

from tui.core import checks, fields, policies
from tui.core.model import ConnectionSettings, ExportRequest, Field, Finding, Level
from tui.core.session import Aws, connect

pytestmark = pytest.mark.usefixtures("sim")


@pytest.fixture
def aws(sim: Any) -> Iterator[Aws]:
    yield connect(ConnectionSettings(region=sim.world.region))


def good_request(sim: Any, **changes: str) -> ExportRequest:
    world = sim.world
    request = ExportRequest(
        organization_id=world.org_id, entity_id=world.enabled_user,
        role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn, bucket=world.good_bucket,
        prefix=world.good_prefix, description="preflight test")
    return replace(request, **changes)


def of(findings: list[Finding], field: Field) -> list[Finding]:
    return [f for f in findings if f.field is field]


def error_fields(findings: list[Finding]) -> set[Field]:
    return {f.field for f in findings if f.level is Level.ERROR}


# --- the good path ---------------------------------------------------------------------------


def test_good_combination_gives_only_ok_findings_in_field_order(aws: Aws, sim: Any) -> None:
    findings = checks.preflight(aws, good_request(sim))
    assert [f.level for f in findings] == [Level.OK] * len(findings)
    assert [f.field for f in findings] == [Field.ORGANIZATION, Field.ENTITY, Field.ROLE,
                                           Field.ROLE, Field.KMS_KEY, Field.KMS_KEY,
                                           Field.BUCKET, Field.PREFIX]
    assert "exports/" in of(findings, Field.PREFIX)[0].message


def test_legacy_external_id_role_is_a_warning_with_the_current_trust(aws: Aws, sim: Any) -> None:
    """Whether WorkMail still sends sts:ExternalId is not documented: such a trust may work."""
    findings = checks.check_role(aws, good_request(sim, role_arn=sim.world.legacy_role_arn))
    assert [f.level for f in findings] == [Level.WARNING, Level.OK]
    assert "depending on sts:ExternalId" in findings[0].message
    current = json.loads(findings[0].policy)["Statement"][0]["Condition"]
    assert set(current) == {"StringEquals", "ArnLike"}


def test_key_given_by_alias_arn_is_resolved(aws: Aws, sim: Any) -> None:
    alias = f"arn:aws:kms:us-east-1:{sim.world.account}:alias/workmail-export"
    request = good_request(sim, kms_key_arn=alias)
    assert {f.level for f in checks.preflight(aws, request)} == {Level.OK}
    assert run_job(sim, aws, request) == ("COMPLETED", "")


# --- each misconfiguration of the demo world ----------------------------------------------------

MISCONFIGURATIONS = {
    # name: (field to change, world handle of the bad value, field at fault, level, words)
    "untrusted role": ("role_arn", "untrusted_role_arn", Field.ROLE, Level.ERROR,
                       "does not let export.workmail.amazonaws.com assume it"),
    "no-KMS role": ("role_arn", "no_kms_role_arn", Field.ROLE, Level.ERROR,
                    "kms:Decrypt, kms:GenerateDataKey on arn:aws:kms:"),
    "wrong-prefix role": ("role_arn", "wrong_prefix_role_arn", Field.PREFIX, Level.ERROR,
                          "only under 'other/'"),
    "disabled key": ("kms_key_arn", "disabled_key_arn", Field.KMS_KEY, Level.ERROR,
                     "It is Disabled"),
    "asymmetric key": ("kms_key_arn", "asymmetric_key_arn", Field.KMS_KEY, Level.ERROR,
                       "asymmetric"),
    "pending-deletion key": ("kms_key_arn", "pending_deletion_key_arn", Field.KMS_KEY,
                             Level.ERROR, "PendingDeletion"),
    "other-region key": ("kms_key_arn", "other_region_key_arn", Field.KMS_KEY, Level.ERROR,
                         "is in eu-west-1, the organization in us-east-1"),
    "public bucket": ("bucket", "public_bucket", Field.BUCKET, Level.ERROR, "is public"),
    "other-region bucket": ("bucket", "other_region_bucket", Field.BUCKET, Level.ERROR,
                            "is in eu-west-1, the organization in us-east-1"),
    "inactive organization": ("organization_id", "inactive_org_id", Field.ORGANIZATION,
                              Level.ERROR, "is Inactive"),
    "group": ("entity_id", "group_id", Field.ENTITY, Level.ERROR, "is a group"),
    "deleted user": ("entity_id", "deleted_user", Field.ENTITY, Level.ERROR, "is deleted"),
    "disabled user": ("entity_id", "disabled_user", Field.ENTITY, Level.WARNING, "is disabled"),
}
# Swapping the key or bucket also leaves the role's policy (made for the good ones) wrong; the
# good role's trust names the active org, and its user is not in the inactive one: those
# errors are right too.
ALSO_WRONG = {Field.KMS_KEY: {Field.ROLE}, Field.BUCKET: {Field.ROLE},
              Field.ORGANIZATION: {Field.ENTITY, Field.ROLE}}


@pytest.mark.parametrize("name", list(MISCONFIGURATIONS))
def test_each_misconfiguration_is_caught_by_its_check(aws: Aws, sim: Any, name: str) -> None:
    attribute, handle, field, level, words = MISCONFIGURATIONS[name]
    request = good_request(sim, **{attribute: getattr(sim.world, handle)})
    findings = checks.preflight(aws, request)
    caught = [f for f in of(findings, field) if f.level is level]
    assert caught and words in caught[0].message, [f.message for f in of(findings, field)]
    assert caught[0].fix
    expected_errors = {field} if level is Level.ERROR else set()
    assert error_fields(findings) - ALSO_WRONG.get(field, set()) == expected_errors


def test_role_failures_carry_the_policy_to_add(aws: Aws, sim: Any) -> None:
    """The fixes add: the trust policy comes whole with WorkMail's statement merged in (the
    EC2 statement kept), the permissions as a new inline policy of their own name holding
    only what the role lacks (the KMS statement) - never the name of an existing policy."""
    world = sim.world
    untrusted = checks.check_role(aws, good_request(sim, role_arn=world.untrusted_role_arn))
    trust = json.loads(untrusted[0].policy)
    ec2, workmail = trust["Statement"]
    assert ec2 == {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}
    assert workmail["Condition"]["ArnLike"]["aws:SourceArn"].endswith(world.org_id)
    no_kms = checks.check_role(aws, good_request(sim, role_arn=world.no_kms_role_arn))
    permissions = json.loads(no_kms[1].policy)
    (kms,) = permissions["Statement"]
    assert kms["Resource"] == world.good_key_arn
    assert kms["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{world.good_bucket}/exports/*"}
    assert f"--policy-name workmail-export-{world.good_bucket} " in no_kms[1].fix
    assert "--policy-name WorkMailExport " not in no_kms[1].fix
    wrong = checks.check_prefix(aws, good_request(sim, role_arn=world.wrong_prefix_role_arn))
    assert json.loads(wrong[0].policy) == permissions


def test_source_arn_naming_another_org_is_an_error(aws: Aws, sim: Any) -> None:
    world = sim.world
    iam = aws.client("iam")
    iam.create_role(RoleName="OtherOrgExport", AssumeRolePolicyDocument=policies.trust_policy_json(
        world.account, world.region, world.inactive_org_id))
    arn = f"arn:aws:iam::{world.account}:role/OtherOrgExport"
    (trust, _) = checks.check_role(aws, good_request(sim, role_arn=arn))
    assert trust.level is Level.ERROR
    assert world.inactive_org_id in trust.message and world.org_id in trust.message
    assert run_job(sim, aws, good_request(sim, role_arn=arn))[0] == "FAILED"


def test_field_rules_come_from_fields(aws: Aws, sim: Any) -> None:
    (prefix,) = checks.check_prefix(aws, good_request(sim, prefix="exports/jane@corp/"))
    assert prefix.level is Level.ERROR
    assert prefix.message == fields.check_field(Field.PREFIX, "exports/jane@corp/")
    findings = checks.preflight(aws, good_request(sim, organization_id="m-123"))
    assert of(findings, Field.ORGANIZATION)[0].level is Level.ERROR
    assert of(findings, Field.ENTITY)[0].level is Level.UNCHECKED


def test_missing_things_are_errors(aws: Aws, sim: Any) -> None:
    findings = checks.preflight(aws, good_request(
        sim, organization_id="m-" + "0" * 32,
        role_arn=f"arn:aws:iam::{sim.world.account}:role/NoSuchRole",
        kms_key_arn=f"arn:aws:kms:us-east-1:{sim.world.account}:key/"
                    "00000000-0000-0000-0000-000000000000",
        bucket="no-such-bucket-here"))
    levels = {f.field: (f.level, f.message) for f in findings}
    assert levels[Field.ORGANIZATION][0] is Level.ERROR
    assert levels[Field.ROLE] == (Level.ERROR, "There is no role NoSuchRole in this account.")
    assert levels[Field.KMS_KEY][0] is Level.ERROR
    assert levels[Field.BUCKET] == (Level.ERROR, "There is no bucket no-such-bucket-here.")
    assert json.loads(of(findings, Field.ROLE)[0].policy)["Statement"][0]["Principal"] == {
        "Service": "export.workmail.amazonaws.com"}


def test_a_missing_bucket_s3_would_not_create_gets_no_advice_to_create_it(
        aws: Aws, sim: Any) -> None:
    (finding,) = checks.check_bucket(aws, good_request(sim, bucket="Example-Corp-Exports"))
    assert (finding.level, finding.message) == (
        Level.ERROR, "There is no bucket Example-Corp-Exports, and none can be created by that "
        "name: S3 creates no new bucket with uppercase letters (only buckets made in us-east-1 "
        "before March 2018 have them).")
    assert "create-bucket" not in finding.fix
    (reserved,) = checks.check_bucket(aws, good_request(sim, bucket="xn--exports"))
    assert reserved.level is Level.ERROR and "create" not in reserved.fix
    assert reserved.message.startswith("S3 reserves names starting with xn--")


@pytest.mark.parametrize(("prefix", "why", "meant"), [
    ("/exports/", "starts with /, so the export lands in a folder with no name at the top of "
     "the bucket", "exports/"),
    ("exports//alice/", "has // in it, so the export lands under a folder with no name",
     "exports/alice/"),
])
def test_a_prefix_with_odd_slashes_is_a_warning_offering_the_plain_one(
        aws: Aws, sim: Any, prefix: str, why: str, meant: str) -> None:
    findings = checks.check_prefix(aws, good_request(sim, prefix=prefix))
    bucket = sim.world.good_bucket
    assert findings[0] == Finding(Field.PREFIX, Level.WARNING,
                                  f"The prefix '{prefix}' {why} (s3://{bucket}/{prefix}…).",
                                  fix=f"Use the prefix '{meant}'.")
    assert len(findings) == 2  # and what the role says of the prefix as given
    assert checks.check_prefix(aws, good_request(sim, prefix=meant))[0].level is Level.OK


def test_bucket_without_block_public_access_is_a_warning(aws: Aws, sim: Any) -> None:
    aws.client("s3").create_bucket(Bucket="example-corp-open-settings")
    (finding,) = checks.check_bucket(aws, good_request(sim, bucket="example-corp-open-settings"))
    assert finding.level is Level.WARNING
    assert "no Block Public Access" in finding.message
    assert json.loads(finding.policy)["RestrictPublicBuckets"] is True


@pytest.mark.parametrize("acl", ["public-read", "authenticated-read"])
def test_a_public_acl_is_a_warning_since_whether_workmail_refuses_it_is_unknown(
        aws: Aws, sim: Any, acl: str) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="example-corp-acl-open")
    s3.put_bucket_acl(Bucket="example-corp-acl-open", ACL=acl)
    acl_finding, settings = checks.check_bucket(aws, good_request(
        sim, bucket="example-corp-acl-open"))
    assert acl_finding.level is Level.WARNING
    assert "is public: its ACL grants access to everyone, so anyone may read the exports" in \
        acl_finding.message
    assert "put-public-access-block" in acl_finding.fix
    assert (settings.level, "no Block Public Access" in settings.message) == (Level.WARNING, True)


def test_key_policy_that_leaves_out_the_role_is_an_error_until_its_hint_is_added(
        aws: Aws, sim: Any) -> None:
    kms, account = aws.client("kms"), sim.world.account
    admin_only = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/admin"},
        "Action": "kms:*", "Resource": "*"}]}
    key = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", Policy=json.dumps(admin_only))
    arn = key["KeyMetadata"]["Arn"]
    iam = aws.client("iam")
    request = good_request(sim, kms_key_arn=arn)
    iam.put_role_policy(RoleName="WorkMailExportRole",
                        PolicyName=f"workmail-export-{sim.world.good_bucket}",
                        PolicyDocument=checks.check_role(aws, request)[1].policy)
    findings = checks.check_key(aws, request)
    assert [f.level for f in findings] == [Level.OK, Level.ERROR]
    assert "neither lets the role WorkMailExportRole use the key" in findings[1].message
    assert run_job(sim, aws, request)[0] == "FAILED"

    whole = json.loads(findings[1].policy)  # the whole key policy, the admin's statement kept
    assert whole["Statement"][0] == admin_only["Statement"][0]
    assert len(whole["Statement"]) == 2
    kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=findings[1].policy)
    assert [f.level for f in checks.check_key(aws, request)] == [Level.OK, Level.OK]
    assert run_job(sim, aws, request) == ("COMPLETED", "")


def test_bucket_policy_denying_the_role_is_an_error(aws: Aws, sim: Any) -> None:
    world = sim.world
    deny_role = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"AWS": world.good_role_arn}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{world.good_bucket}/exports/*"}]}
    aws.client("s3").put_bucket_policy(Bucket=world.good_bucket, Policy=json.dumps(deny_role))
    (finding,) = checks.check_bucket(aws, good_request(sim))
    assert finding.level is Level.ERROR
    assert "denies the role WorkMailExportRole: s3:PutObject on" in finding.message
    assert run_job(sim, aws, good_request(sim))[0] == "FAILED"
    assert checks.check_bucket(aws, good_request(sim, prefix="archive/"))[0].level is Level.OK


def _bucket_with_public_policy(aws: Aws, name: str, block: dict[str, bool]) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*"}]}))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)


def test_public_policy_stays_public_under_block_public_policy(aws: Aws, sim: Any) -> None:
    """S3: BlockPublicPolicy refuses new public policies and leaves an existing one in force;
    the simulator agrees and fails the job."""
    _bucket_with_public_policy(aws, "example-corp-late-block", {"BlockPublicPolicy": True})
    request = good_request(sim, bucket="example-corp-late-block")
    findings = checks.check_bucket(aws, request)
    assert findings[0].level is Level.ERROR and "is public" in findings[0].message
    state, error = run_job(sim, aws, request)
    assert state == "FAILED" and "public" in error


def test_public_policy_under_restrict_public_buckets_is_a_warning(aws: Aws, sim: Any) -> None:
    _bucket_with_public_policy(aws, "example-corp-restricted", {"RestrictPublicBuckets": True})
    findings = checks.check_bucket(aws, good_request(sim, bucket="example-corp-restricted"))
    assert [f.level for f in findings] == [Level.WARNING, Level.WARNING]
    assert "RestrictPublicBuckets setting overrides" in findings[0].message


# --- round trip: the fix hints make a fresh role work ----------------------------------------


def test_policy_hints_applied_to_a_fresh_role_make_the_checks_and_the_job_pass(
        aws: Aws, sim: Any) -> None:
    iam = aws.client("iam")
    iam.create_role(RoleName="FreshExport", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    request = good_request(sim, role_arn=f"arn:aws:iam::{sim.world.account}:role/FreshExport",
                           prefix="mail/2027/")
    trust, permissions = checks.check_role(aws, request)
    assert (trust.level, permissions.level) == (Level.ERROR, Level.ERROR)

    iam.update_assume_role_policy(RoleName="FreshExport", PolicyDocument=trust.policy)
    iam.put_role_policy(RoleName="FreshExport", PolicyName="WorkMailExport",
                        PolicyDocument=permissions.policy)

    findings = checks.preflight(aws, request)
    assert {f.level for f in findings} == {Level.OK}
    assert run_job(sim, aws, request) == ("COMPLETED", "")


def test_prefix_hint_as_managed_policy_is_read_too(aws: Aws, sim: Any) -> None:
    request = good_request(sim, role_arn=sim.world.wrong_prefix_role_arn)
    (finding,) = checks.check_prefix(aws, request)
    iam = aws.client("iam")
    arn = iam.create_policy(PolicyName="ExportsPrefix",
                            PolicyDocument=finding.policy)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="WorkMailExportOtherPrefix", PolicyArn=arn)
    assert checks.check_prefix(aws, request)[0].level is Level.OK
    assert run_job(sim, aws, request)[0] == "COMPLETED"


# --- could not check ---------------------------------------------------------------------------


def test_access_denied_on_get_role_is_could_not_check(aws: Aws, sim: Any) -> None:
    deny(aws, "iam", "GetRole")
    findings = checks.preflight(aws, good_request(sim))
    role = of(findings, Field.ROLE)
    assert [(f.level, f.message) for f in role] == [
        (Level.UNCHECKED, "could not check: missing iam:GetRole")]
    assert "iam:GetRole" in role[0].fix
    assert of(findings, Field.PREFIX)[0].level is Level.UNCHECKED
    assert not error_fields(findings)


# The finding names the IAM action to grant, which for some S3 operations has another name.
IAM_ACTION = {"s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock"}


@pytest.mark.parametrize(("service", "operation", "field"), [
    ("iam", "ListRolePolicies", Field.ROLE),
    ("kms", "DescribeKey", Field.KMS_KEY),
    ("kms", "GetKeyPolicy", Field.KMS_KEY),
    ("s3", "GetBucketPolicy", Field.BUCKET),
    ("s3", "GetBucketLocation", Field.BUCKET),
    ("s3", "GetPublicAccessBlock", Field.BUCKET),
    ("workmail", "DescribeOrganization", Field.ORGANIZATION),
])
def test_every_denied_lookup_is_could_not_check(aws: Aws, sim: Any, service: str,
                                                operation: str, field: Field) -> None:
    deny(aws, service, operation)
    findings = checks.preflight(aws, good_request(sim))
    action = IAM_ACTION.get(f"{service}:{operation}", f"{service}:{operation}")
    assert "could not check" in " ".join(f.message for f in of(findings, field))
    assert f"missing {action}" in " ".join(f.message for f in of(findings, field))
    assert not error_fields(findings)


def test_preflight_reads_the_role_once_for_the_role_and_prefix_checks(aws: Aws, sim: Any) -> None:
    sent: list[str] = []
    aws.client("iam").meta.events.register(
        "before-call.iam", lambda model, **_: sent.append(model.name))
    findings = checks.preflight(aws, good_request(sim))
    assert {f.level for f in findings} == {Level.OK}
    assert sent.count("GetRole") == 1
    assert sent.count("ListRolePolicies") == 1
    assert any(f.field is Field.PREFIX and "which the role" in f.message for f in findings)


def test_a_role_of_another_account_is_an_error(aws: Aws, sim: Any) -> None:
    """GetRole takes a name: the account's own role of that name must not pass for it."""
    other = sim.world.good_role_arn.replace(sim.world.account, "999988887777")
    (finding,) = checks.check_role(aws, good_request(sim, role_arn=other))
    assert finding.level is Level.ERROR
    assert finding.message == (f"The role WorkMailExportRole has the ARN "
                               f"{sim.world.good_role_arn}, not {other}.")
    assert run_job(sim, aws, good_request(sim, role_arn=other))[0] == "FAILED"
# --- one verdict for role and prefix; fixes that add, never at a public bucket ----------------


def test_role_and_prefix_give_one_verdict_on_a_bucket_the_role_may_not_write(
        aws: Aws, sim: Any) -> None:
    """The role's policy names the good bucket only: the role check refuses the public
    bucket, and the prefix check does not also say the role allows it there."""
    request = good_request(sim, bucket=sim.world.public_bucket)
    findings = checks.preflight(aws, request)
    (_, permissions) = of(findings, Field.ROLE)
    (prefix,) = of(findings, Field.PREFIX)
    assert permissions.level is Level.ERROR and "s3:PutObject" in permissions.message
    assert "allows" not in prefix.message
    assert prefix.level is Level.WARNING and "may not export there" in prefix.message


def test_no_policy_is_offered_for_a_public_bucket(aws: Aws, sim: Any) -> None:
    (_, permissions) = checks.check_role(aws, good_request(sim, bucket=sim.world.public_bucket))
    assert permissions.policy == ""
    assert "is public" in permissions.fix and "put-role-policy" not in permissions.fix


def test_a_fix_merges_into_a_policy_of_its_name_and_shows_it_whole(aws: Aws, sim: Any) -> None:
    """When the role already has a policy named workmail-export-<bucket>, the fix is that
    policy's document with the missing statement added: nothing in it is lost."""
    world = sim.world
    name = f"workmail-export-{world.good_bucket}"
    mine = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{world.good_bucket}/*"}]}
    aws.client("iam").put_role_policy(RoleName="WorkMailExportNoKms", PolicyName=name,
                                      PolicyDocument=json.dumps(mine))
    (_, permissions) = checks.check_role(aws, good_request(sim, role_arn=world.no_kms_role_arn))
    whole = json.loads(permissions.policy)
    assert whole["Statement"][0] == mine["Statement"][0]
    assert whole["Statement"][1]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert f"--policy-name {name} " in permissions.fix
