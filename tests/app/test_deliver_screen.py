"""The app's Deliver (e on the download screen) on the simulator and a real Dovecot: a
completed job verified and downloaded in the monitor, then delivered into its new mailbox;
the form refuses what it cannot use, and says so at the field's sentence."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from shots_monitor import (
    BIG,
    FAST,
    SMALL,
    flat,
    open_monitor,
    result_app,
    screen_text,
    until_screen,
    until_text,
)
from shots_retrieve import DOWNLOADS, completed_job

from tui.app.retrieve.deliver_screen import DeliverScreen
from tui.sim import SimulatedAws

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deliver"))

from dovecot_server import DovecotServer, start_dovecot
from mailstore import stored

ALICE = "alice@new.example"


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    with start_dovecot() as server:
        yield server


@pytest.fixture(autouse=True)
def downloads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKMAIL_EXPORT_DOWNLOADS", DOWNLOADS)
    return tmp_path / DOWNLOADS


async def fill(pilot: object, screen: DeliverScreen, **values: str) -> None:
    for widget_id, value in values.items():
        screen.query_one(f"#{widget_id.replace('_', '-')}").value = value  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
async def test_a_downloaded_export_is_delivered_from_the_app(
        sim: SimulatedAws, dovecot: DovecotServer, size: tuple[int, int]) -> None:
    job_id = completed_job(sim, 1)
    app = result_app(sim, 1, job_id, FAST)
    async with app.run_test(size=size) as pilot:
        await open_monitor(pilot)
        await until_text(pilot, "✓ Export verified in S3")
        await pilot.press("d")
        await until_text(pilot, "sha384 matches the log")
        await pilot.press("e")
        screen = await until_screen(pilot, DeliverScreen, lambda s: s.is_attached, "deliver")
        await fill(pilot, screen, host=dovecot.host, port=str(dovecot.imaps_port), user=ALICE,
                   secret=dovecot.accounts[ALICE], ca_file=str(dovecot.ca_file))
        await pilot.press("ctrl+s")
        await until_text(pilot, "Done: 1 of 1 export(s) delivered whole.", timeout=60)
        messages = sim.exports.written[job_id].messages
        assert f"{messages:,} messages: appended {messages:,}" in flat(screen_text(app))
        assert "Traceback" not in screen_text(app)
    assert len(stored(dovecot, ALICE)) == messages


async def test_the_form_says_what_is_missing_and_a_wrong_password_is_a_sentence(
        sim: SimulatedAws, dovecot: DovecotServer, tmp_path: Path) -> None:
    zip_path = tmp_path / "export.zip"
    zip_path.write_bytes(b"")  # never read: the form is refused first, then the login
    from tui.app.retrieve.deliver_screen import Delivering

    app = result_app(sim, 1, completed_job(sim, 1), FAST)
    async with app.run_test(size=SMALL) as pilot:
        screen = DeliverScreen([Delivering("alice.wong@example-corp.awsapps.com",
                                           str(zip_path))])
        await app.push_screen(screen)
        await pilot.press("ctrl+s")
        await until_text(pilot, "Give the IMAP server's host name")
        await fill(pilot, screen, host=dovecot.host, port="99999")
        await pilot.press("ctrl+s")
        await until_text(pilot, "The port is a number from 1 to 65535")
        await fill(pilot, screen, port=str(dovecot.imaps_port), user=ALICE, secret="x")
        await pilot.press("ctrl+s")
        await until_text(pilot, "is not a zip file", timeout=30)
        assert "Traceback" not in screen_text(app)
