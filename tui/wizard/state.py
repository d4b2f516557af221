"""The wizard's state and its transitions: pure functions from one frozen state to the next.

A face renders `WizardState` and sends events (a choice made, a check finished, back, next,
goto); every rule about which step comes next or which steps are done lives here, once, so
the Textual face and the plain face walk the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tui.core.model import (
    AwsProblem,
    BucketChoice,
    ConnectionSettings,
    ExportRequest,
    Finding,
    Identity,
    KeyChoice,
    Level,
    Mailbox,
    Organization,
    RoleChoice,
    new_client_token,
)
from tui.core.model import Field as RequestField
from tui.wizard.stages import INPUT_STAGES, STAGE_ORDER, Stage, fields_of, stage_of

if TYPE_CHECKING:
    from tui.core.batch.plan import Chosen
    from tui.core.model import StartedJob


@dataclass(frozen=True)
class Basis:
    """The values a check reads: the connection settings, the request's fields (not its
    ClientToken, which no check reads) and the mailboxes of a bulk export."""

    settings: ConnectionSettings
    request: ExportRequest
    bulk: Chosen | None


def basis_of(settings: ConnectionSettings, request: ExportRequest,
             bulk: Chosen | None = None) -> Basis:
    return Basis(settings, replace(request, client_token=""), bulk)


@dataclass(frozen=True)
class FieldFindings:
    """What a check found about one field, and the values it was found for."""

    field: RequestField
    basis: Basis
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class WizardState:
    """Everything the wizard knows: where it is, what is filled, what was found.

    The chosen Organization, Mailbox, role, key and bucket are kept beside the request so a
    face can show names and states; they are None when a value was prefilled or typed.

    `checks` keeps each field's last findings with the values they were computed from;
    `findings` are those still true: computed from the settings and request as they are now.
    A finding about other values (the key policy judged for the role chosen before) is
    never shown, and never blocks; the step that owns it checks again (`stale_stage`).
    """

    settings: ConnectionSettings = field(default_factory=ConnectionSettings)
    request: ExportRequest = field(default_factory=ExportRequest)
    stage: Stage = Stage.CONNECTION
    identity: Identity | None = None
    organization: Organization | None = None
    mailbox: Mailbox | None = None
    role: RoleChoice | None = None
    key: KeyChoice | None = None
    bucket: BucketChoice | None = None
    checks: tuple[FieldFindings, ...] = ()
    result: StartedJob | None = None
    problem: AwsProblem | None = None
    back_to_review: bool = False  # a step revisited from the review returns there
    bulk: Chosen | None = None  # the mailboxes of a bulk export (None: one mailbox)
    # a bulk export of several organizations of the Region at once (every mailbox of each);
    # empty: the bulk path exports `bulk` of the chosen organization only
    bulk_organizations: tuple[Organization, ...] = ()
    # What the bulk mailboxes were listed from: ("filter", text) or ("file", path).
    bulk_source: tuple[str, str] = ("filter", "")

    @property
    def basis(self) -> Basis:
        """The values a check made now would read."""
        return basis_of(self.settings, self.request, self.bulk)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings computed from the current values, in field order."""
        now = self.basis
        return tuple(f for checked in self.checks if checked.basis == now
                     for f in checked.findings)


def start(settings: ConnectionSettings, prefill: ExportRequest | None = None) -> WizardState:
    """The state a wizard opens with: at CONNECTION, with any prefilled fields kept."""
    return WizardState(settings=settings, request=prefill or ExportRequest())


# ---- what is filled ----------------------------------------------------------------------

def _filled(state: WizardState, stage: Stage) -> bool:
    request = state.request
    return {
        Stage.CONNECTION: state.identity is not None,
        Stage.ORGANIZATION: bool(request.organization_id),
        Stage.MAILBOX: bool(request.entity_id) or state.bulk is not None,
        Stage.ROLE: bool(request.role_arn),
        Stage.KEY: bool(request.kms_key_arn),
        Stage.DESTINATION: bool(request.bucket and request.prefix),
        Stage.REVIEW: state.result is not None,
        Stage.RESULT: state.result is not None or state.problem is not None,
    }[stage]


def findings_of(state: WizardState, stage: Stage) -> tuple[Finding, ...]:
    """The findings about the fields a stage fills in."""
    stage_fields = fields_of(stage)
    return tuple(f for f in state.findings if f.field in stage_fields)


def has_error(findings: tuple[Finding, ...] | list[Finding]) -> bool:
    """Whether any finding blocks going on (only ERROR does)."""
    return any(f.level is Level.ERROR for f in findings)


