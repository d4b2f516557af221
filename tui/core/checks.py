"""Preflight checks: every reason an export would fail, found before it is submitted.

Each check takes the connection and the request and returns Findings for one Field: OK, a
WARNING, an ERROR with its fix (and, for role/key/bucket, the exact policy JSON to add), or
UNCHECKED when the caller may not look ("could not check: missing iam:GetRole") or AWS did
not answer - a check never raises for an AWS failure and never calls that an error, because
the export itself may still work. Field rules come from fields.check_field; role policies are
read and analysed by policies.py (moto lacks iam:SimulatePrincipalPolicy).

The Region of the organization is the connection's Region (the WorkMail client's), so the
key and bucket are compared with `aws.region`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from tui.core import discovery, fields, policies
from tui.core.discovery import call, call_unless, is_access_denied
from tui.core.model import AwsProblem, CoreError, ExportRequest, Field, Finding, Level
from tui.core.setup import documents

if TYPE_CHECKING:
    from tui.core.session import Aws

T = TypeVar("T")

SETUP_HINT = ("or let the tool do it: f at its step of the wizard, or workmail-export setup; "
              "either shows the plan first")
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/(?:[^/]+/)*([^/]+)$")
_ORG_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:workmail:[\w-]+:(\d{12}):organization/")


def _field_error(field: Field, value: str) -> Finding | None:
    message = fields.check_field(field, value)
    return Finding(field, Level.ERROR, message, fix=message) if message else None


def unchecked(field: Field, problem: AwsProblem, what: str = "") -> Finding:
    """A finding for a check AWS would not let us make (or did not answer)."""
    about = f" {what}" if what else ""
    if is_access_denied(problem):
        action = problem.operation or "a permission"
        return Finding(field, Level.UNCHECKED, f"could not check{about}: missing {action}",
                       fix=problem.hint)
    return Finding(field, Level.UNCHECKED,
                   f"could not check{about}: {problem.code}: {problem.message}",
                   fix=problem.hint)


# --- organization ---------------------------------------------------------------------------


def _describe_organization(aws: Aws, org_id: str) -> Mapping[str, Any]:
    client = aws.client("workmail")
    return call("workmail:DescribeOrganization", client.describe_organization,
                OrganizationId=org_id)


def check_organization(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The organization exists in this Region and is Active."""
    field = Field.ORGANIZATION
    bad = _field_error(field, request.organization_id)
    if bad:
        return [bad]
    try:
        org = _describe_organization(aws, request.organization_id)
    except CoreError as error:
        if error.problem.code == "OrganizationNotFoundException":
            return [Finding(field, Level.ERROR,
                            f"No WorkMail organization {request.organization_id} in "
                            f"{aws.region}.", fix=error.problem.hint)]
        return [unchecked(field, error.problem)]
    name = f"{org.get('Alias') or request.organization_id} ({request.organization_id})"
    state = org.get("State", "")
    if state != "Active":
        return [Finding(field, Level.ERROR,
                        f"Organization {name} is {state or 'not Active'}; only an Active "
                        "organization accepts export jobs.",
                        fix="Pick an Active organization, or wait until this one is Active.")]
    return [Finding(field, Level.OK, f"Organization {name} is Active in {aws.region}.")]


# --- entity ---------------------------------------------------------------------------------


