"""Would AWS manage this export? The simulator's answer, read from moto's IAM/KMS/S3 state.

This is the test oracle for the product's preflight checks, so it is written independently of
tui.core. `oracle_export_verdict` returns None when the export would work, or the ErrorInfo
sentence the failed job carries. The wording of ErrorInfo is an ASSUMPTION (unverified): AWS
does not document the messages; these name the thing at fault and what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .assumptions import DEFAULT, EXTERNAL_ID_ACCOUNT, Assumptions
from .policy_eval import Request, decide, parse_policy

EXPORT_SERVICE = "export.workmail.amazonaws.com"
SYMMETRIC = ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
S3_ACTIONS_ON_OBJECT = ("s3:PutObject", "s3:AbortMultipartUpload")
S3_ACTIONS_ON_BUCKET = ("s3:GetBucketPolicyStatus",)
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
# S3's meaning of a public ACL: it grants anything to one of these groups ("The meaning of
# public", S3 user guide).
PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


@dataclass(frozen=True)
class ExportCheck:
    """Everything the service would use to carry out one export."""

    account: str
    org_region: str
    org_arn: str
    role_arn: str
    kms_key_arn: str
    bucket: str
    prefix: str
    object_key: str
    assumptions: Assumptions = DEFAULT

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}"

    @property
    def object_arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.object_key}"


def _arn_parts(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    return parts + [""] * (6 - len(parts))


def _role(check: ExportCheck) -> Any | None:
    from moto.iam.models import iam_backends

    account = _arn_parts(check.role_arn)[4]
    if account != check.account:
        return None
    try:
        return iam_backends[account]["aws"].get_role_by_arn(check.role_arn)
    except Exception:  # moto's NotFoundException
        return None


def _role_statements(role: Any) -> list[dict[str, Any]]:
    statements = []
    for document in role.policies.values():
        statements += parse_policy(document)
    for managed in role.managed_policies.values():
        for version in managed.versions:
            if version.is_default:
                statements += parse_policy(version.document)
    return statements


def _key(check: ExportCheck) -> Any | None:
    from moto.kms.models import kms_backends

    _, _, _, region, account, _ = _arn_parts(check.kms_key_arn)
    if account != check.account:
        return None
    try:
        backend = kms_backends[account][region]
        return backend.keys[backend.any_id_to_key_id(check.kms_key_arn)]
    except Exception:  # unknown Region, key or alias
        return None


def _bucket(check: ExportCheck) -> Any | None:
    from moto.s3.models import s3_backends

    return s3_backends[check.account]["aws"].buckets.get(check.bucket)


def acl_is_public(acl: Any) -> bool:
    """Whether an ACL grants any permission to everyone or to every AWS account."""
    return any(grantee.uri in PUBLIC_GROUPS
               for grant in (acl.grants if acl is not None else [])
               for grantee in grant.grantees)


def bucket_is_public(bucket: Any, acl_counts: bool = True) -> bool:
    """Public when Block Public Access does not stop it and the policy (or, when `acl_counts`,
    the ACL) grants everyone.

    BlockPublicPolicy only refuses new public policies; an existing one stays in force unless
    RestrictPublicBuckets is on (S3 user guide, "Blocking public access").
    """
    block = bucket.public_access_block
    policy_blocked = bool(block and block.restrict_public_buckets)
    acl_blocked = bool(block and block.ignore_public_acls)
    if not policy_blocked:
        for statement in parse_policy(bucket.policy):
            principal = statement.get("Principal")
            everyone = principal == "*" or (isinstance(principal, dict)
                                            and principal.get("AWS") in ("*", ["*"]))
            if statement.get("Effect") == "Allow" and everyone and not statement.get("Condition"):
                return True
    return acl_counts and not acl_blocked and acl_is_public(bucket.acl)


@dataclass(frozen=True)
class _Found:
    """The moto objects an export names (None: not there), looked up once per evaluation."""

    role: Any | None
    key: Any | None
    bucket: Any | None


def _check_role_trust(check: ExportCheck, found: _Found) -> str | None:
    role = found.role
    if role is None:
        return (f"Access denied: role {check.role_arn} does not exist in account "
                f"{check.account}, so {EXPORT_SERVICE} cannot assume it.")
    # The export service supplies aws:SourceAccount and aws:SourceArn (the current guide);
    # whether it still sends sts:ExternalId = the account id (what the older guide's trust
    # tests) is Assumptions.external_id.
    context = {"aws:SourceAccount": check.account, "aws:SourceArn": check.org_arn}
    if check.assumptions.external_id == EXTERNAL_ID_ACCOUNT:
        context["sts:ExternalId"] = check.account
    trust = parse_policy(role.assume_role_policy_document)
    request = Request("sts:AssumeRole", principal_service=EXPORT_SERVICE, context=context)
    if decide(trust, request) != "Allow":
        return (f"Access denied: role {check.role_arn} cannot be assumed by {EXPORT_SERVICE} "
                f"for organization {check.org_arn}; its trust policy must allow that service "
                f"with aws:SourceAccount {check.account}.")
    return None


def _check_bucket(check: ExportCheck, found: _Found) -> str | None:
    bucket = found.bucket
    if bucket is None:
        return f"S3 bucket {check.bucket} does not exist in account {check.account}."
    if bucket.region_name != check.org_region:
        return (f"S3 bucket {check.bucket} is in {bucket.region_name}, but the organization is "
                f"in {check.org_region}; the bucket must be in the organization's Region.")
    if bucket_is_public(bucket, acl_counts=check.assumptions.public_acl_refused):
        return (f"S3 bucket {check.bucket} allows public access; WorkMail exports only to a "
                "bucket that is not public. Turn on Block Public Access for it.")
    return None


def _check_key(check: ExportCheck, found: _Found) -> str | None:
    region = _arn_parts(check.kms_key_arn)[3]
    if region != check.org_region:
        return (f"KMS key {check.kms_key_arn} is in {region}, but the organization is in "
                f"{check.org_region}; the key must be in the organization's Region.")
    key = found.key
    if key is None:
        return f"KMS key {check.kms_key_arn} does not exist in account {check.account}."
    if key.key_state != "Enabled":
        return f"KMS key {check.kms_key_arn} is {key.key_state}; the key must be Enabled."
    if (key.key_spec, key.key_usage) != SYMMETRIC:
        return (f"KMS key {check.kms_key_arn} is not a symmetric encryption key (KeySpec "
                f"{key.key_spec}, KeyUsage {key.key_usage}); use a SYMMETRIC_DEFAULT key "
                "for ENCRYPT_DECRYPT.")
    return None


def _without_conditions(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in s.items() if k != "Condition"} for s in statements]


def _check_s3_permissions(check: ExportCheck, found: _Found) -> str | None:
    if found.role is None or found.bucket is None:
        return None  # already reported by the checks before
    statements = _role_statements(found.role)
    bucket_statements = parse_policy(found.bucket.policy)
    wanted = [(a, check.object_arn) for a in S3_ACTIONS_ON_OBJECT]
    wanted += [(a, check.bucket_arn) for a in S3_ACTIONS_ON_BUCKET]
    for action, resource in wanted:
        identity = decide(statements, Request(action, resource, context=_principal_context(check)))
        by_bucket = decide(bucket_statements,
                           Request(action, resource, principal_arns=(check.role_arn,),
                                   context=_principal_context(check)))
        if identity != "Allow" or by_bucket == "Deny":
            return (f"Access denied: role {check.role_arn} is not allowed {action} on "
                    f"{resource}.")
    return None


def _principal_context(check: ExportCheck) -> dict[str, str]:
    """What every request of the role carries about its caller (global condition keys; a key
    or bucket policy names a role with a wildcard only this way: Principal "*" and
    aws:PrincipalArn ArnLike a pattern)."""
    return {"aws:PrincipalArn": check.role_arn, "aws:PrincipalAccount": check.account}
def uses_bucket_key(bucket: Any) -> bool:
    """Whether the bucket's default encryption is SSE-KMS with an S3 Bucket Key."""
    rules = (bucket.encryption or {}).get("Rule") or []
    for rule in rules if isinstance(rules, list) else [rules]:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        enabled = str(rule.get("BucketKeyEnabled", "false")).lower() == "true"
        if enabled and str(default.get("SSEAlgorithm", "")).startswith("aws:kms"):
            return True
    return False


