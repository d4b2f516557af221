"""The core calls behind each wizard step, importing the core (and botocore) only when called.

Both faces run these in the background; keeping the imports inside lets a face paint its
first step before botocore is loaded. Each function raises CoreError for an expected failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui.core.model import (
    AwsProblem,
    BucketChoice,
    ConnectionSettings,
    CoreError,
    ExportRequest,
    Field,
    Finding,
    Identity,
    KeyChoice,
    Mailbox,
    Organization,
    RoleChoice,
)

if TYPE_CHECKING:
    from tui.core.journal import Journal
    from tui.core.model import StartedJob
    from tui.core.session import Aws
    from tui.core.setup.apply import Applied, Progress
    from tui.core.setup.plan import Plan
    from tui.core.setup.request import SetupRequest


@dataclass(frozen=True)
class ConnectionChoices:
    """What the connection step offers: the configured profiles and WorkMail's Regions."""

    profiles: tuple[str, ...]
    regions: tuple[str, ...]


def connection_choices() -> ConnectionChoices:
    from tui.core import session

    return ConnectionChoices(tuple(session.available_profiles()),
                             tuple(session.workmail_regions()))


def connect(settings: ConnectionSettings) -> tuple[Aws, Identity]:
    """A connection and who it is; CoreError explains missing or expired credentials."""
    from tui.core import session

    aws = session.connect(settings)
    return aws, session.caller_identity(aws)


def connect_resolving(settings: ConnectionSettings, request: ExportRequest
                      ) -> tuple[Aws, Identity, ExportRequest, list[Finding]]:
    """`connect`, then the role and key the request names by name, id or alias looked up
    (`resolve_references`): where a prefilled wizard starts."""
    aws, identity = connect(settings)
    return (aws, identity, *resolve_references(aws, request))


def load_clients(aws: Aws) -> None:
    """Create the client of every service the later steps call, so their service models are
    loaded now (no AWS call is made)."""
    for service in ("workmail", "iam", "kms", "s3"):
        aws.client(service)


def search_mailboxes(aws: Aws, organization_id: str, text: str) -> Sequence[Mailbox]:
    from tui.core import discovery

    return discovery.search_mailboxes(aws, organization_id, text)


def resolve_mailbox(aws: Aws, organization_id: str, text: str) -> Mailbox | None:
    from tui.core import discovery

    return discovery.resolve_mailbox(aws, organization_id, text)


def organizations(aws: Aws, request: ExportRequest | None = None) -> Sequence[Organization]:
    """Every organization of the Region (a step's listing takes the request; this one needs
    none of it)."""
    from tui.core import discovery

    return discovery.list_organizations(aws)


def roles(aws: Aws, request: ExportRequest) -> Sequence[RoleChoice]:
    """The roles, those made for the request's organization first."""
    from tui.core import discovery

    return discovery.list_roles(aws, request.organization_id)


def keys(aws: Aws, request: ExportRequest) -> Sequence[KeyChoice]:
    """The keys, those the request's role may use first."""
    from tui.core import fit

    return fit.list_keys(aws, request.role_arn)


def buckets(aws: Aws, request: ExportRequest) -> Sequence[BucketChoice]:
    """The buckets, those the request's role may write to first."""
    from tui.core import fit

    return fit.list_buckets(aws, request.role_arn)


def check_organization(aws: Aws, request: ExportRequest) -> list[Finding]:
    from tui.core import checks

    return checks.check_organization(aws, request)