def check_entity(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The mailbox exists, is a user or resource (not a group), and is not deleted."""
    field = Field.ENTITY
    bad = _field_error(field, request.entity_id)
    if bad:
        return [bad]
    if fields.check_field(Field.ORGANIZATION, request.organization_id):
        return [Finding(field, Level.UNCHECKED,
                        "could not check: choose a valid organization first",
                        essential=False)]  # the organization's own finding is the error
    try:
        mailbox = discovery.resolve_mailbox(aws, request.organization_id, request.entity_id)
    except CoreError as error:
        return [unchecked(field, error.problem)]
    if mailbox is None:
        return [Finding(field, Level.ERROR,
                        f"No user or resource of this organization has the id, name or email "
                        f"{request.entity_id}.",
                        fix="Search for the mailbox by name or email and pick it from the list.")]
    shown = f"{mailbox.name} <{mailbox.email}>" if mailbox.email else mailbox.name
    if mailbox.kind == "GROUP":
        return [Finding(field, Level.ERROR, f"{shown} is a group; groups have no mailbox.",
                        fix="Export the mailboxes of the group's members one by one.")]
    what = "resource" if mailbox.kind == "RESOURCE" else "user"
    if mailbox.state == "DELETED":
        return [Finding(field, Level.ERROR,
                        f"The {what} {shown} is deleted; its mailbox can no longer be exported.",
                        fix="Pick another mailbox.")]
    if mailbox.state == "DISABLED":
        # ASSUMPTION (unverified): whether WorkMail exports a disabled mailbox is not
        # documented; it keeps the mailbox 30 days, so the export may work.
        return [Finding(field, Level.WARNING,
                        f"The {what} {shown} is disabled; WorkMail keeps a disabled mailbox 30 "
                        "days, and whether it can be exported is not documented.",
                        fix="If the export fails, enable the user in the WorkMail console, "
                            "export, then disable it again.")]
    return [Finding(field, Level.OK, f"Will export the mailbox of the {what} {shown}.")]


# --- role -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RoleFacts:
    """What the role checks need to know, read once per check."""

    name: str
    arn: str
    account: str  # the organization's account
    org_arn: str
    trust_document: Mapping[str, Any]
    documents: list[Mapping[str, Any]] | None  # None: could not read them
    documents_problem: AwsProblem | None
    key_arn: str | None  # the key's own ARN (an alias ARN resolved), None when not chosen
    inline: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # by policy name


def _organization_arn(aws: Aws, request: ExportRequest, role_account: str) -> tuple[str, str]:
    """(account, organization ARN), from DescribeOrganization, else from the role's ARN."""
    try:
        arn = str(_describe_organization(aws, request.organization_id).get("ARN") or "")
    except CoreError:
        arn = ""
    found = _ORG_ARN_ACCOUNT.match(arn)
    if found:
        return found.group(1), arn
    return role_account, policies.organization_arn(aws.region, role_account,
                                                   request.organization_id)


def inline_policies(aws: Aws, name: str) -> dict[str, Mapping[str, Any]]:
    """The role's inline policies by name."""
    iam = aws.client("iam")
    names = [str(n) for n in discovery.pages(iam, "list_role_policies", "PolicyNames",
                                             RoleName=name)]
    return {policy_name: policies.parse_document(call(
                "iam:GetRolePolicy", iam.get_role_policy, RoleName=name,
                PolicyName=policy_name)["PolicyDocument"])
            for policy_name in names}


def attached_documents(aws: Aws, name: str) -> list[Mapping[str, Any]]:
    """The default versions of the managed policies attached to the role."""
    iam = aws.client("iam")
    documents = []
    for attached in discovery.pages(iam, "list_attached_role_policies", "AttachedPolicies",
                                    RoleName=name):
        arn = attached["PolicyArn"]
        policy = call("iam:GetPolicy", iam.get_policy, PolicyArn=arn)["Policy"]
        version = call("iam:GetPolicyVersion", iam.get_policy_version, PolicyArn=arn,
                       VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        documents.append(policies.parse_document(version["Document"]))
    return documents


@dataclass(frozen=True)
class RoleReads:
    """The reads of a role's inline and attached policies, running on the thread pool."""

    inline: Future[dict[str, Mapping[str, Any]]]
    attached: Future[list[Mapping[str, Any]]]


def start_reading_documents(aws: Aws, role_name: str) -> RoleReads:
    """Submits the reads of the role's inline and attached policies to the thread pool (from
    outside it: its tasks never wait on each other); `documents_read` collects them."""
    submit = discovery.pool().submit
    return RoleReads(submit(inline_policies, aws, role_name),
                     submit(attached_documents, aws, role_name))


def documents_read(reads: RoleReads) -> list[Mapping[str, Any]]:
    """Every policy document the reads found; CoreError when one could not be read."""
    return [*reads.inline.result().values(), *reads.attached.result()]


def role_name(role_arn: str) -> str:
    """The name in an IAM role ARN ('' when it is not one)."""
    found = _ROLE_ARN.match(role_arn)
    return found.group(2) if found else ""


def _key_arn(aws: Aws, request: ExportRequest) -> str | None:
    """The key's own ARN (DescribeKey resolves an alias ARN); as typed if it cannot."""
    if not request.kms_key_arn:
        return None
    try:
        return _describe_key(aws, request.kms_key_arn)["Arn"]
    except CoreError:
        return request.kms_key_arn


def _role_facts(aws: Aws, request: ExportRequest, role_account: str, name: str) -> _RoleFacts:
    """Reads the role, its policies, the organization and the key at once (each a chain of
    calls on the thread pool); raises CoreError when the role itself cannot be read."""
    submit = discovery.pool().submit
    role_lookup = submit(call, "iam:GetRole", aws.client("iam").get_role, RoleName=name)
    organization = submit(_organization_arn, aws, request, role_account)
    policy_reads = start_reading_documents(aws, name)
    key_arn = submit(_key_arn, aws, request)
    role = role_lookup.result()["Role"]
    documents: list[Mapping[str, Any]] | None
    try:
        documents, problem = documents_read(policy_reads), None
        inline = policy_reads.inline.result()
    except CoreError as error:
        documents, problem, inline = None, error.problem, {}
    account, org_arn = organization.result()
    return _RoleFacts(name=name, arn=role["Arn"], account=account, org_arn=org_arn,
                      trust_document=policies.parse_document(
                          role.get("AssumeRolePolicyDocument") or {}),
                      documents=documents, documents_problem=problem,
                      key_arn=key_arn.result(), inline=inline)


def _read_role(aws: Aws, request: ExportRequest) -> _RoleFacts | Finding:
    """The role's facts, or the finding that says why they cannot be read."""
    field = Field.ROLE
    bad = _field_error(field, request.role_arn)
    if bad:
        return bad
    found = _ROLE_ARN.match(request.role_arn)
    if not found:
        return Finding(field, Level.ERROR, f"{request.role_arn} is not the ARN of an IAM role.",
                       fix="Use an ARN like arn:aws:iam::111122223333:role/WorkMailExport.")
    try:
        facts = _role_facts(aws, request, *found.groups())
    except CoreError as error:
        if error.problem.code == "NoSuchEntity":
            return Finding(field, Level.ERROR, f"There is no role {found.group(2)} in this "
                           "account.", fix="Create it with this trust policy, then add the "
                           "permissions policy the role check shows.",
                           policy=_trust_json(aws, request, found.group(1)))
        return unchecked(field, error.problem)
    if facts.arn != request.role_arn:
        return Finding(field, Level.ERROR, f"The role {facts.name} has the ARN {facts.arn}, "
                       f"not {request.role_arn}.", fix=f"Use {facts.arn}.")
    if facts.arn.split(":")[4] != facts.account:
        return Finding(field, Level.UNCHECKED,
                       f"could not check: the role belongs to account {found.group(1)}, the "
                       f"organization to {facts.account}",
                       fix="Use a role of the organization's account.")
    return facts


def _trust_json(aws: Aws, request: ExportRequest, account: str) -> str:
    return policies.trust_policy_json(account, aws.region, request.organization_id)


def _trust_finding(aws: Aws, request: ExportRequest, facts: _RoleFacts) -> Finding:
    verdict = policies.analyse_trust(facts.trust_document, facts.account, facts.org_arn)
    if not verdict.trusted:
        return Finding(Field.ROLE, Level.ERROR,
                       f"The role {facts.name} does not let {policies.EXPORT_SERVICE} assume it "
                       f"for this organization: {'; '.join(verdict.problems)}.",
                       **_trust_fix(aws, request, facts))
    # Narrowing a trust policy replaces a statement: a change this tool leaves to a person.
    trust_json = _trust_json(aws, request, facts.account)
    replace_it = (f"replace the statement that trusts {policies.EXPORT_SERVICE} with this "
                  f"policy's (aws iam update-assume-role-policy --role-name {facts.name} "
                  "--policy-document file://trust.json, keeping the role's other statements).")
    if verdict.notes:
        return Finding(Field.ROLE, Level.WARNING,
                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE}, under "
                       f"conditions this tool cannot evaluate: {', '.join(verdict.notes)}.",
                       fix=f"If the export fails, {replace_it}", policy=trust_json)
    if verdict.needs_external_id:
        # ASSUMPTION (unverified, the simulator's Assumptions.external_id): the current guide
        # names only aws:SourceAccount and aws:SourceArn; the service may no longer send
        # sts:ExternalId, so a trust that depends on it may or may not let WorkMail in.
        return Finding(Field.ROLE, Level.WARNING,
                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE} depending on "
                       "sts:ExternalId, as the older guide's trust policy did; the current guide "
                       "uses aws:SourceAccount and aws:SourceArn, and whether WorkMail still "
                       "sends sts:ExternalId is not documented.",
                       fix=f"Use the current form: {replace_it}", policy=trust_json)
    if verdict.form is policies.TrustForm.UNCONDITIONED:
        return Finding(Field.ROLE, Level.WARNING,
                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE} for any "
                       "organization of any account.",
                       fix=f"Limit it to this organization: {replace_it}", policy=trust_json)
    form = verdict.form.value if verdict.form else ""
    return Finding(Field.ROLE, Level.OK,
                   f"The role {facts.name} trusts {policies.EXPORT_SERVICE} ({form}).")


