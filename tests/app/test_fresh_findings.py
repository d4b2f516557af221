"""A finding is shown only for the values it was computed from: after another role, the key
step checks the key policy again for that role; a corrected prefix withdraws its complaint."""

from __future__ import annotations

from typing import Any

from pilot_kit import BIG, flat, good_request, keys, make_app, point_at, screen_text, settle, stage

from tui.core.model import ExportRequest
from tui.wizard.stages import Stage


async def test_after_another_role_the_key_step_judges_the_key_policy_for_the_new_role(
        sim: Any) -> None:
    world = sim.world
    good = good_request(world)
    app = make_app(ExportRequest(organization_id=good.organization_id,
                                 entity_id=good.entity_id, role_arn=good.role_arn))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.KEY
        await point_at(pilot, world.good_key_arn)
        await keys(pilot, "enter")
        assert stage(app) is Stage.DESTINATION
        await keys(pilot, "escape")
        assert "The key policy lets the role WorkMailExportRole use it." in flat(
            screen_text(app))

        await keys(pilot, "escape")
        assert stage(app) is Stage.ROLE
        await point_at(pilot, world.legacy_role_arn)
        await keys(pilot, "enter")
        # The legacy role's trust depends on sts:ExternalId: a warning the person reads and
        # passes with ctrl+n (checks.py: whether WorkMail sends it is not documented).
        assert stage(app) is Stage.ROLE
        assert "depending on sts:ExternalId" in flat(screen_text(app))
        await keys(pilot, "ctrl+n")
        assert stage(app) is Stage.KEY
        text = flat(screen_text(app))
        assert "lets the role WorkMailExportRole use it" not in text
        assert "The key policy lets the role WorkMailExportRoleLegacy use it." in text
        assert app.state.request.role_arn == world.legacy_role_arn


async def test_a_corrected_prefix_withdraws_fix_the_value_marked(sim: Any) -> None:
    world = sim.world
    good = good_request(world)
    app = make_app(ExportRequest(organization_id=good.organization_id,
                                 entity_id=good.entity_id, role_arn=good.role_arn,
                                 kms_key_arn=good.kms_key_arn))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert stage(app) is Stage.DESTINATION
        await point_at(pilot, world.good_bucket)
        await keys(pilot, "enter")
        await keys(pilot, "ctrl+u")  # the suggested prefix cleared
        await keys(pilot, "ctrl+n")
        assert "Fix the value marked ✗ above." in flat(screen_text(app))
        await pilot.press(*"exports/")
        await settle(pilot)
        text = flat(screen_text(app))
        assert "✗" not in text
        assert "Fix the value marked" not in text
        await keys(pilot, "ctrl+n")
        assert stage(app) is Stage.REVIEW
