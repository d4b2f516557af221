"""tui.app.kit.long_lived: pauses of automatic collection nest across workers, and each moment
freezes once per app."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tui.app.kit.long_lived import (
    collections_paused,
    freeze_once,
    frozen_moments,
    load_then_freeze,
)


@pytest.fixture
def collection_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collection_enabled")
def test_collection_resumes_when_the_last_overlapping_pause_ends() -> None:
    first, second = collections_paused(), collections_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second worker is still loading
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_pause_leaves_collection_off_when_it_was_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_each_moment_freezes_once_per_app() -> None:
    class App:
        pass

    one, two = App(), App()
    before = gc.get_freeze_count()
    assert freeze_once(one, "connected") and not freeze_once(one, "connected")
    assert freeze_once(two, "connected")  # another app in the same process
    assert frozen_moments(one) == {"connected"}
    assert gc.get_freeze_count() > before  # the two apps made since are frozen now


@pytest.mark.usefixtures("collection_enabled")
def test_a_load_runs_with_collection_off_and_is_frozen_before_it_resumes() -> None:
    class App:
        pass

    app, during = App(), []

    def load() -> int:
        during.append((gc.isenabled(), frozen_moments(app)))
        return 7

    assert load_then_freeze(app, "loaded", load) == 7
    assert during == [(False, set())]
    assert gc.isenabled() and frozen_moments(app) == {"loaded"}
