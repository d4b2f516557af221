"""plan_removal: what the tool created, found by its marks, as a plan that takes it back.

Found by tag (`workmail-export:purpose`, and `workmail-export:organization` when narrowed):
roles (under the tool's IAM path; their inline policies go first, then the role), keys (their
alias goes, and the key is only scheduled for deletion, after KMS's longest wait of 30 days,
with the warning that exports encrypted with it become unreadable), buckets (deleted only
when empty; one holding objects is kept and said so). Found by name or Sid on things the tool
did not create: inline policies named `workmail-export-*` and statements with a Sid starting
`WorkMailExportSetup` in trust and key policies - only those are removed, every other
statement stays as it is. Nothing else is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core import checks, discovery, policies
from tui.core.discovery import call, call_unless, pages
from tui.core.model import CoreError
from tui.core.setup import documents
from tui.core.setup.key import LONGEST_DELETION_WAIT
from tui.core.setup.plan import Call, Kind, Plan, Step

if TYPE_CHECKING:
    from tui.core.session import Aws

UNREADABLE = ("Exports encrypted with this key can no longer be read once it is deleted; "
              "cancel the deletion (kms cancel-key-deletion) within 30 days to keep them "
              "readable.")


@dataclass(frozen=True)
class _Found:
    steps: tuple[Step, ...] = ()
    blockers: tuple[str, ...] = ()


def _mine(tags: Mapping[str, str], organization_id: str) -> bool:
    return documents.is_ours(tags) and (
        not organization_id or tags.get(documents.TAG_ORGANIZATION) == organization_id)


# --- roles -------------------------------------------------------------------------------------


def _role_tags(aws: Aws, name: str) -> dict[str, str]:
    answer = call("iam:ListRoleTags", aws.client("iam").list_role_tags, RoleName=name)
    return {t["Key"]: t["Value"] for t in answer.get("Tags", [])}


def _our_role(aws: Aws, role: Mapping[str, Any], organization_id: str) -> _Found:
    """A role the tool created: its inline policies, attached policies, then the role."""
    name = role["RoleName"]
    if not _mine(_role_tags(aws, name), organization_id):
        return _Found()
    iam = aws.client("iam")
    inline = checks.inline_policies(aws, name)
    steps = [Step(Call("iam", "DeleteRolePolicy", {"RoleName": name, "PolicyName": policy}),
                  summary=f"Delete the inline policy {policy} of the role {name}.",
                  kind=Kind.REMOVE, subject=f"role {name}",
                  undo=Call("iam", "PutRolePolicy", {"RoleName": name, "PolicyName": policy,
                                                     "PolicyDocument": dict(document)}))
             for policy, document in inline.items()]
    for attached in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        arn = attached["PolicyArn"]
        steps.append(Step(Call("iam", "DetachRolePolicy", {"RoleName": name, "PolicyArn": arn}),
                          summary=f"Detach the managed policy {arn} from the role {name} (the "
                                  "policy itself stays).",
                          kind=Kind.REMOVE, subject=f"role {name}",
                          undo=Call("iam", "AttachRolePolicy", {"RoleName": name,
                                                                "PolicyArn": arn})))
    steps.append(Step(Call("iam", "DeleteRole", {"RoleName": name}),
                      summary=f"Delete the role {name}, which workmail-export created; exports "
                              "that use it can no longer start.",
                      kind=Kind.REMOVE, subject=f"role {name}",
                      undo_note="run setup again to make a new one"))
    return _Found(tuple(steps))


def _added_to_role(aws: Aws, role: Mapping[str, Any]) -> _Found:
    """On a role the tool did not create: the inline policies named by the tool and its
    statement in the trust policy."""
    name = role["RoleName"]
    steps: list[Step] = []
    trust = policies.parse_document(role.get("AssumeRolePolicyDocument") or {})
    blockers: list[str] = []
    if documents.has_sid(trust):
        kept = documents.without_sid(trust)
        if kept["Statement"]:
            steps.append(Step(
                Call("iam", "UpdateAssumeRolePolicy", {"RoleName": name, "PolicyDocument": kept}),
                summary=f"Take WorkMail's statement (added by workmail-export) out of the trust "
                        f"policy of the role {name}; its other statements stay as they are.",
                kind=Kind.CHANGE, subject=f"role {name} (trust policy)", before=trust,
                undo=Call("iam", "UpdateAssumeRolePolicy", {"RoleName": name,
                                                            "PolicyDocument": trust})))
        else:
            blockers.append(f"The role {name}'s trust policy holds only the statement "
                            "workmail-export added; a trust policy cannot be empty, so it stays.")
    names = [str(n) for n in pages(aws.client("iam"), "list_role_policies", "PolicyNames",
                                   RoleName=name)]
    for policy in names:
        if policy.startswith(documents.POLICY_PREFIX):
            document = call("iam:GetRolePolicy", aws.client("iam").get_role_policy,
                            RoleName=name, PolicyName=policy)["PolicyDocument"]
            steps.append(Step(
                Call("iam", "DeleteRolePolicy", {"RoleName": name, "PolicyName": policy}),
                summary=f"Delete the inline policy {policy} (named by workmail-export) from the "
                        f"role {name}; its other policies stay.",
                kind=Kind.REMOVE, subject=f"role {name} (policy {policy})",
                undo=Call("iam", "PutRolePolicy", {
                    "RoleName": name, "PolicyName": policy,
                    "PolicyDocument": policies.parse_document(document)})))
    return _Found(tuple(steps), tuple(blockers))


def _roles(aws: Aws, organization_id: str) -> list[Future[_Found]]:
    submit = discovery.pool().submit
    futures = []
    for role in pages(aws.client("iam"), "list_roles", "Roles",
                      PaginationConfig={"PageSize": 1000}):
        if role.get("Path") == documents.ROLE_PATH:
            futures.append(submit(_our_role, aws, role, organization_id))
        elif not organization_id:
            futures.append(submit(_added_to_role, aws, role))
    return futures


# --- keys --------------------------------------------------------------------------------------


def _key(aws: Aws, key_id: str, aliases: list[str], organization_id: str) -> _Found:
    kms = aws.client("kms")
    try:
        metadata = call("kms:DescribeKey", kms.describe_key, KeyId=key_id)["KeyMetadata"]
    except CoreError:
        return _Found()
    if metadata.get("KeyManager") == "AWS" or metadata.get("KeyState") == "PendingDeletion":
        return _Found()
    tags = {t["TagKey"]: t["TagValue"] for t in call(
        "kms:ListResourceTags", kms.list_resource_tags, KeyId=key_id).get("Tags", [])}
    if _mine(tags, organization_id):
        steps = [Step(Call("kms", "DeleteAlias", {"AliasName": alias}),
                      summary=f"Delete the alias {alias} of the key {key_id}.",
                      kind=Kind.REMOVE, subject=f"KMS key {key_id}",
                      undo=Call("kms", "CreateAlias", {"AliasName": alias,
                                                       "TargetKeyId": key_id}))
                 for alias in aliases if alias.startswith(documents.ALIAS_PREFIX)]
        steps.append(Step(
            Call("kms", "ScheduleKeyDeletion", {"KeyId": key_id,
                                                "PendingWindowInDays": LONGEST_DELETION_WAIT}),
            summary=f"Schedule the key {key_id}, which workmail-export created, for deletion in "
                    f"{LONGEST_DELETION_WAIT} days (the longest wait KMS allows).",
            kind=Kind.REMOVE, subject=f"KMS key {key_id}", note=UNREADABLE,
            undo=Call("kms", "CancelKeyDeletion", {"KeyId": key_id}),
            undo_note="then EnableKey: a key whose deletion is cancelled stays Disabled"))
        return _Found(tuple(steps))
    if organization_id:
        return _Found()
    policy = policies.parse_document(call("kms:GetKeyPolicy", kms.get_key_policy, KeyId=key_id,
                                          PolicyName="default")["Policy"])
    if not documents.has_sid(policy):
        return _Found()
    return _Found((Step(
        Call("kms", "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default",
                                     "Policy": documents.without_sid(policy)}),
        summary=f"Take the statement workmail-export added out of the key policy of {key_id}; "
                "every other statement stays as it is.",
        kind=Kind.CHANGE, subject=f"KMS key {key_id} (key policy)", before=policy,
        undo=Call("kms", "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default",
                                          "Policy": policy})),))


def _keys(aws: Aws, organization_id: str) -> list[Future[_Found]]:
    kms = aws.client("kms")
    aliases: dict[str, list[str]] = {}
    for alias in pages(kms, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    submit = discovery.pool().submit
    return [submit(_key, aws, key["KeyId"], aliases.get(key["KeyId"], []), organization_id)
            for key in pages(kms, "list_keys", "Keys")]


# --- buckets -----------------------------------------------------------------------------------


def _bucket(aws: Aws, name: str, organization_id: str) -> _Found:
    s3 = aws.client("s3")
    answer = call_unless(("NoSuchTagSet", "NoSuchBucket"), "s3:GetBucketTagging",
                         s3.get_bucket_tagging, Bucket=name)
    tags = {t["Key"]: t["Value"] for t in (answer or {}).get("TagSet", [])}
    if not _mine(tags, organization_id):
        return _Found()
    listed = call("s3:ListBucket", s3.list_objects_v2, Bucket=name, MaxKeys=1)
    if listed.get("KeyCount", 0):
        return _Found(blockers=(f"The bucket {name}, which workmail-export created, holds "
                                "objects (exports, perhaps); it is kept. Delete them first if "
                                "you mean to remove it.",))
    return _Found((Step(Call("s3", "DeleteBucket", {"Bucket": name}),
                        summary=f"Delete the empty bucket {name}, which workmail-export "
                                "created.",
                        kind=Kind.REMOVE, subject=f"bucket {name}",
                        undo_note="run setup again to make a new one"),))


def _buckets(aws: Aws, organization_id: str) -> list[Future[_Found]]:
    submit = discovery.pool().submit
    return [submit(_bucket, aws, bucket.name, organization_id)
            for bucket in discovery.list_buckets(aws) if bucket.usable]


def plan_removal(aws: Aws, organization_id: str = "") -> Plan:
    """Everything the tool created in this account and Region (for one organization, when
    given), as a plan that removes it."""
    for service in ("iam", "kms", "s3"):
        aws.client(service)  # created here: boto3 sessions are not thread-safe
    found = [f.result() for f in (*_roles(aws, organization_id), *_keys(aws, organization_id),
                                  *_buckets(aws, organization_id))]
    which = f" for {organization_id}" if organization_id else ""
    return Plan(title=f"Remove what workmail-export created{which} in {aws.region}",
                organization_id=organization_id, region=aws.region,
                steps=tuple(step for f in found for step in f.steps),
                blockers=tuple(blocker for f in found for blocker in f.blockers))
