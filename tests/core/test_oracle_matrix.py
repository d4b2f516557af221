"""The oracle: what the checks say of a request, against what the simulator does with the job
run to its end, under every plausible reading of AWS where no public source says what it does
(tui.sim.assumptions; the table in ARCHITECTURE.md).

The checks (preflight and the 24-hour check, what `check` and `start` run) see one account;
they cannot know which reading is AWS's. The job then runs once under each reading. The verdict
must hold under all of them:
- an ERROR: the job fails, or its start is refused, whatever the reading;
- nothing but OK: the job completes whatever the reading;
- a job that fails under some reading had an ERROR, a WARNING or a could-not-check.
Each case below pins the worst level the checks give, and the cases reach every level.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from oracle_kit import deny, run_job

from tui.core import checks, recent
from tui.core.model import ConnectionSettings, ExportRequest, Finding, Level
from tui.core.session import Aws, connect
from tui.sim.assumptions import DEFAULT, variants
from tui.sim.world_policies import export_permissions, trust_current

ACCOUNT = "123456789012"
REGION = "us-east-1"
EXPORT_SERVICE = "export.workmail.amazonaws.com"
# The readings a job's outcome can depend on; how ListMailboxExportJobs is ordered and how a
# pattern is applied cannot change it for a request the checks let through.
READINGS = variants("object_key", "external_id", "window_states", "public_acl_refused",
                    "pattern_match", "bucket_key_followed")
WORST_FIRST = (Level.ERROR, Level.WARNING, Level.UNCHECKED, Level.OK)

pytestmark = pytest.mark.usefixtures("sim")


@pytest.fixture
def aws(sim: Any) -> Iterator[Aws]:
    yield connect(ConnectionSettings(region=REGION))


def demo_request(sim: Any, **changes: str) -> ExportRequest:
    w = sim.world
    return ExportRequest(organization_id=w.org_id, entity_id=w.enabled_user,
                         role_arn=w.good_role_arn, kms_key_arn=w.good_key_arn,
                         bucket=w.good_bucket, prefix=w.good_prefix).with_changes(**changes)


def findings_of(sim: Any, aws: Aws, request: ExportRequest) -> list[Finding]:
    """What `check` and `start` say before a submit: preflight and the 24-hour check."""
    now = sim.clock.now().timestamp()
    return [*checks.preflight(aws, request), *recent.check_recent_export(aws, request, now)]


def worst(findings: list[Finding]) -> Level:
    return next(level for level in WORST_FIRST if any(f.level is level for f in findings))


def outcomes(sim: Any, aws: Aws, request: ExportRequest,
             before_each: Callable[[Any, Aws], None] | None = None) -> dict[str, str]:
    """The job's final state under each reading (FAILED or REFUSED: it did not export)."""
    found = {}
    try:
        for name, assumptions in READINGS:
            sim.assumptions = assumptions
            if before_each is not None:
                before_each(sim, aws)
            found[name] = run_job(sim, aws, request)[0]
    finally:
        sim.assumptions = DEFAULT
    return found


def disagreement(findings: list[Finding], found: dict[str, str]) -> str:
    """Why the checks' verdict does not hold against the outcomes ('' when it does)."""
    level = worst(findings)
    exported = {name for name, state in found.items() if state == "COMPLETED"}
    if level is Level.ERROR and exported:
        return f"an ERROR, but the job completed under {sorted(exported)}"
    if level is Level.OK and exported != set(found):
        return f"all OK, but the job did not complete under {sorted(set(found) - exported)}"
    return ""


# --- the demo world: every role x key x bucket, and prefixes ---------------------------------


