"""The documents a change to someone's account sends, and the one way they are added to what
exists: never replacing a statement, never removing one.

Shared by the preflight checks' fix hints and by setup's planners, so a hint and the "Fix this
role" action propose the same document:

- `role_permissions_addition`: the statements a role's policies lack for an export (S3 and/or
  KMS, scoped to the bucket, the prefix and the key), as an inline policy of its own name
  (`policy_name(bucket)`), or - when a policy of that name exists - that policy's document
  with the statements merged in, returned whole with the document it had before.
- `trust_addition`: the role's trust policy with WorkMail's statement (aws:SourceAccount and
  aws:SourceArn of the organization) merged in.
- `key_policy_addition`: the key policy with one statement (its own Sid) letting the role use
  the key through S3; every other statement kept as it was.

A statement the evaluator finds is an explicit Deny is never touched: `Refusal` says so, and
the caller reports it instead of planning around it.

Tags and names that make what the tool creates recognisable live here too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui.core import policies

TAG_PURPOSE = "workmail-export:purpose"
PURPOSE = "mailbox-export"
TAG_ORGANIZATION = "workmail-export:organization"
ROLE_PATH = "/workmail-export/"  # every role the tool creates lives under this IAM path
ALIAS_PREFIX = "alias/workmail-export/"
POLICY_PREFIX = "workmail-export-"  # inline policies the tool adds: workmail-export-<bucket>
SID_PREFIX = "WorkMailExportSetup"  # statements the tool merges into trust and key policies
TRUST_SID = f"{SID_PREFIX}Trust"
KEY_SID = f"{SID_PREFIX}RoleUse"
VERSION = "2012-10-17"

Document = dict[str, Any]


def tags(organization_id: str) -> dict[str, str]:
    """The tags on everything the tool creates."""
    return {TAG_PURPOSE: PURPOSE, TAG_ORGANIZATION: organization_id}


def is_ours(found: Mapping[str, str]) -> bool:
    """Whether a resource's tags (as a plain mapping) say the tool created it."""
    return found.get(TAG_PURPOSE) == PURPOSE


def policy_name(bucket: str) -> str:
    """The name of the inline policy the tool adds for exports into `bucket` (at most 128
    characters of [\\w+=,.@-]; bucket names are letters, digits, dots and dashes)."""
    return f"{POLICY_PREFIX}{bucket}"[:128]


def key_alias(organization_id: str) -> str:
    """The alias of the key the tool creates for an organization."""
    return f"{ALIAS_PREFIX}{organization_id}"


# ---------------------------------------------------------------------------------------
# Statements


def trust_statement(account: str, region: str, organization_id: str, sid: str = TRUST_SID
                    ) -> Document:
    """The guide's trust statement for one organization, with a Sid naming the tool."""
    statement = copy.deepcopy(policies.trust_policy(account, region, organization_id)
                              ["Statement"][0])
    return {"Sid": sid, **statement}


def s3_statement(bucket: str) -> Document:
    """What WorkMail does in the bucket (the guide's first statement)."""
    arn = policies.bucket_arn(bucket)
    return {"Effect": "Allow",
            "Action": [*policies.S3_OBJECT_ACTIONS, *policies.S3_BUCKET_ACTIONS],
            "Resource": [arn, f"{arn}/*"]}


def kms_statement(bucket: str, prefix: str, key_arn: str, region: str,
                  bucket_key: bool = False) -> Document:
    """Using the key through S3 for objects under the prefix (the guide's second statement).

    With an S3 Bucket Key the encryption context is the bucket's ARN, not the object's (S3
    user guide), so the bucket ARN is allowed too: KMS cannot scope by prefix then."""
    contexts = [f"{policies.bucket_arn(bucket)}/{prefix}*"]
    if bucket_key:
        contexts.append(policies.bucket_arn(bucket))
    return {"Effect": "Allow", "Action": list(policies.KMS_ACTIONS), "Resource": key_arn,
            "Condition": {
                "StringEquals": {policies.VIA_SERVICE_KEY: policies.via_service(region)},
                "StringLike": {policies.ENCRYPTION_CONTEXT_KEY:
                               contexts[0] if len(contexts) == 1 else contexts}}}


def key_use_statement(role_arn: str, region: str, sid: str = KEY_SID) -> Document:
    """The key policy statement that lets the role use the key through S3."""
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": role_arn},
            "Action": list(policies.KMS_ACTIONS), "Resource": "*",
            "Condition": {"StringEquals": {policies.VIA_SERVICE_KEY:
                                           policies.via_service(region)}}}


def permissions_document(bucket: str, prefix: str, key_arn: str, region: str,
                         bucket_key: bool = False) -> Document:
    """The whole permissions policy for a role made for this export."""
    return {"Version": VERSION, "Statement": [
        s3_statement(bucket), kms_statement(bucket, prefix, key_arn, region, bucket_key)]}


# ---------------------------------------------------------------------------------------
# Merging


def _statement_list(document: Mapping[str, Any]) -> list[Any]:
    raw = document.get("Statement", [])
    return [raw] if isinstance(raw, Mapping) else list(raw)


def free_sid(document: Mapping[str, Any], wanted: str) -> str:
    """`wanted`, or `wanted2`, `wanted3`... : a Sid no statement of the document has yet."""
    taken = {s.get("Sid") for s in _statement_list(document) if isinstance(s, Mapping)}
    sid, number = wanted, 1
    while sid in taken:
        number += 1
        sid = f"{wanted}{number}"
    return sid


