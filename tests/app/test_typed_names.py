"""The role and key steps take a typed name, key id or alias that no listed row has (looked up
in AWS), and the prefill flags take them too; one that names nothing says so in words about
that name, never "The KMS key ARN starts with arn:aws:kms:"."""

from __future__ import annotations

from typing import Any

from pilot_kit import BIG, flat, good_request, keys, make_app, screen_text, settle, stage, step
from pilot_kit import type_text as typed
from test_misconfigurations import opened_at

from tui.wizard.stages import Stage


async def test_a_typed_alias_that_no_key_has_is_said_to_be_unknown(sim: Any) -> None:
    app = make_app(opened_at(sim.world, Stage.KEY))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        step(app).query_one("#typed").focus()
        await typed(pilot, "alias/nope")
        await keys(pilot, "enter")
        assert stage(app) is Stage.KEY
        text = flat(screen_text(app))
        assert "No KMS key has the alias alias/nope in us-east-1." in text
        assert "starts with arn:aws:kms" not in text
        assert app.state.request.kms_key_arn == ""


async def test_a_typed_key_id_is_looked_up_and_chosen_by_its_arn(sim: Any) -> None:
    world = sim.world
    app = make_app(opened_at(world, Stage.KEY))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        listed = step(app).items
        step(app).items = []  # as when the keys could not be listed: only the typed id
        assert listed
        step(app).query_one("#typed").focus()
        await typed(pilot, world.good_key_arn.rsplit("/", 1)[1])
        await keys(pilot, "enter")
        assert app.state.request.kms_key_arn == world.good_key_arn
        assert stage(app) is Stage.DESTINATION


async def test_a_role_name_and_alias_prefilled_are_resolved_when_connected(sim: Any) -> None:
    world = sim.world
    prefill = good_request(world, role_arn="WorkMailExportRole",
                           kms_key_arn="alias/workmail-export")
    app = make_app(prefill)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert (app.state.request.role_arn, app.state.request.kms_key_arn) == (
            world.good_role_arn, world.good_key_arn)
        assert stage(app) is Stage.REVIEW
        assert "✗" not in screen_text(app)


async def test_a_prefilled_alias_that_names_nothing_stops_at_the_key_step(sim: Any) -> None:
    app = make_app(good_request(sim.world, kms_key_arn="alias/nope"))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.KEY
        assert "No KMS key has the alias alias/nope in us-east-1." in flat(screen_text(app))


async def test_a_prefix_pasted_with_spaces_is_taken_without_them(sim: Any) -> None:
    from test_misconfigurations import fill_destination

    world = sim.world
    app = make_app(opened_at(world, Stage.DESTINATION))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await fill_destination(pilot, world.good_bucket, f" {world.good_prefix} ", submit=False)
        assert "spaces" not in flat(screen_text(app)) and "✗" not in screen_text(app)
        await keys(pilot, "enter", "enter")
        assert app.state.request.prefix == world.good_prefix
        assert stage(app) is Stage.REVIEW