def test_the_demo_worlds_combinations_under_every_reading(aws: Aws, sim: Any) -> None:
    roles = ("good_role_arn", "legacy_role_arn", "untrusted_role_arn", "no_kms_role_arn",
             "wrong_prefix_role_arn")
    keys = ("good_key_arn", "disabled_key_arn", "asymmetric_key_arn",
            "pending_deletion_key_arn", "other_region_key_arn")
    buckets = ("good_bucket", "public_bucket", "other_region_bucket")
    w = sim.world
    combinations = [(r, k, b, w.good_prefix) for r, k, b in itertools.product(roles, keys, buckets)]
    combinations += [(r, "good_key_arn", "good_bucket", p)
                     for r in roles for p in ("other/", "exports", "exports/2027/")]
    table = []
    for role, key, bucket, prefix in combinations:
        request = demo_request(sim, role_arn=getattr(w, role), kms_key_arn=getattr(w, key),
                               bucket=getattr(w, bucket), prefix=prefix)
        findings = findings_of(sim, aws, request)
        found = outcomes(sim, aws, request)
        table.append((role, key, bucket, prefix, worst(findings).value, found,
                      disagreement(findings, found)))
    assert [row for row in table if row[-1]] == []
    assert len(table) == 90
    completed = {(r, k, b, p) for r, k, b, p, _, found, _ in table
                 if "COMPLETED" in found.values()}
    # The good role with exports/, exports and exports/2027/; the legacy role (if WorkMail
    # still sends sts:ExternalId) with the same; the other-prefix role with other/.
    assert completed == {
        (role, "good_key_arn", "good_bucket", prefix)
        for role in ("good_role_arn", "legacy_role_arn")
        for prefix in ("exports/", "exports", "exports/2027/")
    } | {("wrong_prefix_role_arn", "good_key_arn", "good_bucket", "other/")}
    levels = {(r, p): level for r, k, b, p, level, _, _ in table
              if (k, b) == ("good_key_arn", "good_bucket")}
    assert levels[("good_role_arn", "exports/")] == "ok"
    assert levels[("good_role_arn", "exports")] == "warning"  # is a / added? not documented
    assert levels[("legacy_role_arn", "exports/")] == "warning"  # is ExternalId sent?


# --- the hard cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A request built on a fresh bucket (and role, and key when asked) of its own."""

    level: Level  # the worst level the checks must give
    trust: list[dict[str, Any]] | None = None  # the role's trust statements (default: current)
    extra_permissions: list[dict[str, Any]] = field(default_factory=list)
    key_policy: list[dict[str, Any]] | None = None  # a key of its own with this policy
    bucket_policy: list[dict[str, Any]] = field(default_factory=list)
    bucket_acl: str = ""
    bucket_key: bool = False  # the bucket's default encryption: SSE-KMS with a Bucket Key
    changes: dict[str, str] = field(default_factory=dict)  # world handles or values
    checker_denied: tuple[str, str] | None = None  # (service, operation) the checks may not call
    before_each: Callable[[Any, Aws], None] | None = None


def _allow_service(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"Service": EXPORT_SERVICE},
                 "Action": "sts:AssumeRole"}
    return {**statement, "Condition": condition} if condition else statement


def _current(org_arn: str) -> dict[str, Any]:
    return trust_current(ACCOUNT, org_arn)["Statement"][0]


