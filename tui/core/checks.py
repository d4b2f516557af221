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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tui.core import discovery, fields, policies
from tui.core.discovery import call, call_unless, is_access_denied
from tui.core.model import AwsProblem, CoreError, ExportRequest, Field, Finding, Level

if TYPE_CHECKING:
    from tui.core.session import Aws

T = TypeVar("T")

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
                        "could not check: choose a valid organization first")]
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


def _inline_documents(aws: Aws, name: str) -> list[Mapping[str, Any]]:
    """The role's inline policies."""
    iam = aws.client("iam")
    return [policies.parse_document(call("iam:GetRolePolicy", iam.get_role_policy,
                                         RoleName=name, PolicyName=policy_name)["PolicyDocument"])
            for policy_name in discovery.pages(iam, "list_role_policies", "PolicyNames",
                                               RoleName=name)]


def _attached_documents(aws: Aws, name: str) -> list[Mapping[str, Any]]:
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


def start_reading_documents(aws: Aws, role_name: str) -> list[Future[list[Mapping[str, Any]]]]:
    """Submits the reads of the role's inline and attached policies to the thread pool (from
    outside it: its tasks never wait on each other); `documents_read` collects them."""
    submit = discovery.pool().submit
    return [submit(_inline_documents, aws, role_name), submit(_attached_documents, aws, role_name)]


def documents_read(reads: list[Future[list[Mapping[str, Any]]]]) -> list[Mapping[str, Any]]:
    """Every policy document the reads found; CoreError when one could not be read."""
    return [document for found in discovery.gather(reads) for document in found]


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
    except CoreError as error:
        documents, problem = None, error.problem
    account, org_arn = organization.result()
    return _RoleFacts(name=name, arn=role["Arn"], account=account, org_arn=org_arn,
                      trust_document=policies.parse_document(
                          role.get("AssumeRolePolicyDocument") or {}),
                      documents=documents, documents_problem=problem,
                      key_arn=key_arn.result())


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


def _permissions_json(aws: Aws, request: ExportRequest, key_arn: str | None) -> str:
    return policies.permissions_policy_json(request.bucket or "BUCKET", request.prefix,
                                            key_arn or "KEY_ARN", aws.region)


def _trust_finding(aws: Aws, request: ExportRequest, facts: _RoleFacts) -> Finding:
    verdict = policies.analyse_trust(facts.trust_document, facts.account, facts.org_arn)
    trust_json = _trust_json(aws, request, facts.account)
    update = (f"Replace its trust policy with this one (aws iam update-assume-role-policy "
              f"--role-name {facts.name} --policy-document file://trust.json).")
    if not verdict.trusted:
        return Finding(Field.ROLE, Level.ERROR,
                       f"The role {facts.name} does not let {policies.EXPORT_SERVICE} assume it "
                       f"for this organization: {'; '.join(verdict.problems)}.",
                       fix=update, policy=trust_json)
    if verdict.notes:
        return Finding(Field.ROLE, Level.WARNING,
                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE}, under "
                       f"conditions this tool cannot evaluate: {', '.join(verdict.notes)}.",
                       fix=f"If the export fails, {update[0].lower()}{update[1:]}",
                       policy=trust_json)
    if verdict.needs_external_id:
        # ASSUMPTION (unverified, the simulator's Assumptions.external_id): the current guide
        # names only aws:SourceAccount and aws:SourceArn; the service may no longer send
        # sts:ExternalId, so a trust that depends on it may or may not let WorkMail in.
        return Finding(Field.ROLE, Level.WARNING,
                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE} depending on "
                       "sts:ExternalId, as the older guide's trust policy did; the current guide "
                       "uses aws:SourceAccount and aws:SourceArn, and whether WorkMail still "
                       "sends sts:ExternalId is not documented.",
                       fix=f"Use the current form: {update[0].lower()}{update[1:]}",
                       policy=trust_json)
    if verdict.form is policies.TrustForm.UNCONDITIONED:
        return Finding(Field.ROLE, Level.WARNING,
                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE} for any "
                       "organization of any account.",
                       fix=f"Limit it to this organization: {update[0].lower()}{update[1:]}",
                       policy=trust_json)
    form = verdict.form.value if verdict.form else ""
    return Finding(Field.ROLE, Level.OK,
                   f"The role {facts.name} trusts {policies.EXPORT_SERVICE} ({form}).")


