"""Time for the batch engine: a clock that tells the time and sleeps, injectable for tests.

The scheduler never calls `time` directly. Production uses `SystemClock`; tests and the
benchmark hand in a clock whose `sleep` advances simulated time, so a day of exports runs
in milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """What the engine needs of time: epoch seconds now, and a way to wait."""

    def now(self) -> float: ...

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> None:
        """Wait `seconds`, or less when `wake` is set (a pause or cancel from a face)."""


class SystemClock:
    """Wall-clock time and real sleeping, cut short when the wake event is set."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> None:
        if seconds <= 0:
            return
        if wake is None:
            time.sleep(seconds)
        else:
            wake.wait(seconds)


class SteppedClock:
    """Someone else's time (a simulator's clock): sleeping moves it forward at once, so a
    day-long run takes as long as its ticks take to compute."""

    def __init__(self, now: Callable[[], float], advance: Callable[[float], None]) -> None:
        self._now = now
        self._advance = advance

    def now(self) -> float:
        return self._now()

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> None:
        if seconds > 0:
            self._advance(seconds)