def _role_pattern(pattern: str) -> dict[str, Any]:
    return {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/{pattern}"}}


OTHER_ORG_ARN = f"arn:aws:workmail:{REGION}:{ACCOUNT}:organization/m-{'a' * 32}"
ORG_ARN_MARK = "THIS_ORG_ARN"  # replaced by the demo organization's ARN when the case is built
ROLE_ARN_MARK = "THIS_ROLE_ARN"  # replaced by the case's role's ARN
ROOT = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*", "Resource": "*"}


def _a_failed_export_an_hour_ago(sim: Any, aws: Aws) -> None:
    """The case's mailbox had an export that failed (a disabled key) an hour ago."""
    request = demo_request(sim, kms_key_arn=sim.world.disabled_key_arn)
    params = {**request.api_params(), "ClientToken": f"failed-{sim.clock.now().timestamp()}"}
    aws.client("workmail").start_mailbox_export_job(**params)
    sim.clock.advance(3600)


CASES: dict[str, Case] = {
    "trust naming another organization": Case(
        Level.ERROR, trust=[{**_current(OTHER_ORG_ARN)}]),
    "trust with a Deny for the export service": Case(
        Level.ERROR, trust=["current", {"Effect": "Deny", "Principal": {"Service": EXPORT_SERVICE},
                                        "Action": "sts:AssumeRole"}]),
    "trust with a Deny whose condition does not hold": Case(
        Level.OK, trust=["current", {"Effect": "Deny", "Principal": {"Service": EXPORT_SERVICE},
                                     "Action": "sts:AssumeRole", "Condition": {
                                         "StringNotEquals": {"aws:SourceAccount": ACCOUNT}}}]),
    "trust without conditions": Case(Level.WARNING, trust=[_allow_service()]),
    "trust naming every principal, with the current conditions": Case(
        Level.OK, trust=[{**_current(ORG_ARN_MARK), "Principal": {"AWS": "*"}}]),
    "trust with a condition the tool cannot evaluate": Case(
        Level.WARNING, trust=[_allow_service({
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})]),
    "trust needing sts:ExternalId besides aws:SourceAccount": Case(
        Level.WARNING, trust=[_allow_service({
            "StringEquals": {"aws:SourceAccount": ACCOUNT, "sts:ExternalId": ACCOUNT}})]),
    "permissions Deny on the bucket's objects": Case(
        Level.ERROR, extra_permissions=[{"Effect": "Deny", "Action": "s3:PutObject",
                                         "Resource": "arn:aws:s3:::BUCKET/*"}]),
    "permissions Deny on another folder of the bucket": Case(
        Level.OK, extra_permissions=[{"Effect": "Deny", "Action": "s3:PutObject",
                                      "Resource": "arn:aws:s3:::BUCKET/private/*"}]),
    "permissions Deny on the key": Case(
        Level.ERROR, extra_permissions=[{"Effect": "Deny", "Action": "kms:GenerateDataKey",
                                         "Resource": "*"}]),
    "permissions Deny under a condition the tool cannot evaluate": Case(
        Level.WARNING, extra_permissions=[{
            "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::BUCKET/*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]),
    "key policy naming every AWS principal with the role's pattern": Case(
        Level.OK, key_policy=[{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*",
                               "Resource": "*", "Condition": _role_pattern("Oracle*")}]),
    "key policy naming the role by pattern": Case(
        Level.OK, key_policy=[{"Effect": "Allow", "Principal": "*", "Action": "kms:*",
                               "Resource": "*", "Condition": _role_pattern("Oracle*")}]),
    "key policy whose pattern misses the role": Case(
        Level.ERROR, key_policy=[{"Effect": "Allow", "Principal": "*", "Action": "kms:*",
                                  "Resource": "*", "Condition": _role_pattern("Other*")}]),
    "key policy denying the role by pattern": Case(
        Level.ERROR, key_policy=[ROOT, {"Effect": "Deny", "Principal": "*",
                                        "Action": "kms:GenerateDataKey", "Resource": "*",
                                        "Condition": _role_pattern("Oracle*")}]),
    "key policy allowing under a condition the tool cannot evaluate": Case(
        Level.WARNING, key_policy=[{"Effect": "Allow", "Principal": "*", "Action": "kms:*",
                                    "Resource": "*", "Condition": {"DateGreaterThan": {
                                        "aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]),
    "key policy delegating to IAM beside such a condition": Case(
        Level.OK, key_policy=[ROOT, {"Effect": "Allow", "Principal": "*", "Action": "kms:*",
                                     "Resource": "*", "Condition": {"DateGreaterThan": {
                                         "aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]),
    "bucket policy denying under a condition the tool cannot evaluate": Case(
        Level.WARNING, bucket_policy=[{"Effect": "Deny", "Principal": "*",
                                       "Action": "s3:PutObject",
                                       "Resource": "arn:aws:s3:::BUCKET/*", "Condition": {
                                           "DateGreaterThan": {
                                               "aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]),
    "key policy denying the role by name": Case(
        Level.ERROR, key_policy=[ROOT, {"Effect": "Deny", "Principal": {"AWS": ROLE_ARN_MARK},
                                        "Action": "kms:GenerateDataKey", "Resource": "*"}]),
    "permissions allowing the role by its own ARN pattern": Case(
        Level.OK, extra_permissions=[{
            "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/"
                                                             "Oracle*"}}}]),
    "bucket policy denying the role by pattern": Case(
        Level.ERROR, bucket_policy=[{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                                     "Resource": "arn:aws:s3:::BUCKET/*",
                                     "Condition": _role_pattern("Oracle*")}]),
    "bucket policy Deny whose pattern misses the role": Case(
        Level.OK, bucket_policy=[{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                                  "Resource": "arn:aws:s3:::BUCKET/*",
                                  "Condition": _role_pattern("Other*")}]),
    "bucket whose ACL is public": Case(Level.WARNING, bucket_acl="public-read"),
    "bucket whose ACL lets every AWS account read": Case(
        Level.WARNING, bucket_acl="authenticated-read"),
    "prefix without a trailing slash": Case(Level.WARNING, changes={"prefix": "exports"}),
    "bucket with an S3 Bucket Key, the guide's role": Case(Level.WARNING, bucket_key=True),
    "bucket with an S3 Bucket Key, a role allowing the bucket's ARN too": Case(
        Level.OK, bucket_key=True, extra_permissions=[{
            "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*", "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com",
                                 "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::BUCKET"}}}]),
    "disabled mailbox": Case(Level.WARNING, changes={"entity_id": "disabled_user"}),
    "deleted mailbox": Case(Level.ERROR, changes={"entity_id": "deleted_user"}),
    "inactive organization": Case(Level.ERROR, changes={"organization_id": "inactive_org_id"}),
    "mailbox whose last export failed an hour ago": Case(
        Level.WARNING, before_each=_a_failed_export_an_hour_ago),
    "role the checks may not read (the job works)": Case(
        Level.UNCHECKED, checker_denied=("iam", "GetRole")),
    "role the checks may not read (the job fails)": Case(
        Level.UNCHECKED, trust=[_allow_service({"StringEquals": {"aws:SourceAccount": "1" * 12}})],
        checker_denied=("iam", "GetRole")),
}


def _build(sim: Any, aws: Aws, name: str, case: Case) -> ExportRequest:
    """The case's own role (Oracle<n>), bucket (oracle-<n>) and, if asked, key."""
    number = list(CASES).index(name)
    bucket, role = f"oracle-case-{number}", f"OracleCase{number}"
    org_arn = sim.workmail.directory.org(sim.world.org_id).arn
    s3, iam, kms = aws.client("s3"), aws.client("iam"), aws.client("kms")
    s3.create_bucket(Bucket=bucket)
    if not case.bucket_acl:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            name: True for name in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                    "RestrictPublicBuckets")})
    else:
        s3.put_bucket_acl(Bucket=bucket, ACL=case.bucket_acl)
    if case.bucket_policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=_document(case.bucket_policy, bucket))
    key_arn = sim.world.good_key_arn
    if case.key_policy is not None:
        key_arn = kms.create_key(KeyUsage="ENCRYPT_DECRYPT", Policy=_document(
            case.key_policy, bucket))["KeyMetadata"]["Arn"]
    if case.bucket_key:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                   "KMSMasterKeyID": key_arn},
            "BucketKeyEnabled": True}]})
    trust = [_current(org_arn) if s == "current" else s for s in case.trust or ["current"]]
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=_document(trust, bucket).replace(
        ORG_ARN_MARK, org_arn))
    permissions = export_permissions(bucket, key_arn, "exports/", REGION)
    permissions["Statement"] += json.loads(_document(case.extra_permissions, bucket))["Statement"]
    iam.put_role_policy(RoleName=role, PolicyName="Export", PolicyDocument=json.dumps(permissions))
    changes = {k: getattr(sim.world, v, v) for k, v in case.changes.items()}
    return demo_request(sim, role_arn=f"arn:aws:iam::{ACCOUNT}:role/{role}", kms_key_arn=key_arn,
                        bucket=bucket, **changes)


def _document(statements: list[Any], bucket: str) -> str:
    role = f"arn:aws:iam::{ACCOUNT}:role/OracleCase{bucket.rsplit('-', 1)[1]}"
    return json.dumps({"Version": "2012-10-17", "Statement": statements}).replace(
        "BUCKET", bucket).replace(ROLE_ARN_MARK, role)


@pytest.mark.parametrize("name", list(CASES))
def test_hard_case_under_every_reading(aws: Aws, sim: Any, name: str) -> None:
    case = CASES[name]
    request = _build(sim, aws, name, case)
    checker = connect(ConnectionSettings(region=REGION))
    if case.checker_denied:
        deny(checker, *case.checker_denied)
    if case.before_each is not None:
        case.before_each(sim, aws)
    findings = findings_of(sim, checker, request)
    sim.clock.advance(24 * 3600)  # the failed export above, out of the way of the next one
    found = outcomes(sim, aws, request, case.before_each)
    assert worst(findings) is case.level, [(f.level.value, f.message) for f in findings]
    assert disagreement(findings, found) == "", (found, [f.message for f in findings])
    if case.level is not Level.OK:
        assert next(f for f in findings if f.level is case.level).fix


def test_the_hard_cases_reach_every_level_the_checks_can_give() -> None:
    """Each case above runs its job to the end under every reading."""
    assert {case.level for case in CASES.values()} == set(Level)
