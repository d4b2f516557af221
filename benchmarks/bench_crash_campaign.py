"""The crash campaign (issue 11): batch runs killed again and again with SIGKILL while faults,
expired ClientTokens and clock jumps hit them, counted on the simulator's side.

What it does is tests/batch/campaign.py's docstring; this runs it with the benchmark's
defaults and prints the machine line first. It prints runs, kills, faults, jobs on the
simulator, duplicates and lost JobIds (goal: 0 and 0 over at least 200 kills); exit 1 when
anything was duplicated, lost or left unfinished.
Usage: python benchmarks/bench_crash_campaign.py [--seeds 25] [--kills 10]   (~8 min idle)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "batch"))

from campaign import main  # noqa: E402

from benchmarks.common import machine  # noqa: E402

if __name__ == "__main__":
    print(machine())
    raise SystemExit(main(sys.argv[1:]))
