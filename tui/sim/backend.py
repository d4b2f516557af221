"""The simulated WorkMail service: its twelve operations over the directory and the job book.

`WorkMailBackend.call(operation, params, region)` takes the request members as botocore sent
them and returns the response members (datetimes for timestamps), or raises WorkMailError.
The seeding methods (`create_organization`, `create_user`, ...) build worlds and test fixtures.
"""

from __future__ import annotations

import base64
import random
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from .assumptions import DEFAULT, Assumptions
from .clock import ManualClock, SimClock
from .directory import (
    ACCOUNT_ID,
    GROUP_FILTERS,
    RESOURCE_FILTERS,
    USER_FILTERS,
    Directory,
    Entity,
    SimOrganization,
    entity_id_for,
    org_id_for,
)
from .jobs import Breach, JobBook, SimExportJob, s3_path_for
from .oracle import ExportCheck, oracle_export_verdict
from .service_error import WorkMailError, invalid_parameter
from .validation import validate

DEFAULT_PAGE_SIZE = 100  # ASSUMPTION (unverified): without MaxResults a page holds 100 items.
# What StartMailboxExportJob does with a DISABLED mailbox (`WorkMailBackend.disabled_exports`).
# ASSUMPTION (unverified, AWS does not say): EXPORT, like any mailbox (it is kept 30 days).
# Tests switch to REFUSE (the start is answered InvalidParameterException) or FAIL (the job
# starts and fails) to show what the tool says when AWS turns out to behave that way.
EXPORT, REFUSE, FAIL = "export", "refuse", "fail"

Handler = Callable[[dict[str, Any], str], dict[str, Any]]
MAILBOX_QUOTA_MB = 51200  # WorkMail's default mailbox quota, 50 GB

def _page(items: Sequence[Any], params: dict[str, Any], operation: str) -> tuple[list[Any], str]:
    """One page of `items` for MaxResults/NextToken, and the token of the next page ('' at end)."""
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            name, offset = base64.b64decode(token).decode().split(":")
            start = int(offset)
        except ValueError:
            name = ""
        if name != operation or not 0 <= start <= len(items):
            raise invalid_parameter("NextToken is invalid or expired.")
    size = params.get("MaxResults") or DEFAULT_PAGE_SIZE
    end = start + size
    if end >= len(items):
        return list(items[start:end]), ""
    return list(items[start:end]), base64.b64encode(f"{operation}:{end}".encode()).decode()


def _with_token(response: dict[str, Any], token: str) -> dict[str, Any]:
    if token:
        response["NextToken"] = token
    return response


def _dates(entity: Entity) -> dict[str, Any]:
    out: dict[str, Any] = {"State": entity.state}
    if entity.state == "ENABLED":
        out["EnabledDate"] = entity.created
    elif entity.state == "DISABLED":
        out["DisabledDate"] = entity.disabled or entity.created
    return out


def _with_email(out: dict[str, Any], entity: Entity) -> dict[str, Any]:
    if entity.email:
        out["Email"] = entity.email
    return out


