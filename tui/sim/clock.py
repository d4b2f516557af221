"""The simulator's sense of time: a manual clock for tests, a real-time clock for the demo.

Jobs never run in the background; their state is computed from `clock.now()` whenever
someone looks, so advancing a ManualClock moves every job forward at once.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

# A fixed, deterministic start for tests and snapshots (before WorkMail's end of support).
DEFAULT_START = datetime(2026, 10, 1, 9, 0, 0, tzinfo=timezone.utc)


class SimClock(Protocol):
    """What the simulator needs from a clock."""

    def now(self) -> datetime: ...

    def advance(self, seconds: float) -> None: ...


class ManualClock:
    """Time stands still until a test calls `advance(seconds)`."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class RealClock:
    """Wall-clock time, optionally faster (`speed=10` runs a one-minute job in six seconds).

    `advance(seconds)` still works, as a jump forward on top of the running time.
    """

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        self.speed = speed
        self._start = start or datetime.now(timezone.utc).replace(microsecond=0)
        self._started_at = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._started_at) * self.speed + self._offset
        return self._start + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def anchor(self) -> tuple[float, float, float]:
        """(epoch seconds, time.monotonic() at that moment, speed): enough for another
        process on this machine (whose monotonic clock is the same) to read the same time
        until the next `advance`."""
        with self._lock:
            monotonic = time.monotonic()
            elapsed = (monotonic - self._started_at) * self.speed + self._offset
        return self._start.timestamp() + elapsed, monotonic, self.speed

    def __repr__(self) -> str:
        return f"RealClock(speed={self.speed})"
