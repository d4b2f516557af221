"""Scenes of the job monitor and the jobs screen on the demo world, shared by the pilot
tests, the snapshot tests and `save_screenshots(out_dir)` (the screenshots script).

A scene is a WizardApp plus an async `reach(pilot)` that presses the keys a person would to
get there and waits until the screen shows it. Everything on screen is pinned: the simulator's
ManualClock is the monitor's clock too (`JobTiming.now`), JobIds come from the simulator's
seeded generator, and job durations are fixed.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, TypeVar

from textual.pilot import Pilot
from textual.screen import Screen

from tui.app.jobs.job_timing import JobTiming
from tui.app.jobs.jobs_screen import JobsScreen
from tui.app.jobs.monitor_screen import MonitorScreen
from tui.app.wizard_app import WizardApp
from tui.core import discovery
from tui.core.journal import Journal
from tui.core.model import ConnectionSettings, ExportRequest, StartedJob
from tui.core.session import connect
from tui.core.submit import start_export
from tui.sim import ManualClock, SimulatedAws
from tui.wizard import state as wz

BIG, SMALL = (120, 40), (80, 24)  # the terminal sizes every screen must read well at
JOB_SECONDS = 100.0  # every simulated export takes this long
FAST = 0.01  # poll waits scaled to 20-300 ms: tests see polls happen by themselves
STILL = 1000.0  # no second poll while a picture is taken

Reach = Callable[[Pilot[Any]], Awaitable[None]]


def screen_text(app: Any) -> str:
    """Every character on the terminal now, line by line."""
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())


def flat(text: str) -> str:
    """Screen text without box borders and line breaks, for sentences that wrap."""
    return " ".join(text.translate(_BORDERS).split())


_BORDERS = str.maketrans({c: " " for c in "│╭╮╰╯─▔▁▏▕┃━▊▎"})


async def until(pilot: Pilot[Any], holds: Callable[[], bool], what: str,
                timeout: float = 15.0) -> None:
    """Wait (bounded) until `holds()`; the failure message shows the screen."""
    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen; the screen:\n"
                                 f"{screen_text(pilot.app)}")
        await pilot.pause(0.02)
    await pilot.pause()


async def until_text(pilot: Pilot[Any], text: str, timeout: float = 15.0) -> None:
    await until(pilot, lambda: text in flat(screen_text(pilot.app)), f"{text!r} on screen",
                timeout)


def monitor(app: Any) -> MonitorScreen:
    screen = app.screen
    assert isinstance(screen, MonitorScreen), f"not the monitor: {screen!r}"
    return screen


S = TypeVar("S", bound=Screen[Any])


async def until_screen(pilot: Pilot[Any], kind: type[S], ready: Callable[[S], bool],
                       what: str) -> S:
    """Wait until a `kind` screen is on top and `ready(screen)`; returns that screen."""
    def holds() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, kind) and ready(screen)

    await until(pilot, holds, what)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def polled(pilot: Pilot[Any], at_least: int) -> MonitorScreen:
    """Wait until the monitor has answered `at_least` polls and no poll is running."""
    return await until_screen(
        pilot, MonitorScreen, lambda m: m.polls >= at_least and not m.calls.running(),
        f"poll {at_least}")


# ---- jobs on the simulator ------------------------------------------------------------------


def request_for(sim: SimulatedAws, user: int, **changes: str) -> ExportRequest:
    """The demo world's good request for its `user`-th mailbox (a mailbox can be exported
    once a day, so each job of a test takes another one)."""
    world = sim.world
    return ExportRequest(organization_id=world.org_id, entity_id=world.user_ids[user],
                         role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                         bucket=world.good_bucket, prefix=world.good_prefix
                         ).with_changes(**changes)


def start_job(sim: SimulatedAws, user: int, *, journal: bool = True, **changes: str) -> str:
    """Start an export as the wizard does (recorded in the journal), or, with
    `journal=False`, as another machine would (WorkMail knows it, this journal does not)."""
    aws = connect(ConnectionSettings())
    request = request_for(sim, user, **changes)
    if not journal:
        return start_export(aws, request).job_id
    with Journal.open() as opened:
        return start_export(aws, request, opened).job_id


def prepared(sim: SimulatedAws) -> None:
    sim.workmail.set_job_duration(JOB_SECONDS)


def wizard_app(sim: SimulatedAws, delay_scale: float = FAST) -> WizardApp:
    app = WizardApp(ConnectionSettings(), ExportRequest())
    app.job_timing = JobTiming(delay_scale=delay_scale, now=sim.clock.now)
    return app


def result_app(sim: SimulatedAws, user: int, job_id: str,
               delay_scale: float = FAST) -> WizardApp:
    """The wizard on its result step with `job_id` just started, as after a submit."""
    aws = connect(ConnectionSettings())
    request = request_for(sim, user)
    mailbox = discovery.resolve_mailbox(aws, request.organization_id, request.entity_id)
    app = wizard_app(sim, delay_scale)
    app.aws = aws
    app.state = wz.submitted(replace(wz.start(ConnectionSettings(), request), mailbox=mailbox),
                             StartedJob(job_id, state="RUNNING"))
    return app


async def open_monitor(pilot: Pilot[Any]) -> MonitorScreen:
    """From the result step, `m`; wait for the first answer."""
    await until(pilot, lambda: pilot.app.screen.query("#monitor"), "the result step")
    await pilot.press("m")
    return await polled(pilot, 1)


# ---- scenes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    app: WizardApp
    reach: Reach


def running_scene(sim: SimulatedAws) -> Scene:
    """alice.wong's export at 40 %."""
    prepared(sim)
    job_id = start_job(sim, 0, description="alice before WorkMail ends")
    sim.clock.advance(40)
    return Scene(result_app(sim, 0, job_id, STILL), open_monitor)


