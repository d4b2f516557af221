"""The plain values that the core hands to every face.

Faces never see boto3 dicts or ClientErrors: discovery returns these dataclasses, checks
return Findings, and every AWS failure arrives as a CoreError carrying an AwsProblem.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum


class Level(str, Enum):
    """How bad a finding is. Only ERROR blocks a submit."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    UNCHECKED = "could not check"


class Field(str, Enum):
    """The fields of an export request, in wizard order; findings and problems name one."""

    CONNECTION = "connection"
    ORGANIZATION = "organization"
    ENTITY = "entity"
    ROLE = "role"
    KMS_KEY = "kms_key"
    BUCKET = "bucket"
    PREFIX = "prefix"
    DESCRIPTION = "description"


@dataclass(frozen=True)
class Finding:
    """One result of a preflight check: what was found and, when it is not OK, the fix.

    `policy` holds JSON to copy (a trust or permissions policy) when the fix is a policy.
    `essential` is False for a check whose result only warns (the 24-hour lookup: AWS refuses
    a repeat by itself) or that waits for a field not given yet (`check` of some fields), so
    that it could not be made does not withhold the pass; every other check that could not be
    made leaves the export not verified.
    """

    field: Field
    level: Level
    message: str
    fix: str = ""
    policy: str = ""
    essential: bool = True


@dataclass(frozen=True)
class AwsProblem:
    """An AWS call that failed, as a person should read it.

    `field` names the wizard step at fault when one is (EntityNotFound -> ENTITY), so a face
    can offer to go back there with every value kept. `outcome_unknown`: the call changes
    something and AWS may have carried it out (a 5xx, no answer, an unreadable answer);
    `client_token` is then the token that makes a retry of a start safe.
    """

    code: str
    message: str
    hint: str
    operation: str = ""
    request_id: str = ""
    http_status: int | None = None
    field: Field | None = None
    outcome_unknown: bool = False
    client_token: str = ""

    def sentence(self) -> str:
        """One line for a terminal: what happened and what to do."""
        return f"{self.code}: {self.message} {self.hint}".strip()


class CoreError(Exception):
    """Raised by the core for every expected failure; carries the problem to show."""

    def __init__(self, problem: AwsProblem) -> None:
        super().__init__(problem.sentence())
        self.problem = problem


@dataclass(frozen=True)
class ConnectionSettings:
    """Where to talk to AWS. None means: what the AWS environment and config say.

    `timeout`: seconds one attempt of a call may wait to connect and for each read
    (None: $WORKMAIL_EXPORT_TIMEOUT, else session.DEFAULT_TIMEOUT)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Identity:
    """Who the caller is (STS GetCallerIdentity) and where the session points."""

    account: str
    arn: str
    user_id: str
    region: str
    profile: str | None = None


@dataclass(frozen=True)
class Organization:
    """A WorkMail organization. Only an Active one accepts export jobs."""

    id: str
    alias: str
    state: str
    default_domain: str = ""
    arn: str = ""

    @property
    def selectable(self) -> bool:
        return self.state == "Active"

    @property
    def why_not(self) -> str:
        if self.selectable:
            return ""
        return f"Its state is {self.state}; only an Active organization accepts export jobs."


@dataclass(frozen=True)
class Mailbox:
    """A user, resource or group of an organization. Groups have no mailbox."""

    id: str
    name: str
    email: str
    kind: str  # USER | RESOURCE | GROUP
    state: str  # ENABLED | DISABLED | DELETED
    display_name: str = ""
    resource_type: str = ""  # ROOM | EQUIPMENT for resources

    @property
    def exportable(self) -> bool:
        return self.kind in ("USER", "RESOURCE") and self.state != "DELETED"


@dataclass(frozen=True)
class RoleChoice:
    """An IAM role, and whether its trust policy lets WorkMail's export service assume it."""

    arn: str
    name: str
    trusts_workmail: bool
    note: str = ""
    for_organization: bool = False  # its trust names the organization chosen (aws:SourceArn)


@dataclass(frozen=True)
class KeyChoice:
    """A KMS key with its aliases, and whether an export can use it (why not, if not)."""

    arn: str
    key_id: str
    aliases: tuple[str, ...]
    region: str
    spec: str
    usage: str
    state: str
    why_not: str = ""
    role_allows: bool | None = None  # the chosen role's policies allow its use (None: unknown)

    @property
    def usable(self) -> bool:
        return not self.why_not


@dataclass(frozen=True)
class BucketChoice:
    """An S3 bucket with its Region, and whether an export can use it (why not, if not)."""

    name: str
    region: str
    why_not: str = ""
    role_allows: bool | None = None  # the chosen role may write to it (None: unknown)

    @property
    def usable(self) -> bool:
        return not self.why_not


def new_client_token() -> str:
    """A fresh idempotency token: created once per request, reused on every retry."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class ExportRequest:
    """The fields of one StartMailboxExportJob call, as the wizard fills them in.

    `client_token` is created once with the request and survives every edit made through
    `with_changes` of anything but the fields themselves; a face that retries a submit sends
    the same token, so the service starts at most one job.
    """

    organization_id: str = ""
    entity_id: str = ""
    role_arn: str = ""
    kms_key_arn: str = ""
    bucket: str = ""
    prefix: str = ""
    description: str = ""
    client_token: str = field(default_factory=new_client_token)

    def with_changes(self, **changes: str) -> ExportRequest:
        """A copy with fields changed. Changing what would be exported gets a new token,
        because a token reused with different parameters is refused by the service."""
        new = replace(self, **changes)
        fields_changed = any(getattr(new, k) != getattr(self, k)
                             for k in changes if k != "client_token")
        if fields_changed and "client_token" not in changes:
            new = replace(new, client_token=new_client_token())
        return new

    def api_params(self) -> dict[str, str]:
        """The keyword arguments of workmail.start_mailbox_export_job for this request."""
        params = {
            "ClientToken": self.client_token,
            "OrganizationId": self.organization_id,
            "EntityId": self.entity_id,
            "RoleArn": self.role_arn,
            "KmsKeyArn": self.kms_key_arn,
            "S3BucketName": self.bucket,
            "S3Prefix": self.prefix,
        }
        if self.description:
            params["Description"] = self.description
        return params


@dataclass(frozen=True)
class StartedJob:
    """A job the service accepted. `journal_warning` is a sentence when the local journal
    could not record it (the job runs all the same).

    `replayed`: the ClientToken had been sent before, so AWS may have answered with a job it
    had started earlier, which may since have ended. `state` is what is known of the job:
    RUNNING for a job started by this very call, what DescribeMailboxExportJob said for a
    replay, "" when nobody knows (`state_problem` then says why); faces never say "running"
    for "".
    """

    job_id: str
    journal_warning: str = ""
    client_token: str = ""
    replayed: bool = False
    state: str = ""
    progress: int = 0
    state_problem: str = ""


@dataclass(frozen=True)
class ExportJob:
    """What the service (or the local journal) knows of one export job."""

    job_id: str
    organization_id: str
    entity_id: str
    state: str  # RUNNING | COMPLETED | FAILED | CANCELLED
    progress: int = 0
    description: str = ""
    role_arn: str = ""
    kms_key_arn: str = ""
    bucket: str = ""
    prefix: str = ""
    s3_path: str = ""
    error_info: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("COMPLETED", "FAILED", "CANCELLED")
