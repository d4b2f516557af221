"""Moving around: back and forward keep every value, prefilled flags skip steps, the review
reopens any step and comes back, the palette jumps, Esc and ctrl+q behave."""

from __future__ import annotations

from typing import Any

import pytest
from pilot_kit import (
    BIG,
    SMALL,
    flat,
    go_to_step,
    good_request,
    keys,
    make_app,
    point_at,
    screen_text,
    settle,
    stage,
    step,
    type_text,
)
from shots_monitor import until, until_text

from tui.core.model import ConnectionSettings, ExportRequest
from tui.wizard.stages import Stage


async def test_back_and_forward_keep_every_value_and_the_client_token(sim: Any) -> None:
    world = sim.world
    prefill = ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user,
                            role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn)
    app = make_app(prefill)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.DESTINATION
        await point_at(pilot, world.good_bucket)
        await keys(pilot, "enter")
        await keys(pilot, "ctrl+u")  # the suggested prefix, replaced by a typed one
        await type_text(pilot, world.good_prefix)
        await keys(pilot, "enter")
        await type_text(pilot, "Alice before EOL")
        await keys(pilot, "escape")  # what was typed is kept, not checked
        assert stage(app) is Stage.KEY
        token = app.state.request.client_token
        for expected in (Stage.ROLE, Stage.MAILBOX, Stage.ORGANIZATION, Stage.CONNECTION):
            await keys(pilot, "escape")
            assert stage(app) is expected
        await keys(pilot, "escape")  # nothing before the first step
        assert stage(app) is Stage.CONNECTION
        assert app.state.request.description == "Alice before EOL"

        await keys(pilot, "enter")
        assert step(app).query_one("#choices").pointed.key == world.org_id  # type: ignore[attr-defined]
        await keys(pilot, "enter")
        assert stage(app) is Stage.MAILBOX
        assert step(app).query_one("#search").value == "alice.wong@example-corp.awsapps.com"  # type: ignore[attr-defined]
        await keys(pilot, "enter")
        assert stage(app) is Stage.ROLE
        await keys(pilot, "enter")
        assert stage(app) is Stage.KEY
        await keys(pilot, "enter")
        assert stage(app) is Stage.DESTINATION
        assert step(app).query_one("#prefix").value == world.good_prefix  # type: ignore[attr-defined]
        assert step(app).query_one("#description").value == "Alice before EOL"  # type: ignore[attr-defined]
        assert f"s3://{world.good_bucket}/{world.good_prefix}…" in screen_text(app)
        await keys(pilot, "ctrl+n")
        assert stage(app) is Stage.REVIEW
        assert app.state.request == good_request(world).with_changes(
            description="Alice before EOL", client_token=token)


@pytest.mark.parametrize(("filled", "opens_at"), [
    ((), Stage.CONNECTION),
    (("organization_id",), Stage.MAILBOX),
    (("organization_id", "entity_id", "role_arn"), Stage.KEY),
    (("organization_id", "entity_id", "role_arn", "kms_key_arn", "bucket", "prefix"),
     Stage.REVIEW),
])
async def test_prefilled_flags_open_the_first_step_still_open(
        sim: Any, filled: tuple[str, ...], opens_at: Stage) -> None:
    good = good_request(sim.world)
    app = make_app(ExportRequest(**{name: getattr(good, name) for name in filled}))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert stage(app) is opens_at
        assert f"Step {opens_at.position + 1} of 8 · {opens_at.value}" in screen_text(app)


async def test_a_field_opened_from_the_review_returns_to_the_review(sim: Any) -> None:
    world = sim.world
    app = make_app(good_request(world))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await point_at(pilot, "kms_key", table_id="fields")
        await keys(pilot, "enter")
        assert stage(app) is Stage.KEY
        await keys(pilot, "enter")  # keep the same key
        assert stage(app) is Stage.REVIEW
        await point_at(pilot, "description", table_id="fields")
        await keys(pilot, "enter")
        assert stage(app) is Stage.DESTINATION
        step(app).query_one("#description").focus()
        await type_text(pilot, "second try")
        await keys(pilot, "enter")
        assert stage(app) is Stage.REVIEW
        assert "second try" in screen_text(app)
        assert '"Description": "second try"' in flat(screen_text(app))  # the AWS CLI command


