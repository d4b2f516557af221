"""The bulk mailbox step goes on with the mailboxes its fields name: a cleared list file
means every enabled mailbox again (and the review agrees), a path typed but not loaded is
not silently ignored; the keys it advertises work from the filter field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pilot_kit import BIG, SMALL, flat, keys, make_app, screen_text, settle, stage, type_text
from shots_bulk import bulk_app, stored_run, to_bulk_choice
from shots_monitor import until
from test_bulk import choose_to_plan, totals

from tui.app.bulk.bulk_choose_screen import BulkChooseScreen
from tui.app.bulk.bulk_progress_screen import BulkProgressScreen
from tui.core.batch.model import RowState
from tui.core.model import ExportRequest
from tui.wizard.stages import Stage


def leavers(tmp_path: Path) -> Path:
    names = tmp_path / "leavers.txt"
    names.write_text("alice.wong\nbob.smith\nboardroom@example-corp.awsapps.com\n",
                     encoding="utf-8")
    return names


async def in_file_field(pilot: Any) -> None:
    choose_screen(pilot.app).file_input.focus()
    await pilot.pause()


async def list_file_typed(pilot: Any, tmp_path: Path) -> None:
    """At the bulk step, the leavers' list file typed into its field (not loaded yet)."""
    await to_bulk_choice(pilot)
    await in_file_field(pilot)
    await type_text(pilot, str(leavers(tmp_path)))


def choose_screen(app: Any) -> BulkChooseScreen:
    screen = app.screen
    assert isinstance(screen, BulkChooseScreen), screen
    return screen


async def test_a_cleared_list_file_means_every_enabled_mailbox_again(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await list_file_typed(pilot, tmp_path)
        await keys(pilot, "enter")
        assert "3 of 3 marked" in flat(screen_text(app))
        await in_file_field(pilot)
        await keys(pilot, "ctrl+u")  # the field cleared
        await keys(pilot, "enter")
        assert "53 of 53 marked" in flat(screen_text(app))
        await choose_to_plan(pilot, sim)
        assert "53 mailboxes of example-corp" in flat(screen_text(app))
        assert len(app.state.bulk.mailboxes) == 53  # type: ignore[union-attr]


async def test_a_list_file_typed_but_not_loaded_does_not_go_on_with_another_list(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await in_file_field(pilot)
        await type_text(pilot, str(leavers(tmp_path)))  # no Enter
        await keys(pilot, "down")  # to the list, which still shows every mailbox
        await keys(pilot, "enter")
        assert isinstance(app.screen, BulkChooseScreen)
        assert f"The list file {leavers(tmp_path)} is not loaded yet" in flat(screen_text(app))
        assert app.state.bulk is None


async def test_a_list_file_chosen_before_is_named_again_when_coming_back(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await list_file_typed(pilot, tmp_path)
        await keys(pilot, "enter", "enter")  # load it; go on with the three
        await keys(pilot, "escape")  # from the role step, back
        screen = choose_screen(app)
        assert screen.file_input.value == str(leavers(tmp_path))
        assert "3 of 3 marked" in flat(screen_text(app))
        await keys(pilot, "enter")
        assert len(app.state.bulk.mailboxes) == 3  # type: ignore[union-attr]


async def test_slash_from_the_filter_is_the_filter_key_and_u_resumes_from_the_list(
        sim: Any, tmp_path: Path) -> None:
    run_id = stored_run(sim)
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        await until(pilot, lambda: bool(choose_screen(app).unfinished), "the unfinished run")
        screen = choose_screen(app)
        await keys(pilot, "slash")
        assert app.focused is screen.filter_input
        await type_text(pilot, "bo")
        await keys(pilot, "slash")  # advertised as Filter: never typed into the filter
        assert screen.filter_input.value == "bo"
        assert app.focused is screen.filter_input
        # u is a letter of names: in the filter it types, and the offer says how to resume
        assert "↓ to the list, then u resumes it." in flat(screen_text(app))
        await keys(pilot, "ctrl+u")
        await type_text(pilot, "u")
        await until(pilot, lambda: "Umar Yilmaz" in screen_text(app)
                    and "Alice Wong" not in screen_text(app), "the mailboxes starting with u")
        assert screen.filter_input.value == "u"
        await keys(pilot, "down")
        assert f"Unfinished run {run_id}" in flat(screen_text(app))
        assert "press u to resume it." in flat(screen_text(app))
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, BulkProgressScreen)
                    and totals(app, RowState.RUNNING) == 10, "the resumed run")


async def test_slash_in_the_list_file_field_is_part_of_the_path(
        sim: Any, tmp_path: Path) -> None:
    app = bulk_app(sim, tmp_path)
    async with app.run_test(size=BIG) as pilot:
        await to_bulk_choice(pilot)
        screen = choose_screen(app)
        await in_file_field(pilot)
        await type_text(pilot, "/tmp/x")
        assert screen.file_input.value == "/tmp/x"
        assert app.focused is screen.file_input


async def test_the_list_has_the_cursor_as_soon_as_it_shows_not_the_filter(sim: Any) -> None:
    """The list loads while the step opens; the filter before it must not take the cursor
    meanwhile (a / or u pressed as soon as the list shows would be typed there)."""
    app = make_app(ExportRequest(organization_id=sim.world.org_id))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        sim.faults.latency = 0.3
        await pilot.press("ctrl+o")
        for _ in range(1500):  # look every 10 ms, at most 15 s
            if "53 of 53 marked" in screen_text(app):
                break
            await pilot.pause(0.01)
        await pilot.press("enter")  # at once, as a person who sees the list
        await until(pilot, lambda: stage(app) is Stage.ROLE, "the role step")
