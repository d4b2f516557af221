"""The role planner: the IAM role WorkMail assumes, created when missing, repaired when it
exists, only by adding.

A missing role is created under the tool's path with WorkMail's trust policy for the
organization and the tool's tags. An existing role gets WorkMail's trust statement merged
into its trust policy when it lacks one, and the permissions it lacks for the export as an
inline policy of their own name (or merged into that policy) - never a replaced document. A
Deny that blocks the export is a blocker, reported and left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core import checks, discovery, policies
from tui.core.discovery import call
from tui.core.model import CoreError
from tui.core.setup import documents
from tui.core.setup.plan import NEW_KEY_ARN, Call, Kind, Step
from tui.core.setup.request import ROLE_NAME_MAX, SetupContext, SetupRequest

if TYPE_CHECKING:
    from tui.core.session import Aws

Document = Mapping[str, Any]


@dataclass(frozen=True)
class RoleFound:
    """An existing role as the planner needs it."""

    name: str
    arn: str
    trust: Document
    tags: Mapping[str, str]
    inline: Mapping[str, Document]
    documents: list[Document]

    def ours_for(self, organization_id: str) -> bool:
        return (documents.is_ours(self.tags)
                and self.tags.get(documents.TAG_ORGANIZATION) == organization_id)


def read_role(aws: Aws, name: str) -> RoleFound | None:
    """The role, its trust policy, tags and every policy; None when there is no such role."""
    iam = aws.client("iam")
    submit = discovery.pool().submit
    lookup: Future[Any] = submit(call, "iam:GetRole", iam.get_role, RoleName=name)
    reads = checks.start_reading_documents(aws, name)
    try:
        role = lookup.result()["Role"]
    except CoreError as error:
        if error.problem.code == "NoSuchEntity":
            return None
        raise
    inline = reads.inline.result()
    return RoleFound(name=role["RoleName"], arn=role["Arn"],
                     trust=policies.parse_document(role.get("AssumeRolePolicyDocument") or {}),
                     tags={t["Key"]: t["Value"] for t in role.get("Tags", [])},
                     inline=inline, documents=[*inline.values(), *reads.attached.result()])


@dataclass(frozen=True)
class RolePlan:
    """The steps for the role: `identity` (create it, or let WorkMail assume it) come first
    in a plan, `permissions` last (they name the key, which may be created in between)."""

    name: str
    arn: str
    identity: tuple[Step, ...] = ()
    permissions: tuple[Step, ...] = ()
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _free_name(aws: Aws, wanted: str) -> str:
    """`wanted-2`, `wanted-3`...: the first role name nobody uses."""
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = f"{wanted[:ROLE_NAME_MAX - len(suffix)]}{suffix}"
        if read_role(aws, candidate) is None:
            return candidate
        number += 1


@dataclass(frozen=True)
class ChosenRole:
    """The role a setup works on: its name, the role when it exists, notes on the choice."""

    name: str
    found: RoleFound | None
    notes: tuple[str, ...] = ()


def choose_role(aws: Aws, context: SetupContext, request: SetupRequest) -> ChosenRole:
    """The role asked for, else the tool's own role for the organization, else a free name
    for a new one."""
    if request.role_name:
        return ChosenRole(request.role_name, read_role(aws, request.role_name))
    name = context.default_role_name
    found = read_role(aws, name)
    if found is None or found.ours_for(context.organization_id):
        return ChosenRole(name, found)
    free = _free_name(aws, name)
    return ChosenRole(free, None, (
        f"The name {name} is taken by a role this tool did not create for this organization; "
        f"the plan creates {free} instead (--role-name chooses another name).",))


def plan_role(context: SetupContext, chosen: ChosenRole,
              target: documents.ExportTarget | None) -> RolePlan:
    """What the role needs: created or trusted for the organization and, once the bucket,
    prefix and key are known (`target`), allowed to export there."""
    name, found, notes = chosen.name, chosen.found, chosen.notes
    if found is None:
        return _new_role(context, name, target, notes)
    identity: list[Step] = []
    blockers: list[str] = []
    trust = documents.trust_addition(found.trust, context.account, context.region,
                                     context.organization_id)
    if isinstance(trust, documents.Refusal):
        blockers.append(f"The role {name}: {trust.reason}.")
    elif trust is not None:
        identity.append(_trust_step(name, trust))
    permissions: list[Step] = []
    if target is not None:
        addition = documents.role_permissions_addition(found.inline, found.documents, target)
        if isinstance(addition, documents.Refusal):
            blockers.append(f"The role {name}: {addition.reason}.")
        elif addition is not None:
            permissions.append(_policy_step(name, addition, target, Kind.CHANGE))
    return RolePlan(name, found.arn, tuple(identity), tuple(permissions), tuple(blockers), notes)


def _new_role(context: SetupContext, name: str, target: documents.ExportTarget | None,
              notes: tuple[str, ...]) -> RolePlan:
    trust = {"Version": documents.VERSION, "Statement": [documents.trust_statement(
        context.account, context.region, context.organization_id)]}
    tag_list = [{"Key": k, "Value": v} for k, v in documents.tags(context.organization_id).items()]
    who = f"{context.organization_alias} ({context.organization_id})" \
        if context.organization_alias else context.organization_id
    create = Step(
        Call("iam", "CreateRole", {
            "RoleName": name, "Path": documents.ROLE_PATH, "AssumeRolePolicyDocument": trust,
            "Description": f"Lets WorkMail export mailboxes of {who} to S3 (made by "
                           "workmail-export)"[:1000],
            "Tags": tag_list}),
        summary=f"Create the IAM role {name}, which WorkMail's export service may assume for "
                f"the organization {who} only (aws:SourceAccount and aws:SourceArn).",
        kind=Kind.CREATE, subject=f"role {name}",
        undo=Call("iam", "DeleteRole", {"RoleName": name}),
        undo_note="Its inline policies go first (the undo of the later steps deletes them).",
        also_needs=("iam:TagRole",))
    permissions: tuple[Step, ...] = ()
    if target is not None:
        addition = documents.role_permissions_addition({}, [], target)
        assert isinstance(addition, documents.PolicyAddition)
        permissions = (_policy_step(name, addition, target, Kind.CREATE),)
    return RolePlan(name, context.role_arn(name), (create,), permissions, (), notes)


def _trust_step(name: str, trust: documents.PolicyAddition) -> Step:
    kept = len(documents.merged(trust.before, [])["Statement"])
    return Step(
        Call("iam", "UpdateAssumeRolePolicy", {"RoleName": name,
                                               "PolicyDocument": trust.document}),
        summary=f"Add WorkMail's trust statement to the role {name} (its {kept} other "
                "statement(s) kept as they are).",
        kind=Kind.CHANGE, subject=f"role {name} (trust policy)", before=trust.before,
        undo=Call("iam", "UpdateAssumeRolePolicy", {"RoleName": name,
                                                    "PolicyDocument": trust.before or {}}))


def _policy_step(name: str, addition: documents.PolicyAddition,
                 target: documents.ExportTarget, kind: Kind) -> Step:
    key = "the new key" if target.key_arn == NEW_KEY_ARN else f"the key {target.key_arn}"
    what = (f"writing under s3://{target.bucket}/{target.prefix} and using {key} through S3 "
            f"in {target.region}")
    call_ = Call("iam", "PutRolePolicy", {"RoleName": name, "PolicyName": addition.name,
                                          "PolicyDocument": addition.document})
    if addition.is_new:
        return Step(call_, summary=f"Add the inline policy {addition.name} to the role {name}: "
                    f"{what}.", kind=kind,
                    subject=f"role {name}" if kind is Kind.CREATE else
                    f"role {name} (new policy {addition.name})",
                    undo=Call("iam", "DeleteRolePolicy", {"RoleName": name,
                                                          "PolicyName": addition.name}))
    before = addition.before or {}
    added = len(addition.document["Statement"]) - len(documents.merged(before, [])["Statement"])
    return Step(call_, summary=f"Add {added} statement(s) to the role {name}'s inline policy "
                f"{addition.name} ({what}); its statements are kept as they are.",
                kind=kind, subject=f"role {name} (policy {addition.name})", before=before,
                undo=Call("iam", "PutRolePolicy", {"RoleName": name,
                                                   "PolicyName": addition.name,
                                                   "PolicyDocument": before}))