class _Fix(TypedDict, total=False):
    """A Finding's fix and policy, as keyword arguments."""

    fix: str
    policy: str


def _trust_fix(aws: Aws, request: ExportRequest, facts: _RoleFacts) -> _Fix:
    """The fix of a trust policy that does not let WorkMail in: WorkMail's statement merged
    into the role's trust policy (shown whole; every other statement kept), or - for a Deny -
    the sentence saying the tool will not remove it."""
    addition = documents.trust_addition(facts.trust_document, facts.account, aws.region,
                                        request.organization_id)
    if not isinstance(addition, documents.PolicyAddition):
        reason = addition.reason if addition else "it cannot be changed by adding to it"
        return {"fix": f"Remove that Deny yourself if the export should work: {reason}."}
    return {"fix": f"Add WorkMail's statement to its trust policy: this is the whole policy, "
                   f"its statements as they are plus one (aws iam update-assume-role-policy "
                   f"--role-name {facts.name} --policy-document file://trust.json), {SETUP_HINT}.",
            "policy": policies.as_json(addition.document)}


@dataclass(frozen=True)
class _Access:
    """One evaluation of the role's policies for the export's calls, read by the role check
    (anywhere in the bucket) and the prefix check (at the prefix), so they cannot disagree."""

    in_bucket: list[policies.AccessVerdict]
    at_prefix: list[policies.AccessVerdict] | None  # None: no valid prefix yet
    # At the prefix if the object's key is <prefix><JobId>.zip (policies.object_key_start):
    # None when that is the same key (a prefix ending in /) or there is no valid prefix.
    at_prefix_concatenated: list[policies.AccessVerdict] | None = None

    @property
    def refused(self) -> list[policies.AccessVerdict]:
        """Calls the role may make nowhere in the bucket (the role's own error)."""
        return [v for v in self.in_bucket if not v.allowed]

    @property
    def refused_at_prefix(self) -> list[policies.AccessVerdict]:
        """Calls allowed somewhere in the bucket, but not under the prefix."""
        if self.at_prefix is None:
            return []
        return [p for b, p in zip(self.in_bucket, self.at_prefix, strict=True)
                if b.allowed and not p.allowed]

    @property
    def allowed_at_prefix(self) -> bool:
        return self.at_prefix is not None and all(v.allowed for v in self.at_prefix)

    @property
    def allowed_only_if_joined(self) -> bool:
        """Allowed at the prefix only if WorkMail puts a / between it and the object's name."""
        return self.allowed_at_prefix and self.at_prefix_concatenated is not None and not all(
            v.allowed for v in self.at_prefix_concatenated)


