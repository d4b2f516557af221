"""The key planner: the KMS key that encrypts the export, created or repaired.

A key the person names is used as it is when it can be: a disabled key gets EnableKey, one
pending deletion CancelKeyDeletion then EnableKey, and a key policy that neither names the
role nor leaves it to IAM gets one statement added (its own Sid, every other statement
kept). A key that cannot serve (asymmetric, another Region) is a blocker. With `create_key`,
the tool's own key for the organization (found by its alias) is used, or a new symmetric key
is created with the tool's tags and alias; its default key policy leaves its use to IAM
policies, so the role's own policy grants it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core import discovery, policies
from tui.core.discovery import call, pages
from tui.core.model import CoreError
from tui.core.setup import documents
from tui.core.setup.plan import NEW_KEY_ARN, NEW_KEY_ID, NEW_KEY_OUTPUTS, Call, Kind, Step
from tui.core.setup.request import SetupContext, SetupRequest

if TYPE_CHECKING:
    from tui.core.session import Aws

KEY_COST = ("A KMS key is billed monthly while it exists: US$1 a month in most Regions, "
            "prorated hourly, plus its requests (AWS KMS pricing).")
LONGEST_DELETION_WAIT = 30  # days: KMS's longest waiting period before a key is deleted


@dataclass(frozen=True)
class KeyPlan:
    """The steps for the key and the ARN an export will use (NEW_KEY_ARN for a new key)."""

    arn: str
    steps: tuple[Step, ...] = ()
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _describe(aws: Aws, key: str) -> Mapping[str, Any] | None:
    try:
        return call("kms:DescribeKey", aws.client("kms").describe_key, KeyId=key)["KeyMetadata"]
    except CoreError as error:
        if error.problem.code == "NotFoundException":
            return None
        raise


def _alias_target(aws: Aws, alias: str) -> str | None:
    """The key id an alias points to (None: no such alias)."""
    for found in pages(aws.client("kms"), "list_aliases", "Aliases"):
        if found.get("AliasName") == alias:
            return str(found.get("TargetKeyId") or "") or None
    return None


def _key_tags(aws: Aws, key_id: str) -> dict[str, str]:
    answer = call("kms:ListResourceTags", aws.client("kms").list_resource_tags, KeyId=key_id)
    return {t["TagKey"]: t["TagValue"] for t in answer.get("Tags", [])}


def plan_key(aws: Aws, context: SetupContext, request: SetupRequest, role_arn: str,
             role_exists: bool) -> KeyPlan:
    """What the key needs. `role_arn` is the role that will use it ("" when not known);
    `role_exists` says whether it exists before the plan runs."""
    if request.key_arn:
        return _repair(aws, context, request.key_arn, role_arn, role_exists)
    alias = documents.key_alias(context.organization_id)
    target = _alias_target(aws, alias)
    if target is not None:
        if documents.is_ours(_key_tags(aws, target)):
            metadata = _describe(aws, target)
            if metadata is not None:
                return _repair(aws, context, metadata["Arn"], role_arn, role_exists)
        if request.create_key:
            taken, alias = alias, _free_alias(aws, alias)
            plan = _new_key(context, alias)
            return KeyPlan(plan.arn, plan.steps, notes=(
                f"The alias {taken} names a key this tool did not create; the new key is "
                f"named {alias} instead.",))
    if not request.create_key:
        return KeyPlan("", blockers=("No KMS key was given: choose one (--kms-key-arn) or let "
                                     "the tool create one (--create-key).",))
    return _new_key(context, alias)


def _free_alias(aws: Aws, wanted: str) -> str:
    taken = {a.get("AliasName") for a in pages(aws.client("kms"), "list_aliases", "Aliases")}
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def _new_key(context: SetupContext, alias: str) -> KeyPlan:
    who = context.organization_alias or context.organization_id
    create = Step(
        Call("kms", "CreateKey", {
            "Description": f"Encrypts WorkMail mailbox exports of {who} "
                           f"({context.organization_id}); made by workmail-export",
            "KeySpec": discovery.SYMMETRIC, "KeyUsage": discovery.ENCRYPT_DECRYPT,
            "Tags": [{"TagKey": k, "TagValue": v}
                     for k, v in documents.tags(context.organization_id).items()]}),
        summary=f"Create a symmetric KMS key in {context.region} for the exports; its default "
                "key policy leaves its use to IAM policies (the role's policy grants it).",
        kind=Kind.CREATE, subject=f"KMS key {alias}", cost=KEY_COST,
        undo=Call("kms", "ScheduleKeyDeletion", {"KeyId": NEW_KEY_ID,
                                                 "PendingWindowInDays": LONGEST_DELETION_WAIT}),
        undo_note="A key cannot be deleted at once: it is scheduled for deletion after 30 "
                  "days; exports encrypted with it can no longer be read once it is gone.",
        outputs=NEW_KEY_OUTPUTS, also_needs=("kms:TagResource",))
    name = Step(
        Call("kms", "CreateAlias", {"AliasName": alias, "TargetKeyId": NEW_KEY_ID}),
        summary=f"Name the new key {alias}, which is how the tool finds it again.",
        kind=Kind.CREATE, subject=f"KMS key {alias}",
        undo=Call("kms", "DeleteAlias", {"AliasName": alias}))
    return KeyPlan(NEW_KEY_ARN, (create, name))


def _repair(aws: Aws, context: SetupContext, key: str, role_arn: str,
            role_exists: bool) -> KeyPlan:
    key_region = discovery.arn_region(key)
    if key_region and key_region != context.region:
        return KeyPlan(key, blockers=(f"The key {key} is in {key_region}, the organization in "
                                      f"{context.region}; a key cannot move to another Region. "
                                      "Choose another key, or let the tool create one.",))
    metadata = _describe(aws, key)
    if metadata is None:
        return KeyPlan(key, blockers=(f"There is no KMS key {key} in {context.region}.",))
    arn, key_id = str(metadata["Arn"]), str(metadata["KeyId"])
    state = metadata.get("KeyState", "")
    issue = discovery.key_issue(metadata, context.region)
    if issue and state not in ("Disabled", "PendingDeletion"):
        return KeyPlan(arn, blockers=(f"The key {key_id} cannot be used: {issue[0]} Choose "
                                      "another key, or let the tool create one.",))
    steps: list[Step] = []
    if state == "PendingDeletion":
        steps.append(Step(
            Call("kms", "CancelKeyDeletion", {"KeyId": key_id}),
            summary=f"Cancel the scheduled deletion of the key {key_id} (it stays Disabled "
                    "until the next step).",
            kind=Kind.CHANGE, subject=f"KMS key {key_id}",
            undo=Call("kms", "ScheduleKeyDeletion", {"KeyId": key_id,
                                                     "PendingWindowInDays": LONGEST_DELETION_WAIT}),
            undo_note="Scheduling it again starts a new 30-day wait."))
    if state in ("PendingDeletion", "Disabled"):
        steps.append(Step(
            Call("kms", "EnableKey", {"KeyId": key_id}),
            summary=f"Enable the key {key_id}.", kind=Kind.CHANGE,
            subject=f"KMS key {key_id}", undo=Call("kms", "DisableKey", {"KeyId": key_id})))
    if not role_arn:
        return KeyPlan(arn, tuple(steps))
    policy_step = _key_policy_step(aws, arn, key_id, role_arn, context.region, role_exists)
    if isinstance(policy_step, documents.Refusal):
        return KeyPlan(arn, tuple(steps), blockers=(f"The key {key_id}: {policy_step.reason}.",))
    return KeyPlan(arn, (*steps, *([policy_step] if policy_step else [])))


def _key_policy_step(aws: Aws, arn: str, key_id: str, role_arn: str, region: str,
                     role_exists: bool) -> Step | documents.Refusal | None:
    answer = call("kms:GetKeyPolicy", aws.client("kms").get_key_policy, KeyId=key_id,
                  PolicyName="default")
    current = policies.parse_document(answer["Policy"])
    addition = documents.key_policy_addition(current, arn, role_arn, region)
    if addition is None or isinstance(addition, documents.Refusal):
        return addition
    note = "" if role_exists else (
        "The role is created earlier in this plan; KMS may take a few seconds to see a new "
        "role. If this step fails with MalformedPolicyDocumentException, run setup again.")
    return Step(
        Call("kms", "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default",
                                     "Policy": addition.document}),
        summary=f"Add a statement to the key policy of {key_id} that lets the role use the "
                "key through S3; every other statement is kept as it is.",
        kind=Kind.CHANGE, subject=f"KMS key {key_id} (key policy)", before=addition.before,
        undo=Call("kms", "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default",
                                          "Policy": addition.before or {}}),
        note=note)
