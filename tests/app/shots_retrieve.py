"""Scenes after the export on the demo world, shared by the pilot tests, the snapshot tests
and `save_screenshots(out_dir)`: a completed job whose export is missing (the monitor's
verdict), a download stopped in the middle by the simulator (its progress bar), and the
inspection of a downloaded export.

Everything on screen is pinned as in shots_monitor (the ManualClock is the app's clock, JobIds
come from the simulator's seeded generator, exports are generated from the JobId); downloads
go to the relative directory `downloads` of the working directory, which callers make a
temporary one. `Scene.release()` lets a download held back by the scene finish.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import boto3
from shots_monitor import (
    JOB_SECONDS,
    STILL,
    Reach,
    _private_state,
    open_monitor,
    prepared,
    result_app,
    start_job,
    take_picture,
    until_screen,
    until_text,
    write_pictures,
)
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app.retrieve.deliver_screen import DeliverScreen
from tui.app.retrieve.download_screen import DownloadScreen
from tui.app.retrieve.inspect_screen import InspectScreen
from tui.app.wizard_app import WizardApp
from tui.core.retrieve.transfer import MIB, TransferOptions
from tui.sim import ManualClock, SimulatedAws

DOWNLOADS = "downloads"  # relative: the same text on screen on every machine
HELD_FROM_PART = 3  # the download scene lets parts 0-2 through, then holds the rest


@dataclass(frozen=True)
class Scene:
    app: WizardApp
    reach: Reach
    release: Callable[[], None] = field(default=lambda: None)


def completed_job(sim: SimulatedAws, user: int, bytes_per_mb: int = 256) -> str:
    prepared(sim)
    sim.exports.bytes_per_mb = bytes_per_mb
    job_id = start_job(sim, user)
    sim.clock.advance(JOB_SECONDS + 1)
    return job_id


def missing_scene(sim: SimulatedAws) -> Scene:
    """carol's export completed, then its object was deleted from the bucket."""
    job_id = completed_job(sim, 2)
    written = sim.exports.write_completed()[0]
    boto3.client("s3", region_name="us-east-1").delete_object(Bucket=written.bucket,
                                                             Key=written.key)

    async def reach(pilot: Pilot[Any]) -> None:
        await open_monitor(pilot)
        await until_text(pilot, "Export missing")

    return Scene(result_app(sim, 2, job_id, STILL), reach)


def hold_reads_from(sim: SimulatedAws, first_byte: int,
                    while_running: WizardApp | None = None) -> threading.Event:
    """Make the simulator hold every GetObject of a range starting at `first_byte` or later
    until the event is set (or `while_running` has stopped; at most a minute)."""
    released = threading.Event()
    before = sim.s3.before

    def holding(request: Any) -> Any:
        byte_range = request.header("range")
        if request.operation == "GetObject" and byte_range.startswith("bytes="):
            start = byte_range[len("bytes="):].split("-")[0]
            if start.isdigit() and int(start) >= first_byte:
                deadline = time.monotonic() + 60
                while not released.wait(0.05) and time.monotonic() < deadline:
                    if while_running is not None and not while_running.is_running:
                        break
        return before(request)

    sim.s3.before = holding
    return released


def download_scene(sim: SimulatedAws) -> Scene:
    """dave's export (about 8 MiB) downloading in 1 MiB parts, held after the third part."""
    job_id = completed_job(sim, 3, bytes_per_mb=8 * 1024)
    app = result_app(sim, 3, job_id, STILL)
    released = hold_reads_from(sim, HELD_FROM_PART * MIB, while_running=app)
    app.transfer_options = TransferOptions(part_size=MIB, concurrency=2)

    async def reach(pilot: Pilot[Any]) -> None:
        await open_monitor(pilot)
        await until_text(pilot, "Export verified in S3")
        await pilot.press("d")
        await until_screen(pilot, DownloadScreen,
                           lambda screen: "3 of " in str(screen.query_one(
                               "#download-detail").render()), "three parts downloaded")

    return Scene(app, reach, released.set)


def erin_downloaded(sim: SimulatedAws) -> tuple[Any, Callable[[Pilot[Any]], Awaitable[None]]]:
    """The app at erin's completed job, and the walk that downloads its export (d on the
    monitor) up to the download screen's matching sha384."""
    job_id = completed_job(sim, 4)
    app = result_app(sim, 4, job_id, STILL)

    async def download(pilot: Pilot[Any]) -> None:
        await open_monitor(pilot)
        await until_text(pilot, "Export verified in S3")
        await pilot.press("d")
        await until_text(pilot, "sha384 matches the log")

    return app, download


def inspect_scene(sim: SimulatedAws) -> Scene:
    """erin's export downloaded, then inspected (i on the download screen)."""
    app, download = erin_downloaded(sim)

    async def reach(pilot: Pilot[Any]) -> None:
        await download(pilot)
        await pilot.press("i")
        await until_screen(pilot, InspectScreen, lambda screen: screen.inspection is not None,
                           "the inspection")

    return Scene(app, reach)


def deliver_scene(sim: SimulatedAws) -> Scene:
    """erin's export downloaded, then e: the form to deliver it by IMAP, filled in."""
    app, download = erin_downloaded(sim)

    async def reach(pilot: Pilot[Any]) -> None:
        await download(pilot)
        await pilot.press("e")
        screen = await until_screen(pilot, DeliverScreen, lambda screen: screen.is_attached,
                                    "the deliver form")
        for name, value in (("host", "imap.example.com"), ("user", "erin@example.com"),
                            ("secret", "app-password")):
            screen.query_one(f"#{name}", Input).value = value
        await pilot.pause()

    return Scene(app, reach)


SCENES: dict[str, Callable[[SimulatedAws], Scene]] = {
    "verify-missing": missing_scene, "download": download_scene, "inspect": inspect_scene,
    "deliver": deliver_scene,
}


@contextmanager
def downloads_here() -> Iterator[None]:
    """A temporary working directory whose `downloads` is where the app downloads."""
    saved_cwd, saved = os.getcwd(), os.environ.get("WORKMAIL_EXPORT_DOWNLOADS")
    with TemporaryDirectory() as directory:
        os.chdir(directory)
        os.environ["WORKMAIL_EXPORT_DOWNLOADS"] = DOWNLOADS
        try:
            yield
        finally:
            os.chdir(saved_cwd)
            if saved is None:
                os.environ.pop("WORKMAIL_EXPORT_DOWNLOADS", None)
            else:
                os.environ["WORKMAIL_EXPORT_DOWNLOADS"] = saved


def picture(name: str, size: tuple[int, int]) -> str:
    """The SVG of scene `name` at `size`, on a fresh simulated world."""
    with _private_state(), downloads_here(), \
            SimulatedAws(world="demo", clock=ManualClock()) as sim:
        scene = SCENES[name](sim)
        try:
            return take_picture(scene.app, scene.reach, name, size)
        finally:
            scene.release()


def save_screenshots(out_dir: str | Path = "screenshots") -> list[Path]:
    """Write verify-missing.svg, download.svg, inspect.svg and deliver.svg (120x40) and
    their -80x24 twins into `out_dir`; returns the paths."""
    return write_pictures(out_dir, SCENES, picture)


if __name__ == "__main__":
    for saved in save_screenshots(Path(__file__).resolve().parents[2] / "screenshots"):
        print(saved)
