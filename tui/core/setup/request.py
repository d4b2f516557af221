"""What a setup is asked to do (SetupRequest) and what it reads once before planning
(SetupContext: the account, the Region, the organization's ARN and alias)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from tui.core import policies
from tui.core.discovery import call
from tui.core.session import caller_identity

if TYPE_CHECKING:
    from tui.core.session import Aws

ROLE_NAME_MAX = 64
_ROLE_NAME_CHARS = re.compile(r"[^\w+=,.@-]")


class Part(str, Enum):
    """A part of what an export needs, planned (or not) by a setup."""

    ROLE = "role"
    KEY = "key"
    BUCKET = "bucket"


ALL_PARTS = frozenset(Part)


@dataclass(frozen=True)
class SetupRequest:
    """The export a setup prepares for, and which parts to plan.

    `role_name`: the role to use (created when missing, repaired when it exists); "" means
    the tool's own role for the organization (found by its tags) or a new one. `key_arn`: a
    key to use (repaired when it can be); `create_key`: the tool's own key for the
    organization (found by its alias) or a new one."""

    organization_id: str
    bucket: str = ""
    prefix: str = ""
    role_name: str = ""
    key_arn: str = ""
    create_key: bool = False
    parts: frozenset[Part] = field(default=ALL_PARTS)


@dataclass(frozen=True)
class SetupContext:
    """The account and organization a setup works in, read once."""

    account: str
    region: str
    organization_id: str
    organization_alias: str
    organization_arn: str

    def role_arn(self, name: str) -> str:
        """The ARN of a role the tool creates (under its own path)."""
        from tui.core.setup.documents import ROLE_PATH

        return f"arn:aws:iam::{self.account}:role{ROLE_PATH}{name}"

    @property
    def default_role_name(self) -> str:
        """WorkMailExport-<organization alias> (the id when it has none), cut to 64."""
        label = _ROLE_NAME_CHARS.sub("-", self.organization_alias or self.organization_id)
        return f"WorkMailExport-{label}"[:ROLE_NAME_MAX]


def read_context(aws: Aws, organization_id: str) -> SetupContext:
    """Who the caller is and which organization, by its ARN (CoreError when unreadable)."""
    identity = caller_identity(aws)
    answer = call("workmail:DescribeOrganization", aws.client("workmail").describe_organization,
                  OrganizationId=organization_id)
    arn = str(answer.get("ARN") or policies.organization_arn(aws.region, identity.account,
                                                             organization_id))
    return SetupContext(account=identity.account, region=aws.region,
                        organization_id=organization_id,
                        organization_alias=str(answer.get("Alias") or ""), organization_arn=arn)
