"""The wizard's transitions: which step comes next, what back/goto keep, where a prefilled
wizard opens, and what a failed submit sends the person back to."""

from __future__ import annotations

from dataclasses import replace

from tui.core.model import (
    AwsProblem,
    ConnectionSettings,
    ExportRequest,
    Field,
    Finding,
    Identity,
    Level,
    Mailbox,
    Organization,
    StartedJob,
)
from tui.wizard import state as wz
from tui.wizard.stages import STAGE_ORDER, Stage, stage_of

IDENTITY = Identity(account="123456789012", arn="arn:aws:iam::123456789012:user/admin",
                    user_id="AID", region="us-east-1")
ORG = Organization(id="m-" + "a" * 32, alias="acme", state="Active")
OTHER_ORG = Organization(id="m-" + "b" * 32, alias="beta", state="Active")
ALICE = Mailbox(id="S-1-1", name="alice", email="alice@acme.test", kind="USER", state="ENABLED")
FULL = ExportRequest(organization_id=ORG.id, entity_id="alice", role_arn="arn:aws:iam::1:role/r",
                     kms_key_arn="arn:aws:kms:us-east-1:1:key/k", bucket="b", prefix="p/")


def connected_state(request: ExportRequest | None = None) -> wz.WizardState:
    return wz.connected(wz.start(ConnectionSettings(), request), IDENTITY)


def test_a_fresh_wizard_opens_at_connection_and_cannot_advance_before_connecting() -> None:
    state = wz.start(ConnectionSettings(region="us-east-1"))
    assert state.stage is Stage.CONNECTION
    assert wz.next_stage(state) == state
    assert wz.first_open_stage(state) is Stage.CONNECTION
    assert wz.reachable_stages(state) == (Stage.CONNECTION,)


def test_next_walks_the_stages_in_order_as_each_is_filled() -> None:
    state = connected_state()
    state = wz.next_stage(state)
    assert state.stage is Stage.ORGANIZATION
    assert wz.next_stage(state) == state  # nothing chosen yet
    state = wz.next_stage(wz.choose_organization(state, ORG))
    assert state.stage is Stage.MAILBOX
    state = wz.next_stage(wz.choose_mailbox(state, ALICE))
    state = wz.next_stage(wz.choose_role(state, FULL.role_arn))
    state = wz.next_stage(wz.choose_key(state, FULL.kms_key_arn))
    assert state.stage is Stage.DESTINATION
    assert wz.next_stage(wz.choose_destination(state, "b", "", "")).stage is Stage.DESTINATION
    state = wz.next_stage(wz.choose_destination(state, "b", "p/", "note"))
    assert state.stage is Stage.REVIEW
    assert wz.next_stage(state) == state  # only a submit leaves the review
    assert state.request.entity_id == "S-1-1"
    assert state.request.description == "note"


def test_back_keeps_every_value_and_stops_at_connection() -> None:
    state = replace(connected_state(FULL), stage=Stage.DESTINATION)
    for expected in reversed(STAGE_ORDER[: Stage.DESTINATION.position]):
        state = wz.back(state)
        assert state.stage is expected
        assert state.request == FULL
    assert wz.back(state) == state


def test_an_error_finding_blocks_the_step_and_reopens_it() -> None:
    state = wz.next_stage(wz.next_stage(connected_state()))
    state = wz.choose_organization(replace(state, stage=Stage.ORGANIZATION), ORG)
    bad = Finding(Field.ORGANIZATION, Level.ERROR, "Not active", fix="Activate it")
    state = wz.with_findings(state, (Field.ORGANIZATION,), [bad])
    assert not wz.can_advance(state)
    assert wz.first_open_stage(state) is Stage.ORGANIZATION
    warned = wz.with_findings(state, (Field.ORGANIZATION,),
                              [Finding(Field.ORGANIZATION, Level.WARNING, "odd")])
    assert wz.can_advance(warned)
    assert warned.findings == (Finding(Field.ORGANIZATION, Level.WARNING, "odd"),)


def test_prefilled_fields_open_at_the_first_stage_still_open() -> None:
    prefill = ExportRequest(organization_id=ORG.id, entity_id="alice", bucket="b")
    state = connected_state(prefill)
    assert wz.first_open_stage(state) is Stage.ROLE
    assert wz.resume(state).stage is Stage.ROLE
    assert wz.resume(connected_state(FULL)).stage is Stage.REVIEW
    assert wz.resume(wz.start(ConnectionSettings(), FULL)).stage is Stage.CONNECTION


