"""The `cli` fixture: workmail-export run as a subprocess against this test's simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cli_runner import ROOT, Cli

__all__ = ["ROOT", "Cli"]  # tests/commands/test_batch_cmd.py imports them from here


@pytest.fixture
def cli(sim: Any) -> Iterator[Cli]:
    yield Cli(sim.serve())
