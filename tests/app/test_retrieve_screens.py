"""After the export in the Textual app, on the simulator: the monitor verifies a completed
job's export by itself and downloads it with d; the result step's d downloads once the job
is done; the download can be stopped and continued; the jobs list marks verified exports;
the bulk progress verifies each export as it completes and downloads the run; inspect shows
the zip against its log. Looks pinned by snapshots."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import boto3
import pytest
from shots_monitor import (
    BIG,
    FAST,
    JOB_SECONDS,
    SMALL,
    flat,
    history,
    monitor,
    open_monitor,
    prepared,
    result_app,
    screen_text,
    start_job,
    until,
    until_screen,
    until_text,
    wizard_app,
)
from shots_retrieve import DOWNLOADS, SCENES, completed_job, hold_reads_from

from tui.app.jobs.jobs_screen import JobsScreen
from tui.app.retrieve.download_screen import DownloadScreen
from tui.app.retrieve.inspect_screen import InspectScreen
from tui.core.retrieve.results import known
from tui.core.retrieve.transfer import MIB, TransferOptions
from tui.sim import SimulatedAws


@pytest.fixture(autouse=True)
def downloads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Downloads go to `downloads` in the test's own working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKMAIL_EXPORT_DOWNLOADS", DOWNLOADS)
    return tmp_path / DOWNLOADS


async def test_the_monitor_verifies_a_completed_export_and_downloads_it(
        sim: SimulatedAws, downloads: Path) -> None:
    job_id = completed_job(sim, 1)
    app = result_app(sim, 1, job_id, FAST)
    async with app.run_test(size=BIG) as pilot:
        await open_monitor(pilot)
        await until_text(pilot, "✓ Export verified in S3")
        written = sim.exports.written[job_id]
        text = flat(screen_text(app))
        assert f"{written.size:,} bytes as its log says" in text
        assert "checking stopped" in text  # the verification left the status line alone
        await pilot.press("d")
        await until_text(pilot, "sha384 matches the log")
        assert "Done: 1 of 1 downloaded, 1 with a sha384 equal to the log's." in flat(
            screen_text(app))
        zip_path = downloads / f"{job_id}.zip"
        assert hashlib.sha384(zip_path.read_bytes()).hexdigest() == written.sha384
        assert known([job_id])[job_id].download == "sha384 matches the log"
        await pilot.press("i")
        screen = await until_screen(pilot, InspectScreen, lambda s: s.inspection is not None,
                                    "the inspection")
        assert screen.inspection is not None and screen.inspection.matches_log is True
        assert "✓ as the log says" in flat(screen_text(app))


async def test_a_missing_export_offers_no_download(sim: SimulatedAws) -> None:
    job_id = completed_job(sim, 2)
    written = sim.exports.write_completed()[0]
    boto3.client("s3", region_name="us-east-1").delete_object(Bucket=written.bucket,
                                                             Key=written.key)
    app = result_app(sim, 2, job_id, FAST)
    async with app.run_test(size=SMALL) as pilot:
        await open_monitor(pilot)
        await until_text(pilot, "✗ Export missing")
        assert not monitor(app).check_action("download", ())
        await pilot.press("d")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, DownloadScreen)


async def test_download_when_done_from_the_result_step(sim: SimulatedAws,
                                                       downloads: Path) -> None:
    prepared(sim)
    job_id = start_job(sim, 5)
    app = result_app(sim, 5, job_id, FAST)
    async with app.run_test(size=BIG) as pilot:
        await until(pilot, lambda: app.screen.query("#monitor"), "the result step")
        await pilot.press("d")
        await until_text(pilot, "Running: WorkMail is exporting the mailbox.")
        sim.clock.advance(JOB_SECONDS + 1)
        await until_screen(pilot, DownloadScreen, lambda s: bool(s.results), "the download")
        assert (downloads / f"{job_id}.zip").is_file()


async def test_a_stopped_download_continues_with_r_without_fetching_parts_again(
        sim: SimulatedAws, downloads: Path) -> None:
    job_id = completed_job(sim, 3, bytes_per_mb=8 * 1024)
    released = hold_reads_from(sim, 3 * MIB)
    app = result_app(sim, 3, job_id, FAST)
    app.transfer_options = TransferOptions(part_size=MIB, concurrency=1)
    async with app.run_test(size=BIG) as pilot:
        await open_monitor(pilot)
        await until_text(pilot, "Export verified in S3")
        await pilot.press("d")
        await until_text(pilot, "3 of ")
        await pilot.press("s")
        released.set()
        await until_text(pilot, "⏸ stopped: 3 of ")
        key = sim.exports.written[job_id].key
        before = len(sim.s3.reads_of(key))
        await pilot.press("r")
        await until_text(pilot, "sha384 matches the log")
        again = sim.s3.reads_of(key)[before:]
        assert all(read.first is not None and read.first >= 3 * MIB for read in again)
        assert "kept from before" in flat(screen_text(app)) or (downloads / f"{job_id}.zip"
                                                                ).is_file()


async def test_leaving_a_download_stops_it_and_keeps_what_was_saved(
        sim: SimulatedAws, downloads: Path) -> None:
    from tui.core.retrieve.part_record import PartRecord
    from tui.core.retrieve.transfer import partial_paths

    job_id = completed_job(sim, 3, bytes_per_mb=8 * 1024)
    app = result_app(sim, 3, job_id, FAST)
    released = hold_reads_from(sim, 3 * MIB, while_running=app)
    app.transfer_options = TransferOptions(part_size=MIB, concurrency=1)
    async with app.run_test(size=BIG) as pilot:
        await open_monitor(pilot)
        await until_text(pilot, "Export verified in S3")
        await pilot.press("d")
        await until_text(pilot, "3 of ")
        await pilot.press("escape")
        released.set()
        await until(pilot, lambda: not isinstance(app.screen, DownloadScreen), "the monitor")
        await pilot.pause(0.5)  # the download's thread ends unseen, without an error
        assert "Export verified in S3" in flat(screen_text(app))
    record = PartRecord.load(partial_paths(downloads / f"{job_id}.zip")[1])
    assert record is not None and record.done >= {0, 1, 2}
    assert not (downloads / f"{job_id}.zip").exists()


async def test_the_jobs_list_marks_verified_exports(sim: SimulatedAws) -> None:
    jobs = history(sim)
    app = wizard_app(sim)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("j")
        screen = await until_screen(
            pilot, JobsScreen, lambda j: j.table.row_count == 4 and j.verifier is not None
            and not j.verifier.busy and not j.calls.running(), "four jobs, verified")
        assert screen.verifier is not None
        completed = {row.job.job_id for row in screen.rows if row.job.state == "COMPLETED"}
        assert completed == {jobs["old"], jobs["elsewhere"]}
        assert set(screen.verifier.results) == completed
        for job_id in completed:
            assert str(screen.table.get_row(job_id)[2]) == "COMPLETED ✓"
        assert str(screen.table.get_row(jobs["failed"])[2]) == "FAILED"


def small_run(sim: SimulatedAws) -> str:
    """A stored run of three mailboxes (as the bulk review stores it), not started yet."""
    from tui.core.batch.model import RunSettings
    from tui.core.batch.plan import choose_named, make_plan
    from tui.core.batch.runner import create_run
    from tui.core.batch.store import BatchStore
    from tui.core.model import ConnectionSettings
    from tui.core.session import connect

    world = sim.world
    aws = connect(ConnectionSettings(region="us-east-1"))
    now = sim.clock.now().timestamp()
    chosen = choose_named(aws, world.org_id, ["alice.wong", "bob.smith", "carol.garcia"])
    plan = make_plan(aws, world.org_id, chosen, "exports/", now)
    store = BatchStore.open()
    try:
        settings = RunSettings(world.org_id, world.good_role_arn, world.good_key_arn,
                               world.good_bucket, "exports/")
        return create_run(store, settings, plan, now, "r0retrieve0").run_id
    finally:
        store.close()


async def test_the_bulk_progress_verifies_each_export_and_downloads_the_run(
        sim: SimulatedAws, downloads: Path) -> None:
    from shots_bulk import bulk_app, to_bulk_choice

    from tui.app.bulk.bulk_progress_screen import BulkProgressScreen

    sim.workmail.set_job_duration(JOB_SECONDS)
    small_run(sim)
    app = bulk_app(sim, downloads.parent / "reports")
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await until(pilot, lambda: bool(pilot.app.screen.unfinished), "the unfinished run")
        await pilot.press("u")
        screen = await until_screen(pilot, BulkProgressScreen,
                                    lambda s: s.progress is not None, "the progress")
        sim.clock.advance(JOB_SECONDS + 1)
        await until(pilot, lambda: screen.progress is not None and screen.progress.finished
                    and len(screen.verifier.results) == 3, "three exports verified")
        await until_text(pilot, "Exports verified in S3: 3 of 3")
        await pilot.press("d")
        download = await until_screen(pilot, DownloadScreen,
                                      lambda s: len(s.results) == 3, "every download")
        folders = {Path(r.path).parent.name for r in download.results.values()}
        assert folders == {"alice.wong@example-corp.awsapps.com",
                           "bob.smith@example-corp.awsapps.com",
                           "carol.garcia@example-corp.awsapps.com"}


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
@pytest.mark.parametrize("scene", sorted(SCENES))
def test_retrieve_snapshots(sim: SimulatedAws, snap_compare: Any, scene: str,
                            size: tuple[int, int]) -> None:
    shown = SCENES[scene](sim)
    try:
        assert snap_compare(shown.app, terminal_size=size, run_before=shown.reach)
    finally:
        shown.release()