def test_goto_reaches_completed_stages_and_the_first_open_one_only() -> None:
    state = connected_state(ExportRequest(organization_id=ORG.id))
    assert wz.goto(state, Stage.MAILBOX).stage is Stage.MAILBOX
    assert wz.goto(state, Stage.ORGANIZATION).stage is Stage.ORGANIZATION
    assert wz.goto(state, Stage.KEY) == state
    assert wz.goto(state, Stage.RESULT) == state
    assert set(wz.completed_stages(state)) == {Stage.CONNECTION, Stage.ORGANIZATION}


def test_another_organization_forgets_the_mailbox_but_the_same_one_keeps_it() -> None:
    state = wz.choose_mailbox(wz.choose_organization(connected_state(), ORG), ALICE)
    same = wz.choose_organization(state, ORG)
    assert same.request == state.request
    assert same.mailbox == ALICE
    other = wz.choose_organization(state, OTHER_ORG)
    assert other.request.organization_id == OTHER_ORG.id
    assert other.request.entity_id == ""
    assert other.mailbox is None


def test_changing_a_field_hides_every_finding_made_for_the_old_values_and_gets_a_new_token(
        ) -> None:
    state = connected_state(FULL)
    state = wz.with_findings(state, (Field.ROLE, Field.BUCKET), [
        Finding(Field.ROLE, Level.ERROR, "untrusted"), Finding(Field.BUCKET, Level.OK, "fine")])
    rechosen = wz.choose_role(state, FULL.role_arn)
    assert rechosen.request.client_token == FULL.client_token
    assert rechosen.findings == state.findings
    changed = wz.choose_role(state, "arn:aws:iam::1:role/other")
    assert changed.request.client_token != FULL.client_token
    # the bucket's finding read the old role too (its bucket policy may deny that role)
    assert changed.findings == ()
    assert wz.stale_stage(changed, Stage.ROLE) and wz.stale_stage(changed, Stage.DESTINATION)
    assert not wz.stale_stage(changed, Stage.KEY)  # never checked


def test_changing_settings_asks_for_the_identity_again_and_keeps_the_request() -> None:
    state = connected_state(FULL)
    moved = wz.with_settings(state, ConnectionSettings(region="eu-west-1"))
    assert moved.identity is None
    assert moved.request == FULL
    assert wz.with_settings(state, state.settings) is state


def test_a_failed_submit_keeps_the_token_and_edit_goes_to_the_step_at_fault() -> None:
    state = replace(connected_state(FULL), stage=Stage.REVIEW)
    problem = AwsProblem(code="EntityNotFoundException", message="no such user",
                         hint="Pick another mailbox.", field=Field.ENTITY)
    failed = wz.failed(state, problem)
    assert failed.stage is Stage.RESULT
    assert failed.request.client_token == FULL.client_token
    assert wz.edit(failed).stage is Stage.MAILBOX
    assert wz.edit(failed).request == FULL
    unplaced = wz.failed(state, replace(problem, field=None))
    assert wz.edit(unplaced).stage is Stage.REVIEW
    assert wz.back(failed).stage is Stage.REVIEW


def test_every_field_belongs_to_exactly_one_stage() -> None:
    assert {stage_of(f) for f in Field} == set(STAGE_ORDER[: Stage.REVIEW.position])


def test_a_step_revisited_from_the_review_returns_to_the_review() -> None:
    state = replace(connected_state(FULL), stage=Stage.REVIEW)
    at_role = wz.revisit(state, Stage.ROLE)
    assert at_role.stage is Stage.ROLE
    changed = wz.choose_role(at_role, "arn:aws:iam::1:role/other")
    assert wz.next_stage(changed).stage is Stage.REVIEW
    assert wz.next_stage(wz.next_stage(changed)).stage is Stage.REVIEW
    # an earlier step left open walks on normally
    opened = wz.choose_organization(wz.revisit(state, Stage.ORGANIZATION), Organization(
        id="m-" + "c" * 32, alias="c", state="Active"))
    assert wz.next_stage(opened).stage is Stage.MAILBOX
    assert wz.revisit(state, Stage.RESULT) == state