def merged(document: Mapping[str, Any] | None, additions: Sequence[Mapping[str, Any]]
           ) -> Document:
    """A copy of `document` with `additions` appended to its statements (a statement already
    there, equal as a document, is not added twice). Nothing else changes: every existing
    statement, the Version and the Id stay as they were."""
    result: Document = copy.deepcopy(dict(document)) if document else {"Version": VERSION}
    statements = _statement_list(result)
    for statement in additions:
        if statement not in statements:
            statements.append(copy.deepcopy(dict(statement)))
    result["Statement"] = statements
    result.setdefault("Version", VERSION)
    return result


def without_sid(document: Mapping[str, Any], sid_prefix: str = SID_PREFIX) -> Document:
    """A copy of `document` without the statements whose Sid starts with `sid_prefix` (the
    ones the tool merged in); every other statement kept as it was."""
    result: Document = copy.deepcopy(dict(document))
    result["Statement"] = [s for s in _statement_list(result)
                           if not (isinstance(s, Mapping)
                                   and str(s.get("Sid", "")).startswith(sid_prefix))]
    return result


def has_sid(document: Mapping[str, Any], sid_prefix: str = SID_PREFIX) -> bool:
    return any(isinstance(s, Mapping) and str(s.get("Sid", "")).startswith(sid_prefix)
               for s in _statement_list(document))


# ---------------------------------------------------------------------------------------
# Additions


@dataclass(frozen=True)
class Refusal:
    """An explicit Deny that stops the export: reported, never removed by the tool."""

    reason: str


@dataclass(frozen=True)
class PolicyAddition:
    """A document to send whole: `before` is what was there (None: nothing, a new policy)."""

    name: str
    document: Document
    before: Document | None = None

    @property
    def is_new(self) -> bool:
        return self.before is None


@dataclass(frozen=True)
class ExportTarget:
    """Where an export writes and with what: the values a role's permissions are built for."""

    bucket: str
    prefix: str
    key_arn: str
    region: str
    bucket_key: bool = False  # the bucket enables S3 Bucket Keys by default


def _verdicts(documents: Sequence[Mapping[str, Any]], target: ExportTarget
              ) -> list[policies.AccessVerdict]:
    verdicts = policies.evaluate_export(documents, target.bucket, target.key_arn, target.region,
                                        target.prefix)
    if target.bucket_key:
        verdicts += [policies.evaluate(documents, request) for request in
                     policies.bucket_key_requests(target.bucket, target.key_arn, target.region)]
    return verdicts


def missing_statements(documents: Sequence[Mapping[str, Any]], target: ExportTarget,
                       everything: bool = False) -> list[Document] | Refusal:
    """The statements (S3, KMS, both or none) the role's policies lack for the export; a
    Refusal when an explicit Deny refuses one of its calls. `everything`: both statements,
    as when the evaluation may be wrong (conditions it cannot read)."""
    verdicts = _verdicts(documents, target)
    denied = [v for v in verdicts if v.denied]
    if denied:
        return Refusal(f"a Deny statement in the role's policies refuses "
                       f"{policies.describe_refusals(denied)}; this tool does not remove it")
    refused = {v.request.action for v in verdicts if everything or not v.allowed}
    wanted = []
    if refused & {*policies.S3_OBJECT_ACTIONS, *policies.S3_BUCKET_ACTIONS}:
        wanted.append(s3_statement(target.bucket))
    if refused & set(policies.KMS_ACTIONS):
        wanted.append(kms_statement(target.bucket, target.prefix, target.key_arn, target.region,
                                    target.bucket_key))
    return wanted


def role_permissions_addition(inline: Mapping[str, Mapping[str, Any]],
                              documents: Sequence[Mapping[str, Any]], target: ExportTarget,
                              everything: bool = False) -> PolicyAddition | Refusal | None:
    """What to put on the role so it may export to the target: None when it already may.

    `inline` is the role's inline policies by name; `documents` every policy of the role
    (inline and attached). The statements go into a policy named for the bucket: new, or -
    when the role has one of that name - its document with them merged in."""
    missing = missing_statements(documents, target, everything)
    if isinstance(missing, Refusal):
        return missing
    if not missing:
        return None
    name = policy_name(target.bucket)
    before = inline.get(name)
    document = merged(before, missing)
    return PolicyAddition(name, document, copy.deepcopy(dict(before)) if before else None)


def trust_addition(trust: Mapping[str, Any], account: str, region: str, organization_id: str
                   ) -> PolicyAddition | Refusal | None:
    """The trust policy with WorkMail's statement for the organization merged in; None when
    the role already trusts WorkMail for it, a Refusal when a Deny stops that."""
    org_arn = policies.organization_arn(region, account, organization_id)
    verdict = policies.analyse_trust(trust, account, org_arn)
    if verdict.trusted:
        return None
    if verdict.denied:
        return Refusal("a Deny statement in its trust policy stops "
                       f"{policies.EXPORT_SERVICE} assuming it; this tool does not remove it")
    statement = trust_statement(account, region, organization_id, free_sid(trust, TRUST_SID))
    return PolicyAddition("trust", merged(trust, [statement]), copy.deepcopy(dict(trust)))


def key_policy_addition(key_policy: Mapping[str, Any], key_arn: str, role_arn: str,
                        region: str) -> PolicyAddition | Refusal | None:
    """The key policy with a statement letting the role use the key merged in; None when the
    policy already lets the role (directly, or by leaving it to IAM policies)."""
    for verdict in policies.key_policy_verdicts(key_policy, key_arn, role_arn, region):
        if verdict.direct.denied:
            return Refusal(f"a Deny statement in the key policy refuses the role "
                           f"{verdict.direct.request.action}; this tool does not remove it")
        if not verdict.allowed:
            statement = key_use_statement(role_arn, region, free_sid(key_policy, KEY_SID))
            return PolicyAddition("default", merged(key_policy, [statement]),
                                  copy.deepcopy(dict(key_policy)))
    return None
