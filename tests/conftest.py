"""Test isolation: no test may reach real AWS or use a developer's own credentials.

Every test runs with dummy credentials, config files that do not exist, no profile, and a
journal/state directory of its own. The simulator (tui.sim) is the only AWS there is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tui.sim.env import DUMMY_AWS_ENV, UNSET_AWS_ENV

if TYPE_CHECKING:
    from tui.sim import SimulatedAws

_REMOVED_ENV = (*UNSET_AWS_ENV, "NO_COLOR")

# Set at import time too, so that anything imported while collecting sees dummy values.
for _name in _REMOVED_ENV:
    os.environ.pop(_name, None)
os.environ.update(DUMMY_AWS_ENV)


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Dummy credentials and a private state directory for every test."""
    for name in _REMOVED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WORKMAIL_EXPORT_STATE_DIR", str(tmp_path / "state"))
    yield


@pytest.fixture
def sim(isolated_aws_env: None) -> Iterator[SimulatedAws]:
    """A started simulated AWS with the demo world and a manual clock (tui.sim)."""
    from tui.sim import ManualClock, SimulatedAws

    with SimulatedAws(world="demo", clock=ManualClock()) as simulated:
        yield simulated
