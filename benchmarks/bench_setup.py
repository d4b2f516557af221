"""Setup in the wizard: keystrokes from launch to a JobId in an account with nothing, and how
long each setup plan and apply takes to show.

    python benchmarks/bench_setup.py [--latency 0.05]

The "fresh" world (an organization, no role, key or bucket) is served by a simulator in
another process (`python -m tui.sim.server --world fresh`); the app walks
`benchmarks.common.FRESH_WALK` under pilot, every AWS call slowed by `--latency` (a distant
Region's round trip). Keys are counted as they are pressed (goal <= 25, the setup included);
for each plan and apply, the time from the key that asked for it to its screen being ready
is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    FRESH_WALK,
    RESULT_READY,
    Move,
    added_latency,
    count_presses,
    dummy_aws_env,
    machine,
    play,
    served_simulator,
    wait_for_step,
    wait_for_text,
    walk_presses,
)

KEYS_GOAL = 25
TIMED = ("role-plan", "role-applied", "key-plan", "key-applied", "bucket-plan",
         "bucket-applied")


async def walk(url: str) -> tuple[int, int, dict[str, float]]:
    """Walk FRESH_WALK against `url`: (letter keys, other keys, seconds to each timed step)."""
    from tui.app.wizard_app import WizardApp
    from tui.core.model import ConnectionSettings, ExportRequest

    waits: dict[str, float] = {}
    app = WizardApp(ConnectionSettings(endpoint_url=url), ExportRequest())
    async with app.run_test(size=(120, 40)) as pilot:
        pressed = count_presses(pilot)
        asked = time.perf_counter()
        move: Move
        for move in FRESH_WALK:
            await wait_for_step(pilot, move)
            if move.step in TIMED:
                waits[move.step] = time.perf_counter() - asked
            asked = time.perf_counter()
            await play(pilot, move)
        await wait_for_text(pilot, RESULT_READY, "the result")
    return pressed["typed"], pressed["keys"], waits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds added to every AWS call (default 0.05)")
    args = parser.parse_args(argv)
    os.environ.update(dummy_aws_env())
    os.environ["WORKMAIL_EXPORT_STATE_DIR"] = tempfile.mkdtemp(prefix="wx-bench-")
    print(machine())
    with served_simulator("fresh") as url, added_latency(args.latency):
        typed, keys, waits = asyncio.run(walk(url))
    total = typed + keys
    print(f"fresh world, {args.latency * 1000:.0f} ms added to each AWS call")
    print(f"keystrokes launch -> JobId with setup: {total} ({keys} named keys + {typed} letter "
          f"keys: c, a, y at each of the three setups, s and y; texts typed: 'al'); the walk "
          f"plans {walk_presses(FRESH_WALK)}")
    print(f"  goal <= {KEYS_GOAL}: {'met' if total <= KEYS_GOAL else 'NOT met'}")
    for step in TIMED:
        what = "plan on screen after c" if step.endswith("plan") else "all calls made after y"
        print(f"  {step:<15} {what}: {waits[step] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