def test_a_prefilled_mailbox_looked_up_keeps_the_request_as_given() -> None:
    state = connected_state(ExportRequest(organization_id=ORG.id, entity_id="alice@acme.test"))
    known = wz.mailbox_known(state, ALICE)
    assert known.mailbox == ALICE
    assert known.request == state.request
    assert wz.mailbox_known(state, replace(ALICE, email="other@acme.test", name="x")) == state


def test_a_submit_that_was_answered_spends_the_token_so_the_next_is_a_new_request() -> None:
    state = wz.goto(connected_state(FULL), Stage.REVIEW)
    done = wz.submitted(state, StartedJob("job-1", client_token=FULL.client_token,
                                          state="RUNNING"))
    assert done.stage is Stage.RESULT and done.result is not None
    fresh = done.request.client_token
    assert fresh != FULL.client_token
    assert done.request == replace(FULL, client_token=fresh)  # every field kept
    assert wz.back(done).request.client_token == fresh


def test_a_key_policy_finding_for_the_previous_role_is_not_shown_for_the_new_one() -> None:
    state = replace(connected_state(FULL), stage=Stage.KEY)
    lets = Finding(Field.KMS_KEY, Level.OK, "The key policy lets the role r use it.")
    state = wz.with_findings(state, (Field.KMS_KEY,), [lets])
    assert wz.findings_of(state, Stage.KEY) == (lets,)
    other = wz.choose_role(state, "arn:aws:iam::1:role/other")
    assert wz.findings_of(other, Stage.KEY) == ()
    assert wz.stale_stage(other, Stage.KEY)
    back = wz.choose_role(other, FULL.role_arn)  # the values it was found for, again
    assert wz.findings_of(back, Stage.KEY) == (lets,)
    assert not wz.stale_stage(back, Stage.KEY)


def test_a_check_answered_after_the_value_changed_is_kept_for_its_own_values_only() -> None:
    state = connected_state(FULL)
    asked = state.request
    moved = wz.choose_destination(state, "b", "other/", "")
    bad = Finding(Field.PREFIX, Level.ERROR, "p/ is outside the role's prefixes")
    answered = wz.with_findings(moved, (Field.PREFIX,), [bad], for_request=asked)
    assert answered.findings == ()
    assert wz.is_complete(answered, Stage.DESTINATION)
    assert wz.with_findings(state, (Field.PREFIX,), [bad], for_request=asked).findings == (bad,)


def test_findings_made_with_other_connection_settings_are_not_shown() -> None:
    state = wz.with_findings(connected_state(FULL), (Field.BUCKET,),
                             [Finding(Field.BUCKET, Level.ERROR, "in another Region")])
    moved = wz.with_settings(state, ConnectionSettings(region="eu-west-1"))
    assert moved.findings == ()
    assert wz.with_settings(moved, state.settings).findings == state.findings


def test_an_error_a_later_field_causes_leaves_that_fields_step_open() -> None:
    """The role may not write to the bucket chosen: the error is the role's, but another
    bucket fixes it, so the destination step (and every filled step) can be entered."""
    state = replace(connected_state(FULL), stage=Stage.REVIEW)
    state = wz.with_findings(state, tuple(Field), [
        Finding(Field.ROLE, Level.ERROR, "The role may not s3:PutObject on b")])
    assert wz.first_open_stage(state) is Stage.ROLE
    assert wz.reachable_stages(state) == STAGE_ORDER[: Stage.REVIEW.position + 1]
    at_destination = wz.revisit(state, Stage.DESTINATION)
    assert at_destination.stage is Stage.DESTINATION
    fixed = wz.choose_destination(at_destination, "good-bucket", "p/", "")
    assert wz.next_stage(fixed).stage is Stage.REVIEW
    # from the role step itself, the palette reaches the destination
    at_role = wz.revisit(state, Stage.ROLE)
    assert not wz.can_advance(at_role)
    assert wz.goto(at_role, Stage.DESTINATION).stage is Stage.DESTINATION


def test_a_step_after_one_without_values_cannot_be_entered_and_says_which() -> None:
    state = connected_state(ExportRequest(organization_id=ORG.id, entity_id="alice",
                                          bucket="b", prefix="p/"))
    assert wz.goto(state, Stage.DESTINATION) == state
    assert wz.missing_before(state, Stage.DESTINATION) is Stage.ROLE
    assert wz.missing_before(state, Stage.ROLE) is None
    assert wz.reachable_stages(state) == STAGE_ORDER[: Stage.ROLE.position + 1]
