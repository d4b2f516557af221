"""The `plain` fixture: the plain face driven by a typist on the simulated demo world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from plain_driver import run_plain


@pytest.fixture
def plain(sim: object) -> Iterator[object]:
    yield run_plain