def unverified(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    """The essential checks that could not be made: while any is left, the export is not
    verified (never shown or passed as ready)."""
    return [f for f in findings if f.level is Level.UNCHECKED and f.essential]


def is_complete(state: WizardState, stage: Stage) -> bool:
    """A stage is complete when its fields are filled and no finding about them is an error."""
    return _filled(state, stage) and not has_error(findings_of(state, stage))


def completed_stages(state: WizardState) -> tuple[Stage, ...]:
    """The complete stages, in walk order."""
    return tuple(s for s in STAGE_ORDER if is_complete(state, s))


def first_open_stage(state: WizardState) -> Stage:
    """The first input stage still to do, or REVIEW when every field is filled."""
    for stage in INPUT_STAGES:
        if not is_complete(state, stage):
            return stage
    return Stage.REVIEW


def first_unfilled_stage(state: WizardState) -> Stage:
    """The first input stage without a value, or REVIEW when every one has a value."""
    for stage in INPUT_STAGES:
        if not _filled(state, stage):
            return stage
    return Stage.REVIEW


def can_enter(state: WizardState, stage: Stage) -> bool:
    """A stage can be entered when every stage before it has its values (RESULT: after a
    submit). An error does not lock the steps after it: it may be a later field that
    causes it (a role that may not write to the bucket chosen), so that field's step must
    stay open to fix it; the review blocks the submit while any error is left."""
    if stage is Stage.RESULT:
        return state.result is not None or state.problem is not None
    return stage.position <= first_unfilled_stage(state).position


def reachable_stages(state: WizardState) -> tuple[Stage, ...]:
    """The stages a person may jump to now (for a command palette or a review link)."""
    return tuple(s for s in STAGE_ORDER if can_enter(state, s))


def missing_before(state: WizardState, stage: Stage) -> Stage | None:
    """The stage whose values are needed before `stage` can be entered (None: it can)."""
    if can_enter(state, stage) or stage is Stage.RESULT:
        return None
    return first_unfilled_stage(state)


def can_advance(state: WizardState) -> bool:
    """Whether `next_stage` would move: the current stage is complete and is not the last."""
    if state.stage in (Stage.REVIEW, Stage.RESULT):
        return False
    return is_complete(state, state.stage)


def stale_stage(state: WizardState, stage: Stage) -> bool:
    """Whether `stage` was checked for other values than the current ones (its findings are
    no longer shown; its check should run again)."""
    now, stage_fields = state.basis, fields_of(stage)
    return any(c.field in stage_fields and c.basis != now for c in state.checks)


# ---- moving ------------------------------------------------------------------------------

def next_stage(state: WizardState) -> WizardState:
    """One stage on, when the current one is complete; otherwise the same state."""
    if not can_advance(state):
        return state
    if state.back_to_review and first_unfilled_stage(state) is Stage.REVIEW:
        return replace(state, stage=Stage.REVIEW, back_to_review=False)
    return replace(state, stage=STAGE_ORDER[state.stage.position + 1])


def back(state: WizardState) -> WizardState:
    """One stage back (RESULT goes back to REVIEW); every value is kept."""
    if state.stage is Stage.CONNECTION:
        return state
    return replace(state, stage=STAGE_ORDER[state.stage.position - 1])


def goto(state: WizardState, stage: Stage) -> WizardState:
    """Jump to a stage when it can be entered; otherwise the same state."""
    if not can_enter(state, stage):
        return state
    return replace(state, stage=stage)


def revisit(state: WizardState, stage: Stage) -> WizardState:
    """Open a step from the review; once it is complete again, next returns to the review."""
    target = goto(state, stage)
    if target.stage is not stage or stage in (Stage.REVIEW, Stage.RESULT):
        return target
    return replace(target, back_to_review=True)


def resume(state: WizardState) -> WizardState:
    """Go to the first stage still open: where a prefilled wizard opens once connected."""
    return replace(state, stage=first_open_stage(state))


# ---- filling in --------------------------------------------------------------------------

def with_settings(state: WizardState, settings: ConnectionSettings) -> WizardState:
    """Other profile/Region/endpoint: the identity must be checked again; values are kept
    (what was found about them was found with the old settings, so it is no longer shown)."""
    if settings == state.settings:
        return state
    return replace(state, settings=settings, identity=None)


def connected(state: WizardState, identity: Identity) -> WizardState:
    """The caller identity was confirmed for the current settings."""
    return replace(state, identity=identity)


def with_findings(state: WizardState, checked: tuple[RequestField, ...],
                  findings: list[Finding] | tuple[Finding, ...],
                  for_request: ExportRequest | None = None) -> WizardState:
    """The result of checking `checked` fields of `for_request` (the request the check was
    given; by default the current one): replaces what was found about them before. Findings
    for a request that has changed since are kept aside and not shown."""
    basis = basis_of(state.settings, for_request or state.request, state.bulk)
    fresh = {field: FieldFindings(field, basis, tuple(f for f in findings if f.field is field))
             for field in checked}
    kept = tuple(c for c in state.checks if c.field not in fresh)
    order = list(RequestField)
    return replace(state, checks=tuple(sorted((*kept, *fresh.values()),
                                              key=lambda c: order.index(c.field))))


def _change(state: WizardState, **values: str) -> WizardState:
    """The request with `values`; a change forgets the result of the last submit (what was
    found about the old values stays in `checks`, no longer shown)."""
    request = state.request.with_changes(**values)
    if request == state.request:
        return state
    return replace(state, request=request, result=None, problem=None)


def choose_organization(state: WizardState, organization: Organization) -> WizardState:
    """An organization chosen. Another organization forgets the mailbox, which belonged to
    the old one; choosing the same one again keeps everything."""
    changed = organization.id != state.request.organization_id
    new = _change(state, organization_id=organization.id)
    if changed and state.request.entity_id:
        new = _change(new, entity_id="")
        new = replace(new, mailbox=None)
    if changed:  # the old organization's mailboxes
        new = replace(new, bulk=None, bulk_organizations=())
    return replace(new, organization=organization)


def choose_mailbox(state: WizardState, mailbox: Mailbox) -> WizardState:
    """A mailbox chosen (from the list or resolved from typed text)."""
    new = _change(state, entity_id=mailbox.id)
    return replace(new, mailbox=mailbox, bulk=None)


def choose_bulk(state: WizardState, chosen: Chosen,
                source: tuple[str, str] = ("filter", "")) -> WizardState:
    """The mailboxes of a bulk export chosen at the mailbox step, listed from `source` (a
    filter's text or a list file's path); a single mailbox chosen before is forgotten. The
    later steps (role, key, destination) are the same."""
    new = _change(state, entity_id="")
    return replace(new, mailbox=None, bulk=chosen, bulk_source=source)


def choose_bulk_organizations(state: WizardState,
                              organizations: tuple[Organization, ...]) -> WizardState:
    """Several organizations of the Region exported at once (every mailbox of each, with the
    same role, key and bucket); one or none is the chosen organization alone again."""
    return replace(state, bulk_organizations=organizations if len(organizations) > 1 else ())


def single_mailbox(state: WizardState) -> WizardState:
    """Leave the bulk path for one mailbox (at the mailbox step)."""
    return replace(state, bulk=None, bulk_organizations=())


def mailbox_known(state: WizardState, mailbox: Mailbox) -> WizardState:
    """The mailbox a prefilled entity id, name or email names, looked up for display; the
    request keeps the text as given (and its ClientToken)."""
    if state.request.entity_id not in (mailbox.id, mailbox.name, mailbox.email):
        return state
    return replace(state, mailbox=mailbox)


def choose_role(state: WizardState, role_arn: str, role: RoleChoice | None = None) -> WizardState:
    """A role chosen from the list, or an ARN typed (role None)."""
    new = _change(state, role_arn=role_arn)
    return replace(new, role=role)


def choose_key(state: WizardState, key_arn: str, key: KeyChoice | None = None) -> WizardState:
    """A KMS key chosen from the list, or an ARN typed (key None)."""
    new = _change(state, kms_key_arn=key_arn)
    return replace(new, key=key)


def with_references(state: WizardState, request: ExportRequest,
                    findings: list[Finding]) -> WizardState:
    """The prefilled role and key, given by name, id or alias, looked up: `request` holds
    their ARNs, and what the look-ups found are their fields' findings (one that names
    nothing is an error, so the walk stops at that step)."""
    new = _change(state, role_arn=request.role_arn, kms_key_arn=request.kms_key_arn)
    return with_findings(new, tuple(f.field for f in findings), findings)


def with_names(state: WizardState, organization: Organization | None,
               mailbox: Mailbox | None) -> WizardState:
    """The organization and mailbox looked up for ids that were prefilled or typed; a choice
    already made is kept, and one that no longer matches the request is not taken."""
    request = state.request
    if state.organization is None and organization and organization.id == request.organization_id:
        state = replace(state, organization=organization)
    if state.mailbox is None and mailbox and mailbox.id == request.entity_id:
        state = replace(state, mailbox=mailbox)
    return state


def choose_destination(state: WizardState, bucket: str, prefix: str, description: str,
                       choice: BucketChoice | None = None) -> WizardState:
    """Bucket, prefix and description set together, as the destination step submits them."""
    new = _change(state, bucket=bucket, prefix=prefix, description=description)
    return replace(new, bucket=choice if choice is not None and choice.name == bucket else None)


# ---- submitting --------------------------------------------------------------------------

def submitted(state: WizardState, job: StartedJob) -> WizardState:
    """The service accepted the job: show the result. Its answer was received, so the
    request's ClientToken is spent: a later submit (after the job ended, or to export the
    mailbox again) is a new request with a new token, never a replay of this job."""
    request = state.request.with_changes(client_token=new_client_token())
    return replace(state, request=request, result=job, problem=None, stage=Stage.RESULT)


def failed(state: WizardState, problem: AwsProblem) -> WizardState:
    """The submit failed: show the problem; the request (and its ClientToken) is kept, so
    Retry after an answer that never came gets the job AWS may have started."""
    return replace(state, result=None, problem=problem, stage=Stage.RESULT)


def edit_stage(state: WizardState) -> Stage:
    """Where "Edit" goes after a failed submit: the step at fault, else the review."""
    problem = state.problem
    if problem is not None and problem.field is not None:
        return stage_of(problem.field)
    return Stage.REVIEW


def edit(state: WizardState) -> WizardState:
    """Leave the result for the step at fault, every value kept; next returns to the review."""
    stage = edit_stage(state)
    return replace(state, stage=stage, back_to_review=stage is not Stage.REVIEW)
