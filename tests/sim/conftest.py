"""Fixtures of the simulator's tests: a workmail client without retries, a start_job helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from sim_helpers import NO_RETRIES, good_request

from tui.sim import SimulatedAws


@pytest.fixture
def workmail(sim: SimulatedAws) -> Any:
    """A workmail client that shows every error at once (no retries, no backoff sleeps)."""
    return boto3.client("workmail", region_name="us-east-1", config=NO_RETRIES)


@pytest.fixture
def start_job(sim: SimulatedAws, workmail: Any) -> Callable[..., str]:
    """Start a job with the demo's good parameters (changed by keyword); returns the JobId."""

    def start(**changes: str) -> str:
        return str(workmail.start_mailbox_export_job(**good_request(sim, **changes))["JobId"])

    return start
