"""How fast the monitor polls and what time it believes it is; tests and snapshots swap both.

`delay_scale` multiplies every wait of the core's `poll_delays` (0.01 makes a 2-second wait
20 ms); `now` is the clock that elapsed times and "next check at" are read from, so a test
on the simulator's ManualClock shows the same times on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tui.app.jobs.job_text import utc_now


@dataclass(frozen=True)
class JobTiming:
    delay_scale: float = 1.0
    now: Callable[[], datetime] = utc_now
    tick_seconds: float = 1.0  # how often a running job's elapsed time is redrawn

    def wait(self, delay: float) -> float:
        """Seconds to really wait for a poll delay of `delay` seconds."""
        return delay * self.delay_scale
