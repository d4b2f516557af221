"""The `fresh` fixture: a simulated account with an organization and no role, key or bucket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def fresh(isolated_aws_env: None) -> Iterator[Any]:
    from tui.sim import ManualClock, SimulatedAws

    with SimulatedAws(world="fresh", clock=ManualClock()) as simulated:
        yield simulated
