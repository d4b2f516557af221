"""Quitting the full-screen wizard: its exit status is README's table (0 job started, 1 the
submit failed, 3 quitting with an error found, 130 quit before submitting or with a bulk run
paused), and ctrl+q during a bulk run asks, pauses the run, and names it for resuming."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pilot_kit import BIG, SMALL, flat, good_request, keys, make_app, screen_text, settle, stage
from shots_bulk import bulk_app, stored_run
from shots_monitor import until
from test_bulk import dialog_text, resume_offered_run
from test_submit_problems import ten_running_jobs

from tui.app import say_runs_to_resume
from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.commands import exit_codes
from tui.core.batch.model import RunStatus
from tui.wizard.stages import Stage


async def asked(pilot: Any, key: str) -> str:
    """Press `key` on the progress screen; the question asked over it."""
    await pilot.press(key)
    await pilot.pause(0.2)
    return dialog_text(pilot.app)


async def quit_now(pilot: Any) -> int:
    """ctrl+q with nothing asked: the app's exit status."""
    await pilot.press("ctrl+q")
    await until(pilot, lambda: pilot.app.return_code is not None, "the app to exit")
    assert pilot.app.return_value == pilot.app.return_code  # what run() returns, too
    return int(pilot.app.return_code)


async def test_quitting_before_submitting_is_130(sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert await quit_now(pilot) == exit_codes.INTERRUPTED


async def test_quitting_with_an_error_on_screen_is_3(sim: Any) -> None:
    app = make_app(good_request(sim.world, role_arn=sim.world.no_kms_role_arn))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert "1 error(s) block the submit" in flat(screen_text(app))
        assert await quit_now(pilot) == exit_codes.CHECK_ERRORS


async def test_quitting_after_the_job_started_is_0(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await keys(pilot, "s", "y")
        assert stage(app) is Stage.RESULT and app.state.result is not None
        assert await quit_now(pilot) == exit_codes.OK


async def test_quitting_after_a_refused_submit_is_1(sim: Any) -> None:
    app = make_app(good_request(sim.world))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        ten_running_jobs(sim, app)  # the organization's ten slots are taken now
        await keys(pilot, "s", "y")
        assert stage(app) is Stage.RESULT and app.state.problem is not None
        assert await quit_now(pilot) == exit_codes.AWS_ERROR


async def test_ctrl_q_during_a_bulk_run_asks_pauses_it_and_names_it_for_resuming(
        sim: Any, tmp_path: Path, capsys: Any) -> None:
    run_id = stored_run(sim)
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await resume_offered_run(pilot, run_id)
        question = await asked(pilot, "ctrl+q")
        assert "Quit workmail-export?" in question
        assert "The run will be paused: nothing new starts, and jobs already running go on " \
               "at WorkMail." in question
        assert f"workmail-export batch --resume {run_id}" in question
        await pilot.press("n")  # stay: the run goes on
        await pilot.pause(0.2)
        assert isinstance(app.screen, BulkProgressScreen) and app.screen.running
        assert app.return_code is None

        assert "Quit workmail-export?" in await asked(pilot, "ctrl+q")
        await pilot.press("y")
        await until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == exit_codes.INTERRUPTED
    assert app.runs_to_resume() == [run_id]
    from tui.core.batch.store import BatchStore

    store = BatchStore.open()
    try:
        assert store.run(run_id).status is RunStatus.PAUSED  # stored before the app closed
    finally:
        store.close()
    assert len(sim.workmail.jobs(sim.world.org_id)) == 10  # the running ten go on, no more
    say_runs_to_resume(app.runs_to_resume(), demo=False)
    said = capsys.readouterr().err
    assert f"workmail-export: bulk run {run_id} paused; jobs already running go on at " \
           f"WorkMail. Resume it with: workmail-export batch --resume {run_id}" in said


async def test_leaving_the_progress_screen_asks_before_it_pauses(
        sim: Any, tmp_path: Path) -> None:
    run_id = stored_run(sim)
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await resume_offered_run(pilot, run_id)
        question = await asked(pilot, "escape")
        assert "Leave the progress screen?" in question
        assert "The run will be paused" in question and "The run is paused" not in question
        screen = app.screen_stack[-2]
        assert isinstance(screen, BulkProgressScreen)
        assert screen.progress is not None and screen.progress.status is RunStatus.ACTIVE
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(app.screen, BulkProgressScreen),
                    "the bulk step again")
        assert "u to resume it" in flat(screen_text(app))
        assert await quit_now(pilot) == exit_codes.INTERRUPTED  # a paused run is left
