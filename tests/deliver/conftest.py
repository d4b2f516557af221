"""Fixtures of the delivery tests: a real Dovecot on 127.0.0.1, a reader of what it holds,
and the delivery record in the test's own state directory."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dovecot_server import DovecotServer, start_dovecot


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    with start_dovecot() as server:
        yield server
