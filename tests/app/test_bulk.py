"""The bulk path of the Textual face on the demo world, with the keys a person presses:
choose every mailbox, see the checks and the per-mailbox folders, start, watch rows move as
the simulator's clock advances, pause, resume, cancel (with the running-jobs question),
the summary and the manifests; a list file with bad lines; resuming an unfinished run.

The runner's clock reads the simulator's ManualClock and sleeps 50 ms of real time
(shots_bulk.SimTicks), so the run ticks all the time while nothing moves until the test
advances the clock.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pilot_kit import BIG, SMALL, flat, keys, screen_text, type_text
from shots_bulk import bulk_app, stored_run, to_bulk_choice
from shots_monitor import until
from textual.pilot import Pilot

from tui.app.bulk.bulk_choose_screen import BulkChooseScreen
from tui.app.bulk.bulk_plan_screen import BulkPlanScreen
from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.app.wizard_app import WizardApp
from tui.core.batch.model import RowState, RunStatus
from tui.core.batch.store import BatchStore
from tui.core.model import ConnectionSettings

EXPORTS = "s3://example-corp-mail-export/exports/"


def ended(app: WizardApp) -> bool:
    """The run's end is on screen: the summary box with the manifests."""
    return "mailboxes exported." in flat(screen_text(app)) and "Manifests:" in flat(
        screen_text(app))


def dialog_text(app: WizardApp) -> str:
    """The words inside the modal dialog's frame (drawn with █), without what is behind."""
    inside = [line.split("█")[1] for line in screen_text(app).splitlines()
              if line.count("█") >= 2]
    return flat("\n".join(inside))


async def advance_until(pilot: Pilot[Any], sim: Any, condition: Callable[[], bool],
                        what: str) -> None:
    """Move the simulated clock a job's length at a time until `condition()` holds."""
    for _ in range(12):
        if condition():
            return
        sim.clock.advance(80)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not condition():
            await pilot.pause(0.05)
    await until(pilot, condition, what, timeout=1)


def progress_of(app: WizardApp) -> Any:
    screen = app.screen
    assert isinstance(screen, BulkProgressScreen), screen
    return screen.progress


def totals(app: WizardApp, state: RowState) -> int:
    progress = progress_of(app)
    return progress.totals.get(state, 0) if progress else -1


async def choose_to_plan(pilot: Pilot[Any], sim: Any) -> None:
    """From the marked mailboxes through role, key and destination to the bulk review."""
    await keys(pilot, "enter")  # go on with the marked mailboxes
    await keys(pilot, "enter")  # WorkMailExportRole, made for this organization: listed first
    await keys(pilot, "enter")  # the demo key
    await keys(pilot, "enter")  # example-corp-mail-export, the bucket the role may write to
    assert f"s3://{sim.world.good_bucket}/{sim.world.good_prefix}…" in screen_text(pilot.app)
    await keys(pilot, "enter", "enter")  # the prefix the role allows, filled in
    assert isinstance(pilot.app.screen, BulkPlanScreen), flat(screen_text(pilot.app))


async def start_run(pilot: Pilot[Any]) -> None:
    await keys(pilot, "s")
    assert "Start exporting 53 mailboxes?" in screen_text(pilot.app)
    await pilot.press("y")
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkProgressScreen)
                   and totals(pilot.app, RowState.RUNNING) == 10, "ten running jobs")


