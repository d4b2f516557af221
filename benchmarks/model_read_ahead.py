"""What a read-ahead bound would cost the download, on a network where the hash keeps up.

    python benchmarks/model_read_ahead.py

A model, not a measurement (no network to measure here): `concurrency` connections fetch
parts in order; each part takes a log-normal time (median 1, sigma 0.3), a share of them
(stragglers) several times longer; the hash is instant, but goes in order, so part k is
hashed once every part before it has arrived. A connection may start part k only while
k < hashed + rounds x concurrency. Printed: the mean time of a download of `parts` parts
for each bound, against no bound, over `seeds` seeded runs. (`transfer.py` has no such
bound: this is why, with the resume case its docstring gives.)
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics

CASES = ((0.0, 1.0), (0.05, 3.0), (0.02, 5.0))  # (share of stragglers, how many times slower)


def download_time(rounds: float, parts: int, concurrency: int, seed: int,
                  straggler_share: float, straggler_factor: float) -> float:
    """The time the last part is hashed, with the read-ahead bound at `rounds` rounds."""
    rng = random.Random(seed)
    durations = [rng.lognormvariate(0, 0.3)
                 * (straggler_factor if rng.random() < straggler_share else 1.0)
                 for _ in range(parts)]
    lead = rounds * concurrency
    arrived = [False] * parts
    in_flight: list[tuple[float, int]] = []
    now, next_part, hashed, free = 0.0, 0, 0, concurrency
    while hashed < parts:
        while free and next_part < parts and next_part < hashed + lead:
            heapq.heappush(in_flight, (now + durations[next_part], next_part))
            next_part += 1
            free -= 1
        now, part = heapq.heappop(in_flight)
        arrived[part] = True
        free += 1
        while hashed < parts and arrived[hashed]:
            hashed += 1
    return now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=300)
    args = parser.parse_args()
    print(f"{args.parts} parts, {args.concurrency} connections, {args.seeds} seeds; "
          "time against no bound:")
    for share, factor in CASES:
        def mean(rounds: float, share: float = share, factor: float = factor) -> float:
            return statistics.mean(
                download_time(rounds, args.parts, args.concurrency, seed, share, factor)
                for seed in range(args.seeds))
        unbounded = mean(float("inf"))
        row = ", ".join(f"{rounds} round{'s' if rounds > 1 else ''} "
                        f"{mean(rounds) / unbounded - 1:+.1%}" for rounds in (1, 2, 4, 6))
        print(f"  stragglers {share:.0%} x{factor:g}: {row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
