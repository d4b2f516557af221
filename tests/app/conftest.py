"""Pilot tests run `async def` tests on a fresh event loop; the helpers live in pilot_kit
(re-exported here for test modules that still import them from conftest)."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from pilot_kit import (  # noqa: F401  (re-exported)
    BIG,
    SMALL,
    flat,
    good_request,
    keys,
    make_app,
    point_at,
    screen_text,
    settle,
    stage,
    step,
    type_text,
)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests on a fresh event loop (pilot tests need one; no plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True
