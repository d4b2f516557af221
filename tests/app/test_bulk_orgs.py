"""Several organizations at once in the Textual face, on the "orgs" world: g at the bulk step
picks the Region's three organizations, the review plans and checks each (sizes, disabled
mailboxes, an estimate each and all of them side by side), Start runs the three as a group
with one progress (10 jobs in each organization, from the simulator's records), pause and
resume act on all, and the end writes each organization's manifest and the combined one."""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pilot_kit import BIG, flat, screen_text
from shots_bulk import UNPACED
from shots_monitor import until
from shots_orgs import JOB_SECONDS, orgs_world_app, to_orgs_plan

from tui.app.bulk.group_progress_screen import GroupProgressScreen
from tui.core.batch.model import RowState, RunStatus


def progress_of(app: Any) -> Any:
    screen = app.screen
    assert isinstance(screen, GroupProgressScreen), screen
    return screen.progress


def most_running(jobs: list[Any], now: Any) -> int:
    return max(sum(1 for other in jobs if other.start_time <= job.start_time
                   and (other.end_time(now) or now) > job.start_time) for job in jobs)


async def test_three_organizations_planned_run_side_by_side_and_ended_with_manifests(
        tmp_path: Path) -> None:
    from tui.sim import ManualClock, SimulatedAws

    with SimulatedAws(world="orgs", clock=ManualClock()) as sim:
        app = orgs_world_app(sim, tmp_path)
        async with app.run_test(size=BIG) as pilot:
            await to_orgs_plan(pilot)
            text = flat(screen_text(app))
            assert "3 organizations → s3://acme-mail-export-us-east-1/exports/<mailbox>/" \
                in text
            assert "All 3 side by side: about " in text
            for name in ("contoso", "fabrikam", "northwind"):
                assert f"{name} 200 " in text
            assert "6 disabled mailboxes (WorkMail removes them 30 days after disabling): " \
                   "exported first" in text

            await pilot.press("s")
            await pilot.pause(0.2)
            assert "Start exporting 600 mailboxes" in flat(screen_text(app))
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, GroupProgressScreen)
                        and app.screen.progress is not None
                        and app.screen.progress.totals.get(RowState.RUNNING) == 30,
                        "ten running in each organization")
            text = flat(screen_text(app))
            assert "0/600 done · 30 running · 570 waiting" in text
            assert "3 organizations · about " in text

            await pilot.press("p")
            await until(pilot, lambda: progress_of(app).status is RunStatus.PAUSED,
                        "everything paused")
            sim.clock.advance(JOB_SECONDS + 1)
            await until(pilot, lambda: progress_of(app).done == 30, "the first wave ends")
            await pilot.pause(0.3)
            assert progress_of(app).totals.get(RowState.RUNNING) == 0  # nothing new started
            await pilot.press("r")

            deadline = time.monotonic() + 60
            while not (app.screen.query_one("#bulk-end").display) and \
                    time.monotonic() < deadline:
                sim.clock.advance(JOB_SECONDS + 1)
                await pilot.pause(0.15)
            text = flat(screen_text(app))
            assert "600 of 600 mailboxes done in 3 organizations (each organization's manifest " \
                "beside the combined one)." in text
            group_id = app.screen.group_id
    now = sim.clock.now()
    for org in sim.world.org_ids[:3]:
        jobs = sim.workmail.jobs(org)
        assert len(jobs) == 200 and set(Counter(j.entity_id for j in jobs).values()) == {1}
        assert most_running(jobs, now) == 10
    with open(tmp_path / f"{group_id}.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert Counter(row["organization"] for row in rows) == {
        "contoso": 201, "fabrikam": 201, "northwind": 201}


async def test_u_resumes_the_whole_group_an_unfinished_run_belongs_to(tmp_path: Path) -> None:
    from shots_monitor import until_screen

    from tui.app.bulk.bulk_choose_screen import BulkChooseScreen
    from tui.core.batch.group import create_group
    from tui.core.batch.organizations import candidates
    from tui.core.batch.regions import RegionSettings
    from tui.core.batch.store import BatchStore
    from tui.core.model import ConnectionSettings
    from tui.core.session import connect
    from tui.sim import ManualClock, SimulatedAws
    from tui.wizard import calls
    from tui.wizard.all_orgs import group_parts, plan_every_organization
    from tui.wizard.bulk import PlanChoices

    with SimulatedAws(world="orgs", clock=ManualClock()) as sim:
        aws = connect(ConnectionSettings(region="us-east-1"))
        now = sim.clock.now().timestamp()
        settings = {"us-east-1": RegionSettings("us-east-1",
                                                **sim.world.region_settings["us-east-1"])}
        found = candidates(lambda _region: aws, ["us-east-1"], settings)
        account = plan_every_organization(lambda _region: aws, found, now, calls.preflight,
                                          pace=UNPACED)
        store = BatchStore.open()
        group = create_group(store, group_parts(account, PlanChoices(), now), (), now)
        store.close()  # stored, not started: as after a crash right after Start
        app = orgs_world_app(sim, tmp_path)
        async with app.run_test(size=BIG) as pilot:
            for key in ("enter", "enter"):
                await until(pilot, lambda: not any(w.is_running for w in app.workers),
                            "the step to load")
                await pilot.pause(0.1)
                await pilot.press(key)
            await until(pilot, lambda: type(app.screen).__name__ == "MailboxScreen",
                        "the mailbox step")
            await pilot.press("ctrl+o")
            await until_screen(pilot, BulkChooseScreen, lambda s: bool(s.unfinished),
                               "the unfinished run offered")
            await pilot.press("u")
            screen = await until_screen(pilot, GroupProgressScreen,
                                        lambda s: s.progress is not None
                                        and s.progress.totals.get(RowState.RUNNING) == 30,
                                        "the whole group resumed")
            assert screen.group_id == group.group_id
            assert len(screen.progress.parts) == 3
            screen.stop()
