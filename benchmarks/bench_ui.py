"""The wizard's feel: the longest UI stall while steps load, peak memory, keystrokes.

    python benchmarks/bench_ui.py [--latency 0.3]

- stall: the demo walk under pilot with every AWS call slowed by `--latency`, three ways: the
  app alone against a simulator this script serves from another process; the app as
  `workmail-export --demo` runs it (its simulator in a child process the app starts,
  tui.app.demo_simulator); and the simulator in the app's own process, as the pilot tests
  run it (and as --demo did before its simulator moved out). Each walk runs in a fresh
  process of its own (`--walk MODE`), as a person's run does: a walk after another one in
  the same process would also pay for the first app's leftovers (garbage collections over
  its objects), which no real run has. A 10 ms timer
  in the app records how late each tick comes. The longest lateness is the longest time the
  event loop could not answer a key (goal < 50 ms). This harness's own screen reads (to see
  that a step is ready) run on the same loop; their time is taken out of the gap they fall
  in, and printed.
- keystrokes: the keys the walk presses from launch to the submitted job, counted while it
  runs (goal <= 15); typed characters and other keys are shown apart.
- peak memory: maximum resident set of a fresh process that walks the demo to the review:
  the app alone talking to a simulator served by another process (as --demo runs), and the
  app with the simulator in the same process (as the pilot tests run), beside the AWS CLI v1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.common as common
from benchmarks.common import (
    DEMO_WALK,
    ROOT,
    added_latency,
    dummy_aws_env,
    machine,
    served_simulator,
    walk_presses,
)

TICK = 0.01
STALL_GOAL_MS = 50.0
KEYS_GOAL = 15


class LoopWatch:
    """Ticks of a 10 ms interval timer, and the harness's own busy spans, on the app's loop."""

    def __init__(self) -> None:
        self.ticks: list[tuple[float, float, str]] = []  # (wall, UI thread CPU, step walked)
        self.harness: list[tuple[float, float]] = []
        self.step = "launch"

    def tick(self) -> None:
        self.ticks.append((time.perf_counter(), time.thread_time(), self.step))

    def stalls(self) -> list[tuple[float, float, str]]:
        """(lateness, UI thread CPU time in that gap, step) for each tick, in seconds, the
        harness's screen reads taken out of both. Lateness beyond the CPU time is time the
        thread waited: for the GIL (worker threads) or for a core (other processes)."""
        late = []
        spans = iter(sorted(self.harness))
        span = next(spans, None)
        pairs = zip(self.ticks, self.ticks[1:], strict=False)
        for (before, cpu_before, _), (after, cpu_after, step) in pairs:
            busy = 0.0
            while span is not None and span[0] < after:
                if span[1] > before:
                    busy += min(span[1], after) - max(span[0], before)
                if span[1] > after:
                    break
                span = next(spans, None)
            late.append((max(0.0, after - before - TICK - busy),
                         max(0.0, cpu_after - cpu_before - busy), step))
        return late


async def walk_with_watch(latency: float, url: str | None) -> tuple[LoopWatch, int, int]:
    """Walk the demo with the loop watched: against the simulator at `url` (latency added by
    botocore here, see added_latency), "demo" (--demo's own child simulator, the same added
    latency), or None (the simulator in this process, its latency fault)."""
    from tui.app.wizard_app import WizardApp
    from tui.core.model import ConnectionSettings, ExportRequest
    from tui.sim import ManualClock, SimulatedAws

    watch = LoopWatch()
    read_screen = common.screen_text

    def timed_screen_text(app: Any) -> str:
        began = time.perf_counter()
        try:
            return read_screen(app)
        finally:
            watch.harness.append((began, time.perf_counter()))

    common.screen_text = timed_screen_text
    with contextlib.ExitStack() as stack:
        if url is None:
            sim = stack.enter_context(SimulatedAws(world="demo", clock=ManualClock()))
            sim.faults.latency = latency
        elif url == "demo":
            from tui.app.demo_simulator import demo_simulator

            url = stack.enter_context(demo_simulator()).url
            stack.enter_context(added_latency(latency))
        app = WizardApp(ConnectionSettings(endpoint_url=url), ExportRequest())
        async with app.run_test(size=(120, 40)) as pilot:
            app.set_interval(TICK, watch.tick)
            pressed = common.count_presses(pilot)

            async def on_step(move: common.Move) -> None:
                watch.step = move.step

            await common.walk_demo(pilot, on_step=on_step)
            watch.step = "result"
            await pilot.pause(0.5)
    common.screen_text = read_screen
    return watch, pressed["typed"], pressed["keys"]


def report_stalls(what: str, watch: LoopWatch, walked: float) -> None:
    stalls = watch.stalls()
    worst, _, worst_step = max(stalls)
    worst_cpu, _, cpu_step = max((cpu, late, step) for late, cpu, step in stalls)
    ordered = sorted(late for late, _, _ in stalls)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    harness_ms = sum(end - start for start, end in watch.harness) * 1000
    print(f"stall, {what}: the walk took {walked:.1f} s, {len(watch.ticks)} ticks")
    print(f"  longest stall: {worst * 1000:.1f} ms wall (step {worst_step}); p99 "
          f"{p99 * 1000:.1f} ms; goal < {STALL_GOAL_MS:.0f} ms: "
          f"{'met' if worst * 1000 < STALL_GOAL_MS else 'NOT met'}")
    print(f"  longest UI-thread CPU between two ticks: {worst_cpu * 1000:.1f} ms "
          f"(step {cpu_step})")
    per_step: dict[str, tuple[float, float]] = {}
    for late, cpu, step in stalls:
        old = per_step.get(step, (0.0, 0.0))
        per_step[step] = (max(old[0], late), max(old[1], cpu))
    print("  per step, longest wall / CPU (ms): " + ", ".join(
        f"{step} {late * 1000:.0f}/{cpu * 1000:.0f}" for step, (late, cpu) in per_step.items()))
    print(f"  harness screen reads taken out: {len(watch.harness)} reads, "
          f"{harness_ms:.0f} ms in all")


async def idle_watch(seconds: float) -> LoopWatch:
    """The same timer in a Textual app that does nothing: this machine's noise floor."""
    from textual.app import App

    watch = LoopWatch()
    async with App().run_test(size=(120, 40)) as pilot:
        pilot.app.set_interval(TICK, watch.tick)
        await asyncio.sleep(seconds)
    return watch


