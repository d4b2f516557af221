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

if TYPE_CHECKING:
    from tui.sim import SimulatedAws

_DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_COLOR": "",
}
_REMOVED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "WORKMAIL_EXPORT_JOURNAL")

# Set at import time too, so that anything imported while collecting sees dummy values.
for _name in _REMOVED_ENV:
    os.environ.pop(_name, None)
os.environ.update({k: v for k, v in _DUMMY_ENV.items() if v})
os.environ.pop("NO_COLOR", None)


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Dummy credentials and a private state directory for every test."""
    for name in _REMOVED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in _DUMMY_ENV.items():
        if value:
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("WORKMAIL_EXPORT_STATE_DIR", str(tmp_path / "state"))
    yield


@pytest.fixture
def sim(isolated_aws_env: None) -> Iterator[SimulatedAws]:
    """A started simulated AWS with the demo world and a manual clock (tui.sim)."""
    from tui.sim import ManualClock, SimulatedAws

    with SimulatedAws(world="demo", clock=ManualClock()) as simulated:
        yield simulated
