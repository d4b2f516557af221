"""The jobs screen on the simulator: WorkMail's list merged with the journal (a job of last
week that only the journal remembers, a job started elsewhere that only WorkMail knows), one
row per job, the filter, the monitor from Enter, a failed list, and its look pinned."""

from __future__ import annotations

from typing import Any

import pytest
from shots_monitor import (
    BIG,
    SCENES,
    SMALL,
    STILL,
    flat,
    history,
    monitor,
    polled,
    screen_text,
    until,
    until_screen,
    until_text,
    wizard_app,
)
from textual.pilot import Pilot
from textual.widgets import Select

from tui.app.jobs.jobs_screen import JobsScreen
from tui.app.jobs.monitor_screen import MonitorScreen
from tui.core.model import ExportRequest
from tui.sim import SimulatedAws
from tui.wizard import state as wz
from tui.wizard.stages import Stage


def jobs_screen(app: Any) -> JobsScreen:
    screen = app.screen
    assert isinstance(screen, JobsScreen), f"not the jobs screen: {screen!r}"
    return screen


async def listed(pilot: Pilot[Any], rows: int) -> JobsScreen:
    return await until_screen(
        pilot, JobsScreen, lambda j: j.table.row_count == rows and not j.calls.running(),
        f"{rows} rows listed")


async def open_jobs(pilot: Pilot[Any], rows: int) -> JobsScreen:
    """`j` from wherever the wizard is; wait until `rows` jobs are listed."""
    await pilot.pause()
    await pilot.press("j")
    return await listed(pilot, rows)


def table_lines(app: Any) -> list[str]:
    """The table's rows as the person reads them (one line each)."""
    return [line for line in screen_text(app).splitlines() if line.lstrip().startswith("2026-")]


async def type_filter(pilot: Pilot[Any], text: str) -> None:
    screen = jobs_screen(pilot.app)
    await pilot.press("slash", "ctrl+a", "ctrl+k", *text)  # select, clear, type
    await pilot.pause()
    assert screen.query_one("#filter").value == text  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [BIG, SMALL])
async def test_service_jobs_and_a_journal_only_job_one_row_each_newest_first(
        sim: SimulatedAws, size: tuple[int, int]) -> None:
    jobs = history(sim)
    app = wizard_app(sim, STILL)
    async with app.run_test(size=size) as pilot:
        screen = await open_jobs(pilot, 4)  # from the connection step: connects, finds the org
        assert [row.job.job_id for row in screen.shown] == [
            jobs["running"], jobs["failed"], jobs["elsewhere"], jobs["old"]]
        lines = table_lines(app)
        assert len(lines) == 4
        running, failed, elsewhere, old = lines
        assert "2026-10-09 09:21" in running and "grace.nguyen" in running
        assert "RUNNING" in running and "30%" in running and "service" in running
        assert "FAILED" in failed and "frank.kim" in failed
        assert "COMPLETED" in elsewhere and "100%" in elsewhere
        assert "2026-10-01 09:00" in old and "david.mueller" in old
        assert "journal" in old and "COMPLETED" in old
        assert "4 jobs; 1 from the journal only" in flat(screen_text(app))
        calls = sim.workmail.calls
        assert calls.count("ListMailboxExportJobs") == 1
        assert "ListOrganizations" in calls

        await pilot.press("r")  # refresh: the same rows again, not twice
        screen = await listed(pilot, 4)
        assert sim.workmail.calls.count("ListMailboxExportJobs") == 2
        assert len({row.job.job_id for row in screen.rows}) == 4


async def test_the_filter_narrows_by_mailbox_state_and_text(sim: SimulatedAws) -> None:
    jobs = history(sim)
    app = wizard_app(sim, STILL)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_jobs(pilot, 4)

        async def shown_after(text: str) -> list[str]:
            await type_filter(pilot, text)
            return [row.job.job_id for row in screen.shown]

        assert await shown_after("completed") == [jobs["elsewhere"], jobs["old"]]
        assert await shown_after("frank") == [jobs["failed"]]
        assert await shown_after("journal") == [jobs["old"]]
        assert await shown_after("legal hold") == [jobs["running"]]
        assert await shown_after(jobs["elsewhere"][:8]) == [jobs["elsewhere"]]
        assert await shown_after("completed david") == [jobs["old"]]
        assert screen.table.row_count == 1
        assert "1 of 4 jobs" in flat(screen_text(app))
        assert await shown_after("nobody-here") == []
        assert await shown_after("") == [jobs[k] for k in ("running", "failed", "elsewhere",
                                                          "old")]


