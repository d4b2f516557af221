"""Fixtures of the batch engine tests: a connection, a store and a clock on the simulator.

The clock is the simulator's ManualClock seen through `SteppedClock`: the scheduler's sleeps
advance simulated time, so runs of hours finish in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tui.core.batch.clock import SteppedClock
from tui.core.batch.model import BatchProgress, RunSettings
from tui.core.batch.plan import choose_enabled, make_plan
from tui.core.batch.runner import BatchRunner, RunControl, RunnerOptions, create_run
from tui.core.batch.scheduler import Tuning
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings
from tui.core.session import Aws, connect


@pytest.fixture
def aws(sim: Any, monkeypatch: pytest.MonkeyPatch) -> Aws:
    # One attempt per call: the engine's own retries are under test, not botocore's.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return connect(ConnectionSettings(region="us-east-1"))


@pytest.fixture
def clock(sim: Any) -> SteppedClock:
    return SteppedClock(lambda: sim.clock.now().timestamp(), sim.clock.advance)


@pytest.fixture
def store() -> Iterator[BatchStore]:
    opened = BatchStore.open()
    yield opened
    opened.close()


@pytest.fixture
def settings(sim: Any) -> RunSettings:
    world = sim.world
    return RunSettings(organization_id=world.org_id, role_arn=world.good_role_arn,
                       kms_key_arn=world.good_key_arn, bucket=world.good_bucket,
                       base_prefix=world.good_prefix, description="end-of-support export")


TICK_BUDGET = 3000  # the longest run here (303 mailboxes, one job of 5,000 s) ticks ~500 times


@dataclass
class Harness:
    """Builds runs of the demo organization and records every snapshot they report."""

    sim: Any
    aws: Aws
    store: BatchStore
    clock: SteppedClock
    settings: RunSettings
    snapshots: list[BatchProgress] = field(default_factory=list)

    def create(self, settings: RunSettings | None = None, chosen: Any = None) -> str:
        chosen_settings = settings or self.settings
        org = chosen_settings.organization_id
        plan = make_plan(self.aws, org, chosen or choose_enabled(self.aws, org),
                         chosen_settings.base_prefix, self.clock.now())
        return create_run(self.store, chosen_settings, plan, self.clock.now()).run_id

    def runner(self, run_id: str, tuning: Tuning | None = None,
               control: RunControl | None = None) -> BatchRunner:
        options = RunnerOptions(clock=self.clock, tuning=tuning or Tuning(seed=7))
        return BatchRunner(self.aws, self.store, run_id, options, control,
                           on_progress=self.record)

    def record(self, snapshot: BatchProgress) -> None:
        """Keep the snapshot; a run that ticks more than TICK_BUDGET times is spinning (a
        due time in the past, say), which fails the test at once instead of hanging it."""
        self.snapshots.append(snapshot)
        if len(self.snapshots) > TICK_BUDGET:
            raise AssertionError(f"more than {TICK_BUDGET} ticks: the scheduler is spinning "
                                 f"(last events: {[e.message for e in snapshot.events][-3:]})")

    def events_seen(self) -> list[Any]:
        """Every event the snapshots carried, without repeats."""
        seen: dict[tuple[float, str, str], Any] = {}
        for snapshot in self.snapshots:
            for event in snapshot.events:
                seen[(event.at, event.mailbox, event.message)] = event
        return list(seen.values())

    def sim_jobs(self) -> list[Any]:
        return self.sim.workmail.jobs(self.settings.organization_id)


@pytest.fixture
def harness(sim: Any, aws: Aws, store: BatchStore, clock: SteppedClock,
            settings: RunSettings) -> Harness:
    return Harness(sim, aws, store, clock, settings)
