"""The bucket planner: the S3 bucket the export lands in, created or closed to the public.

A missing bucket is created in the organization's Region with all four Block Public Access
settings, bucket owner enforced, default encryption with the export's key and no S3 Bucket
Key (a Bucket Key would make the bucket's ARN the encryption context, which a role scoped to
bucket/prefix* may be refused), and the tool's tags. An existing bucket of the account gets
Block Public Access turned on when it is not fully on; nothing else about it changes (its
policy is never loosened or replaced). A bucket in another Region, one that belongs to
someone else, or a bucket policy that denies the role are blockers, with a free name
offered where another name would do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core import checks, discovery, fields
from tui.core.model import CoreError, ExportRequest
from tui.core.setup import documents
from tui.core.setup.plan import Call, Kind, Step
from tui.core.setup.request import SetupContext

if TYPE_CHECKING:
    from tui.core.session import Aws

BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
NAME_MAX = 63
WITH_BUCKET = "goes with the bucket"
BUCKET_COST = "S3 bills what the exports store and the requests; an empty bucket costs nothing."


@dataclass(frozen=True)
class BucketPlan:
    """The steps for the bucket; `bucket_key` says its default encryption uses an S3 Bucket
    Key (the role's KMS condition then has to allow the bucket's ARN too)."""

    name: str
    steps: tuple[Step, ...] = ()
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    bucket_key: bool = False
    exists: bool = False


def new_bucket_problem(name: str) -> str | None:
    """Why S3 would not create a bucket by this name (None: it would): the field's rules and
    S3's naming rules, then those for new buckets only (fields.bucket_creation_problem)."""
    return fields.bucket_creation_problem(name)


def _region_or_absent(aws: Aws, name: str) -> str | None:
    """The bucket's Region; None when no bucket has this name. CoreError when it may not be
    read (a bucket of another account answers AccessDenied)."""
    try:
        return discovery.bucket_region(aws.client("s3"), name)
    except CoreError as error:
        if error.problem.code == "NoSuchBucket":
            return None
        raise


def free_bucket_name(aws: Aws, wanted: str, account: str) -> str | None:
    """A name like `wanted` that no bucket has yet: `<wanted>-<account>`, then with -2, -3.
    None when none of the first few is free (or they cannot be read)."""
    base = f"{wanted[:NAME_MAX - len(account) - 1]}-{account}"
    for candidate in [base, *(f"{base[:NAME_MAX - 3]}-{n}" for n in range(2, 6))]:
        try:
            if _region_or_absent(aws, candidate) is None:
                return candidate
        except CoreError:
            continue
    return None


def plan_bucket(aws: Aws, context: SetupContext, name: str, key_arn: str,
                role_arn: str) -> BucketPlan:
    """What the bucket needs. `key_arn` encrypts a new bucket by default ("" leaves that
    out); `role_arn` is the export role (a bucket policy denying it is a blocker)."""
    try:
        region = _region_or_absent(aws, name)
    except CoreError as error:
        if not discovery.is_access_denied(error.problem):
            raise
        return BucketPlan(name, blockers=(_taken(aws, context, name),))
    if region is None:
        problem = new_bucket_problem(name)
        if problem:
            return BucketPlan(name, blockers=(problem,))
        return BucketPlan(name, _new_bucket(context, name, key_arn))
    if region != context.region:
        free = free_bucket_name(aws, name, context.account)
        offer = f" A free name in {context.region}: {free}." if free else ""
        return BucketPlan(name, exists=True, blockers=(
            f"The bucket {name} is in {region}, the organization in {context.region}; a "
            f"bucket cannot move to another Region.{offer}",))
    return _existing_bucket(aws, name, role_arn)


def _taken(aws: Aws, context: SetupContext, name: str) -> str:
    free = free_bucket_name(aws, name, context.account)
    offer = f" A free name: {free}." if free else ""
    return (f"The bucket name {name} is taken by a bucket you may not read (it belongs to "
            f"another account, or your identity may not call s3:GetBucketLocation).{offer}")


