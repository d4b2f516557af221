"""The crash campaign: seeded batch runs, each killed again and again while faults, expired
ClientTokens and jumps of the clock hit it, then counted on the simulator's side.

For each seed: a fresh simulator served over HTTP (clock at 60 times real time) and a fresh
state directory; a run of the demo organization (every enabled mailbox, or the first
`mailboxes`); then up to `kills` lives of the child process (crash_child.py), each one:
- armed with some of: the first 1-3 ListMailboxExportJobs fail (5xx), the answer to a start
  is lost, a start is refused with a 5xx, 10 % of WorkMail calls are throttled;
- killed (SIGKILL) either while a start is in flight (the service has acted, its answer is
  held back) or at a random moment up to 0.6 s after it is ready;
- after the kill, maybe: every ClientToken given so far stops being honoured, and maybe the
  clock jumps minutes or a day and more (at most 5 days in a run, so every job of the run
  stays within the seven days ListMailboxExportJobs shows; tokens may also expire on their
  own after 10 minutes or an hour, as the seed says).
Then a last life without faults drives the run to its end, and the simulator's own jobs are
counted: jobs beyond one a mailbox are duplicates; a JobId the store or the journal lacks is
lost; a row not COMPLETED is unfinished.

`python tests/batch/campaign.py --seeds 25 --kills 10` runs it and prints the totals
(benchmarks/bench_crash_campaign.py is the same with the benchmark's defaults);
tests/batch/test_campaign.py runs a small slice of it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crash_kit import count, create_demo_run, served_simulator, spawn, wait_until_ready

from tui.core.batch.store import BatchStore
from tui.core.journal import JOURNAL_ENV, STATE_DIR_ENV

DAY = 24 * 3600.0
MOST_JUMPED = 5 * DAY  # ListMailboxExportJobs shows seven days
LATENCY = 0.02  # seconds a call: a window between a request and its answer
START = "StartMailboxExportJob"
LIST = "ListMailboxExportJobs"


@dataclass
class Tally:
    """What a campaign did and what the simulator holds afterwards."""

    runs: int = 0
    processes: int = 0
    kills: int = 0
    kills_mid_start: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    jobs: int = 0
    duplicates: int = 0
    lost: int = 0
    unfinished: int = 0
    failed_finishes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("runs", "processes", "kills", "kills_mid_start", "jobs", "duplicates",
                     "lost", "unfinished"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.faults.update(other.faults)
        self.failed_finishes += other.failed_finishes

    def lines(self) -> list[str]:
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        return [
            f"runs:                  {self.runs} ({self.processes} processes)",
            f"kills:                 {self.kills} ({self.kills_mid_start} while a start was "
            "in flight)",
            f"faults:                {sum(self.faults.values())} ({faults})",
            f"jobs on the simulator: {self.jobs}",
            f"duplicates:            {self.duplicates}",
            f"lost JobIds:           {self.lost}",
            f"unfinished mailboxes:  {self.unfinished}",
            f"last lives that failed: {len(self.failed_finishes)}",
        ]


def state_directory(root: Path) -> Any:
    """This process and its children keep their journal and store in `root` (a context)."""
    return mock.patch.dict(os.environ, {STATE_DIR_ENV: str(root), JOURNAL_ENV: ""})


def arm(sim: Any, rng: random.Random) -> None:
    """The faults of one life."""
    faults = sim.faults
    faults.clear()
    faults.latency = LATENCY
    if rng.random() < 0.5:
        faults.fail_next(LIST, rng.randint(1, 3))
    if rng.random() < 0.3:
        faults.lose_next_response(START)
    if rng.random() < 0.2:
        faults.fail_next(START)
    if rng.random() < 0.2:
        faults.throttle_rate = 0.1
        faults.services = frozenset({"workmail"})


def live_and_die(sim: Any, url: str, run_id: str, rng: random.Random, tally: Tally) -> bool:
    """One life of the child, ended by SIGKILL; False when the run ended first."""
    arm(sim, rng)  # every draw of a life is made first, so a seed always plans the same
    mid_start = rng.random() < 0.5
    delay = rng.uniform(0.0, 0.6)
    held = sim.faults.hold_next_response(START) if mid_start else None
    child = spawn(sim, url, run_id)
    tally.processes += 1
    try:
        if not wait_until_ready(child):
            return False
        if held is not None:
            caught = held.reached.wait(10)
            mid_start = caught and child.poll() is None
        if held is None or not mid_start:
            time.sleep(delay)
        if child.poll() is not None:
            return False
        child.kill()
        tally.kills += 1
        tally.kills_mid_start += int(mid_start)
        return True
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=30)
        sim.faults.clear()  # releases a held answer: it goes to a dead socket


def between_lives(sim: Any, rng: random.Random, jumped: float, tally: Tally) -> float:
    """Token expiry and a jump of the clock; returns the jumps so far."""
    expire, jump, long_jump = rng.random() < 0.3, rng.random() < 0.4, rng.random() < 0.5
    step = rng.uniform(DAY, DAY + 6 * 3600) if long_jump else rng.uniform(60, 3600)
    if expire:
        sim.workmail.expire_client_tokens()
        tally.faults["tokens expired"] += 1
    if jump and jumped + step <= MOST_JUMPED:
        sim.clock.advance(step)
        tally.faults["clock jumps"] += 1
        return jumped + step
    return jumped


def one_run(seed: int, kills: int, mailboxes: int, root: Path) -> Tally:
    """One seeded run of the campaign, in its own state directory under `root`."""
    rng = random.Random(seed)
    tally = Tally(runs=1)
    sim, url = served_simulator(fault_seed=seed)
    try:
        with state_directory(root / f"seed-{seed}"):
            sim.workmail.set_token_lifetime(rng.choice([None, 600.0, 3600.0]))
            store = BatchStore.open()
            with contextlib.closing(store):
                names = sim.world.user_ids[:mailboxes] if mailboxes else None
                run_id = create_demo_run(sim, store, names, f"campaign seed {seed}")
                jumped = 0.0
                for _ in range(kills):
                    if not live_and_die(sim, url, run_id, rng, tally):
                        break
                    jumped = between_lives(sim, rng, jumped, tally)
                sim.faults.clear()
                last = spawn(sim, url, run_id)
                tally.processes += 1
                out, err = last.communicate(timeout=300)
                if last.returncode != 0 or not out.rstrip().endswith("done"):
                    tally.failed_finishes.append(f"seed {seed}: exit {last.returncode}: "
                                                 f"{err.strip()[-300:]}")
                found = count(sim, store, run_id)
        tally.faults.update(sim.faults.fired)
        tally.jobs, tally.duplicates = found.jobs, found.duplicates
        tally.lost, tally.unfinished = len(found.lost), found.unfinished
    finally:
        sim.stop()
    return tally


def campaign(seeds: Iterable[int], kills: int, mailboxes: int = 0) -> Tally:
    """Every seed's run; the totals."""
    total = Tally()
    with tempfile.TemporaryDirectory(prefix="wmx-campaign-") as root:
        for seed in seeds:
            total.add(one_run(seed, kills, mailboxes, Path(root)))
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=25, help="how many seeded runs")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=10, help="kills at most per run")
    parser.add_argument("--mailboxes", type=int, default=0,
                        help="mailboxes per run (0: every enabled mailbox, 53)")
    args = parser.parse_args(argv)
    from tui.sim.env import DUMMY_AWS_ENV, UNSET_AWS_ENV

    for name in UNSET_AWS_ENV:
        os.environ.pop(name, None)
    os.environ.update(DUMMY_AWS_ENV)
    began = time.monotonic()
    total = campaign(range(args.first_seed, args.first_seed + args.seeds), args.kills,
                     args.mailboxes)
    for line in total.lines():
        print(line)
    for failure in total.failed_finishes:
        print(f"  {failure}")
    print(f"wall time:             {time.monotonic() - began:.0f} s")
    clean = not (total.duplicates or total.lost or total.unfinished or total.failed_finishes)
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