async def test_the_command_palette_jumps_to_a_completed_step(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await go_to_step(pilot, "Mailbox")
        assert stage(app) is Stage.MAILBOX


async def test_ctrl_q_quits_at_once_when_nothing_is_in_flight(sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 130  # quit before submitting (README: exit codes)


async def quit_during_a_held_submit(pilot: Any, sim: Any) -> Any:
    """From the review: submit with the service's answer held back, then ctrl+q while the
    submit is in flight (the app asks first). Returns the held answer: `release()` it."""
    await settle(pilot)
    held = sim.faults.hold_next_response("StartMailboxExportJob")
    await pilot.press("s")
    await pilot.pause()
    await pilot.press("y")
    await until(pilot, held.reached.is_set, "the submit reaching the service")
    assert pilot.app.submitting
    await pilot.press("ctrl+q")
    await until_text(pilot, "A submit is in flight.")
    return held


async def test_ctrl_q_asks_first_while_a_submit_is_in_flight(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        held = await quit_during_a_held_submit(pilot, sim)
        await pilot.press("n")
        held.release()
        await settle(pilot)
        assert stage(app) is Stage.RESULT
        assert app.state.result is not None
        assert len(sim.workmail.jobs(sim.world.org_id)) == 1


async def test_a_submit_that_ends_while_quit_is_asked_closes_the_question(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        held = await quit_during_a_held_submit(pilot, sim)
        held.release()
        await settle(pilot)
        assert stage(app) is Stage.RESULT
        assert "A submit is in flight." not in flat(screen_text(app))
        await keys(pilot, "c")
        assert app.clipboard == app.state.result.job_id  # type: ignore[union-attr]


async def test_missing_credentials_are_explained_with_the_command_that_fixes_them(
        sim: Any, monkeypatch: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        text = flat(screen_text(app))
        assert "No AWS credentials were found." in text
        assert "aws configure" in text
        assert "ctrl+r retries" in text
        await keys(pilot, "enter")  # Continue stays disabled
        assert stage(app) is Stage.CONNECTION


async def test_an_unknown_profile_is_explained(sim: Any) -> None:
    app = make_app(settings=ConnectionSettings(profile="no-such-profile"))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        text = flat(screen_text(app))
        assert "ProfileNotFound" in text
        assert "aws configure list-profiles" in text


async def test_another_region_reconnects_and_the_organization_step_says_none_is_there(
        sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        region = step(app).query_one("#region")
        assert region.value == "us-east-1"  # type: ignore[attr-defined]
        region.focus()
        await keys(pilot, "enter")  # open the list: eu-west-1, us-east-1, us-west-2
        await keys(pilot, "down", "enter")
        assert app.state.settings.region == "us-west-2"
        assert app.state.identity is not None and app.state.identity.region == "us-west-2"
        assert "us-west-2" in screen_text(app)
        step(app).query_one("#continue").focus()
        await keys(pilot, "enter")
        assert stage(app) is Stage.ORGANIZATION
        assert ("No WorkMail organization in us-west-2. Press Esc and choose the Region where "
                "your organization is.") in flat(screen_text(app))


async def test_a_prefilled_review_at_80x24_names_what_the_ids_are_and_shows_submit(
        sim: Any) -> None:
    world = sim.world
    app = make_app(good_request(world))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.REVIEW
        text = screen_text(app)
        table = flat(text.split("Enter opens")[0])  # the review's table, above the details
        assert f"example-corp ({world.org_id})" in table
        assert "alice.wong@example-corp.awsapps.com" in table
        assert world.enabled_user not in table
        assert "Submit (s)" in text  # on screen at 80x24, not below the fold
        assert "Step 7 of 8 · Review  ✓ ✓ ✓ ✓ ✓ ✓ ● ·" in text
        await keys(pilot, "s")
        assert "Start the export job?" in screen_text(app)


async def test_the_connection_step_takes_keys_while_the_account_is_looked_up(sim: Any) -> None:
    """The profile can be changed by keyboard while STS is asked: the step does not wait for
    the answer to give the cursor to a widget (Continue takes it once it is enabled)."""
    held = sim.faults.hold_next_response("GetCallerIdentity")
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await until(pilot, held.reached.is_set, "the account being looked up")
        await pilot.pause()
        focused = app.screen.focused
        assert focused is not None and focused.id == "profile"
        held.release()
        await until(pilot, lambda: app.screen.focused is not None
                    and app.screen.focused.id == "continue", "Continue enabled and focused")