def completed_scene(sim: SimulatedAws) -> Scene:
    """bob.smith's export, done."""
    prepared(sim)
    job_id = start_job(sim, 1)
    sim.clock.advance(JOB_SECONDS + 1)
    return Scene(result_app(sim, 1, job_id, STILL), open_monitor)


def failed_scene(sim: SimulatedAws) -> Scene:
    """carol's export with a role that trusts EC2 instead of WorkMail: FAILED."""
    prepared(sim)
    job_id = start_job(sim, 2, role_arn=sim.world.untrusted_role_arn)
    sim.clock.advance(30)
    return Scene(result_app(sim, 2, job_id, STILL), open_monitor)


def history(sim: SimulatedAws) -> dict[str, str]:
    """Jobs of the last seven days and one from last week that only the journal remembers:
    `old` (journal only, COMPLETED), `elsewhere` (not in the journal), `failed`, `running`."""
    prepared(sim)
    jobs = {"old": start_job(sim, 3, description="first try, last week")}
    sim.clock.advance(JOB_SECONDS + 5)
    aws = connect(ConnectionSettings())
    from tui.core.jobs import describe_job

    with Journal.open() as journal:  # what the monitor would have recorded
        journal.record_state(describe_job(aws, sim.world.org_id, jobs["old"]))
    sim.clock.advance(8 * 24 * 3600)
    jobs["elsewhere"] = start_job(sim, 4, journal=False)
    sim.clock.advance(600)
    jobs["failed"] = start_job(sim, 5, role_arn=sim.world.no_kms_role_arn)
    sim.clock.advance(600)
    jobs["running"] = start_job(sim, 6, description="legal hold")
    sim.clock.advance(30)
    return jobs


def jobs_scene(sim: SimulatedAws) -> Scene:
    history(sim)

    async def reach(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("j")
        await until_screen(pilot, JobsScreen,
                           lambda j: j.table.row_count == 4 and not j.calls.running()
                           and j.verifier is not None and not j.verifier.busy,
                           "four jobs listed, the completed ones verified")

    return Scene(wizard_app(sim, STILL), reach)


SCENES: dict[str, Callable[[SimulatedAws], Scene]] = {
    "monitor-running": running_scene, "monitor-completed": completed_scene,
    "monitor-failed": failed_scene, "jobs": jobs_scene,
}


# ---- screenshots ------------------------------------------------------------------------------


@contextmanager
def _private_state() -> Iterator[None]:
    """A journal of its own and dummy credentials, whatever the caller's environment."""
    names = ("WORKMAIL_EXPORT_STATE_DIR", "WORKMAIL_EXPORT_JOURNAL", "AWS_ACCESS_KEY_ID",
             "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION",
             "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
    saved = {name: os.environ.get(name) for name in names}
    with TemporaryDirectory() as state:
        os.environ.pop("WORKMAIL_EXPORT_JOURNAL", None)
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update({"WORKMAIL_EXPORT_STATE_DIR": state, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
                           "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def picture(name: str, size: tuple[int, int]) -> str:
    """The SVG of scene `name` at `size` (columns, rows), on a fresh simulated world."""
    with _private_state(), SimulatedAws(world="demo", clock=ManualClock()) as sim:
        scene = SCENES[name](sim)
        return take_picture(scene.app, scene.reach, name, size)


def take_picture(app: WizardApp, reach: Reach, name: str, size: tuple[int, int]) -> str:
    """Run `app` at `size`, `reach` the scene, and return the screen as SVG."""
    async def take() -> str:
        async with app.run_test(size=size) as pilot:
            await reach(pilot)
            await pilot.pause(0.2)
            return app.export_screenshot(title=f"workmail-export: {name}")

    return asyncio.run(take())


def save_screenshots(out_dir: str | Path = "screenshots") -> list[Path]:
    """Write screenshots/monitor-running.svg, monitor-completed.svg, monitor-failed.svg and
    jobs.svg at 120x40, and the same at 80x24 as *-80x24.svg; returns the paths."""
    return write_pictures(out_dir, SCENES, picture)


def write_pictures(out_dir: str | Path, names: Iterable[str],
                   picture: Callable[[str, tuple[int, int]], str]) -> list[Path]:
    """Each named scene's SVG at 120x40 (NAME.svg) and 80x24 (NAME-80x24.svg) in `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        for size, suffix in ((BIG, ""), (SMALL, "-80x24")):
            path = out / f"{name}{suffix}.svg"
            path.write_text(picture(name, size), encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for saved in save_screenshots(Path(__file__).resolve().parents[2] / "screenshots"):
        print(saved)
