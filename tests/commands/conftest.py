"""The `cli` and `fast` fixtures: workmail-export run as a subprocess against this test's
simulator (on a manual clock, or on one 150 times faster than real time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cli_runner import ROOT, Cli

__all__ = ["ROOT", "Cli"]  # tests/commands/test_batch_cmd.py imports them from here


@pytest.fixture
def cli(sim: Any) -> Iterator[Cli]:
    yield Cli(sim.serve())


@pytest.fixture
def fast(isolated_aws_env: None) -> Iterator[tuple[Any, Cli]]:
    """A simulator whose clock runs 150 times faster than the wall clock (a 45-75 s job ends
    in 0.3-0.5 s), served over HTTP, and the Cli for it."""
    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock(speed=150)) as sim:
        yield sim, Cli(sim.serve())
