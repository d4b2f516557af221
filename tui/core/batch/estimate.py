"""How long one export job takes: a throughput model, assumed until it can be learned.

A job of a mailbox of S MB takes `overhead + S / rate` seconds: a fixed start-up per job
plus the bytes at a steady rate per job (jobs of one organization run side by side, each at
its own rate, as far as anyone can tell). AWS publishes neither number, so until this
machine has seen jobs finish the model is an ASSUMPTION, stated as a wide range; `fit`
learns both numbers from finished jobs (size, start, end) by least squares on the relative
error (each job weighted by 1/duration²: a job strays from the line by a share of its
length, so plain least squares would let the few longest jobs set the overhead and misjudge
the many short ones), and the range narrows to what the jobs' scatter allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, pstdev

LEARN_FROM = 5  # finished jobs it takes before the model is learned instead of assumed
# The narrowest range a learned estimate claims (the schedule itself adds some doubt).
LEARNED_SPREAD_FLOOR = 0.05


@dataclass(frozen=True)
class Sample:
    """One finished job: its mailbox's size (MB), how long it ran (seconds), its JobId."""

    size_mb: float
    seconds: float
    job_id: str = ""


@dataclass(frozen=True)
class Throughput:
    """The model: `seconds(size)` of the likely case, times `fast`/`slow` for the range.

    `learned_from` is how many finished jobs it was fitted to (0: the assumption)."""

    mb_per_second: float
    overhead_seconds: float
    fast: float
    slow: float
    learned_from: int = 0

    def seconds(self, size_mb: float) -> float:
        return self.overhead_seconds + max(0.0, size_mb) / self.mb_per_second

    @property
    def assumed(self) -> bool:
        return self.learned_from < LEARN_FROM

    def describe(self) -> str:
        """How the estimate was made, in one sentence."""
        rate = f"{self.mb_per_second:.1f} MB/s per job plus {self.overhead_seconds:.0f} s"
        if self.assumed:
            seen = (f" (only {self.learned_from} finished job(s) seen so far)"
                    if self.learned_from else "")
            return (f"Assumed throughput, until this machine has seen {LEARN_FROM} exports "
                    f"finish{seen}: about {rate} a job, anywhere from "
                    f"{1 / self.slow:.0%} to {1 / self.fast:.0%} of that speed (AWS publishes "
                    "no figure).")
        return (f"Learned from {self.learned_from} finished jobs on this machine: "
                f"{rate} a job (±{(self.slow - 1):.0%}).")


# ASSUMPTION (unverified, nothing public): 5 MB/s and 2 minutes a job, anywhere between
# three times faster and three times slower.
ASSUMED = Throughput(mb_per_second=5.0, overhead_seconds=120.0, fast=1 / 3, slow=3.0)


def fit(samples: Sequence[Sample], assumed: Throughput = ASSUMED) -> Throughput:
    """The model learned from finished jobs; the assumption (saying how many jobs it has
    seen) while there are fewer than LEARN_FROM of them."""
    usable = [s for s in samples if s.seconds > 0 and s.size_mb >= 0]
    if len(usable) < LEARN_FROM:
        return Throughput(assumed.mb_per_second, assumed.overhead_seconds, assumed.fast,
                          assumed.slow, len(usable))
    slope, overhead = _line(usable, assumed)
    model = Throughput(1.0 / slope, overhead, 1.0, 1.0, len(usable))
    errors = [(s.seconds - model.seconds(s.size_mb)) / model.seconds(s.size_mb)
              for s in usable]
    spread = max(LEARNED_SPREAD_FLOOR, 2 * pstdev(errors) / math.sqrt(len(usable)))
    return Throughput(model.mb_per_second, overhead, max(0.1, 1 - spread), 1 + spread,
                      len(usable))


def _line(samples: Sequence[Sample], assumed: Throughput) -> tuple[float, float]:
    """(seconds per MB, overhead seconds) of the line that fits the jobs' durations best in
    relative terms (weighted least squares, weights 1/duration²), kept physical: a positive
    slope and an overhead of at least 0."""
    sizes = [s.size_mb for s in samples]
    times = [s.seconds for s in samples]
    weights = [1.0 / (t * t) for t in times]
    total = sum(weights)
    mean_size = sum(w * x for w, x in zip(weights, sizes, strict=True)) / total
    mean_time = sum(w * y for w, y in zip(weights, times, strict=True)) / total
    spread = sum(w * (x - mean_size) ** 2 for w, x in zip(weights, sizes, strict=True))
    if spread > 1e-9 * max(1.0, mean_size ** 2) * total:
        slope = sum(w * (x - mean_size) * (y - mean_time)
                    for w, x, y in zip(weights, sizes, times, strict=True)) / spread
        overhead = mean_time - slope * mean_size
        if slope > 0 and overhead >= 0:
            return slope, overhead
    squares = sum(x * x for x in sizes)
    if squares > 0:  # through the origin: all the time is size
        slope = sum(x * y for x, y in zip(sizes, times, strict=True)) / squares
        if slope > 0:
            return slope, 0.0
    # every mailbox empty: all the time is overhead; the rate stays the assumed one
    return 1.0 / assumed.mb_per_second, fmean(times)
