"""plan_setup: read the account once, ask each planner what is missing or wrong, and put their
steps in the order AWS needs them: the role (so the key policy and bucket policy can name
it), the key (its ARN goes into the bucket's encryption and the role's policy), the bucket,
then the role's permissions (they name the bucket, the prefix and the key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core import checks, fields
from tui.core.model import Field
from tui.core.setup import documents
from tui.core.setup.bucket import BucketPlan, plan_bucket
from tui.core.setup.key import KeyPlan, plan_key
from tui.core.setup.plan import Plan
from tui.core.setup.request import Part, SetupContext, SetupRequest, read_context
from tui.core.setup.role import RolePlan, choose_role, plan_role

if TYPE_CHECKING:
    from tui.core.session import Aws


def plan_setup(aws: Aws, request: SetupRequest, title: str = "") -> Plan:
    """Everything the export of `request` still needs, as one plan (empty when nothing does).
    CoreError when the account or organization cannot be read."""
    context = read_context(aws, request.organization_id)
    return plan_in(aws, context, request, title)


def plan_in(aws: Aws, context: SetupContext, request: SetupRequest, title: str = "") -> Plan:
    """plan_setup with the context already read."""
    parts = request.parts
    chosen = choose_role(aws, context, request) if (Part.ROLE in parts or request.role_name) \
        else None
    role_arn = (chosen.found.arn if chosen.found else context.role_arn(chosen.name)) \
        if chosen else ""
    role_exists = bool(chosen and chosen.found)
    key = plan_key(aws, context, request, role_arn, role_exists) \
        if Part.KEY in parts or request.key_arn or request.create_key else KeyPlan("")
    key_arn = key.arn or request.key_arn
    if Part.BUCKET in parts and request.bucket:
        bucket = plan_bucket(aws, context, request.bucket, key_arn, role_arn)
    else:  # not changed here, but its Bucket Key decides the role's KMS condition
        bucket = BucketPlan(request.bucket, bucket_key=bool(
            request.bucket and checks.bucket_key_enabled(aws, request.bucket)))
    target = _target(context, request, key_arn, bucket)
    role = plan_role(context, chosen, target if Part.ROLE in parts else None) \
        if chosen and Part.ROLE in parts else RolePlan("", role_arn)
    return Plan(
        title=title or _title(context, request),
        organization_id=context.organization_id, region=context.region,
        steps=(*role.identity, *key.steps, *bucket.steps, *role.permissions),
        blockers=(*role.blockers, *key.blockers, *bucket.blockers),
        notes=(*role.notes, *key.notes, *bucket.notes),
        role_arn=role_arn, key_arn=key_arn, bucket=request.bucket, prefix=request.prefix)


def _target(context: SetupContext, request: SetupRequest, key_arn: str,
            bucket: BucketPlan) -> documents.ExportTarget | None:
    """Where the role must be allowed to export; None until bucket, prefix and key are known."""
    if not (request.bucket and key_arn) or fields.check_field(Field.PREFIX, request.prefix):
        return None
    return documents.ExportTarget(request.bucket, request.prefix, key_arn, context.region,
                                  bucket_key=bucket.bucket_key)


def _title(context: SetupContext, request: SetupRequest) -> str:
    who = context.organization_alias or context.organization_id
    where = f" to s3://{request.bucket}/{request.prefix}" if request.bucket else ""
    return f"Set up the export of {who}{where}"
