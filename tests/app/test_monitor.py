"""The job monitor on the simulator: a job followed to its end, a FAILED job explained,
cancel accepted and refused, a failing poll shown and recovered, and its look pinned.

The simulator's clock moves only when a test says so (`sim.clock.advance`); the monitor's
waits are scaled to milliseconds (`FAST`), so every poll here happens by itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from shots_monitor import (
    BIG,
    FAST,
    JOB_SECONDS,
    SCENES,
    SMALL,
    STILL,
    flat,
    monitor,
    open_monitor,
    prepared,
    result_app,
    screen_text,
    start_job,
    until,
    until_text,
)

from tui.core.journal import Journal
from tui.sim import SimulatedAws


def described(sim: SimulatedAws) -> int:
    """How many DescribeMailboxExportJob calls the service has answered."""
    return sim.workmail.calls.count("DescribeMailboxExportJob")


async def confirm_cancel(pilot: Any) -> None:
    """x, then y in the confirmation."""
    await pilot.press("x")
    await until_text(pilot, "Cancel this export job?")
    await pilot.press("y")


def service_state(sim: SimulatedAws, job_id: str) -> str:
    (job,) = [j for j in sim.workmail.jobs(sim.world.org_id) if j.job_id == job_id]
    return job.state(sim.clock.now())


@pytest.mark.parametrize("size", [BIG, SMALL])
async def test_the_monitor_follows_a_job_to_completed_and_stops_polling(
        sim: SimulatedAws, size: tuple[int, int]) -> None:
    prepared(sim)
    job_id = start_job(sim, 0)
    app = result_app(sim, 0, job_id, FAST)
    async with app.run_test(size=size) as pilot:
        screen = await open_monitor(pilot)
        text = flat(screen_text(app))
        assert "Running: WorkMail is exporting the mailbox." in text
        assert job_id in text and "0%" in text
        assert "Alice Wong <alice.wong@example-corp.awsapps.com>" in text
        assert "Started 2026-10-01 09:00:00 UTC" in text

        sim.clock.advance(40)
        await until_text(pilot, "40%")
        assert "0:00:40 so far" in flat(screen_text(app))
        assert screen.polling

        sim.clock.advance(JOB_SECONDS)
        await until_text(pilot, "Completed: the mailbox is in S3.")
        uri = f"s3://{sim.world.good_bucket}/{sim.world.good_prefix}{job_id}.zip"
        text = flat(screen_text(app))
        assert "100%" in text
        assert uri.replace("/", "") in text.replace("/", "").replace(" ", "")  # may wrap
        assert "ended 2026-10-01 09:01:40 UTC" in text
        assert "checking stopped" in text

        calls = described(sim)
        await pilot.pause(0.5)  # a FAST monitor would have polled several times by now
        assert described(sim) == calls and not monitor(app).polling

        await pilot.press("c")
        assert app.clipboard == uri
    with Journal.open() as journal:
        entry = journal.find(job_id)
    assert entry is not None
    assert (entry.state, entry.progress, entry.s3_path) == (
        "COMPLETED", 100, f"{sim.world.good_prefix}{job_id}.zip")


async def test_polls_back_off_while_nothing_changes(sim: SimulatedAws) -> None:
    """With the clock still, the waits grow 2, 3, 4.5 ... seconds (scaled by FAST)."""
    prepared(sim)
    job_id = start_job(sim, 0)
    app = result_app(sim, 0, job_id, FAST)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_monitor(pilot)
        await until(pilot, lambda: len(screen.waits) >= 5, "five polls")
        assert screen.waits[:5] == [2.0, 3.0, 4.5, 6.75, 10.125]
        before = len(screen.waits)
        sim.clock.advance(10)  # progress: the next wait starts again at 2 s
        await until_text(pilot, "10%")
        await until(pilot, lambda: 2.0 in screen.waits[before:], "a wait of 2 s again")


async def test_a_failed_job_shows_error_info_and_the_likely_cause(sim: SimulatedAws) -> None:
    prepared(sim)
    job_id = start_job(sim, 2, role_arn=sim.world.untrusted_role_arn)
    app = result_app(sim, 2, job_id, FAST)
    async with app.run_test(size=SMALL) as pilot:
        await open_monitor(pilot)
        sim.clock.advance(30)
        await until_text(pilot, "Failed: WorkMail could not export the mailbox.")
        text = flat(screen_text(app))
        assert "WorkMail says: Access denied: role" in text
        assert "WorkMailExportEc2 cannot be assumed by export.workmail.amazonaws.com" in text
        assert ("Likely cause: WorkMail could not use the role. Check the role's trust policy"
                in text)
        assert "Cancel job" not in text and "Traceback" not in text
        assert not monitor(app).polling
        await pilot.press("x")  # nothing to cancel: no dialog
        assert "Cancel this export job?" not in flat(screen_text(app))
    with Journal.open() as journal:
        entry = journal.find(job_id)
    assert entry is not None and entry.state == "FAILED"
    assert "cannot be assumed" in entry.error_info


async def test_cancel_asks_first_then_the_job_is_cancelled(sim: SimulatedAws) -> None:
    prepared(sim)
    job_id = start_job(sim, 0)
    sim.clock.advance(30)
    app = result_app(sim, 0, job_id, FAST)
    async with app.run_test(size=SMALL) as pilot:
        await open_monitor(pilot)
        await pilot.press("x")
        await until_text(pilot, "Cancel this export job?")
        assert "is at 30%" in flat(screen_text(app))
        await pilot.press("n")  # changed their mind: nothing sent
        await pilot.pause()
        assert service_state(sim, job_id) == "RUNNING"
        assert "CancelMailboxExportJob" not in sim.workmail.calls

        await confirm_cancel(pilot)
        await until_text(pilot, "Cancelled: the export was stopped.")
        text = flat(screen_text(app))
        assert "WorkMail accepted the cancel" in text
        assert "checking stopped" in text
    assert service_state(sim, job_id) == "CANCELLED"
    assert sim.workmail.calls.count("CancelMailboxExportJob") == 1


@pytest.mark.parametrize(("ran", "refusal", "state_after"), [
    (JOB_SECONDS + 20,
     "The job has already finished (COMPLETED); there is nothing to cancel.", "COMPLETED"),
    (97, "The job is at 97% and too close to completion to cancel.", "RUNNING"),
], ids=["completed", "near-completion"])
async def test_a_refused_cancel_is_explained(sim: SimulatedAws, ran: float, refusal: str,
                                             state_after: str) -> None:
    """The screen still shows the job at 0% (no poll since the clock moved); WorkMail
    refuses, the monitor says why and checks the job again."""
    prepared(sim)
    job_id = start_job(sim, 0)
    app = result_app(sim, 0, job_id, STILL)
    async with app.run_test(size=SMALL) as pilot:
        await open_monitor(pilot)
        sim.clock.advance(ran)
        assert "Running" in flat(screen_text(app))
        await confirm_cancel(pilot)
        await until_text(pilot, "The cancel was refused.")
        await until(pilot, lambda: monitor(app).polls >= 2, "a check after the refusal")
        text = flat(screen_text(app))
        assert f"The cancel was refused. {refusal}" in text
        assert "Traceback" not in text
        assert monitor(app).job.state == state_after  # type: ignore[union-attr]
    assert service_state(sim, job_id) == state_after


async def test_a_failing_poll_is_shown_with_the_next_try_and_recovers(
        sim: SimulatedAws) -> None:
    """The monitor's own waits never end here (STILL): each poll is asked for with r, so what
    the screen says between two polls stays there to be read, however busy the machine."""
    prepared(sim)
    job_id = start_job(sim, 0)
    app = result_app(sim, 0, job_id, STILL)
    async with app.run_test(size=BIG) as pilot:
        await open_monitor(pilot)  # answered: next check in 2 s
        sim.faults.server_error_rate = 1.0
        sim.faults.services = frozenset({"workmail"})
        await pilot.press("r")
        # the failed check backs off to 3 s; the clock stands at 09:00:00
        await until_text(pilot, "Next try in 3 s, at 09:00:03 UTC", timeout=30)
        text = flat(screen_text(app))
        assert "The last check failed. ServiceUnavailableException" in text
        assert "Traceback" not in text
        assert monitor(app).polling  # still going

        sim.faults.latency = 2.0  # the next check takes a while: what it says meanwhile
        await pilot.press("r")
        await until_text(pilot, "Trying again… The last check failed.", timeout=30)
        sim.faults.server_error_rate = 0.0
        sim.faults.latency = 0.0
        sim.clock.advance(50)
        await until_text(pilot, "50%", timeout=30)
        assert "The last check failed." not in flat(screen_text(app))


@pytest.mark.parametrize("scene", ["monitor-running", "monitor-completed", "monitor-failed"])
@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_monitor_snapshots(sim: SimulatedAws, snap_compare: Any, scene: str,
                           size: tuple[int, int]) -> None:
    shown = SCENES[scene](sim)
    assert snap_compare(shown.app, terminal_size=size, run_before=shown.reach)


async def test_a_monitor_whose_first_check_fails_says_so_and_recovers(
        sim: SimulatedAws) -> None:
    prepared(sim)
    job_id = start_job(sim, 0)
    app = result_app(sim, 0, job_id, FAST)
    sim.faults.server_error_rate = 1.0
    sim.faults.services = frozenset({"workmail"})
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: app.screen.query("#monitor"), "the result step")
        await pilot.press("m")
        await until_text(pilot, "Not known yet: WorkMail has not answered about this job.",
                         timeout=30)
        assert "The last check failed." in flat(screen_text(app))
        sim.faults.server_error_rate = 0.0
        await until_text(pilot, "Running: WorkMail is exporting the mailbox.", timeout=30)
