"""The hand-off files (w on the plan screen, "Write the plan" in the plain face): new files
only, readable by their owner alone, never over a file that is there."""

from __future__ import annotations

import json
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from setup_kit import connection

from tui.core.setup.hand_off import write_hand_off
from tui.core.setup.planner import plan_setup
from tui.core.setup.request import SetupRequest


class _FixedClock:
    """datetime with a now() that never moves: every write gets the same time stamp."""

    @staticmethod
    def now(tz: Any = None) -> datetime:
        return datetime(2027, 3, 1, 12, 0, 0, tzinfo=tz)


def test_the_files_are_new_private_and_never_overwrite(fresh: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.core.setup.hand_off.datetime", _FixedClock)
    plan = plan_setup(connection(fresh), SetupRequest(
        fresh.world.org_id, bucket="example-corp-exports", prefix="exports/", create_key=True))
    first = write_hand_off(plan, tmp_path)
    assert [p.suffix for p in first] == [".sh", ".json"]
    assert first[0].read_text().startswith("#!/usr/bin/env bash\n")
    assert json.loads(first[1].read_text())["Resources"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in first)
    mine = first[0].read_text()
    second = write_hand_off(plan, tmp_path)  # the same time stamp: other names
    assert [p.name for p in second] == [p.name.replace(".sh", "-2.sh").replace(
        ".cloudformation.json", ".cloudformation-2.json") for p in first]
    assert first[0].read_text() == mine