async def test_enter_opens_the_monitor_and_escape_comes_back(sim: SimulatedAws) -> None:
    jobs = history(sim)
    app = wizard_app(sim, STILL)
    async with app.run_test(size=SMALL) as pilot:
        await open_jobs(pilot, 4)
        await pilot.press("down", "enter")  # the failed one
        watched = await polled(pilot, 1)
        assert watched.job_watch.job_id == jobs["failed"]
        text = flat(screen_text(app))
        assert "Failed: WorkMail could not export the mailbox." in text
        assert "Frank Kim <frank.kim@example-corp.awsapps.com>" in text
        assert "Likely cause: The role could not use the KMS key." in text

        await pilot.press("escape")
        await listed(pilot, 4)
        assert sim.workmail.calls.count("ListMailboxExportJobs") == 2  # refreshed on return
        await pilot.press("enter")
        await polled(pilot, 1)
        await pilot.press("j")  # back to the jobs screen it came from, not a second one
        await listed(pilot, 4)
        assert sum(isinstance(s, (JobsScreen, MonitorScreen)) for s in app.screen_stack) == 1


async def test_the_monitor_of_a_new_job_leads_to_its_jobs_screen(sim: SimulatedAws) -> None:
    """From the result step: m monitors the job, j shows it among the others."""
    from shots_monitor import open_monitor, result_app, start_job

    history(sim)
    job_id = start_job(sim, 7)
    app = result_app(sim, 7, job_id, STILL)
    async with app.run_test(size=BIG) as pilot:
        await open_monitor(pilot)
        assert monitor(app).job_watch.job_id == job_id
        await pilot.press("j")
        screen = await listed(pilot, 5)
        assert screen.shown[0].job.job_id == job_id
        select = screen.query_one("#organization", Select)
        assert select.value == sim.world.org_id  # the wizard's organization, by its name:
        assert "example-corp" in flat(screen_text(app))
        assert sim.world.org_id not in flat(screen_text(app))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.query("#monitor"), "the result step again")


async def test_the_palette_opens_the_jobs_screen(sim: SimulatedAws) -> None:
    history(sim)
    app = wizard_app(sim, STILL)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"export jobs")
        await until_text(pilot, "Export jobs")
        await pilot.press("enter")
        await listed(pilot, 4)


async def test_when_workmail_cannot_list_the_journal_jobs_still_show(sim: SimulatedAws) -> None:
    jobs = history(sim)
    app = wizard_app(sim, STILL)
    app.state = wz.start(app.state.settings, ExportRequest(organization_id=sim.world.org_id))
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        sim.faults.server_error_rate = 1.0
        sim.faults.services = frozenset({"workmail"})
        await pilot.press("j")
        await until_text(pilot, "WorkMail's list could not be read", timeout=30)
        screen = jobs_screen(app)
        await until(pilot, lambda: not screen.calls.running(), "names given up", timeout=30)
        ids = {row.job.job_id for row in screen.rows}
        assert ids == {jobs["old"], jobs["failed"], jobs["running"]}  # started here
        assert all(row.from_journal for row in screen.rows)
        text = flat(screen_text(app))
        assert "ServiceUnavailableException" in text and "r retries" in text
        assert "Traceback" not in text

        sim.faults.server_error_rate = 0.0
        await pilot.press("r")
        await listed(pilot, 4)
        assert "could not be read" not in flat(screen_text(app))


async def test_with_two_organizations_it_asks_which(sim: SimulatedAws) -> None:
    other = sim.workmail.create_organization("example-labs", "us-east-1", "Active",
                                             "example-labs.awsapps.com")
    jobs = history(sim)
    app = wizard_app(sim, STILL)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await until_text(pilot, "Choose the organization whose export jobs to list.")
        screen = jobs_screen(app)
        assert screen.table.row_count == 0
        select = screen.query_one("#organization", Select)
        assert app.focused is select
        select.value = other
        await until_text(pilot, "No export jobs yet.")
        select.value = sim.world.org_id
        screen = await listed(pilot, 4)
        assert screen.shown[0].job.job_id == jobs["running"]


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_jobs_snapshot(sim: SimulatedAws, snap_compare: Any, size: tuple[int, int]) -> None:
    shown = SCENES["jobs"](sim)
    assert snap_compare(shown.app, terminal_size=size, run_before=shown.reach)


async def test_j_waits_while_a_step_checks_what_was_chosen(sim: SimulatedAws) -> None:
    """A step whose check is running moves on by itself; the jobs screen must not be on top
    then, so j says to wait, and works once the step has moved on."""
    history(sim)
    app = wizard_app(sim, STILL)
    async with app.run_test(size=BIG) as pilot:
        await until_text(pilot, "123456789012")
        await pilot.press("enter")  # Continue: the organization step
        await until_text(pilot, "example-corp")
        sim.faults.latency = 0.5
        await pilot.press("enter", "j")  # choose the organization; j while it is checked
        await until(pilot, lambda: "Wait for this step's check to finish, then press j." in [
            n.message for n in app._notifications], "a toast saying to wait")
        assert not isinstance(app.screen, JobsScreen)
        sim.faults.latency = 0.0
        await until(pilot, lambda: app.state.stage is Stage.MAILBOX, "the mailbox step")
        await pilot.press("escape")  # out of the search field
        await open_jobs(pilot, 4)