class WorkMailBackend:
    """In-memory WorkMail for one account; thread-safe (the HTTP server is threaded)."""

    def __init__(self, clock: SimClock | None = None,
                 evaluate: Callable[[ExportCheck], str | None] = oracle_export_verdict) -> None:
        self.clock: SimClock = clock or ManualClock()
        self.directory = Directory()
        self.book = JobBook(self.clock.now)
        self.evaluate = evaluate
        self.assumptions: Assumptions = DEFAULT  # the shared guesses (tui.sim.assumptions)
        self.calls: list[str] = []  # every operation served, in order (for tests and benchmarks)
        self.disabled_exports = EXPORT
        self._ids = random.Random(0x3A11)  # job ids: deterministic, unlike any key id
        self._lock = threading.RLock()
        self._handlers: dict[str, Handler] = {
            "ListOrganizations": self._list_organizations,
            "DescribeOrganization": self._describe_organization,
            "ListUsers": self._list_users,
            "ListResources": self._list_resources,
            "ListGroups": self._list_groups,
            "DescribeEntity": self._describe_entity,
            "DescribeUser": self._describe_user,
            "DescribeResource": self._describe_resource,
            "StartMailboxExportJob": self._start_job,
            "DescribeMailboxExportJob": self._describe_job,
            "ListMailboxExportJobs": self._list_jobs,
            "CancelMailboxExportJob": self._cancel_job,
            "GetMailboxDetails": self._get_mailbox_details,
        }

    # ----------------------------------------------------------------- seeding
    def create_organization(self, alias: str, region: str = "us-east-1", state: str = "Active",
                            default_domain: str | None = None) -> str:
        org = SimOrganization(id=org_id_for(alias, region), alias=alias, region=region, state=state,
                           default_domain=default_domain or f"{alias}.awsapps.com",
                           created=self.clock.now())
        with self._lock:
            self.directory.orgs[org.id] = org
        return org.id

    def _add(self, org_id: str, kind: str, name: str, email: str | None, state: str,
             display_name: str = "", resource_type: str = "",
             disabled: datetime | None = None) -> str:
        first, _, last = display_name.partition(" ")
        with self._lock:
            org = self.directory.org(org_id)
            entity = Entity(id=entity_id_for(org_id, kind, name), kind=kind, name=name,
                            email=email, state=state, created=self.clock.now(),
                            display_name=display_name, first_name=first, last_name=last,
                            resource_type=resource_type, disabled=disabled)
            org.add(entity)
        return entity.id

    def create_user(self, org_id: str, name: str, display_name: str = "",
                    email: str | None = None, state: str = "ENABLED",
                    disabled: datetime | None = None) -> str:
        """A user; a DISABLED one was disabled at `disabled` (default: now)."""
        return self._add(org_id, "USER", name, email, state, display_name=display_name,
                         disabled=disabled)

    def create_resource(self, org_id: str, name: str, resource_type: str = "ROOM",
                        email: str | None = None, state: str = "ENABLED") -> str:
        return self._add(org_id, "RESOURCE", name, email, state, resource_type=resource_type)

    def create_group(self, org_id: str, name: str, email: str | None = None) -> str:
        return self._add(org_id, "GROUP", name, email, "ENABLED")

    def jobs(self, org_id: str) -> list[SimExportJob]:
        """Every job of the organization, old ones included, in start order."""
        with self._lock:
            return self.book.of_org(org_id)

    @property
    def breaches(self) -> list[Breach]:
        """Every start that broke the running-jobs limit or a mailbox's 24-hour window."""
        with self._lock:
            return list(self.book.breaches)

    def refuse_breaches(self, refuse: bool) -> None:
        """True (the default): refuse a start that breaks a limit, as AWS does. False: start
        it and only record the breach, so that a product that should have waited is not saved
        by the refusal and its retry (tests assert `breaches == []`)."""
        self.book.limit_mode = "refuse" if refuse else "record"
    def expire_client_tokens(self) -> None:
        """Every ClientToken given so far stops being honoured: a retry starts a new job."""
        with self._lock:
            self.book.forget_tokens()

    def set_token_lifetime(self, seconds: float | None) -> None:
        """Honour a ClientToken for `seconds` after its job started (None: for ever, the
        default). An ASSUMPTION of the simulator: see JobBook.token_lifetime."""
        with self._lock:
            self.book.token_lifetime = None if seconds is None else timedelta(seconds=seconds)

    def set_job_duration(self, duration: float | Callable[[str], float]) -> None:
        """Make new jobs take `duration` seconds (or duration(entity_id)) whatever their
        mailbox's size (by default a job's length follows its size: jobs.export_seconds)."""
        self.book.duration_for = duration if callable(duration) else (lambda _id: duration)

    def mailbox_size_for(self, entity_id: str) -> float:
        """The MailboxSize (MB) GetMailboxDetails reports for a mailbox."""
        return float(self.book.size_for(entity_id))

    def set_mailbox_sizes(self, sizes: Mapping[str, float] | Callable[[str], float]) -> None:
        """The MailboxSize (MB) GetMailboxDetails reports, by entity id (a mapping: others
        keep their default size); new jobs take as long as their size says."""
        if callable(sizes):
            self.book.size_for = sizes
        else:
            known, default = dict(sizes), self.book.size_for
            self.book.size_for = lambda entity: known.get(entity, default(entity))

    # ----------------------------------------------------------------- the API
    def call(self, operation: str, params: dict[str, Any], region: str = "us-east-1"
             ) -> dict[str, Any]:
        handler = self._handlers.get(operation)
        if handler is None:
            raise WorkMailError("UnsupportedOperationException",
                                f"The simulator does not implement {operation}.")
        validate(operation, params, self.assumptions.pattern_match)
        with self._lock:
            self.calls.append(operation)
            return handler(params, region)

    def _org(self, params: dict[str, Any], region: str, active: bool = True) -> SimOrganization:
        org = self.directory.org(params["OrganizationId"])
        if org.region != region:
            raise WorkMailError("OrganizationNotFoundException",
                                f"Organization {org.id} does not exist in {region}.")
        return self.directory.active_org(org.id) if active else org

    def _list_organizations(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        orgs = [o for o in self.directory.orgs.values() if o.region == region]
        page, token = _page(orgs, params, "ListOrganizations")
        summaries = [{"OrganizationId": o.id, "Alias": o.alias, "DefaultMailDomain":
                      o.default_domain, "State": o.state} for o in page]
        return _with_token({"OrganizationSummaries": summaries}, token)

    def _describe_organization(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region, active=False)
        return {"OrganizationId": org.id, "Alias": org.alias, "State": org.state,
                "DirectoryId": "d-" + org.id[2:12], "DirectoryType": "WorkMailDirectory",
                "DefaultMailDomain": org.default_domain, "CompletedDate": org.created,
                "ARN": org.arn, "InteroperabilityEnabled": False}

    def _listing(self, params: dict[str, Any], region: str, kind: str,
                 prefix_attrs: dict[str, str], operation: str) -> tuple[list[Entity], str]:
        org = self._org(params, region)
        filters = params.get("Filters") or {}
        return _page(org.search(kind, filters, prefix_attrs), params, operation)

    def _list_users(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        page, token = self._listing(params, region, "USER", USER_FILTERS, "ListUsers")
        users = [_with_email({"Id": e.id, "Name": e.name, "DisplayName": e.display_name,
                              "UserRole": "USER", **_dates(e)}, e) for e in page]
        return _with_token({"Users": users}, token)

    def _list_resources(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        page, token = self._listing(params, region, "RESOURCE", RESOURCE_FILTERS, "ListResources")
        items = [_with_email({"Id": e.id, "Name": e.name, "Type": e.resource_type,
                              **_dates(e)}, e) for e in page]
        return _with_token({"Resources": items}, token)

    def _list_groups(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        page, token = self._listing(params, region, "GROUP", GROUP_FILTERS, "ListGroups")
        items = [_with_email({"Id": e.id, "Name": e.name, **_dates(e)}, e) for e in page]
        return _with_token({"Groups": items}, token)

    def _describe_entity(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region)
        entity = org.by_email(params["Email"])
        if entity is None or entity.state == "DELETED":
            raise WorkMailError("EntityNotFoundException", f"No entity has {params['Email']}.")
        return {"EntityId": entity.id, "Name": entity.name, "Type": entity.kind}

    def _entity_of_kind(self, org: SimOrganization, identifier: str, kind: str) -> Entity:
        entity = org.find(identifier)
        if entity is None or entity.kind != kind:
            raise WorkMailError("EntityNotFoundException",
                                f"No {kind.lower()} {identifier} in organization {org.id}.")
        return entity

    def _describe_user(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region)
        e = self._entity_of_kind(org, params["UserId"], "USER")
        out = {"UserId": e.id, "Name": e.name, "DisplayName": e.display_name,
               "UserRole": "USER", "FirstName": e.first_name, "LastName": e.last_name,
               "HiddenFromGlobalAddressList": False, **_dates(e)}
        if e.state != "DELETED":
            out["MailboxProvisionedDate"] = e.created
        return _with_email(out, e)

    def _get_mailbox_details(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        # ASSUMPTION (unverified): GetMailboxDetails also answers for a resource's id and for
        # a DISABLED user (whose mailbox is kept 30 days), not for a DELETED one.
        org = self._org(params, region)
        e = org.find(params["UserId"])
        if e is None or e.kind not in ("USER", "RESOURCE") or e.state == "DELETED":
            raise WorkMailError("EntityNotFoundException",
                                f"No mailbox {params['UserId']} in organization {org.id}.")
        return {"MailboxQuota": MAILBOX_QUOTA_MB, "MailboxSize": self.mailbox_size_for(e.id)}

    def _describe_resource(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region)
        e = self._entity_of_kind(org, params["ResourceId"], "RESOURCE")
        out = {"ResourceId": e.id, "Name": e.name, "Type": e.resource_type,
               "BookingOptions": {"AutoAcceptRequests": True,
                                  "AutoDeclineRecurringRequests": False,
                                  "AutoDeclineConflictingRequests": True},
               "HiddenFromGlobalAddressList": False, **_dates(e)}
        return _with_email(out, e)

    def _start_job(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        request = tuple(sorted((k, str(v)) for k, v in params.items() if k != "ClientToken"))
        replayed = self.book.replay(params["ClientToken"], request)
        if replayed is not None:
            return {"JobId": replayed.job_id}
        org = self._org(params, region)
        entity = self.directory.mailbox(org, params["EntityId"])
        disabled = entity.state == "DISABLED"
        if disabled and self.disabled_exports == REFUSE:
            raise invalid_parameter(f"Entity {entity.id} is disabled; its mailbox cannot be "
                                    "exported.")
        self.book.check_limits(org.id, entity.id, self.assumptions)
        job_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        s3_path = s3_path_for(params["S3Prefix"], job_id, self.assumptions.object_key)
        failure = self.evaluate(ExportCheck(
            account=ACCOUNT_ID, org_region=org.region, org_arn=org.arn,
            role_arn=params["RoleArn"], kms_key_arn=params["KmsKeyArn"],
            bucket=params["S3BucketName"], prefix=params["S3Prefix"], object_key=s3_path,
            assumptions=self.assumptions))
        if disabled and self.disabled_exports == FAIL and failure is None:
            failure = "The mailbox is not in a state that allows an export."
        self.book.add(SimExportJob(
            job_id=job_id, organization_id=org.id, entity_id=entity.id,
            description=params.get("Description", ""), role_arn=params["RoleArn"],
            kms_key_arn=params["KmsKeyArn"], bucket=params["S3BucketName"],
            prefix=params["S3Prefix"], s3_path=s3_path, start_time=self.clock.now(),
            duration=self.book.duration_for(entity.id), failure=failure,
            client_token=params["ClientToken"], request=request))
        return {"JobId": job_id}

    def _job_view(self, job: SimExportJob, full: bool) -> dict[str, Any]:
        now = self.clock.now()
        out: dict[str, Any] = {"EntityId": job.entity_id, "S3BucketName": job.bucket,
                               "S3Path": job.s3_path, "EstimatedProgress": job.progress(now),
                               "State": job.state(now), "StartTime": job.start_time}
        if job.description:
            out["Description"] = job.description
        end = job.end_time(now)
        if end is not None:
            out["EndTime"] = end
        if full:
            out.update({"RoleArn": job.role_arn, "KmsKeyArn": job.kms_key_arn,
                        "S3Prefix": job.prefix})
            error = job.error_info(now)
            if error:
                out["ErrorInfo"] = error[:1024]  # the model's maximum
        else:
            out["JobId"] = job.job_id
        return out

    def _describe_job(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region)
        return self._job_view(self.book.get(org.id, params["JobId"]), full=True)

    def _list_jobs(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region)
        page, token = _page(self.book.listed(org.id, self.assumptions.list_order), params,
                            "ListMailboxExportJobs")
        return _with_token({"Jobs": [self._job_view(j, full=False) for j in page]}, token)

    def _cancel_job(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        org = self._org(params, region)
        self.book.cancel(org.id, params["JobId"])
        return {}

    def now(self) -> datetime:
        return self.clock.now()
