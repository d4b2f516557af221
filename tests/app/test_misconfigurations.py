"""Every misconfiguration of the demo world is caught at its step (or at the review), says
why and what to do, and keeps the person from going on with it."""

from __future__ import annotations

from typing import Any

from pilot_kit import (
    BIG,
    SMALL,
    flat,
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

from tui.core.model import ExportRequest
from tui.wizard.stages import Stage


def opened_at(world: Any, stage_name: Stage) -> ExportRequest:
    """A request prefilled with the good values of every step before `stage_name`."""
    good = good_request(world)
    keep = {Stage.MAILBOX: ("organization_id",),
            Stage.ROLE: ("organization_id", "entity_id"),
            Stage.KEY: ("organization_id", "entity_id", "role_arn"),
            Stage.DESTINATION: ("organization_id", "entity_id", "role_arn", "kms_key_arn")}
    return ExportRequest(**{name: getattr(good, name) for name in keep[stage_name]})


async def fill_destination(pilot: Any, bucket: str, prefix: str, submit: bool = True) -> None:
    """Enter on the bucket, replace the suggested prefix by `prefix` (ctrl+u clears it), and
    (submit) Enter, Enter to check and go on."""
    await point_at(pilot, bucket)
    await keys(pilot, "enter")
    await keys(pilot, "ctrl+u")
    await type_text(pilot, prefix)
    if submit:
        await keys(pilot, "enter", "enter")


async def test_an_inactive_organization_is_shown_dimmed_and_refused_with_why(sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await keys(pilot, "enter")
        assert stage(app) is Stage.ORGANIZATION
        assert "example-corp-archive" in screen_text(app)
        await point_at(pilot, sim.world.inactive_org_id)
        assert "Its state is Inactive" in flat(screen_text(app))
        await keys(pilot, "enter")
        assert stage(app) is Stage.ORGANIZATION
        assert "Not usable: Its state is Inactive; only an Active organization accepts" in flat(
            screen_text(app))
        assert app.state.request.organization_id == ""


async def choose_typed_mailbox(pilot: Any, text: str) -> None:
    await type_text(pilot, text)
    await keys(pilot, "enter")


async def test_deleted_users_and_groups_are_refused_and_disabled_users_warned(sim: Any) -> None:
    world = sim.world
    app = make_app(opened_at(world, Stage.MAILBOX))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.MAILBOX
        await choose_typed_mailbox(pilot, world.deleted_user)
        assert stage(app) is Stage.MAILBOX
        assert "is deleted; its mailbox can no longer be exported" in flat(screen_text(app))
        assert "Fix: Pick another mailbox." in flat(screen_text(app))

        await keys(pilot, *["backspace"] * len(world.deleted_user))
        await choose_typed_mailbox(pilot, world.group_id)
        assert stage(app) is Stage.MAILBOX
        assert "is a group; groups have no mailbox" in flat(screen_text(app))

        await keys(pilot, *["backspace"] * len(world.group_id))
        await choose_typed_mailbox(pilot, world.disabled_user)
        assert stage(app) is Stage.MAILBOX
        text = flat(screen_text(app))
        assert "is disabled; WorkMail keeps a disabled mailbox 30 days" in text
        assert "ctrl+n continues anyway" in text
        await keys(pilot, "ctrl+n")
        assert stage(app) is Stage.ROLE
        assert app.state.request.entity_id == world.disabled_user


async def test_a_typed_name_that_matches_nothing_exactly_says_so(sim: Any) -> None:
    app = make_app(opened_at(sim.world, Stage.MAILBOX))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await choose_typed_mailbox(pilot, "nobody.here")
        assert stage(app) is Stage.MAILBOX
        assert "No user or resource has the id, name or email 'nobody.here'" in flat(
            screen_text(app))


async def test_a_role_that_does_not_trust_workmail_is_refused_with_the_trust_policy(
        sim: Any) -> None:
    app = make_app(opened_at(sim.world, Stage.ROLE))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.ROLE
        await point_at(pilot, sim.world.untrusted_role_arn)
        await keys(pilot, "enter")
        assert stage(app) is Stage.ROLE
        text = flat(screen_text(app))
        assert "does not let export.workmail.amazonaws.com assume it" in text
        assert "Policy to add (press p to copy)" in text
        await keys(pilot, "p")
        assert '"export.workmail.amazonaws.com"' in app.clipboard
        assert sim.world.org_id in app.clipboard


async def test_a_role_without_kms_permissions_is_caught_at_the_review(sim: Any) -> None:
    app = make_app(good_request(sim.world, role_arn=sim.world.no_kms_role_arn))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.REVIEW
        text = flat(screen_text(app))
        assert "1 error(s) block the submit" in text
        assert "may not do what an export needs: kms:Decrypt, kms:GenerateDataKey" in text
        await keys(pilot, "p")
        assert "kms:GenerateDataKey" in app.clipboard
        assert "s3.us-east-1.amazonaws.com" in app.clipboard
        await keys(pilot, "s")
        assert stage(app) is Stage.REVIEW
        assert sim.workmail.calls.count("StartMailboxExportJob") == 0
        await keys(pilot, "enter")  # the pointed (failing) row opens its step
        assert stage(app) is Stage.ROLE


async def test_a_prefix_outside_the_roles_condition_is_caught_at_the_destination(
        sim: Any) -> None:
    world = sim.world
    prefill = opened_at(world, Stage.DESTINATION).with_changes(
        role_arn=world.wrong_prefix_role_arn)
    app = make_app(prefill)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.DESTINATION
        await fill_destination(pilot, world.good_bucket, world.good_prefix)
        assert stage(app) is Stage.DESTINATION
        assert "lets WorkMail write only under 'other/'; 'exports/' is outside" in flat(
            screen_text(app))


async def test_unusable_keys_are_listed_last_and_refused_with_why(sim: Any) -> None:
    """A key no change can fix is refused with why; a disabled key, or one pending deletion,
    is taken so that its check offers the fix (setup: f), not only a sentence."""
    world = sim.world
    app = make_app(opened_at(world, Stage.KEY))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.KEY
        assert step(app).query_one("#choices").pointed.key == world.good_key_arn  # type: ignore[attr-defined]
        await point_at(pilot, world.asymmetric_key_arn)
        await keys(pilot, "enter")
        assert stage(app) is Stage.KEY
        assert "Not usable: It is an asymmetric or HMAC key" in flat(screen_text(app))
        assert app.state.request.kms_key_arn == ""
        for arn, why, fix in ((world.disabled_key_arn, "It is Disabled, not Enabled.",
                               "Enable this key"),
                              (world.pending_deletion_key_arn, "scheduled for deletion",
                               "Cancel this key's deletion and enable it")):
            await point_at(pilot, arn)
            await keys(pilot, "enter")
            assert stage(app) is Stage.KEY
            text = flat(screen_text(app))
            assert why in text and f"Or press f: {fix}" in text
            assert app.state.request.kms_key_arn == arn


async def test_a_typed_key_in_another_region_is_refused(sim: Any) -> None:
    app = make_app(opened_at(sim.world, Stage.KEY))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        step(app).query_one("#typed").focus()
        await type_text(pilot, sim.world.other_region_key_arn)
        await keys(pilot, "enter")
        assert stage(app) is Stage.KEY
        assert "the key must be in the organization's Region" in flat(screen_text(app))


async def test_buckets_in_another_region_or_public_are_refused(sim: Any) -> None:
    world = sim.world
    app = make_app(opened_at(world, Stage.DESTINATION))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await point_at(pilot, world.other_region_bucket)
        await keys(pilot, "enter")
        assert "Not usable: It is in eu-west-1, the organization in us-east-1" in flat(
            screen_text(app))
        await fill_destination(pilot, world.public_bucket, world.good_prefix)
        assert stage(app) is Stage.DESTINATION
        text = flat(screen_text(app))
        assert "is public" in text and "WorkMail refuses public buckets" in text
        # the list now says why on the bucket's own row, in its Region's line
        assert any(world.public_bucket in line and "us-east-1" in line and "is public" in line
                   for line in screen_text(app).splitlines())


async def test_a_prefix_with_forbidden_characters_is_flagged_as_typed(sim: Any) -> None:
    world = sim.world
    app = make_app(opened_at(world, Stage.DESTINATION))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await fill_destination(pilot, world.good_bucket, "alice@corp/", submit=False)
        assert "✗ S3 prefixes may not contain @" in flat(screen_text(app))
        await keys(pilot, "enter", "enter")
        assert stage(app) is Stage.DESTINATION
        assert "Fix the value marked ✗ above." in flat(screen_text(app))
        assert sim.workmail.calls.count("StartMailboxExportJob") == 0


async def test_enter_takes_the_only_match_but_not_one_of_several_or_a_stale_list(
        sim: Any) -> None:
    app = make_app(opened_at(sim.world, Stage.MAILBOX))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await choose_typed_mailbox(pilot, "a")  # aaron.hansen, alice.wong, amira.yilmaz
        assert stage(app) is Stage.MAILBOX
        assert "No user or resource has the id, name or email 'a'" in flat(screen_text(app))
        await type_text(pilot, "l")  # "al": alice.wong only
        await pilot.press("x", "enter")  # before "alx" is searched: the list answers "al"
        await settle(pilot)
        assert stage(app) is Stage.MAILBOX and app.state.mailbox is None
        assert "No user or resource" in flat(screen_text(app))
        assert "'alx'" in flat(screen_text(app))
        await keys(pilot, "backspace")
        await keys(pilot, "enter")
        assert stage(app) is Stage.ROLE
        assert app.state.request.entity_id == sim.world.enabled_user


async def test_checks_that_could_not_be_made_are_not_presented_as_ready(sim: Any) -> None:
    sim.faults.deny("iam", "GetRole")
    app = make_app(good_request(sim.world))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.REVIEW
        text = flat(screen_text(app))
        assert ("Not verified: the checks of IAM role and Prefix could not be made (rows "
                "marked ○), so the export may still fail. Submit only if you know those values "
                "are right.") in text
        await keys(pilot, "s")
        assert "Start the export job?" in screen_text(app)
        assert "Not verified: the checks of IAM role and Prefix could not be" in \
            screen_text(app)
        await keys(pilot, "n")
        assert sim.workmail.calls.count("StartMailboxExportJob") == 0