def _access(aws: Aws, request: ExportRequest, facts: _RoleFacts) -> _Access:
    assert facts.documents is not None
    bucket = request.bucket or None
    in_bucket = policies.evaluate_export(facts.documents, bucket, facts.key_arn, aws.region,
                                         prefix=None, caller=facts.arn)
    at_prefix = concatenated = None
    if bucket and not fields.check_field(Field.PREFIX, request.prefix):
        at_prefix = policies.evaluate_export(facts.documents, bucket, facts.key_arn,
                                             aws.region, prefix=request.prefix, caller=facts.arn)
        if not request.prefix.endswith("/"):
            concatenated = policies.evaluate_export(facts.documents, bucket, facts.key_arn,
                                                    aws.region, prefix=request.prefix,
                                                    joined=False, caller=facts.arn)
    return _Access(in_bucket, at_prefix, concatenated)


def _permissions_fix(aws: Aws, request: ExportRequest, facts: _RoleFacts,
                     everything: bool = False) -> _Fix:
    """The fix for permissions the role lacks: the statements it lacks as an inline policy of
    their own name (or merged into the policy of that name, shown whole); never a replaced
    policy, and never a grant on a public bucket."""
    if not request.bucket or facts.key_arn is None:
        return {"fix": "Choose the key and the bucket; this check then shows the policy to add."}
    public = read_public_access(aws, request.bucket)
    if not isinstance(public, CoreError) and public.is_public:
        return {"fix": f"The bucket {request.bucket} is public, and WorkMail refuses public "
                       "buckets: choose a private bucket (or block public access on this one "
                       "first). No policy is offered for a public bucket."}
    assert facts.documents is not None
    target = documents.ExportTarget(request.bucket, request.prefix, facts.key_arn, aws.region,
                                    bucket_key=bucket_key_enabled(aws, request.bucket) is True)
    addition = documents.role_permissions_addition(facts.inline, facts.documents, target,
                                                   everything)
    if addition is None:
        return {}
    if isinstance(addition, documents.Refusal):
        return {"fix": f"Remove that Deny yourself if the export should work: {addition.reason}."}
    command = (f"aws iam put-role-policy --role-name {facts.name} --policy-name "
               f"{addition.name} --policy-document file://permissions.json")
    if addition.is_new:
        fix = (f"Add this policy to the role as a new inline policy named {addition.name} "
               f"({command}); the role's other policies stay as they are. Or {SETUP_HINT[3:]}.")
    else:
        fix = (f"The role's inline policy {addition.name} with the missing statements added: "
               f"this is the whole policy, its statements as they are plus the new ones "
               f"({command}). Or {SETUP_HINT[3:]}.")
    return {"fix": fix, "policy": policies.as_json(addition.document)}


def _permission_findings(aws: Aws, request: ExportRequest, facts: _RoleFacts) -> Finding:
    field = Field.ROLE
    if facts.documents is None:
        assert facts.documents_problem is not None
        return unchecked(field, facts.documents_problem, "the role's permissions")
    if not request.bucket and facts.key_arn is None:
        return Finding(field, Level.UNCHECKED, "could not check the role's permissions yet: "
                       "choose the key and the bucket first",
                       essential=False)  # waits for fields not given yet (check of a few)
    access = _access(aws, request, facts)
    if access.refused:
        return Finding(field, Level.ERROR, f"The role {facts.name} may not do what an export "
                       f"needs: {policies.describe_refusals(access.refused)}.",
                       **_permissions_fix(aws, request, facts))
    notes = sorted({note for v in access.in_bucket for note in v.notes})
    if notes:
        fix = _permissions_fix(aws, request, facts, everything=True)
        return Finding(field, Level.WARNING, f"The role {facts.name}'s permissions depend on "
                       f"conditions this tool cannot evaluate: {', '.join(notes)}.",
                       fix=f"If the export fails: {fix.get('fix', '')}".strip(),
                       policy=fix.get("policy", ""))
    return Finding(field, Level.OK, f"The role {facts.name} may write to the bucket and use "
                   f"the key through S3 in {aws.region}.")


RoleReader = Callable[[], "_RoleFacts | Finding"]


def check_role(aws: Aws, request: ExportRequest,
               read_role: RoleReader | None = None) -> list[Finding]:
    """The role exists, WorkMail's export service may assume it for this organization (the
    current aws:SourceAccount/SourceArn form or the older sts:ExternalId form), and its
    policies allow the s3 and kms calls of an export (kms:ViaService of this Region).
    `read_role` lets preflight share one read of the role with check_prefix."""
    facts = read_role() if read_role else _read_role(aws, request)
    if isinstance(facts, Finding):
        return [facts]
    return [_trust_finding(aws, request, facts), _permission_findings(aws, request, facts)]


# --- key ------------------------------------------------------------------------------------


def _describe_key(aws: Aws, key: str) -> Mapping[str, Any]:
    kms = aws.client("kms")
    return call("kms:DescribeKey", kms.describe_key, KeyId=key)["KeyMetadata"]