# ---- memory -------------------------------------------------------------------------------

# ru_maxrss of a child started from this (large) process starts at this process's peak on
# Linux (exec keeps the old peak), so the child reads its own VmHWM where there is /proc.
MEMORY_CHILD = """
import asyncio, os, resource, sys
sys.path.insert(0, {root!r})

def peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak

from benchmarks.common import walk_demo
from tui.app.wizard_app import WizardApp
from tui.core.model import ConnectionSettings, ExportRequest

async def to_review(url):
    app = WizardApp(ConnectionSettings(endpoint_url=url), ExportRequest())
    async with app.run_test(size=(120, 40)) as pilot:
        await walk_demo(pilot, until="review")

url = sys.argv[1]
if url == "in-process":
    from tui.sim import RealClock, SimulatedAws
    with SimulatedAws(world="demo", clock=RealClock()):
        asyncio.run(to_review(None))
else:
    asyncio.run(to_review(url))
print(peak_kib())
"""

# A small launcher, so the command's peak does not start from this process's.
CHILD_MAXRSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], capture_output=True, check=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak // 1024 if sys.platform == "darwin" else peak)
"""


def max_rss_mib(argv: list[str], env: dict[str, str]) -> float:
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed:\n{done.stderr[-2000:]}")
    kib = int(done.stdout.strip().splitlines()[-1])
    return kib / 1024


def memory(env: dict[str, str]) -> dict[str, float]:
    child = MEMORY_CHILD.format(root=str(ROOT))
    with served_simulator() as url:
        found = {
            "app alone (simulator in another process)":
                max_rss_mib([sys.executable, "-c", child, url], env),
            "app + simulator in one process (as the pilot tests run)":
                max_rss_mib([sys.executable, "-c", child, "in-process"], env),
        }
        aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
        if aws:
            found["aws workmail list-organizations (CLI v1)"] = max_rss_mib(
                [sys.executable, "-c", CHILD_MAXRSS, aws, "--endpoint-url", url, "--region",
                 "us-east-1", "workmail", "list-organizations"], env)
    return found


WALKS = {
    "served": "app alone, simulator in another process, {ms} ms added to each call",
    "demo": "--demo (its simulator in a child process the app starts), {ms} ms added to "
            "each call",
    "in-process": "simulator in the same process (the pilot tests' setup; --demo before its "
                  "simulator moved to a child), {ms} ms latency fault",
}


def one_walk(mode: str, latency: float) -> None:
    """Walk the demo once in this process (`mode`: one of WALKS) and print what it found."""
    what = WALKS[mode].format(ms=f"{latency * 1000:.0f}")
    began = time.perf_counter()
    if mode == "served":
        with served_simulator() as url, added_latency(latency):
            watch, typed, keys = asyncio.run(walk_with_watch(latency, url))
    else:
        watch, typed, keys = asyncio.run(
            walk_with_watch(latency, "demo" if mode == "demo" else None))
    report_stalls(what, watch, time.perf_counter() - began)
    if mode != "served":
        return
    total = typed + keys
    planned = walk_presses(DEMO_WALK)
    texts = ", ".join(repr(move.typed) for move in DEMO_WALK if move.typed)
    print(f"keystrokes launch -> submitted job: {total} ({keys} named keys + {typed} letter "
          f"keys, among them s and y; texts typed: {texts}); the walk plans {planned}")
    print(f"  goal <= {KEYS_GOAL}: {'met' if total <= KEYS_GOAL else 'NOT met'} counting "
          f"typed characters; {'met' if keys <= KEYS_GOAL else 'NOT met'} counting other keys")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.3,
                        help="seconds added to every AWS call (default 0.3)")
    parser.add_argument("--walk", choices=tuple(WALKS), default=None,
                        help="walk once this way in this process (the parent runs each so)")
    args = parser.parse_args(argv)
    os.environ.update(dummy_aws_env())
    if args.walk:
        one_walk(args.walk, args.latency)
        return 0
    state = tempfile.mkdtemp(prefix="wx-bench-")
    os.environ["WORKMAIL_EXPORT_STATE_DIR"] = state
    print(machine())

    idle = asyncio.run(idle_watch(5.0))
    report_stalls("an idle Textual app for 5 s (noise floor)", idle, 5.0)
    sys.stdout.flush()
    for mode in WALKS:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--walk", mode,
                        "--latency", str(args.latency)], cwd=ROOT, check=True, timeout=300)

    env = dummy_aws_env()
    env["WORKMAIL_EXPORT_STATE_DIR"] = tempfile.mkdtemp(prefix="wx-bench-")
    for what, mib in memory(env).items():
        print(f"peak memory (max RSS), {what}: {mib:.0f} MiB")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
