"""Mailbox search latency on the large world (20,000 users) with 50 ms simulated latency.

    python benchmarks/bench_search.py [--queries 40] [--latency 0.05]

Three numbers, each a median and p95 over the same prefixes:
- one round trip: a single ListUsers call (MaxResults 1) through boto3 (the yardstick);
- the core: `discovery.search_mailboxes(aws, org, text)` (goal: one round trip + < 30 ms);
- the app: in the wizard's mailbox step under pilot, from the last key of the search text to
  the result rows on screen. That includes the step's 0.25 s debounce (it waits for typing to
  stop on purpose), so the debounce is also subtracted and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    dummy_aws_env,
    machine,
    median_ms,
    percentile_ms,
    screen_text,
    settle,
    wait_for_text,
)

GOAL_EXTRA_MS = 30.0


def prefixes(count: int) -> list[str]:
    """Three-letter prefixes of the world's first names (each matches a few hundred users:
    usernames and emails start with the first name)."""
    from tui.sim.worlds import FIRST_NAMES

    unique = list(dict.fromkeys(name[:3].lower() for name in FIRST_NAMES))
    return unique[:count]


def core_search(sim: Any, queries: list[str]) -> tuple[list[float], list[float], int]:
    from tui.core import discovery
    from tui.core.model import ConnectionSettings
    from tui.core.session import connect

    aws = connect(ConnectionSettings())
    client = aws.client("workmail")
    org = sim.world.org_id
    client.list_users(OrganizationId=org, MaxResults=1)  # connection set up, not timed
    discovery.search_mailboxes(aws, org, "warm")
    round_trips, searches, found = [], [], 0
    for text in queries:
        began = time.perf_counter()
        client.list_users(OrganizationId=org, MaxResults=1)
        round_trips.append(time.perf_counter() - began)
        began = time.perf_counter()
        found += len(discovery.search_mailboxes(aws, org, text))
        searches.append(time.perf_counter() - began)
    return round_trips, searches, found


async def app_search(sim: Any, queries: list[str]) -> list[float]:
    """Seconds from the last typed key to the result rows of that text in the table (they are
    painted on the next screen refresh)."""
    from textual.widgets import Input

    from tui.app.steps.mailbox_screen import MailboxScreen
    from tui.app.wizard_app import WizardApp
    from tui.core.model import ConnectionSettings, ExportRequest

    app = WizardApp(ConnectionSettings(), ExportRequest(organization_id=sim.world.org_id))
    seconds = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "Choose the mailbox", "the mailbox step", timeout=60)
        await settle(pilot, quiet=0.4)
        assert isinstance(app.screen, MailboxScreen)
        search = app.screen.query_one("#search", Input)
        for text in queries:
            search.value = NO_MATCH  # an empty table to start from
            await wait_for_text(pilot, f"starting with {NO_MATCH!r}", "the empty table")
            assert not rows_match(app, ""), screen_text(app)
            search.value = ""  # its search is debounced away by the keys that follow
            await pilot.press(*text[:-1])
            began = time.perf_counter()  # the last key goes out now
            await pilot.press(text[-1])
            while not rows_match(app, text):
                if time.perf_counter() - began > 10:
                    raise SystemExit(f"no results for {text!r} after 10 s:\n{screen_text(app)}")
                await asyncio.sleep(0.001)
            seconds.append(time.perf_counter() - began)
    return seconds


NO_MATCH = "zzz9"


def rows_match(app: Any, text: str) -> bool:
    """The result table holds rows, and each one's name or email starts with `text`."""
    from tui.app.kit.choice_table import ChoiceTable

    rows = app.screen.query_one(ChoiceTable).rows_shown
    return bool(rows) and all(
        row.item.name.lower().startswith(text) or row.item.email.lower().startswith(text)
        or row.item.display_name.lower().startswith(text) for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args(argv)
    os.environ.update(dummy_aws_env())
    from tui.app.steps.mailbox_screen import SEARCH_DEBOUNCE_SECONDS
    from tui.sim import ManualClock, SimulatedAws

    queries = prefixes(args.queries)
    print(machine())
    began = time.perf_counter()
    with SimulatedAws(world="large", clock=ManualClock()) as sim:
        users = len(sim.world.user_ids)
        print(f"large world: {users} enabled users, seeded in "
              f"{time.perf_counter() - began:.1f} s; latency {args.latency * 1000:.0f} ms a call; "
              f"{len(queries)} three-letter prefixes")
        sim.faults.latency = args.latency
        round_trips, searches, found = core_search(sim, queries)
        typed = asyncio.run(app_search(sim, queries))

    trip = median_ms(round_trips)
    print(f"one round trip (ListUsers, 1 item):   median {trip:.1f} ms, "
          f"p95 {percentile_ms(round_trips, 0.95):.1f} ms")
    print(f"core search_mailboxes:                median {median_ms(searches):.1f} ms, "
          f"p95 {percentile_ms(searches, 0.95):.1f} ms ({found / len(queries):.0f} rows a search)")
    extra = median_ms(searches) - trip
    print(f"  search minus one round trip:        median {extra:.1f} ms, "
          f"p95 {percentile_ms(searches, 0.95) - trip:.1f} ms "
          f"(goal < {GOAL_EXTRA_MS:.0f} ms: {'met' if extra < GOAL_EXTRA_MS else 'NOT met'})")
    debounce = SEARCH_DEBOUNCE_SECONDS * 1000
    print(f"app: last key -> rows in the table:   median {median_ms(typed):.1f} ms, "
          f"p95 {percentile_ms(typed, 0.95):.1f} ms")
    after = median_ms(typed) - debounce
    print(f"  minus the {debounce:.0f} ms debounce:         median {after:.1f} ms, "
          f"p95 {percentile_ms(typed, 0.95) - debounce:.1f} ms ({after - trip:.1f} ms over one "
          "round trip)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