def encryption_context(check: ExportCheck, bucket: Any | None) -> str:
    """The kms:EncryptionContext:aws:s3:arn S3 sends KMS for the export object.

    With an S3 Bucket Key it is the bucket's ARN, not the object's (S3 user guide, "Using
    Amazon S3 Bucket Keys"). ASSUMPTION (unverified; Assumptions.bucket_key_followed): WorkMail's
    writer does not ask for a Bucket Key itself, so it follows the bucket's default setting.
    """
    if bucket is not None and uses_bucket_key(bucket) and check.assumptions.bucket_key_followed:
        return check.bucket_arn
    return check.object_arn


def _check_kms_permissions(check: ExportCheck, found: _Found) -> str | None:
    key = found.key
    if found.role is None or key is None:
        return None  # already reported by the checks before
    statements = _role_statements(found.role)
    key_statements = parse_policy(key.policy)
    context_arn = encryption_context(check, found.bucket)
    context = {"kms:ViaService": f"s3.{check.org_region}.amazonaws.com",
               "kms:EncryptionContext:aws:s3:arn": context_arn,
               "kms:CallerAccount": check.account, **_principal_context(check)}
    root = f"arn:aws:iam::{check.account}:root"
    for action in KMS_ACTIONS:
        request = Request(action, key.arn, context=context)
        identity = decide(statements, request)
        direct = decide(key_statements, Request(action, "*", principal_arns=(check.role_arn,),
                                                 context=context))
        delegated = decide(key_statements, Request(action, "*",
                                                   principal_arns=(root, check.account),
                                                   context=context))
        if "Deny" in (identity, direct):
            return f"Access denied: role {check.role_arn} is denied {action} on {key.arn}."
        if direct == "Allow" or (delegated == "Allow" and identity == "Allow"):
            continue
        if identity != "Allow" and decide(_without_conditions(statements), request) == "Allow":
            return (f"Access denied: role {check.role_arn} may use {action} on {key.arn} only "
                    f"under conditions that do not cover this export: the encryption context "
                    f"{context_arn} via s3.{check.org_region}.amazonaws.com (check "
                    "kms:EncryptionContext:aws:s3:arn and kms:ViaService).")
        if identity != "Allow":
            return f"Access denied: role {check.role_arn} is not allowed {action} on {key.arn}."
        return (f"Access denied: the key policy of {key.arn} does not let role "
                f"{check.role_arn} use {action}.")
    return None


CHECKS: tuple[Callable[[ExportCheck, _Found], str | None], ...] = (
    _check_role_trust, _check_bucket, _check_key, _check_s3_permissions, _check_kms_permissions)


def oracle_export_verdict(check: ExportCheck) -> str | None:
    """None when the export would succeed, else the ErrorInfo of the first problem found."""
    found = _Found(role=_role(check), key=_key(check), bucket=_bucket(check))
    for run in CHECKS:
        problem = run(check, found)
        if problem:
            return problem
    return None
