"""The pilot kit's own promise: settle() waits for the app's workers, and a worker that never
ends fails the test with its name instead of hanging it."""

from __future__ import annotations

import threading

import pytest
from pilot_kit import settle
from textual.app import App


class _AppWithAWorker(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def start(self, name: str) -> None:
        self.run_worker(self.release.wait, name=name, thread=True, group="probe")


async def test_settle_returns_once_the_workers_are_done() -> None:
    app = _AppWithAWorker()
    async with app.run_test() as pilot:
        app.start("quick")
        app.release.set()
        await settle(pilot, deadline=60)
        assert not any(w.is_running for w in app.workers)


async def test_settle_names_a_stuck_worker_instead_of_waiting_forever() -> None:
    app = _AppWithAWorker()
    async with app.run_test() as pilot:
        app.start("stuck-lookup")
        with pytest.raises(AssertionError, match=r"stuck-lookup .*group 'probe'"):
            await settle(pilot, deadline=0.5)
        app.release.set()
