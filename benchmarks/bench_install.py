"""What `pip install '.[demo]'` costs a newcomer: install time and environment size, for the
demo extra as it is (pyproject.toml) and as it was (`moto[server]==5.2.5`).

How it measures, so that both sides pay the same:
- every wheel both sides need is fetched once first (`pip download` into one folder, not
  timed), so neither side pays for the network or benefits from a cache the other filled;
- each round makes a fresh virtualenv per side (not timed) and times only
  `pip install --no-index --find-links WHEELS <requirements>`: resolving, unpacking,
  byte-compiling, as a newcomer's install does after its downloads;
- the requirements are the project's own dependencies plus the side's demo extra (the
  project's few files themselves are left out: the same on both sides);
- size is the sum of the file sizes in the virtualenv afterwards (pip and setuptools of an
  empty virtualenv included; that baseline is printed too); the sides alternate, ROUNDS
  rounds, medians printed.

Run from the repository root: python benchmarks/bench_install.py   (~10 minutes on an idle machine)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 5
BEFORE_DEMO = ["moto[server]==5.2.5"]  # the demo extra before it was narrowed


def requirements() -> dict[str, list[str]]:
    import tomllib  # Python 3.11+, as the machine the numbers come from

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = list(project["dependencies"])
    return {"before: moto[server]": base + BEFORE_DEMO,
            "after: pyproject's demo extra": base + list(project["optional-dependencies"]["demo"])}


def tree_size(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            file = Path(folder, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def pip(venv: Path, *args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip",
                           *(["-q"] if quiet else []), "--disable-pip-version-check", *args],
                          check=True, capture_output=True, text=True)


def fresh_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    return where


def main() -> None:
    sides = requirements()
    with tempfile.TemporaryDirectory(prefix="bench-install-") as scratch:
        wheels = Path(scratch, "wheels")
        fetcher = fresh_venv(Path(scratch, "fetch"))
        every = sorted({r for reqs in sides.values() for r in reqs})
        pip(fetcher, "download", "--dest", str(wheels), *every)
        empty = tree_size(fresh_venv(Path(scratch, "empty")))
        seconds: dict[str, list[float]] = {side: [] for side in sides}
        sizes: dict[str, list[int]] = {side: [] for side in sides}
        packages: dict[str, int] = {}
        for round_ in range(ROUNDS):
            for number, (side, reqs) in enumerate(sides.items()):
                venv = fresh_venv(Path(scratch, f"r{round_}-{number}"))
                start = time.perf_counter()
                pip(venv, "install", "--no-index", "--find-links", str(wheels), *reqs)
                seconds[side].append(time.perf_counter() - start)
                sizes[side].append(tree_size(venv))
                listed = pip(venv, "list", "--format", "freeze", quiet=False).stdout.split()
                packages[side] = len(listed)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the end; {ROUNDS} rounds, sides alternating")
    print(f"empty virtualenv (pip, setuptools): {empty / 2**20:.0f} MiB")
    for side in sides:
        times, bytes_ = seconds[side], sizes[side]
        print(f"{side:32} install median {statistics.median(times):5.1f} s "
              f"(min {min(times):.1f}, max {max(times):.1f}); "
              f"environment {statistics.median(bytes_) / 2**20:5.0f} MiB; "
              f"{packages[side]} packages")
    before, after = sides
    time_ratio = statistics.median(seconds[after]) / statistics.median(seconds[before])
    size_ratio = statistics.median(sizes[after]) / statistics.median(sizes[before])
    print(f"after / before: time {time_ratio:.2f}x, size {size_ratio:.2f}x")


if __name__ == "__main__":
    main()
