"""Startup cost: the core's cold start, the wizard's time to its first step, and the AWS CLI.

    python benchmarks/bench_startup.py [--runs 10] [--cli-runs 5]

Every number is the median over fresh processes, timed by this process from just before the
child starts. The simulated AWS is served over HTTP by this process (`SimulatedAws.serve()`),
so the children are what a person runs against AWS: no simulator or moto in them.

- core: `import tui.core.session`, connect, and create the five clients (workmail, iam, kms,
  s3, sts); the cost of a bare `python -c pass` is printed beside it.
- wizard: `workmail-export --endpoint-url URL` (tui.cli.main) run headless; "ready for
  input" is the moment the connection step is on screen with a focused widget, "identity"
  the moment it shows the caller's account (one STS call later). The headless run is the
  only change: a hook passed to App.run watches the screen every 5 ms.
- AWS CLI v1: `aws workmail list-organizations --endpoint-url URL` (the goal: 0.42 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, dummy_aws_env, machine, median_ms

GOAL_SECONDS = 0.42
SERVICES = ("workmail", "iam", "kms", "s3", "sts")

CORE_CHILD = f"""
from tui.core.model import ConnectionSettings
from tui.core.session import connect
aws = connect(ConnectionSettings())
for name in {SERVICES!r}:
    aws.client(name)
"""

# Runs the real entry point headless; writes when the first step is ready and when the
# identity shows (time.monotonic(), the same clock as the parent's on Linux and macOS).
WIZARD_CHILD = """
import json, sys, time
import textual.app

marks = {}
run = textual.app.App.run

def screen_text(app):
    return "\\n".join(s.text for s in app.screen._compositor.render_strips())

async def watch(pilot):
    app = pilot.app
    deadline = time.monotonic() + 30
    while "identity" not in marks and time.monotonic() < deadline:
        text = screen_text(app)
        if "ready" not in marks and app.focused is not None and "Connect to AWS" in text:
            marks["ready"] = time.monotonic()
        if "123456789012" in text:
            marks["identity"] = time.monotonic()
        await pilot.pause(0.005)
    app.exit()

def headless_run(self, *args, **kwargs):
    kwargs.update(headless=True, auto_pilot=watch, size=(120, 40))
    return run(self, *args, **kwargs)

textual.app.App.run = headless_run
from tui.cli import main
code = main(["--endpoint-url", sys.argv[1]])
with open(sys.argv[2], "w") as out:
    json.dump(marks, out)
"""


def fresh_processes(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall seconds of `runs` fresh processes of `argv` (each must exit 0)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True,
                              check=False, timeout=120)
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:3])}... failed:\n{done.stderr[-2000:]}")
    return times


def wizard_runs(url: str, runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Seconds from process start to the first step ready for input, and to the identity."""
    ready, identity = [], []
    with tempfile.TemporaryDirectory() as scratch:
        marks_file = Path(scratch) / "marks.json"
        for _ in range(runs):
            began = time.monotonic()
            done = subprocess.run([sys.executable, "-c", WIZARD_CHILD, url, str(marks_file)],
                                  env=env, cwd=ROOT, capture_output=True, text=True,
                                  check=False, timeout=120)
            if done.returncode != 0 or not marks_file.exists():
                raise SystemExit(f"wizard run failed:\n{done.stderr[-2000:]}")
            marks = json.loads(marks_file.read_text())
            marks_file.unlink()
            if "identity" not in marks:
                raise SystemExit(f"the wizard never showed the account: {marks}")
            ready.append(marks["ready"] - began)
            identity.append(marks["identity"] - began)
    return ready, identity


def spread(samples: list[float]) -> str:
    return (f"median {median_ms(samples):.0f} ms (min {min(samples) * 1000:.0f}, "
            f"max {max(samples) * 1000:.0f}, n={len(samples)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cli-runs", type=int, default=5)
    args = parser.parse_args(argv)

    env = dummy_aws_env()
    env.update(WORKMAIL_EXPORT_STATE_DIR=tempfile.mkdtemp(prefix="wx-bench-"))
    os.environ.update(dummy_aws_env())
    from tui.sim import RealClock, SimulatedAws

    print(machine())
    with SimulatedAws(world="demo", clock=RealClock()) as sim:
        url = sim.serve()
        bare = fresh_processes([sys.executable, "-c", "pass"], args.runs, env)
        version = fresh_processes([sys.executable, "-m", "tui", "--version"], args.runs, env)
        core = fresh_processes([sys.executable, "-c", CORE_CHILD], args.runs, env)
        ready, identity = wizard_runs(url, args.runs, env)
        aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
        cli = (fresh_processes([aws, "--endpoint-url", url, "--region", "us-east-1",
                                "workmail", "list-organizations"], args.cli_runs, env)
               if aws else [])

    print(f"python -c pass (interpreter only):          {spread(bare)}")
    print(f"workmail-export --version:                  {spread(version)}")
    print(f"core cold start (import + 5 clients):       {spread(core)}")
    print(f"  minus the bare interpreter:               "
          f"{median_ms(core) - median_ms(bare):.0f} ms")
    print(f"wizard: process start -> first step ready:  {spread(ready)}")
    print(f"wizard: process start -> account shown:     {spread(identity)}")
    if cli:
        goal = statistics.median(cli)
        print(f"aws workmail list-organizations (CLI v1):   {spread(cli)}")
        print(f"first step ready / AWS CLI call:            "
              f"{statistics.median(ready) / goal:.2f}x")
        print(f"account shown / AWS CLI call:               "
              f"{statistics.median(identity) / goal:.2f}x")
    else:
        print("aws (pip package awscli) not found: no CLI comparison")
    verdict = "met" if statistics.median(ready) < GOAL_SECONDS else "NOT met"
    print(f"goal: first step ready below {GOAL_SECONDS} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