def _existing_bucket(aws: Aws, name: str, role_arn: str) -> BucketPlan:
    blockers: list[str] = []
    if role_arn:
        denials = checks.bucket_policy_denials(aws, ExportRequest(bucket=name, role_arn=role_arn))
        blockers += [f"{f.message} This tool does not change bucket policies." for f in denials]
    steps: list[Step] = []
    access = checks.read_public_access(aws, name)
    if isinstance(access.settings, CoreError):
        blockers.append(f"The bucket {name}: could not read its Block Public Access settings "
                        f"({access.settings.problem.code}).")
    elif not access.fully_blocked:
        before = access.settings or {}
        effect = (" It is public now: whoever reads it without credentials loses access."
                  if access.is_public else "")
        steps.append(Step(
            Call("s3", "PutPublicAccessBlock", {"Bucket": name,
                                                "PublicAccessBlockConfiguration": BLOCK_ALL}),
            summary=f"Turn on all four Block Public Access settings of the bucket {name}, so "
                    f"WorkMail accepts it.{effect}",
            kind=Kind.CHANGE, subject=f"bucket {name} (Block Public Access)", before=before,
            undo=Call("s3", "PutPublicAccessBlock", {
                "Bucket": name, "PublicAccessBlockConfiguration": before}) if before else
            Call("s3", "DeletePublicAccessBlock", {"Bucket": name})))
    return BucketPlan(name, tuple(steps), tuple(blockers),
                      bucket_key=checks.bucket_key_enabled(aws, name) is True, exists=True)


def _new_bucket(context: SetupContext, name: str, key_arn: str) -> tuple[Step, ...]:
    subject = f"bucket {name}"
    create_params: dict[str, object] = {"Bucket": name}
    if context.region != discovery.US_EAST_1:
        create_params["CreateBucketConfiguration"] = {"LocationConstraint": context.region}
    steps = [
        Step(Call("s3", "CreateBucket", create_params),
             summary=f"Create the S3 bucket {name} in {context.region}.", kind=Kind.CREATE,
             subject=subject, cost=BUCKET_COST,
             undo=Call("s3", "DeleteBucket", {"Bucket": name}),
             undo_note="S3 deletes only an empty bucket: exports in it stay until you delete "
                       "them."),
        Step(Call("s3", "PutPublicAccessBlock", {"Bucket": name,
                                                 "PublicAccessBlockConfiguration": BLOCK_ALL}),
             summary="Block every kind of public access to it (all four settings).",
             kind=Kind.CREATE, subject=subject, undo_note=WITH_BUCKET),
        Step(Call("s3", "PutBucketOwnershipControls", {
            "Bucket": name,
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}),
             summary="Make the account own every object in it (bucket owner enforced: no ACLs).",
             kind=Kind.CREATE, subject=subject, undo_note=WITH_BUCKET),
    ]
    if key_arn:
        steps.append(Step(Call("s3", "PutBucketEncryption", {
            "Bucket": name, "ServerSideEncryptionConfiguration": {"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                       "KMSMasterKeyID": key_arn},
                "BucketKeyEnabled": False}]}}),
            summary="Encrypt what lands in it with the export's KMS key by default, without an "
                    "S3 Bucket Key (with one, KMS would see the bucket's ARN instead of the "
                    "object's, which the role's condition does not name).",
            kind=Kind.CREATE, subject=subject, undo_note=WITH_BUCKET))
    steps.append(Step(Call("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": [
        {"Key": k, "Value": v} for k, v in documents.tags(context.organization_id).items()]}}),
        summary="Tag it as made by workmail-export for this organization (how the tool finds "
                "it again).", kind=Kind.CREATE, subject=subject, undo_note=WITH_BUCKET))
    return tuple(steps)


def suggest_name(aws: Aws, organization_id: str) -> str:
    """A name for a new export bucket that no bucket has: `<alias>-mail-exports-<account>`
    (the account id makes it unlikely to be taken anywhere), or a free variant of it."""
    from tui.core.setup.request import read_context

    context = read_context(aws, organization_id)
    label = re.sub(r"[^a-z0-9-]", "-", (context.organization_alias or "workmail").lower())
    wanted = f"{label[:NAME_MAX - len(context.account) - 15]}-mail-exports".strip("-")
    return free_bucket_name(aws, wanted, context.account) or wanted
