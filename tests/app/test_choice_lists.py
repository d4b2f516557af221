"""The role, key and bucket lists: what fits the earlier choices comes first and says so,
and at 80x24 the note column stays on screen (a long key id is cut instead)."""

from __future__ import annotations

from typing import Any

import pytest
from pilot_kit import BIG, SMALL, flat, good_request, make_app, screen_text, settle

from tui.core.model import ExportRequest


async def first_key_row(pilot: Any, wanted: str) -> str:
    """The key list's first row once it shows `wanted` (the list is fitted to the table's
    width after the table is laid out; a busy machine may take a few frames), or as it is
    after two seconds."""
    for _ in range(20):
        row = next((line for line in screen_text(pilot.app).splitlines()
                    if "alias/workmail-export" in line), "")
        if wanted in row:
            break
        await pilot.pause(0.1)
    return row


def opened_at_key(world: Any) -> ExportRequest:
    good = good_request(world)
    return ExportRequest(organization_id=good.organization_id, entity_id=good.entity_id,
                         role_arn=good.role_arn)


@pytest.mark.parametrize("size", [BIG, SMALL])
async def test_the_key_list_says_which_key_the_role_may_use_at_any_size(
        sim: Any, size: tuple[int, int]) -> None:
    app = make_app(opened_at_key(sim.world))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        first = await first_key_row(pilot, "the role may use it")
        assert "the role may use it" in first
        assert "Disabled, not" in flat(screen_text(app))  # the why-not column is on screen
        good_id = sim.world.good_key_arn.rsplit("/", 1)[1]
        if size == SMALL:
            assert good_id not in first and good_id[:20] in first and "…" in first
        else:
            assert good_id in first


async def test_a_role_without_kms_permission_sees_the_key_flagged(sim: Any) -> None:
    request = opened_at_key(sim.world)
    app = make_app(ExportRequest(organization_id=request.organization_id,
                                 entity_id=request.entity_id,
                                 role_arn=sim.world.no_kms_role_arn))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        first = await first_key_row(pilot, "the role's policies do not allow it")
        assert "the role's policies do not allow it" in first