async def test_every_mailbox_checked_previewed_started_paused_resumed_and_finished(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        text = screen_text(app)
        assert "53 of 53 marked" in text
        assert "alice.wong@example-corp.awsapps.com" in text
        assert "✓  Alice Wong" in text
        await choose_to_plan(pilot, sim)
        text = flat(screen_text(app))
        assert "53 mailboxes of example-corp → " + EXPORTS + "<mailbox>/" in text
        assert "Checks: 8 ok" in text
        assert "alice.wong@example-corp.awsapps.com → exports/alice.wong!40example-corp.awsapps" \
            ".com/" in text
        assert "Jobs at once 10 1-10; no one else runs export jobs in the organization now" \
            in text
        await start_run(pilot)

        text = screen_text(app)
        assert "0/53 done · 10 running · 43 waiting" in text
        assert text.count("● running") == 10 and "· waiting" in text
        running = sim.workmail.jobs(sim.world.org_id)
        assert len(running) == 10
        assert running[0].job_id.split("-")[0] in text  # the JobId column

        sim.clock.advance(80)  # the first ten complete; the next ten start at once
        await until(pilot, lambda: totals(app, RowState.COMPLETED) == 10
                       and totals(app, RowState.RUNNING) == 10, "the second ten")
        text = screen_text(app)
        assert "10/53 done · 10 exported · 10 running · 33 waiting" in text
        assert "✓ exported" in text and "100%" in text
        assert "mailboxes/h" in text and "left" in text  # throughput and time left

        await pilot.press("p")
        await until(pilot, lambda: progress_of(app).status is RunStatus.PAUSED, "pause")
        sim.clock.advance(80)
        await until(pilot, lambda: totals(app, RowState.COMPLETED) == 20, "paused ten end")
        await pilot.pause(0.2)
        assert totals(app, RowState.RUNNING) == 0
        assert len(sim.workmail.jobs(sim.world.org_id)) == 20  # nothing new while paused
        assert "Paused" in screen_text(app)

        await pilot.press("r")
        await until(pilot, lambda: totals(app, RowState.RUNNING) == 10, "resumed")
        await advance_until(pilot, sim, lambda: ended(app),
                            "the end of the run")
        text = flat(screen_text(app))
        assert "53 of 53 mailboxes exported. Nothing left to do." in text
        screen = app.screen
        assert isinstance(screen, BulkProgressScreen)
        run_id = screen.run_id
        assert [p.name for p in screen.manifests] == [f"{run_id}.csv", f"{run_id}.json"]
        assert f"Manifests: {tmp_path / run_id}.csv" in text
        with open(tmp_path / f"{run_id}.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 53 and {r["state"] for r in rows} == {"completed"}
        assert len(sim.workmail.jobs(sim.world.org_id)) == 53
        store = BatchStore.open()  # the connection is kept for `batch --resume RUN_ID`
        assert store.connection(run_id) == ConnectionSettings(region="us-east-1")
        store.close()


async def resume_offered_run(pilot: Pilot[Any], run_id: str) -> None:
    """At the bulk mailbox step the unfinished run is offered; u resumes it."""
    await to_bulk_choice(pilot)
    assert f"⏸ Unfinished run {run_id} (started 2026-10-01 09:00 UTC, running): press u " \
           "to resume it." in flat(screen_text(pilot.app))
    await pilot.press("u")
    await until(pilot, lambda: isinstance(pilot.app.screen, BulkProgressScreen)
                   and totals(pilot.app, RowState.RUNNING) == 10, "the resumed run")


async def test_a_run_another_process_drives_is_named_and_resumed_once_it_is_free(
        sim: Any, tmp_path: Path) -> None:
    from tui.core.batch.run_lock import RunLock
    from tui.core.batch.store import default_store_path

    run_id = stored_run(sim)
    elsewhere = RunLock.acquire(default_store_path(), run_id)  # as `batch --resume` holds it
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await pilot.press("u")
        await until(pilot, lambda: "is being driven by" in flat(screen_text(app)), "refusal")
        text = flat(screen_text(app))
        assert f"Run {run_id} is being driven by process {os.getpid()} on " in text
        assert "Nothing is lost; r resumes it." in text
        assert sim.workmail.jobs(sim.world.org_id) == []
        elsewhere.release()
        await pilot.press("r")
        await until(pilot, lambda: totals(app, RowState.RUNNING) == 10, "the resumed run")


async def cancel_question(pilot: Pilot[Any], run_id: str) -> str:
    """Resume the stored run from the bulk step, press x; the question asked."""
    await resume_offered_run(pilot, run_id)
    await pilot.press("x")
    await pilot.pause(0.1)
    return dialog_text(pilot.app)


async def test_cancel_asks_about_running_jobs_and_cancels_them_too(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        text = await cancel_question(pilot, stored_run(sim))
        assert "Cancel the run?" in text
        assert "43 mailbox(es) not started yet will not be started." in text
        assert "10 job(s) are running at WorkMail now: cancel them too (their exports are " \
            "lost), or let them finish?" in text
        await pilot.press("c")
        await until(pilot, lambda: ended(app), "the end")
        now = sim.clock.now()
        jobs = sim.workmail.jobs(sim.world.org_id)
        assert len(jobs) == 10 and {j.state(now) for j in jobs} == {"CANCELLED"}
        text = flat(screen_text(app))
        assert "0 of 53 mailboxes exported." in text and "53 cancelled" in text
        assert "Resume:" not in text  # nothing is left to resume


async def test_let_running_jobs_finish_then_resume_follows_them(
        sim: Any, tmp_path: Path) -> None:
    run_id = stored_run(sim)
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        assert "Cancel the run?" in await cancel_question(pilot, run_id)
        await pilot.press("l")
        await until(pilot, lambda: ended(app), "the end")
        text = flat(screen_text(app))
        assert "10 still running on AWS" in text and "43 cancelled" in text
        assert f"workmail-export batch --resume {run_id}" in text
        sim.clock.advance(80)
        await pilot.press("r")  # follow the ten to their end
        await until(pilot, lambda: "10 of 53 mailboxes exported." in flat(
            screen_text(app)), "the ten to complete")
        now = sim.clock.now()
        assert [j.state(now) for j in sim.workmail.jobs(sim.world.org_id)] == ["COMPLETED"] * 10
        await keys(pilot, "escape")
        assert isinstance(app.screen, BulkChooseScreen)
        await keys(pilot, "ctrl+o")  # back to one mailbox
        assert "Choose the mailbox" in screen_text(app)
        assert app.state.bulk is None


async def test_a_list_file_hand_picks_and_a_recent_export_scheduled_after_its_window(
        sim: Any, tmp_path: Path) -> None:
    names = tmp_path / "leavers.txt"
    names.write_text("alice.wong\nboardroom@example-corp.awsapps.com\nnobody.here\nall-staff\n"
                     "bob.smith\n", encoding="utf-8")
    import boto3

    boto3.client("workmail", region_name="us-east-1").start_mailbox_export_job(
        ClientToken="someone-else", OrganizationId=sim.world.org_id, EntityId=sim.world.room_id,
        RoleArn=sim.world.good_role_arn, KmsKeyArn=sim.world.good_key_arn,
        S3BucketName=sim.world.good_bucket, S3Prefix="exports/by-hand/")
    sim.clock.advance(2 * 3600)  # exported two hours ago: again from 2026-10-02 09:00
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await keys(pilot, "slash")  # the filter: name or email starts with "bo"
        await type_text(pilot, "bo")
        await until(pilot, lambda: "Alice Wong" not in screen_text(app), "the filtered list")
        text = flat(screen_text(app))
        assert "Bob Smith" in text and "boardroom@example-corp.awsapps.com" in text
        shown = app.screen.table.row_count
        assert f"{shown} of {shown} marked" in text and 2 <= shown < 53
        await keys(pilot, "tab")  # the list file
        await type_text(pilot, str(names))
        await keys(pilot, "enter")
        text = flat(screen_text(app))
        assert "3 of 3 marked" in text
        assert "Not used (2):" in text
        assert "nobody.here: No user or resource is named 'nobody.here'." in text
        assert "all-staff: all-staff is a group; groups have no mailbox to export." in text
        await keys(pilot, "space")  # un-mark the first (alice.wong)
        assert "2 of 3 marked" in flat(screen_text(app))
        await keys(pilot, "enter")  # go on with the two
        await keys(pilot, "enter")
        await keys(pilot, "enter")
        await keys(pilot, "enter")
        await keys(pilot, "enter", "enter")  # the prefix the role allows, filled in
        assert isinstance(app.screen, BulkPlanScreen)
        text = flat(screen_text(app))
        assert "2 mailboxes of example-corp" in text
        assert "exports/boardroom!40example-corp" in text
        assert "alice.wong!40" not in text
        assert "1 exported in the last 24 hours" in text
        assert "boardroom@example-corp.awsapps.com: job" in text
        assert "again from 2026-10-02 09:00 UTC" in text
        await keys(pilot, "w")  # schedule it instead of skipping it
        await keys(pilot, "s")
        question = dialog_text(app)
        assert "Start exporting 2 mailboxes?" in question
        assert "1 exported in the last 24 hours will be scheduled after their window." in question
        await pilot.press("y")
        await until(pilot, lambda: totals(app, RowState.RUNNING) == 1, "bob's job")
        progress = progress_of(app)
        board = next(r for r in progress.rows if r.entity_id == sim.world.room_id)
        assert board.state is RowState.PLANNED
        assert board.not_before == sim.clock.now().timestamp() + 22 * 3600
        assert "waiting for its 24-hour window" in board.note
    # Quitting the app with the run going pauses it (bob's job goes on at WorkMail).
    from tui.core.batch.store import BatchStore

    store = BatchStore.open()
    try:
        deadline = time.monotonic() + 5
        while store.runs()[0].status is not RunStatus.PAUSED and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.runs()[0].status is RunStatus.PAUSED
    finally:
        store.close()