def check_mailbox(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The mailbox, and whether it was exported in the last 24 hours."""
    from tui.core import checks

    return checks.check_entity(aws, request) + check_recent_export(aws, request)


def check_recent_export(aws: Aws, request: ExportRequest) -> list[Finding]:
    """A warning when the mailbox was exported in the last 24 hours (the service's jobs and
    the local journal's, as the bulk plan counts them)."""
    import time

    from tui.core import recent
    from tui.core.journal import Journal

    entries = []
    with contextlib.suppress(CoreError), Journal.open() as journal:  # none: the service tells
        entries = journal.entries(request.organization_id)
    return recent.check_recent_export(aws, request, time.time(), entries)


def check_role(aws: Aws, request: ExportRequest) -> list[Finding]:
    from tui.core import checks

    return checks.check_role(aws, request)


def check_key(aws: Aws, request: ExportRequest) -> list[Finding]:
    from tui.core import checks

    return checks.check_key(aws, request)


def check_destination(aws: Aws, request: ExportRequest) -> list[Finding]:
    """The bucket, then the prefix against the role's encryption-context condition."""
    from tui.core import checks

    return checks.check_bucket(aws, request) + checks.check_prefix(aws, request)


def names_of(aws: Aws, request: ExportRequest) -> tuple[Organization | None, Mailbox | None]:
    """The organization and mailbox a request names by id (for a person to read); None for
    one that cannot be found or read, since the checks already say why."""
    from tui.core import discovery

    organization = mailbox = None
    with contextlib.suppress(CoreError):
        organization = next((o for o in discovery.list_organizations(aws)
                             if o.id == request.organization_id), None)
    if request.organization_id and request.entity_id:
        with contextlib.suppress(CoreError):
            mailbox = discovery.resolve_mailbox(aws, request.organization_id, request.entity_id)
    return organization, mailbox


def suggest_prefix(aws: Aws, request: ExportRequest, mailbox_name: str) -> str | None:
    """A prefix inside the role's encryption-context condition for this bucket, or None."""
    from tui.core import checks

    return checks.suggest_prefix(aws, request, mailbox_name)


def preflight(aws: Aws, request: ExportRequest) -> list[Finding]:
    """Every check of the request's fields (the bulk plan runs it on its first mailbox; the
    plan itself lists the mailboxes exported in the last 24 hours)."""
    from tui.core import checks

    return checks.preflight(aws, request)


def check_export(aws: Aws, request: ExportRequest) -> list[Finding]:
    """`preflight` and, for the one mailbox of a single export, whether it was exported in
    the last 24 hours (at once, in a thread of its own); findings ordered by field."""
    from concurrent.futures import ThreadPoolExecutor

    aws.client("workmail")  # made here: creating clients is not thread-safe
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="recent") as pool:
        recent = pool.submit(check_recent_export, aws, request)
        findings = preflight(aws, request)
        return _by_field([*findings, *recent.result()])


def _by_field(findings: list[Finding]) -> list[Finding]:
    order = {field: index for index, field in enumerate(Field)}
    return sorted(findings, key=lambda f: order[f.field])


def resolve_reference(aws: Aws, field: Field, text: str) -> tuple[str, Finding]:
    """The ARN a typed role name, key id or alias names, and the finding that says so (or
    why it names nothing: then the text comes back as it was)."""
    from tui.core import references

    return references.resolve(aws, field, text)


def resolve_references(aws: Aws, request: ExportRequest) -> tuple[ExportRequest, list[Finding]]:
    """The request with the role and key it names by name, id or alias given by ARN, and a
    finding for each one looked up (none when it names them by ARN)."""
    from tui.core import references

    return references.resolve_request(aws, request)


@dataclass(frozen=True)
class Checked:
    """A request as the commands check it: role and key references resolved to ARNs, then
    every check. `resolved` are the findings of the look-ups (also among `findings`)."""

    request: ExportRequest
    findings: list[Finding]
    resolved: list[Finding]


def check_all(aws: Aws, request: ExportRequest) -> Checked:
    """References resolved, then `check_export`; for a reference that names nothing, its
    finding stands for the field (the ARN rule's message would only confuse)."""
    from tui.core.model import Level

    request, resolved = resolve_references(aws, request)
    unresolved = {f.field for f in resolved if f.level is not Level.OK}
    findings = [f for f in check_export(aws, request) if f.field not in unresolved]
    return Checked(request, _by_field([*resolved, *findings]), resolved)


class _UnopenedJournal:
    """Stands in for a journal that could not be opened, so the submit still runs and the
    core words the journal warning as it does for any other journal failure."""

    def __init__(self, error: CoreError) -> None:
        self.error = error

    def record_submit(self, request: ExportRequest, region: str) -> bool:
        raise self.error

    def record_started(self, client_token: str, job_id: str) -> None:
        raise self.error

    def record_refused(self, client_token: str, problem: AwsProblem) -> None:
        raise self.error


@dataclass(frozen=True)
class _NamedRecorder:
    """The journal as the submit's recorder, given the mailbox's name and email when the
    face knows the mailbox (for the history and the jobs list)."""

    journal: Journal
    mailbox: Mailbox | None

    def record_submit(self, request: ExportRequest, region: str) -> bool:
        mailbox = self.mailbox if self.mailbox and self.mailbox.id == request.entity_id \
            else None
        return self.journal.record_submit(request, region,
                                          entity_name=mailbox.name if mailbox else "",
                                          entity_email=mailbox.email if mailbox else "")

    def record_started(self, client_token: str, job_id: str) -> None:
        self.journal.record_started(client_token, job_id)

    def record_refused(self, client_token: str, problem: AwsProblem) -> None:
        self.journal.record_refused(client_token, problem)


def submit(aws: Aws, request: ExportRequest, source: str = "tui",
           mailbox: Mailbox | None = None, token_from_user: bool = False) -> StartedJob:
    """Start the export, recording it in the local journal before the JobId is shown.

    `source` is the face the journal names as the job's origin (tui, plain, cli); `mailbox`,
    when the face knows it, gives the journal the mailbox's name and email for the history.

    A submit of the very request whose answer the journal shows as lost reuses that
    ClientToken, so AWS answers with the job it may have started instead of starting a
    second one (StartedJob.client_token is the token sent). `token_from_user`: the person
    gave the ClientToken (start --client-token): it is sent as given, and since it may have
    been used elsewhere, the job's state is asked for. When the job's state is not known from
    the start itself (a replayed token), DescribeMailboxExportJob says what it is. A damaged
    journal moved aside on the way is said in the job's `journal_warning`.
    """
    from tui.core.journal import Journal
    from tui.core.submit import start_export

    try:
        journal = Journal.open(source=source)
    except CoreError as exc:
        return _with_state(aws, request.organization_id,
                           start_export(aws, request, _UnopenedJournal(exc)), None)
    with journal:
        with contextlib.suppress(CoreError):  # unreadable: the request's own token then
            lost = None if token_from_user else journal.unanswered_token(request, aws.region)
            if lost:
                request = request.with_changes(client_token=lost)
        started = start_export(aws, request, _NamedRecorder(journal, mailbox))
        if token_from_user:
            started = replace(started, state="")
        started = _with_state(aws, request.organization_id, started, journal)
    if journal.warning:
        said = " ".join(filter(None, (journal.warning, started.journal_warning)))
        return replace(started, journal_warning=said)
    return started


def _with_state(aws: Aws, organization_id: str, started: StartedJob,
                journal: Journal | None) -> StartedJob:
    """`started` with its job's state: as the start said, else as the service describes it
    (kept in the journal too); when that fails too, the reason why it is unknown."""
    from tui.core import jobs

    if started.state:
        return started
    try:
        job = jobs.describe_job(aws, organization_id, started.job_id)
    except CoreError as error:
        return replace(started, state_problem=error.problem.sentence())
    if journal is not None:
        with contextlib.suppress(CoreError):
            journal.record_state(job)
    return replace(started, state=job.state, progress=job.progress)


def journal_notice(source: str) -> str:
    """Open the journal once, as a face starts: the sentence saying that a damaged journal
    was moved aside (with the moved file's path), else "". A journal that cannot be opened
    says nothing here: the calls that need it say so themselves."""
    from tui.core.journal import Journal

    try:
        with Journal.open(source=source) as journal:
            return journal.warning
    except CoreError:
        return ""


def plan_setup(aws: Aws, request: SetupRequest, title: str = "") -> Plan:
    """What the export still needs, as a plan (nothing is changed)."""
    from tui.core.setup.planner import plan_setup as plan

    return plan(aws, request, title)


def apply_plan(aws: Aws, plan: Plan, progress: Progress | None = None) -> Applied:
    """Apply a plan step by step; `progress(index, step, event)` hears of each step."""
    from tui.core.setup.apply import apply_plan as apply

    return apply(aws, plan, progress)


def suggest_bucket_name(aws: Aws, organization_id: str) -> str:
    """A free name for a new export bucket of the organization."""
    from tui.core.setup.bucket import suggest_name

    return suggest_name(aws, organization_id)