def check_key(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The key is symmetric, for ENCRYPT_DECRYPT, Enabled, and in the organization's Region."""
    field = Field.KMS_KEY
    bad = _field_error(field, request.kms_key_arn)
    if bad:
        return [bad]
    key_region = discovery.arn_region(request.kms_key_arn)
    if key_region and key_region != aws.region:
        return [Finding(field, Level.ERROR,
                        f"The key is in {key_region}, the organization in {aws.region}; the "
                        "key must be in the organization's Region.",
                        fix=f"Choose a symmetric key in {aws.region}, or create one there "
                            f"(aws kms create-key --region {aws.region}).")]
    try:
        metadata = _describe_key(aws, request.kms_key_arn)
    except CoreError as error:
        if error.problem.code == "NotFoundException":
            return [Finding(field, Level.ERROR, f"There is no KMS key {request.kms_key_arn} "
                            f"in {aws.region}.", fix="Choose a key from the list.")]
        return [unchecked(field, error.problem)]
    issue = discovery.key_issue(metadata, aws.region)
    if issue:
        why, fix = issue
        return [Finding(field, Level.ERROR, f"The key {metadata['KeyId']} cannot be used. {why}",
                        fix=fix)]
    return [Finding(field, Level.OK, f"The key {metadata['KeyId']} is symmetric, Enabled and "
                    f"in {aws.region}."), *_key_policy_findings(aws, request, metadata)]


def _key_policy_findings(aws: Aws, request: ExportRequest,
                         metadata: Mapping[str, Any]) -> list[Finding]:
    """Whether the key policy lets the role use the key: it names the role, or it delegates
    to IAM policies (the default "Enable IAM User Permissions" statement)."""
    field = Field.KMS_KEY
    role = _ROLE_ARN.match(request.role_arn)
    if not role:
        return []
    try:
        answer = call("kms:GetKeyPolicy", aws.client("kms").get_key_policy,
                      KeyId=metadata["KeyId"], PolicyName="default")
    except CoreError as error:
        return [unchecked(field, error.problem, "the key policy")]
    document = policies.parse_document(answer["Policy"])
    name = role.group(2)
    addition = documents.key_policy_addition(document, metadata["Arn"], request.role_arn,
                                             aws.region)
    if isinstance(addition, documents.Refusal):
        return [Finding(field, Level.ERROR, f"The key policy refuses the role {name} the use "
                        f"of the key: {addition.reason}.",
                        fix="Remove that Deny yourself if the export should work.")]
    if addition is not None:
        return [Finding(field, Level.ERROR, f"The key policy neither lets the role {name} use "
                        "the key nor leaves that to IAM policies.",
                        fix=f"Put this key policy: the whole policy, its statements as they are "
                            f"plus one for the role (KMS console > the key > Key policy, or aws "
                            f"kms put-key-policy --key-id {metadata['KeyId']} --policy-name "
                            f"default --policy file://key-policy.json), {SETUP_HINT}.",
                        policy=policies.as_json(addition.document))]
    notes = sorted({note for verdict in policies.key_policy_verdicts(
        document, metadata["Arn"], request.role_arn, aws.region) for note in verdict.notes})
    if notes:
        return [Finding(field, Level.WARNING, f"Whether the key policy lets the role {name} "
                        f"use it depends on conditions this tool cannot evaluate: "
                        f"{', '.join(notes)}.",
                        fix="If the export fails, add a statement for the role to the key "
                            f"policy (KMS console > the key > Key policy), {SETUP_HINT}.",
                        policy=policies.key_policy_statement(request.role_arn, aws.region))]
    return [Finding(field, Level.OK, f"The key policy lets the role {name} use it.")]


# --- bucket ---------------------------------------------------------------------------------


_BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                   "RestrictPublicBuckets")
_EVERYONE = ("http://acs.amazonaws.com/groups/global/AllUsers",
             "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _public_policy(aws: Aws, bucket: str) -> bool:
    """GetBucketPolicyStatus - the call WorkMail itself makes (its role needs it)."""
    status = call_unless(("NoSuchBucketPolicy",), "s3:GetBucketPolicyStatus",
                         aws.client("s3").get_bucket_policy_status, Bucket=bucket)
    return bool(status and status.get("PolicyStatus", {}).get("IsPublic"))


def _block_settings(aws: Aws, bucket: str) -> dict[str, bool] | None:
    """The bucket's Block Public Access settings; None when it has none at all."""
    answer = call_unless(("NoSuchPublicAccessBlockConfiguration",), "s3:GetBucketPublicAccessBlock",
                         aws.client("s3").get_public_access_block, Bucket=bucket)
    if answer is None:
        return None
    config = answer.get("PublicAccessBlockConfiguration", {})
    return {name: bool(config.get(name)) for name in _BLOCK_SETTINGS}


def _public_acl(aws: Aws, bucket: str) -> bool:
    """Whether the bucket's ACL grants anything to everyone (or every AWS account)."""
    grants = call("s3:GetBucketAcl", aws.client("s3").get_bucket_acl, Bucket=bucket)
    return any(grant.get("Grantee", {}).get("URI") in _EVERYONE
               for grant in grants.get("Grants", []))


def _attempt(function: Callable[..., T], *args: Any) -> T | CoreError:
    """The result of a call, or the CoreError it raised (to sort out after a concurrent run)."""
    try:
        return function(*args)
    except CoreError as error:
        return error


@dataclass(frozen=True)
class PublicAccess:
    """What decides whether a bucket is public: its Block Public Access settings (None: it
    has none), whether its policy or its ACL grants everyone. A CoreError where a read
    failed."""

    settings: dict[str, bool] | CoreError | None
    public_policy: bool | CoreError
    public_acl: bool | CoreError

    @property
    def is_public(self) -> bool:
        """Public as far as the reads tell: a public grant its setting does not override
        (RestrictPublicBuckets for the policy, IgnorePublicAcls for the ACL)."""
        settings = self.settings if isinstance(self.settings, dict) else {}
        return ((self.public_policy is True and not settings.get("RestrictPublicBuckets"))
                or (self.public_acl is True and not settings.get("IgnorePublicAcls")))

    @property
    def fully_blocked(self) -> bool:
        """All four Block Public Access settings are on."""
        return isinstance(self.settings, dict) and all(self.settings.get(name)
                                                       for name in _BLOCK_SETTINGS)


def read_public_access(aws: Aws, bucket: str) -> PublicAccess:
    """The bucket's Block Public Access settings, policy status and ACL, read at once."""
    submit = discovery.pool().submit
    settings = submit(_attempt, _block_settings, aws, bucket)
    public_policy = submit(_attempt, _public_policy, aws, bucket)
    public_acl = submit(_attempt, _public_acl, aws, bucket)
    return PublicAccess(settings.result(), public_policy.result(), public_acl.result())


def bucket_key_enabled(aws: Aws, bucket: str) -> bool | None:
    """Whether the bucket's default encryption uses SSE-KMS with an S3 Bucket Key (None:
    could not read it)."""
    try:
        answer = call_unless(("ServerSideEncryptionConfigurationNotFoundError",),
                             "s3:GetEncryptionConfiguration",
                             aws.client("s3").get_bucket_encryption, Bucket=bucket)
    except CoreError:
        return None
    rules = (answer or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    return any(rule.get("BucketKeyEnabled") and rule.get(
        "ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "").startswith("aws:kms")
        for rule in rules)


def _public_findings(bucket: str, access: PublicAccess) -> list[Finding]:
    """Errors when the bucket is public, a warning when nothing stops it becoming public.

    Public: GetBucketPolicyStatus says so (the call WorkMail makes) while RestrictPublicBuckets
    is off: an error. An ACL that grants everyone while IgnorePublicAcls is off makes the
    bucket public too, but whether WorkMail refuses such a bucket is an ASSUMPTION
    (unverified; the simulator's Assumptions.public_acl_refused): its role reads only the
    policy status, so that is a warning. BlockPublicPolicy does not count: S3 documents that
    it only refuses new public policies and leaves an existing one in force.
    """
    field = Field.BUCKET
    block = (f"Turn on Block Public Access (aws s3api put-public-access-block --bucket {bucket} "
             f"--public-access-block-configuration file://block.json), {SETUP_HINT}.")
    public = policies.public_access_block_json()
    findings: list[Finding] = []
    settings, public_policy, public_acl = access.settings, access.public_policy, access.public_acl
    if isinstance(settings, CoreError):
        findings.append(unchecked(field, settings.problem, "the bucket's Block Public Access"))
        settings = {}
    probes = [(public_policy, "policy", "its bucket policy grants public access",
               "RestrictPublicBuckets"),
              (public_acl, "ACL", "its ACL grants access to everyone", "IgnorePublicAcls")]
    for found, part, why, neutraliser in probes:
        if isinstance(found, CoreError):
            findings.append(unchecked(field, found.problem, f"whether the bucket's {part} is "
                                      "public"))
        elif found and (settings or {}).get(neutraliser):
            # ASSUMPTION (unverified): S3 then keeps the public grant from working, but
            # whether WorkMail accepts such a bucket is not documented.
            findings.append(Finding(field, Level.WARNING, f"The bucket {bucket}: {why}, which "
                                    f"its {neutraliser} setting overrides; whether WorkMail "
                                    "accepts such a bucket is not documented.",
                                    fix=f"Remove the public grants from its {part}."))
        elif found and part == "ACL":
            findings.append(Finding(field, Level.WARNING, f"The bucket {bucket} is public: "
                                    f"{why}, so anyone may read the exports; WorkMail checks "
                                    "the bucket policy, and whether it also refuses a bucket "
                                    "whose ACL is public is not documented.",
                                    fix=f"Remove the public grants from its ACL. {block}",
                                    policy=public))
        elif found:
            return [Finding(field, Level.ERROR, f"The bucket {bucket} is public: {why}, and "
                            "WorkMail refuses public buckets.",
                            fix=f"Remove the public grants from its {part}. {block}",
                            policy=public)]
    if settings is None or (settings and not all(settings.values())):
        what = ("has no Block Public Access settings" if settings is None else
                "has Block Public Access partly off "
                f"({', '.join(n for n, on in settings.items() if not on)})")
        findings.append(Finding(field, Level.WARNING, f"The bucket {bucket} {what}; it is not "
                                "public now, but nothing stops it becoming public.",
                                fix=block, policy=public))
    return findings


def check_bucket(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The bucket exists, is in the organization's Region, and is not public."""
    field = Field.BUCKET
    bucket = request.bucket
    bad = _field_error(field, bucket)
    if bad:
        return [bad]
    try:
        region = discovery.bucket_region(aws.client("s3"), bucket)
    except CoreError as error:
        if error.problem.code == "NoSuchBucket":
            cannot_create = fields.bucket_creation_problem(bucket)
            if cannot_create:  # never advise creating a bucket S3 would refuse to create
                return [Finding(field, Level.ERROR, f"There is no bucket {bucket}, and none can "
                                f"be created by that name: {cannot_create}",
                                fix="Choose a bucket from the list, or create one whose name "
                                    "is in lowercase.")]
            return [Finding(field, Level.ERROR, f"There is no bucket {bucket}.",
                            fix=f"Create it in {aws.region} (aws s3api create-bucket --bucket "
                                f"{bucket} --region {aws.region}), or choose one from the list.")]
        return [unchecked(field, error.problem)]
    choice = discovery.bucket_choice(bucket, region, aws.region)
    if not choice.usable:
        return [Finding(field, Level.ERROR, f"The bucket {bucket} cannot be used. "
                        f"{choice.why_not}", fix=f"Choose a bucket in {aws.region}.")]
    submit = discovery.pool().submit
    denials = submit(bucket_policy_denials, aws, request)
    bucket_key = submit(_bucket_key_findings, aws, request)
    access = read_public_access(aws, bucket)
    return [*denials.result(), *_public_findings(bucket, access), *bucket_key.result()] or [
        Finding(field, Level.OK, f"The bucket {bucket} is in {aws.region} and blocks public "
                "access.")]


def _bucket_key_findings(aws: Aws, request: ExportRequest) -> list[Finding]:
    """A warning when the bucket uses an S3 Bucket Key by default and the role (when chosen)
    does not allow the bucket's ARN as the KMS encryption context. With a Bucket Key, S3 asks
    KMS with the bucket's ARN instead of the object's (S3 user guide); whether WorkMail's
    writer uses the bucket's setting is not documented (the simulator assumes it does)."""
    if not bucket_key_enabled(aws, request.bucket):
        return []
    facts = _read_role(aws, request) if request.role_arn else None
    if isinstance(facts, _RoleFacts) and facts.documents is not None and facts.key_arn:
        verdicts = [policies.evaluate(facts.documents, wanted, caller=facts.arn) for wanted in
                    policies.bucket_key_requests(request.bucket, facts.key_arn, aws.region)]
        if all(v.allowed for v in verdicts):
            return []
    return [Finding(Field.BUCKET, Level.WARNING,
                    f"The bucket {request.bucket} uses an S3 Bucket Key by default: KMS then "
                    "sees the bucket's ARN, not the object's, as the encryption context, and a "
                    "role whose condition names only bucket/prefix* is refused if WorkMail "
                    "follows the bucket's setting (not documented).",
                    fix=f"Allow {policies.bucket_arn(request.bucket)} in the role's "
                        "kms:EncryptionContext:aws:s3:arn condition too, "
                        f"{SETUP_HINT}; or turn the bucket's Bucket Key off.")]


def bucket_policy_denials(aws: Aws, request: ExportRequest) -> list[Finding]:
    """An error when the bucket policy denies the role a call of the export."""
    role = _ROLE_ARN.match(request.role_arn)
    if not role:
        return []
    try:
        answer = call_unless(("NoSuchBucketPolicy",), "s3:GetBucketPolicy",
                             aws.client("s3").get_bucket_policy, Bucket=request.bucket)
    except CoreError as error:
        return [unchecked(Field.BUCKET, error.problem, "the bucket policy")]
    if answer is None:
        return []
    denials = [s for s in policies.statements(policies.parse_document(answer["Policy"]))
               if s.get("Effect") == "Deny"]  # its Allows add nothing the role lacks
    document = [{"Statement": denials}]
    prefix = None if fields.check_field(Field.PREFIX, request.prefix) else request.prefix
    requests = policies.export_requests(request.bucket, None, aws.region, prefix)
    verdicts = [policies.evaluate(document, r, principals=[request.role_arn],
                                  caller=request.role_arn) for r in requests]
    refused = [v for v in verdicts if v.denied]
    notes = sorted({note for v in verdicts for note in v.notes})
    if not refused and notes:
        return [Finding(Field.BUCKET, Level.WARNING, f"Whether the bucket policy of "
                        f"{request.bucket} refuses the role {role.group(2)} depends on "
                        f"conditions this tool cannot evaluate: {', '.join(notes)}.",
                        fix="If the export fails, look for a Deny statement in the bucket "
                            "policy that covers the export role.")]
    if not refused:
        return []
    return [Finding(Field.BUCKET, Level.ERROR, f"The bucket policy of {request.bucket} denies "
                    f"the role {role.group(2)}: {policies.describe_refusals(refused)}.",
                    fix="Remove that Deny statement from the bucket policy, or narrow it so "
                        "it leaves out the export role.")]


# --- prefix ---------------------------------------------------------------------------------


def check_prefix(aws: Aws, request: ExportRequest,
                 read_role: RoleReader | None = None) -> list[Finding]:
    """The prefix follows the field rules and lies inside the role's encryption-context
    condition (kms:EncryptionContext:aws:s3:arn) and object resources."""
    field = Field.PREFIX
    bad = _field_error(field, request.prefix)
    if bad:
        return [bad]
    return [*_odd_path(request), *_prefix_for_role(aws, request, read_role)]


def _odd_path(request: ExportRequest) -> list[Finding]:
    """A warning when the prefix's slashes put the export at an odd S3 path."""
    meant = fields.plain_prefix(request.prefix)
    if meant == request.prefix:
        return []
    why = ("starts with /, so the export lands in a folder with no name at the top of the "
           "bucket" if request.prefix.startswith("/") else
           "has // in it, so the export lands under a folder with no name")
    fix = f"Use the prefix '{meant}'." if meant else "Use a prefix such as 'exports/'."
    return [Finding(Field.PREFIX, Level.WARNING,
                    f"The prefix '{request.prefix}' {why} "
                    f"(s3://{request.bucket or 'BUCKET'}/{request.prefix}…).", fix=fix)]


def _prefix_for_role(aws: Aws, request: ExportRequest,
                     read_role: RoleReader | None) -> list[Finding]:
    """Whether the prefix lies inside what the role allows."""
    field = Field.PREFIX
    where = f"s3://{request.bucket}/{request.prefix}"
    if not request.role_arn or not request.bucket:
        return [Finding(field, Level.OK, f"Exports will land under {where}.")]
    facts = read_role() if read_role else _read_role(aws, request)
    if isinstance(facts, Finding):
        return [Finding(field, Level.UNCHECKED,
                        "could not check the prefix against the role: " + facts.message)]
    if facts.documents is None:
        assert facts.documents_problem is not None
        return [unchecked(field, facts.documents_problem, "the prefix against the role")]
    access = _access(aws, request, facts)
    outside = access.refused_at_prefix
    if outside:
        allowed = _prefixes_allowed(facts, request.bucket)
        named = " or ".join(f"'{p}'" for p in allowed) if allowed else "other prefixes"
        fix = _permissions_fix(aws, request, facts)
        return [Finding(field, Level.ERROR,
                        f"The role {facts.name} lets WorkMail write only under {named}; "
                        f"'{request.prefix}' is outside "
                        f"({policies.describe_refusals(outside)}).",
                        fix=f"Use a prefix starting with {named}. Or: {fix.get('fix', '')}",
                        policy=fix.get("policy", ""))]
    if access.allowed_only_if_joined:
        # ASSUMPTION (unverified; the simulator's Assumptions.object_key): WorkMail puts a /
        # between the prefix and the object's name. If it does not, the object lands beside
        # the folder the role allows, not in it.
        return [Finding(field, Level.WARNING,
                        f"The role {facts.name} allows '{request.prefix}/…' but not everything "
                        f"starting '{request.prefix}': whether WorkMail adds a / after a prefix "
                        "that does not end in one is not documented.",
                        fix=f"End the prefix with a slash: '{request.prefix}/'.")]
    if access.allowed_at_prefix:
        return [Finding(field, Level.OK, f"Exports will land under {where}, which the role "
                        f"{facts.name} allows.")]
    # The role may not export to this bucket at all: the role check says why, once.
    return [Finding(field, Level.WARNING, f"Exports will land under {where}, but the role "
                    f"{facts.name} may not export there: see the IAM role's finding.",
                    fix="Fix the role as its finding says (f at this step plans it), or "
                        "choose a bucket and key it may use.")]


def _calls_refused_at(aws: Aws, facts: _RoleFacts, bucket: str,
                      prefix: str) -> list[policies.AccessVerdict]:
    """The export's calls the role may make somewhere in the bucket but not at `prefix`."""
    request = ExportRequest(bucket=bucket, prefix=prefix)
    return _access(aws, request, facts).refused_at_prefix


def _prefixes_allowed(facts: _RoleFacts, bucket: str) -> list[str]:
    assert facts.documents is not None
    return policies.prefixes_allowed(policies.encryption_context_patterns(
        facts.documents, facts.key_arn or ""), bucket)


def suggest_prefix(aws: Aws, request: ExportRequest, mailbox_name: str) -> str | None:
    """A prefix to prefill: `<allowed prefix><mailbox name>/` when the role's
    encryption-context condition allows it, else the allowed prefix itself; None when the
    role names no prefix for this bucket or cannot be read."""
    if not request.role_arn or not request.bucket:
        return None
    facts = _read_role(aws, request)
    if isinstance(facts, Finding) or facts.documents is None:
        return None
    for allowed in _prefixes_allowed(facts, request.bucket):
        candidates = [f"{allowed}{mailbox_name}/"] if mailbox_name else []
        for candidate in [*candidates, allowed]:
            if (candidate and fields.check_field(Field.PREFIX, candidate) is None
                    and not _calls_refused_at(aws, facts, request.bucket, candidate)):
                return candidate
    return None


# --- everything -----------------------------------------------------------------------------


def check_description(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The description follows the field rules (it is optional)."""
    bad = _field_error(Field.DESCRIPTION, request.description)
    return [bad] if bad else []


CHECKS: tuple[Callable[[Aws, ExportRequest], list[Finding]], ...] = (
    check_organization, check_entity, check_role, check_key, check_bucket, check_prefix,
    check_description)
_READ_THE_ROLE = (check_role, check_prefix)  # these two share one read of the role
_ORDER = {field: index for index, field in enumerate(Field)}


def preflight(aws: Aws, request: ExportRequest) -> list[Finding]:
    """Every check, run at once on the thread pool, findings ordered by Field."""
    for service in ("workmail", "iam", "kms", "s3"):
        aws.client(service)  # create clients here: boto3 sessions are not thread-safe
    # A pool of its own: the checks wait on discovery's pool, which must not be full of them.
    # The role (GetRole and every policy of it) is read once, first, for both checks using it.
    with ThreadPoolExecutor(max_workers=len(CHECKS) + 1,
                            thread_name_prefix="preflight") as checks:
        role = checks.submit(_read_role, aws, request)
        futures = [checks.submit(check, aws, request, role.result) if check in _READ_THE_ROLE
                   else checks.submit(check, aws, request) for check in CHECKS]
        findings = [finding for found in discovery.gather(futures) for finding in found]
    return sorted(findings, key=lambda f: _ORDER[f.field])
