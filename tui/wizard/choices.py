"""Turning what a person typed into a choice: a role name or ARN, a key ARN, id or alias, and
the preview of where an export lands."""

from __future__ import annotations

from collections.abc import Sequence

from tui.core.fields import as_alias
from tui.core.model import KeyChoice, RoleChoice
from tui.core.safe_text import shown


def match_role(text: str, roles: Sequence[RoleChoice]) -> tuple[str, RoleChoice | None]:
    """The role ARN meant by `text` (an ARN or a listed role's name) and its listed choice."""
    wanted = text.strip()
    for role in roles:
        if wanted in (role.arn, role.name):
            return role.arn, role
    return wanted, None


def match_key(text: str, keys: Sequence[KeyChoice]) -> tuple[str, KeyChoice | None]:
    """The key ARN meant by `text`: a key ARN or id, or an alias with or without `alias/`.

    Text that matches no listed key is returned as typed (an ARN of a key not listed)."""
    wanted = text.strip()
    alias = as_alias(wanted)
    for key in keys:
        if wanted in (key.arn, key.key_id) or alias in key.aliases:
            return key.arn, key
    return wanted, None


def landing_preview(bucket: str, prefix: str) -> str:
    """Where the export object will be written, as a person reads an S3 location (what was
    typed, escaped: it is shown before the field rules have checked it)."""
    if not bucket:
        return ""
    return shown(f"s3://{bucket}/{prefix}…")


def export_object(bucket: str, prefix: str) -> str:
    """The S3 object one export job writes, with its JobId still to come."""
    from tui.core.policies import object_key_start

    return shown(f"s3://{bucket}/{object_key_start(prefix) if prefix else ''}<JobId>.zip")


def no_exact_mailbox(text: str) -> str:
    """What to say when typed text names no user or resource exactly."""
    return (f"No user or resource has the id, name or email {text!r}. Pick one from the list "
            "(↓ then Enter) or type it exactly.")
