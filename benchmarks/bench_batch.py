"""Benchmark of the bulk export scheduler: one organization, several at once, and the cost
of following many.

1. One organization, 500 mailboxes with varied job durations, run by the real batch engine
   against the simulator on a manual clock (sleeping advances simulated time), so a day of
   exports takes seconds. For each seeded run: the makespan (first start to last end, from
   the simulator's own job records) against the lower bound max(longest job, total job time
   / 10), against fixed batches of 10 that wait for their slowest job (what the public
   scripts do), and against an ideal greedy scheduler in the same order with no polling
   delay; and the List/Describe calls each polling tick made. Twice: mailboxes in listing
   order (--order listing), and largest first (the default; sizes from GetMailboxDetails
   that predict durations only roughly). Then the medians over the runs.
2. Several organizations at once: the "orgs" world (5 organizations in 2 Regions, 200
   mailboxes of about 20 GB each) planned, stored as a group and driven by one GroupRunner on
   the simulated clock: each organization's makespan against its own bound, the most jobs
   running at once in each (simulator's records), and the API calls each tick made per
   organization.
3. Following many: 20 organizations x 1,000 mailboxes. The simulator is served from another
   process in real time; the group is planned and stored here; then the product itself
   (`workmail-export batch --resume g...`, one process) drives it. After its first round has
   started 200 jobs, the share of one core it uses while it waits for them (polling every
   15 s) over --load-seconds, and its peak memory (VmHWM).
4. The estimate and the ETA against what the run then does (simulated clock, the
   simulator's own size -> duration rule): per seed, 520 mailboxes with log-normal sizes
   (median 2 GB); 20 exported first so the model learns, then the other 500 estimated and
   run. The estimate's error against the makespan (and the assumed model's, for contrast),
   and the ETA's error at every tick from 25 % done on: the worst relative error while more
   than 10 polls were left, and the worst error in seconds over the last 10 polls (a job's
   end is seen only at the next poll, so no ETA is finer than one poll).
Usage: python benchmarks/bench_batch.py [--runs 3] [--load-seconds 120] [--only 1|2|3|4]
(BENCH_MAILBOXES=N for another size of part 1)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                   "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                   "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"})
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)

from tui.core.batch.clock import SteppedClock  # noqa: E402
from tui.core.batch.estimate import ASSUMED  # noqa: E402
from tui.core.batch.forecast import plan_estimate  # noqa: E402
from tui.core.batch.group import GroupRunner, create_group  # noqa: E402
from tui.core.batch.model import RowState, RunSettings  # noqa: E402
from tui.core.batch.order import Order  # noqa: E402
from tui.core.batch.organizations import Connections, candidates  # noqa: E402
from tui.core.batch.plan import Chosen, choose_enabled, make_plan  # noqa: E402
from tui.core.batch.rate import Pace, RateLimiter  # noqa: E402
from tui.core.batch.regions import RegionSettings  # noqa: E402
from tui.core.batch.runner import BatchRunner, RunnerOptions, create_run  # noqa: E402
from tui.core.batch.schedule import lower_bound  # noqa: E402
from tui.core.batch.scheduler import Tuning  # noqa: E402
from tui.core.batch.store import BatchStore  # noqa: E402
from tui.core.model import ConnectionSettings  # noqa: E402
from tui.core.session import connect  # noqa: E402
from tui.sim import ManualClock, RealClock, SimulatedAws  # noqa: E402
from tui.sim.many_orgs import numbered_organizations, organizations_world  # noqa: E402
from tui.wizard import calls  # noqa: E402
from tui.wizard.all_orgs import group_parts, plan_every_organization  # noqa: E402
from tui.wizard.bulk import PlanChoices, machine_throughput  # noqa: E402

MAILBOXES = int(os.environ.get("BENCH_MAILBOXES", "500"))
SLOTS = 10
# Job durations: log-normal, median 20 minutes, clipped to 2 minutes .. 4 hours.
MEDIAN_SECONDS, SIGMA, SHORTEST, LONGEST = 20 * 60.0, 0.75, 120.0, 4 * 3600.0
NOISE = 0.2  # how loosely mailbox size predicts export time
# A simulator in this process, or on this machine, answers as fast as it is asked.
UNPACED = Pace(start=10_000.0, ceiling=10_000.0, burst=10_000.0)
LOAD_ORGANIZATIONS, LOAD_MAILBOXES = 20, 1000


def durations_for(entity_ids: list[str], seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {entity: min(LONGEST, max(SHORTEST, rng.lognormvariate(math.log(MEDIAN_SECONDS),
                                                                  SIGMA)))
            for entity in entity_ids}


def fixed_batches(durations: list[float], size: int = SLOTS) -> float:
    """Makespan of batches of `size` in listing order, each waiting for its slowest job
    (what the public scripts do; no polling delay counted)."""
    return sum(max(durations[i:i + size]) for i in range(0, len(durations), size))


def greedy_in_order(durations: list[float], slots: int = SLOTS) -> float:
    """Makespan of starting each job, in plan order, the instant a slot frees (no polling
    delay, no knowledge of durations): the best any scheduler without sizes can do."""
    free_at = [0.0] * slots
    for duration in durations:
        start = min(free_at)
        free_at[free_at.index(start)] = start + duration
    return max(free_at)


def sizes_for(durations: dict[str, float], seed: int) -> dict[str, float]:
    """Mailbox sizes (MB) that explain the durations only roughly: 100 MB a minute, times a
    log-normal error of about 20 %, so ordering by size is a guess, not an oracle."""
    rng = random.Random(seed * 7919)
    return {entity: seconds / 60 * 100 * rng.lognormvariate(0.0, NOISE)
            for entity, seconds in durations.items()}


def one_run(seed: int, order: Order) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as state, SimulatedAws(world="demo",
                                                               clock=ManualClock()) as sim:
        os.environ["WORKMAIL_EXPORT_STATE_DIR"] = state
        world = sim.world
        for i in range(MAILBOXES - 53):  # the demo org has 53 enabled mailboxes
            sim.workmail.create_user(world.org_id, f"bench.user{i}", f"Bench {i}",
                                     f"bench.user{i}@{world.domain}")
        aws = connect(ConnectionSettings(region="us-east-1"))
        clock = SteppedClock(lambda: sim.clock.now().timestamp(), sim.clock.advance)
        chosen = choose_enabled(aws, world.org_id)
        durations = durations_for([m.id for m in chosen.mailboxes], seed)
        sim.workmail.set_job_duration(lambda entity: durations[entity])
        sim.workmail.set_mailbox_sizes(sizes_for(durations, seed))
        plan = make_plan(aws, world.org_id, chosen, "exports", clock.now(), order,
                         RateLimiter(UNPACED))
        store = BatchStore.open()
        settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                               world.good_bucket, "exports", "benchmark")
        run = create_run(store, settings, plan, clock.now())
        polls: list[int] = []
        running: list[int] = []

        def watch(progress: Any) -> None:
            polls.append(progress.poll_calls_last_tick)
            running.append(progress.totals[RowState.RUNNING])

        began = time.perf_counter()
        runner = BatchRunner(aws, store, run.run_id,
                             RunnerOptions(clock=clock, tuning=Tuning(seed=seed)),
                             on_progress=watch)
        final = runner.run()
        wall = time.perf_counter() - began
        store.close()

        jobs = sim.workmail.jobs(world.org_id)
        now = sim.clock.now()
        assert final.totals[RowState.COMPLETED] == MAILBOXES, final.totals
        assert len(jobs) == MAILBOXES
        first = min(job.start_time for job in jobs)
        last = max(job.end_time(now) for job in jobs)
        makespan = (last - first).total_seconds()
        planned_order = [durations[p.mailbox.id] for p in plan.mailboxes]
        listing_order = [durations[m.id] for m in chosen.mailboxes]
        bound = max(max(planned_order), sum(planned_order) / SLOTS)
        return {"seed": seed, "makespan": makespan, "bound": bound,
                "fixed": fixed_batches(listing_order),
                "greedy": greedy_in_order(planned_order), "ticks": len(polls),
                "polls": Counter(polls), "max_running": max(running),
                "calls": runner.calls.calls, "wall": wall}


def hours(seconds: float) -> str:
    return f"{seconds / 3600:6.2f} h"


def report(results: list[dict[str, Any]], order: str) -> None:
    for r in results:
        print(f"[{order}] seed {r['seed']}: makespan {hours(r['makespan'])}, "
              f"bound {hours(r['bound'])} (x{r['makespan'] / r['bound']:.3f}), "
              f"fixed batches {hours(r['fixed'])} (x{r['fixed'] / r['bound']:.3f}), "
              f"ideal greedy in the same order "
              f"{hours(r['greedy'])} (x{r['greedy'] / r['bound']:.3f}); {r['ticks']} ticks, "
              f"poll calls per tick {dict(sorted(r['polls'].items()))}, "
              f"{r['calls']} API calls in all, most running {r['max_running']}, "
              f"{r['wall']:.1f} s wall")
    ratio = statistics.median(r["makespan"] / r["bound"] for r in results)
    fixed = statistics.median(r["fixed"] / r["bound"] for r in results)
    greedy = statistics.median(r["makespan"] / r["greedy"] for r in results)
    per_tick = statistics.median(
        statistics.mean(n for n, c in r["polls"].items() for _ in range(c)) for r in results)
    print(f"[{order}] median over {len(results)} runs of {MAILBOXES} mailboxes: "
          f"makespan / bound {ratio:.3f} (goal <= 1.05); makespan / ideal greedy {greedy:.4f}; "
          f"fixed batches of {SLOTS} / bound {fixed:.3f}; "
          f"poll calls per tick {per_tick:.2f} (ceil(10 running / 100) = 1)")


def store_group(sim_world: Any, now: float) -> tuple[BatchStore, str, Any]:
    """Plan every organization of the world (size reads unpaced) and store them as a group."""
    connect_to = Connections()
    settings = {region: RegionSettings(region, **values)
                for region, values in sim_world.region_settings.items()}
    found = candidates(connect_to, sorted(settings), settings)
    account = plan_every_organization(connect_to, found, now, calls.preflight, pace=UNPACED)
    store = BatchStore.open()
    group = create_group(store, group_parts(account, PlanChoices(), now), account.left_out,
                         now)
    return store, group.group_id, connect_to


def organizations_run() -> None:
    """Part 2: the orgs world's five organizations at once on the simulated clock."""
    with tempfile.TemporaryDirectory() as state, SimulatedAws(world="orgs",
                                                               clock=ManualClock()) as sim:
        os.environ["WORKMAIL_EXPORT_STATE_DIR"] = state
        store, group_id, connect_to = store_group(sim.world, sim.clock.now().timestamp())
        clock = SteppedClock(lambda: sim.clock.now().timestamp(), sim.clock.advance)
        calls_per_tick: dict[str, Counter[int]] = {}

        def watch(progress: Any) -> None:
            for part in progress.parts:
                calls_per_tick.setdefault(part.member.label, Counter())[
                    part.progress.api_calls_last_tick] += 1

        began = time.perf_counter()
        runner = GroupRunner({r: connect_to(r) for r in ("us-east-1", "eu-west-1")}, store,
                             group_id, RunnerOptions(clock=clock, tuning=Tuning(seed=1)),
                             on_progress=watch)
        final = runner.run()
        wall = time.perf_counter() - began
        assert final.finished and final.totals[RowState.COMPLETED] == 1000, final.totals
        now = sim.clock.now()
        ratios = []
        for member in runner.group.members:
            jobs = sim.workmail.jobs(member.organization_id)
            spans = [(j.start_time.timestamp(), j.end_time(now).timestamp()) for j in jobs]
            makespan = max(e for _, e in spans) - min(s for s, _ in spans)
            bound = lower_bound([e - s for s, e in spans], SLOTS)
            most = max(sum(1 for s2, e2 in spans if s2 <= s < e2) for s, _ in spans)
            ticks = calls_per_tick[member.label]
            per_tick = statistics.mean(n for n, c in ticks.items() for _ in range(c))
            ratios.append(makespan / bound)
            print(f"[5 organizations] {member.label} ({member.region}): makespan "
                  f"{hours(makespan)}, bound {hours(bound)} (x{makespan / bound:.3f}); most "
                  f"running {most}; API calls per tick {per_tick:.2f} "
                  f"(max {max(ticks)}); {len(jobs)} jobs")
        print(f"[5 organizations] one process, one loop: makespan / own bound "
              f"{min(ratios):.3f}..{max(ratios):.3f} (goal <= 1.05); {wall:.1f} s wall for "
              f"{hours(max(final.now - runner.group.created, 0))} of simulated exports")
        store.close()


