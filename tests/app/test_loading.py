"""Slow AWS: every step shows that it is loading, keys still work meanwhile, searches wait
for a pause in typing, and a stale search never overwrites a newer one."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from pilot_kit import BIG, flat, keys, make_app, screen_text, settle, stage, step, type_text
from textual import events

from tui.app.kit.status_line import StatusLine
from tui.app.steps.mailbox_screen import SEARCH_DEBOUNCE_SECONDS, MailboxScreen
from tui.core.model import ExportRequest
from tui.wizard.stages import Stage


async def test_a_slow_call_shows_the_loading_state_and_keys_still_work(sim: Any) -> None:
    sim.faults.latency = 1.5  # long enough to act during the call on a busy machine
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause(0.05)
        status = step(app).query_one(StatusLine)
        assert "busy" in status.classes
        assert "Checking who you are…" in screen_text(app)
        before = app.focused
        await pilot.press("tab")  # the UI answers while the call is in flight
        await pilot.pause(0.02)
        assert any(w.is_running for w in app.workers)
        assert app.focused is not before
        await settle(pilot)
        assert "busy" not in status.classes
        assert "123456789012" in screen_text(app)

        step(app).action_next()
        await pilot.pause(0.1)
        assert stage(app) is Stage.ORGANIZATION
        assert step(app).query_one("#choices").loading
        assert "Listing organizations…" in screen_text(app)
        await settle(pilot)
        assert not step(app).query_one("#choices").loading
        assert "example-corp" in screen_text(app)


async def test_typing_fast_starts_one_search_after_the_pause(
        sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    searched: list[str] = []
    original = MailboxScreen.search

    def counting(self: MailboxScreen, text: str) -> None:
        searched.append(text)
        original(self, text)

    monkeypatch.setattr(MailboxScreen, "search", counting)
    app = make_app(ExportRequest(organization_id=sim.world.org_id))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert searched == [""]
        await pilot.press(*"alice")  # five keys, each well inside the debounce of the last
        await settle(pilot)
        assert searched == ["", "alice"]  # not "a", "al", ...: one search, after the pause


async def test_a_stale_search_never_overwrites_a_newer_one(sim: Any) -> None:
    app = make_app(ExportRequest(organization_id=sim.world.org_id))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        sim.faults.latency = 0.5
        await pilot.press("b")
        await pilot.pause(SEARCH_DEBOUNCE_SECONDS + 0.1)  # the search for "b" is in flight
        assert any(w.is_running for w in app.workers)
        await type_text(pilot, "ob")
        table = step(app).query_one("#choices")
        emails = [row.item.email for row in table.rows_shown]  # type: ignore[attr-defined]
        assert emails == ["bob.smith@example-corp.awsapps.com"]
        assert "boardroom" not in screen_text(app)


async def test_a_failed_listing_is_a_sentence_and_ctrl_r_retries_it(sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        sim.faults.server_error_rate = 1.0
        sim.faults.services = frozenset({"workmail"})
        await keys(pilot, "enter")
        text = flat(screen_text(app))
        assert stage(app) is Stage.ORGANIZATION
        assert "ctrl+r retries" in text
        assert "Traceback" not in text
        sim.faults.server_error_rate = 0.0
        await keys(pilot, "ctrl+r")
        assert "example-corp" in screen_text(app)
        assert "ctrl+r retries" not in flat(screen_text(app))


async def test_down_and_enter_read_together_choose_the_pointed_mailbox(sim: Any) -> None:
    """A fast typist's Down+Enter arrive in one read: Enter must reach the results."""
    app = make_app(ExportRequest(organization_id=sim.world.org_id))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await type_text(pilot, "alice")
        app.post_message(events.Key("down", None))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        assert stage(app) is Stage.ROLE, flat(screen_text(app))
        assert app.state.request.entity_id == sim.world.enabled_user


async def test_once_connected_every_client_is_made_and_kept_out_of_full_collections(
        sim: Any) -> None:
    """The later steps' service models load in the background right after the connection,
    then the loaded objects are frozen (tui.app.kit.long_lived), so no later full garbage
    collection walks them while a step is shown."""
    import gc

    from tui.app.kit import long_lived

    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        assert app.aws is not None
        made = {service for service, _ in app.aws._clients}
        assert {"sts", "workmail", "iam", "kms", "s3"} <= made
        assert {"CONNECTION shown", "choices read", "connected", "clients loaded"} <= (
            long_lived.frozen_moments(app))
        assert gc.get_freeze_count() > 0


async def test_the_loading_dots_and_what_loads_are_apart_and_the_line_names_a_call_still_running(
        sim: Any) -> None:
    """At the bulk step two calls start at once (the mailboxes, unfinished runs): the line
    reads '● ● ● Looking for unfinished runs…', never '● ● ●Looking…', and when one call ends
    it names the one still running."""
    app = make_app(ExportRequest(organization_id=sim.world.org_id))
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        sim.faults.latency = 1.0
        await pilot.press("ctrl+o")
        await pilot.pause(0.3)
        line = next(line for line in screen_text(app).splitlines() if "…" in line
                    and ("Looking for" in line or "Listing mailboxes" in line))
        assert re.search(r"● (Looking for unfinished runs|Listing mailboxes)…", line), line
        screen = step(app)
        screen.call_aws(lambda: time.sleep(0.5), lambda _: None, message="Short call…",
                        group="short")
        await pilot.pause(0.05)
        assert screen.status.text == "Short call…"
        await until_worker_done(pilot, "short")
        assert screen.status.text in ("Listing mailboxes…", "Looking for unfinished runs…")
        sim.faults.latency = 0
        await settle(pilot)


async def until_worker_done(pilot: Any, group: str) -> None:
    for _ in range(100):
        if not any(w.group == group and w.is_running for w in pilot.app.screen.workers):
            await pilot.pause(0.05)
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the {group} call did not end")
