"""The schedule a run will follow, played forward in time: when will its last job be seen
to end?

It does what the scheduler does: `slots` jobs at once; the jobs still to start taken in plan
order, each as soon as a slot is free, but not before its own `not_before` (a mailbox
waiting for its 24-hour window, or a retry) nor before `start_from` (the scheduler backing
off after LimitExceeded or throttling); a job's end is seen only at the scheduler's next
tick (every `poll` seconds from `now`), and its slot is filled at that tick. Running jobs
hold their slots until their expected end. The estimate before a run and the ETA during one
both come from here.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Pending:
    """A job still to start: how long it is expected to take, and its earliest start."""

    seconds: float
    not_before: float = 0.0


def finish_time(now: float, slots: int, running_ends: Iterable[float],
                pending: Sequence[Pending], start_from: float = 0.0,
                poll: float = 0.0) -> float | None:
    """When the last job is seen to end (epoch seconds), or None with no slot to run
    anything in."""

    def seen(end: float) -> float:
        """The first tick at or after `end` (ticks every `poll` seconds from `now`)."""
        if poll <= 0 or end <= now:
            return max(end, now)
        return now + poll * math.ceil((end - now) / poll - 1e-9)

    ends = sorted(seen(end) for end in running_ends)
    if not pending:
        return max(ends, default=now)
    if slots < 1:
        return None
    # more running than slots (others took some): a start waits for enough of them to end
    free = [now] * max(0, slots - len(ends)) + ends[max(0, len(ends) - slots):]
    heapq.heapify(free)
    # jobs that may start at once, by plan position; the others by when they may start
    ready: list[int] = []
    waiting = sorted(range(len(pending)), key=lambda i: pending[i].not_before, reverse=True)
    last = max(ends, default=now)
    earliest = max(now, start_from)
    for _ in range(len(pending)):
        slot_free = max(heapq.heappop(free), earliest)
        if not ready and waiting:
            slot_free = max(slot_free, pending[waiting[-1]].not_before)
        while waiting and pending[waiting[-1]].not_before <= slot_free:
            heapq.heappush(ready, waiting.pop())
        job = pending[heapq.heappop(ready)]
        end = seen(slot_free + job.seconds)
        last = max(last, end)
        heapq.heappush(free, end)
    return last


def lower_bound(seconds: Sequence[float], slots: int) -> float:
    """No schedule of these jobs on `slots` slots ends sooner: the longest job, or all of the
    work spread evenly."""
    return max(max(seconds, default=0.0), sum(seconds) / max(slots, 1))