def serve(organizations: int, mailboxes: int) -> int:
    """Part 3's simulator (run as a child process): the account, served in real time until
    standard input closes; prints the endpoint and the Regions' settings."""
    world = numbered_organizations(organizations)
    with SimulatedAws(world=lambda sim: organizations_world(sim.workmail, world, mailboxes),
                      clock=RealClock()) as sim:
        print(sim.serve(), flush=True)
        print(json.dumps(sim.world.region_settings), flush=True)
        sys.stdin.read()
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_run(seconds: float) -> None:
    """Part 3: `batch --resume g...` following 20 organizations x 1,000 mailboxes."""
    server = subprocess.Popen([sys.executable, __file__, "--serve",
                               str(LOAD_ORGANIZATIONS), str(LOAD_MAILBOXES)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    region_settings = json.loads(server.stdout.readline())
    with tempfile.TemporaryDirectory() as state:
        os.environ.update({"WORKMAIL_EXPORT_STATE_DIR": state, "AWS_ENDPOINT_URL": url})
        try:
            began = time.perf_counter()
            world = SimpleNamespace(region_settings=region_settings)
            store, group_id, _ = store_group(world, time.time())
            store.close()
            planned = time.perf_counter() - began
            errors = (Path(state) / "child.err").open("w+")
            child = subprocess.Popen(
                [sys.executable, "-m", "tui", "batch", "--resume", group_id, "--poll", "15",
                 "--report-dir", str(Path(state) / "reports")],
                cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL,
                stderr=errors, stdin=subprocess.DEVNULL,
                env=dict(os.environ, PYTHONFAULTHANDLER="1"))
            time.sleep(30)  # the first round: 10 starts in each organization, then waiting
            start_cpu, start_wall = cpu_seconds(child.pid), time.monotonic()
            time.sleep(seconds)
            cpu = cpu_seconds(child.pid) - start_cpu
            wall = time.monotonic() - start_wall
            peak = peak_mib(child.pid)
            paused = time.monotonic()
            child.send_signal(signal.SIGINT)  # pauses every run, writes the manifests, leaves
            try:
                child.wait(timeout=900)
            except subprocess.TimeoutExpired:  # show where it is stuck: every thread's stack
                child.send_signal(signal.SIGABRT)
                child.wait(timeout=30)
                errors.seek(0)
                print(errors.read()[-20000:], file=sys.stderr)
                raise
            paused = time.monotonic() - paused
        finally:
            os.environ.pop("AWS_ENDPOINT_URL", None)  # the parts after this one run in-process
            server.stdin.close()  # type: ignore[union-attr]
            server.wait(timeout=30)
    print(f"[20 organizations x 1,000] planned and stored in {planned:.0f} s (20,000 size "
          f"reads against the local simulator); then one `batch --resume` process: the first "
          f"30 s used {start_cpu:.1f} s of CPU (starting 200 jobs); while waiting on them, "
          f"{cpu:.2f} s of CPU in {wall:.0f} s = {100 * cpu / wall:.2f} % of one core "
          f"(goal < 5 %); peak memory {peak:.0f} MiB (goal < 200 MiB); Ctrl-C paused all "
          f"and wrote 20,000 mailboxes' manifests in {paused:.0f} s")


LEARNED_FROM, ESTIMATED, FORECAST_POLL = 20, 500, 15.0


def forecast_run(seed: int) -> dict[str, float]:
    """Part 4, one seed: learn from 20 jobs, estimate 500, run them, compare."""
    with tempfile.TemporaryDirectory() as state, SimulatedAws(world="demo",
                                                               clock=ManualClock()) as sim:
        os.environ["WORKMAIL_EXPORT_STATE_DIR"] = state
        world = sim.world
        for i in range(LEARNED_FROM + ESTIMATED - 53):  # the demo org has 53 enabled
            sim.workmail.create_user(world.org_id, f"eta.user{i}", f"Eta {i}",
                                     f"eta.user{i}@{world.domain}")

        def size_of(entity: str) -> float:  # fixed per mailbox, whoever asks first
            rng = random.Random(f"{seed}/{entity}")
            return min(40_000.0, max(100.0, rng.lognormvariate(math.log(2000), 0.75)))

        sim.workmail.set_mailbox_sizes(size_of)
        aws = connect(ConnectionSettings(region="us-east-1"))
        clock = SteppedClock(lambda: sim.clock.now().timestamp(), sim.clock.advance)
        store = BatchStore.open()
        settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                               world.good_bucket, "exports", "benchmark")
        everyone = choose_enabled(aws, world.org_id).mailboxes
        tuning = Tuning(poll_seconds=FORECAST_POLL, seed=seed)
        first = make_plan(aws, world.org_id, Chosen(everyone[:LEARNED_FROM]), "exports",
                          clock.now(), limiter=RateLimiter(UNPACED))
        learn = create_run(store, settings, first, clock.now()).run_id
        BatchRunner(aws, store, learn, RunnerOptions(clock=clock, tuning=tuning)).run()

        plan = make_plan(aws, world.org_id, Chosen(everyone[LEARNED_FROM:]), "exports",
                         clock.now(), limiter=RateLimiter(UNPACED))
        throughput = machine_throughput(plan)
        began = clock.now()
        estimate = plan_estimate(plan, throughput, began, poll_seconds=FORECAST_POLL)
        assumed = plan_estimate(plan, ASSUMED, began, poll_seconds=FORECAST_POLL)
        run_id = create_run(store, settings, plan, began).run_id
        snapshots: list[Any] = []
        final = BatchRunner(aws, store, run_id, RunnerOptions(clock=clock, tuning=tuning),
                            on_progress=snapshots.append).run()
        store.close()
        assert final.totals[RowState.COMPLETED] == ESTIMATED, final.totals
        assert estimate.seconds is not None and assumed.seconds is not None
        makespan = final.now - began
        worst, worst_end, ticks, within = 0.0, 0.0, 0, 0
        for snapshot in snapshots:
            if snapshot.done < ESTIMATED / 4 or snapshot.finished:
                continue
            assert snapshot.eta_seconds is not None
            left = final.now - snapshot.now
            off = abs(snapshot.eta_seconds - left)
            ticks += 1
            within += off <= 0.15 * left
            if left > 10 * FORECAST_POLL:
                worst = max(worst, off / left)
            else:
                worst_end = max(worst_end, off)
        return {"seed": seed, "learned": throughput.learned_from, "makespan": makespan,
                "estimate": estimate.seconds, "assumed": assumed.seconds, "worst": worst,
                "worst_end": worst_end, "ticks": ticks, "within": within}


def forecast_report(results: list[dict[str, float]]) -> None:
    for r in results:
        error = abs(r["estimate"] - r["makespan"]) / r["makespan"]
        assumed = abs(r["assumed"] - r["makespan"]) / r["makespan"]
        print(f"[estimate] seed {r['seed']}: learned from {r['learned']} jobs; makespan "
              f"{hours(r['makespan'])}, estimated {hours(r['estimate'])} ({error:.1%} off; "
              f"the assumed model alone {assumed:.0%} off); ETA at {r['ticks']} ticks from "
              f"25 % done: worst {r['worst']:.1%} off while more than "
              f"{10 * FORECAST_POLL:.0f} s were left, worst {r['worst_end']:.0f} s off in the "
              f"last {10 * FORECAST_POLL:.0f} s; {r['within']}/{r['ticks']} ticks within 15 %")
    errors = [abs(r["estimate"] - r["makespan"]) / r["makespan"] for r in results]
    print(f"[estimate] over {len(results)} runs of {ESTIMATED} mailboxes: estimate error "
          f"median {statistics.median(errors):.1%}, worst {max(errors):.1%} (goal <= 15 %); "
          f"ETA worst {max(r['worst'] for r in results):.1%} while more than 10 polls were "
          f"left (goal <= 15 %), worst {max(r['worst_end'] for r in results):.0f} s in the "
          f"last 10 polls (one poll is {FORECAST_POLL:.0f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load-seconds", type=float, default=120.0)
    parser.add_argument("--only", choices=("1", "2", "3", "4"))
    parser.add_argument("--serve", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(*args.serve)
    if args.only in (None, "1"):
        for name, order in (("plan order", Order.LISTING), ("largest first", Order.SIZE)):
            report([one_run(seed, order) for seed in range(1, args.runs + 1)], name)
    if args.only in (None, "2"):
        organizations_run()
    if args.only in (None, "3"):
        load_run(args.load_seconds)
    if args.only in (None, "4"):
        forecast_report([forecast_run(seed) for seed in range(1, args.runs + 1)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
