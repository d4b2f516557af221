"""NO_COLOR: the app drops colour, and nothing it says depends on colour alone."""

from __future__ import annotations

from typing import Any

import pytest
from pilot_kit import BIG, good_request, make_app, screen_text, settle


async def test_no_color_review_still_says_each_level_in_words(
        sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(good_request(sim.world, role_arn=sim.world.no_kms_role_arn))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert app.no_color
        rows = [line.split() for line in screen_text(app).splitlines()]
        levels = {row[0]: row[2] for row in rows
                  if len(row) > 2 and row[1] in ("✓", "✗", "!") and row[0] != "IAM"}
        iam = next(row for row in rows if row[:2] == ["IAM", "role"])
        assert iam[2:4] == ["✗", "error"]
        assert levels["Organization"] == "ok" and levels["Bucket"] == "ok"
        assert "1 error(s) block the submit" in screen_text(app)
