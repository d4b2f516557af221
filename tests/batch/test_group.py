"""Every organization at once, on the simulator clock: the "orgs" world (five Active
organizations in two Regions, 200 mailboxes each of about 20 GB, one Inactive organization),
planned, stored as one group and driven by one loop. Checked against the simulator's own
job records: never more than 10 running per organization, each organization's makespan
within 1.05 of its own lower bound, every mailbox exported once; organizations that cannot
take part are listed with why and do not stop the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from batch_oracle import intervals, most_running

from tui.core.batch.clock import SteppedClock
from tui.core.batch.group import GroupRunner, create_group
from tui.core.batch.group_report import write_group_manifests
from tui.core.batch.model import RowState
from tui.core.batch.organizations import Connections, candidates
from tui.core.batch.rate import Pace
from tui.core.batch.regions import RegionSettings
from tui.core.batch.runner import RunnerOptions
from tui.core.batch.schedule import lower_bound
from tui.core.batch.scheduler import Tuning
from tui.core.batch.store import BatchStore
from tui.core.model import AwsProblem, ConnectionSettings, CoreError
from tui.core.session import Aws
from tui.wizard import calls
from tui.wizard.all_orgs import AccountPlan, group_parts, plan_every_organization
from tui.wizard.bulk import PlanChoices

REGIONS = ("us-east-1", "eu-west-1")
# The simulator in this process answers at once: no need to pace the size reads.
UNPACED = Pace(start=10_000.0, ceiling=10_000.0, burst=10_000.0)


@pytest.fixture
def orgs_sim(isolated_aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tui.sim import ManualClock, SimulatedAws

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with SimulatedAws(world="orgs", clock=ManualClock()) as sim:
        yield sim


def connector() -> Connections:
    return Connections(ConnectionSettings())


def settings_of(sim: Any) -> dict[str, RegionSettings]:
    return {region: RegionSettings(region, **values)
            for region, values in sim.world.region_settings.items()}


def plan_all(sim: Any, connect_to: Any, regions: tuple[str, ...] = REGIONS,
             settings: dict[str, RegionSettings] | None = None) -> AccountPlan:
    now = sim.clock.now().timestamp()
    found = candidates(connect_to, regions, settings if settings is not None
                       else settings_of(sim))
    return plan_every_organization(connect_to, found, now, calls.preflight, pace=UNPACED)


def test_every_organization_runs_in_its_own_ten_slots_within_5_percent_of_its_bound(
        orgs_sim: Any) -> None:
    sim = orgs_sim
    connect_to = connector()
    account = plan_all(sim, connect_to)
    assert sorted(p.label for p in account.parts) == ["adatum", "contoso", "fabrikam",
                                                      "litware", "northwind"]
    assert [(o.label, o.reason) for o in account.left_out] == [
        ("tailspin-archive", "Its state is Inactive; only an Active organization accepts "
                             "export jobs.")]
    store = BatchStore.open()
    now = sim.clock.now().timestamp()
    group = create_group(store, group_parts(account, PlanChoices(), now), account.left_out,
                         now)
    clock = SteppedClock(lambda: sim.clock.now().timestamp(), sim.clock.advance)
    seen: list[Any] = []
    # a poll every 30 s (a tick costs a ListMailboxExportJobs per organization, ~6 ms of
    # botocore here): half the ticks of the default 15 s, still 1.5 % of a 17-minute job
    runner = GroupRunner({r: connect_to(r) for r in REGIONS}, store, group.group_id,
                         RunnerOptions(clock=clock, tuning=Tuning(poll_seconds=30.0, seed=5)),
                         on_progress=seen.append)
    final = runner.run()
    assert final.finished and final.totals[RowState.COMPLETED] == 1000
    assert final.done == final.total == 1000

    at = sim.clock.now()
    for member in group.members:
        jobs = sim.workmail.jobs(member.organization_id)
        assert len(jobs) == 200
        assert set(Counter(job.entity_id for job in jobs).values()) == {1}
        assert most_running(jobs, at) == 10
        spans = intervals(jobs, at)
        makespan = max(end for _, end in spans) - min(start for start, _ in spans)
        bound = lower_bound([end - start for start, end in spans], 10)
        print(f"{member.label}: makespan / bound {makespan / bound:.3f}")
        assert makespan <= 1.05 * bound
    # one progress for all of them, its ETA the latest organization's
    middle = next(p for p in seen if p.done >= 500)
    assert middle.eta_seconds == max(part.progress.eta_seconds for part in middle.parts
                                     if part.progress.eta_seconds is not None)
    assert len({part.member.organization_id for part in middle.parts}) == 5
    store.close()


def test_organizations_that_cannot_take_part_are_named_and_the_others_go_on(
        orgs_sim: Any, tmp_path: Any) -> None:
    sim = orgs_sim
    plain = connector()

    def flaky(region: str) -> Aws:
        if region == "us-west-2":
            raise CoreError(AwsProblem("AccessDeniedException", "Not allowed in us-west-2.",
                                       "Ask for workmail:ListOrganizations."))
        return plain(region)

    only_us = {r: s for r, s in settings_of(sim).items() if r == "us-east-1"}
    account = plan_all(sim, flaky, ("us-east-1", "eu-west-1", "us-west-2"), only_us)
    assert sorted(p.label for p in account.parts) == ["contoso", "fabrikam", "northwind"]
    reasons = {o.label: o.reason for o in account.left_out}
    assert reasons["adatum"] == reasons["litware"] == (
        "No role, key and bucket were given for eu-west-1 (the organization, key and bucket "
        "must share a Region; add eu-west-1 to --regions-file).")
    assert reasons["(every organization of us-west-2)"].startswith(
        "The organizations of us-west-2 could not be listed: AccessDeniedException")

    store = BatchStore.open()
    now = sim.clock.now().timestamp()
    group = create_group(store, group_parts(account, PlanChoices(), now), account.left_out,
                         now)
    written = write_group_manifests(store, group, tmp_path)
    assert len(written) == 3 * 2 + 2
    combined = (tmp_path / f"{group.group_id}.csv").read_text().splitlines()
    assert combined[0].startswith("organization,organization_id,region,mailbox,")
    assert sum(line.startswith("northwind,") for line in combined) == 201  # + 1 deleted user
    assert sum(",not taking part," in line for line in combined) == 4  # with the Inactive one
    store.close()


def test_an_organization_whose_checks_fail_or_could_not_be_made_is_left_out_unless_forced(
        orgs_sim: Any) -> None:
    """An error, or an essential check that could not be made ("could not check" is never a
    pass), leaves that organization out with why; the others are planned; --force plans it."""
    from tui.core.model import ExportRequest, Field, Finding, Level

    sim = orgs_sim
    connect_to = connector()
    only_us = {r: s for r, s in settings_of(sim).items() if r == "us-east-1"}
    found = candidates(connect_to, ("us-east-1",), only_us)
    by_label = {c.label: c.organization_id for c in found}

    def preflight(aws: Aws, request: ExportRequest) -> list[Finding]:
        findings = calls.preflight(aws, request)
        if request.organization_id == by_label["contoso"]:
            findings.append(Finding(Field.ROLE, Level.ERROR, "The role cannot export."))
        if request.organization_id == by_label["fabrikam"]:
            findings.append(Finding(Field.KMS_KEY, Level.UNCHECKED, "AWS did not answer."))
        return findings

    now = sim.clock.now().timestamp()
    account = plan_every_organization(connect_to, found, now, preflight, pace=UNPACED)
    assert [p.label for p in account.parts] == ["northwind"]
    reasons = {o.label: o.reason for o in account.left_out}
    assert reasons["contoso"] == "Its checks found an error: The role cannot export."
    assert reasons["fabrikam"] == "It is not verified: the check of KMS key could not be made."

    forced = plan_every_organization(connect_to, found, now, preflight, force=True,
                                     pace=UNPACED)
    assert sorted(p.label for p in forced.parts) == ["contoso", "fabrikam", "northwind"]
