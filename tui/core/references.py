"""A role given by name, a key by id or alias: looked up and turned into the ARN that
StartMailboxExportJob takes, with a finding that says what it resolved to, or why it could not.

The wizard takes these forms where a role or key is typed, so the prefill flags and the
commands take them too (`fields.is_reference` says which text is one). IAM's GetRole finds a
role by name (whatever its path); KMS's DescribeKey takes a key id, an alias name or an alias
ARN, in the connection's Region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core import fields
from tui.core.checks import unchecked
from tui.core.discovery import call
from tui.core.model import CoreError, ExportRequest, Field, Finding, Level

if TYPE_CHECKING:
    from tui.core.session import Aws

_ATTRIBUTE = {Field.ROLE: "role_arn", Field.KMS_KEY: "kms_key_arn"}


def resolve(aws: Aws, field: Field, text: str) -> tuple[str, Finding]:
    """The ARN `text` names for `field` (ROLE or KMS_KEY), and an OK finding saying so; or
    `text` unchanged and the finding that says why it names nothing (ERROR: no such role,
    key or alias here; UNCHECKED: AWS would not say)."""
    try:
        arn = _role_arn(aws, text) if field is Field.ROLE else _key_arn(aws, text)
    except CoreError as error:
        return text, _not_found(aws, field, text, error)
    what = "the role" if field is Field.ROLE else "the key"
    return arn, Finding(field, Level.OK, f"{text} is {what} {arn}.")


def resolve_request(aws: Aws, request: ExportRequest) -> tuple[ExportRequest, list[Finding]]:
    """`request` with its role and key references (names, ids, aliases) replaced by ARNs, and
    a finding for each one looked up; a request without references is returned as it is."""
    findings: list[Finding] = []
    changes: dict[str, str] = {}
    for field, attribute in _ATTRIBUTE.items():
        text = getattr(request, attribute)
        if fields.is_reference(field, text):
            arn, finding = resolve(aws, field, text)
            findings.append(finding)
            if arn != text:
                changes[attribute] = arn
    if not changes:
        return request, findings
    # The same request, only spelled out: it keeps its ClientToken (a retried start with
    # --client-token must reach the same job).
    return request.with_changes(**changes, client_token=request.client_token), findings


def _role_arn(aws: Aws, name: str) -> str:
    iam = aws.client("iam")
    return str(call("iam:GetRole", iam.get_role, RoleName=name)["Role"]["Arn"])


def _key_arn(aws: Aws, text: str) -> str:
    key = text if fields.KEY_ID.fullmatch(text) else fields.as_alias(text)
    kms = aws.client("kms")
    return str(call("kms:DescribeKey", kms.describe_key, KeyId=key)["KeyMetadata"]["Arn"])


def _not_found(aws: Aws, field: Field, text: str, error: CoreError) -> Finding:
    code = error.problem.code
    if field is Field.ROLE and code == "NoSuchEntity":
        return Finding(field, Level.ERROR, f"There is no role named {text} in this account.",
                       fix="Choose a role from the list, or give its ARN.")
    if field is Field.KMS_KEY and code == "NotFoundException":
        if fields.KEY_ID.fullmatch(text):
            message = f"There is no KMS key with the id {text} in {aws.region}."
        else:
            message = f"No KMS key has the alias {fields.as_alias(text)} in {aws.region}."
        return Finding(field, Level.ERROR, message,
                       fix="Choose a key from the list, or give its ARN, id or alias.")
    return unchecked(field, error.problem, f"what {text} names")