def _permission_findings(aws: Aws, request: ExportRequest, facts: _RoleFacts) -> Finding:
    field = Field.ROLE
    if facts.documents is None:
        assert facts.documents_problem is not None
        return unchecked(field, facts.documents_problem, "the role's permissions")
    bucket = request.bucket or None
    if bucket is None and facts.key_arn is None:
        return Finding(field, Level.UNCHECKED, "could not check the role's permissions yet: "
                       "choose the key and the bucket first")
    verdicts = policies.evaluate_export(facts.documents, bucket, facts.key_arn, aws.region,
                                        prefix=None, caller=facts.arn)
    refused = [v for v in verdicts if not v.allowed]
    put_policy = (f"Add this permissions policy to the role (aws iam put-role-policy "
                  f"--role-name {facts.name} --policy-name WorkMailExport "
                  f"--policy-document file://permissions.json).")
    if refused:
        return Finding(field, Level.ERROR, f"The role {facts.name} may not do what an export "
                       f"needs: {policies.describe_refusals(refused)}.", fix=put_policy,
                       policy=_permissions_json(aws, request, facts.key_arn))
    notes = sorted({note for v in verdicts for note in v.notes})
    if notes:
        return Finding(field, Level.WARNING, f"The role {facts.name}'s permissions depend on "
                       f"conditions this tool cannot evaluate: {', '.join(notes)}.",
                       fix=f"If the export fails: {put_policy}",
                       policy=_permissions_json(aws, request, facts.key_arn))
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
    document = [policies.parse_document(answer["Policy"])]
    key_account = metadata["Arn"].split(":")[4]
    add = (f"Add this statement to the key policy (KMS console > the key > Key policy, or aws "
           f"kms put-key-policy --key-id {metadata['KeyId']} --policy-name default).")
    statement = policies.key_policy_statement(request.role_arn, aws.region)
    notes: list[str] = []
    for wanted in policies.export_requests(None, metadata["Arn"], aws.region, None):
        direct = policies.evaluate(document, wanted, principals=[request.role_arn],
                                   caller=request.role_arn)
        if direct.denied:
            return [Finding(field, Level.ERROR, f"The key policy refuses the role "
                            f"{role.group(2)} {wanted.action}.", fix=f"Remove that Deny. {add}",
                            policy=statement)]
        delegated = policies.evaluate(document, wanted,
                                      principals=policies.account_principals(key_account),
                                      caller=request.role_arn)
        if not (direct.allowed or delegated.allowed):
            return [Finding(field, Level.ERROR, f"The key policy neither lets the role "
                            f"{role.group(2)} use the key ({wanted.action}) nor leaves that to "
                            "IAM policies.", fix=add, policy=statement)]
        if not any(v.allowed and not v.notes for v in (direct, delegated)):
            notes += [*direct.notes, *delegated.notes]  # allowed only if they hold
    if notes:
        return [Finding(field, Level.WARNING, f"Whether the key policy lets the role "
                        f"{role.group(2)} use it depends on conditions this tool cannot "
                        f"evaluate: {', '.join(sorted(set(notes)))}.",
                        fix=f"If the export fails: {add}", policy=statement)]
    return [Finding(field, Level.OK, f"The key policy lets the role {role.group(2)} use it.")]


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


def _public_findings(bucket: str, settings: dict[str, bool] | CoreError | None,
                     public_policy: bool | CoreError, public_acl: bool | CoreError
                     ) -> list[Finding]:
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
             "--public-access-block-configuration file://block.json).")
    public = policies.public_access_block_json()
    findings: list[Finding] = []
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
    denials = submit(_bucket_policy_findings, aws, request)
    settings = submit(_attempt, _block_settings, aws, bucket)
    public_policy = submit(_attempt, _public_policy, aws, bucket)
    public_acl = submit(_attempt, _public_acl, aws, bucket)
    return [*denials.result(), *_public_findings(bucket, settings.result(), public_policy.result(),
                                                 public_acl.result())] or [
        Finding(field, Level.OK, f"The bucket {bucket} is in {aws.region} and blocks public "
                "access.")]


def _bucket_policy_findings(aws: Aws, request: ExportRequest) -> list[Finding]:
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
    outside = _calls_refused_at(aws, facts, request.bucket, request.prefix)
    if outside:
        allowed = _prefixes_allowed(facts, request.bucket)
        named = " or ".join(f"'{p}'" for p in allowed) if allowed else "other prefixes"
        return [Finding(field, Level.ERROR,
                        f"The role {facts.name} lets WorkMail write only under {named}; "
                        f"'{request.prefix}' is outside "
                        f"({policies.describe_refusals(outside)}).",
                        fix=f"Use a prefix starting with {named}, or change the role's policy "
                            "to this one.",
                        policy=_permissions_json(aws, request, facts.key_arn))]
    if not request.prefix.endswith("/") and _calls_refused_at(
            aws, facts, request.bucket, request.prefix, joined=False):
        # ASSUMPTION (unverified; the simulator's Assumptions.object_key): WorkMail puts a /
        # between the prefix and the object's name. If it does not, the object lands beside
        # the folder the role allows, not in it.
        return [Finding(field, Level.WARNING,
                        f"The role {facts.name} allows '{request.prefix}/…' but not everything "
                        f"starting '{request.prefix}': whether WorkMail adds a / after a prefix "
                        "that does not end in one is not documented.",
                        fix=f"End the prefix with a slash: '{request.prefix}/'.")]
    return [Finding(field, Level.OK, f"Exports will land under {where}, which the role "
                    f"{facts.name} allows.")]


def _calls_refused_at(aws: Aws, facts: _RoleFacts, bucket: str,
                      prefix: str, joined: bool = True) -> list[policies.AccessVerdict]:
    """The export's calls the role may make somewhere in the bucket but not at `prefix`
    (the object's key formed as `joined` says: policies.object_key_start)."""
    assert facts.documents is not None
    in_bucket = policies.evaluate_export(facts.documents, bucket, facts.key_arn, aws.region,
                                         prefix=None, caller=facts.arn)
    at_prefix = policies.evaluate_export(facts.documents, bucket, facts.key_arn, aws.region,
                                         prefix=prefix, joined=joined, caller=facts.arn)
    return [p for b, p in zip(in_bucket, at_prefix, strict=True) if b.allowed and not p.allowed]


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
