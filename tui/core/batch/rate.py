"""A request rate that adapts to what the service tolerates: a token bucket whose rate is
halved by a throttled call and raised again by a run of successes (additive increase,
multiplicative decrease, as TCP does with congestion: once per congestion, not once per
refused call of the same burst).

AWS does not publish WorkMail's request quotas. ASSUMPTION: a burst of 50 reads at once,
then 20 a second, growing to at most 100; the first throttle shows where the real limit is,
and the rate settles below it. One limiter is shared by every reader of a Region (quotas are
per account and Region), across threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    """The rates (calls a second) a limiter starts at, falls to at most and climbs to, and
    how many calls may go at once before the rate applies."""

    start: float = 20.0
    floor: float = 0.5
    ceiling: float = 100.0
    step: float = 2.0  # added after every `window` successes in a row
    window: int = 10
    burst: float = 50.0


class RateLimiter:
    """Lets calls through at `rate` a second (after a burst); thread-safe. `wait()` before
    a call, then `succeeded()` or `throttled()` after it."""

    def __init__(self, pace: Pace | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.pace = pace or Pace()
        self.rate = self.pace.start
        self.throttles = 0
        self.lowest_rate = self.rate
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.pace.burst
        self._at = clock()
        self._generation = 0
        self._streak = 0
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.pace.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def wait(self) -> int:
        """Block until this caller's turn (a token of its own, taken now or reserved);
        returns the rate's generation the turn was given at, to hand to `throttled`."""
        with self._lock:
            self._refill()
            self._tokens -= 1
            delay = -self._tokens / self.rate if self._tokens < 0 else 0.0
            generation = self._generation
        if delay > 0:
            self._sleep(delay)
        return generation

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` the limiter's way (a backoff between tries of one call)."""
        self._sleep(seconds)

    def succeeded(self) -> None:
        with self._lock:
            self._streak += 1
            if self._streak >= self.pace.window:
                self._streak = 0
                self._refill()
                self.rate = min(self.pace.ceiling, self.rate + self.pace.step)

    def throttled(self, generation: int | None = None) -> None:
        """The service said slow down: halve the rate and spend what was saved up. A call
        whose turn was given at an older rate (`generation` from `wait`) was too fast for
        that rate, not for the new one: its throttle does not halve it again."""
        with self._lock:
            self.throttles += 1
            self._streak = 0
            if generation is not None and generation != self._generation:
                return
            self._refill()
            self._generation += 1
            self.rate = max(self.pace.floor, self.rate / 2)
            self.lowest_rate = min(self.lowest_rate, self.rate)
            self._tokens = min(self._tokens, 0.0)
