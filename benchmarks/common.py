"""The demo happy path as data, and a pilot driver that walks it.

One list of moves, `DEMO_WALK`, says which keys a person presses on each step of the demo
world to get from launch to a JobId, and which text shows that the step is ready for the
next key. Everything that walks the demo uses it: the snapshot tests, the screenshot script,
the real-terminal (tmux) test and the keystroke benchmark, so they all count and show the
same walk.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from tui.sim.env import isolated_environ

ROOT = Path(__file__).resolve().parent.parent

@dataclass(frozen=True)
class Move:
    """On `step`, once `ready` is on screen (and `gone` is not): type `typed`, then press
    `keys`."""

    step: str
    ready: str
    keys: tuple[str, ...] = ()
    typed: str = ""
    gone: str = ""

    def is_ready(self, screen: str) -> bool:
        return self.ready in screen and not (self.gone and self.gone in screen)

    @property
    def presses(self) -> int:
        return len(self.keys) + len(self.typed)


# The demo world's happy path (alice.wong, WorkMailExportRole, the demo key, the private
# bucket, the prefix the role's policy allows, filled in). `ready` is text that appears only
# once the step's data has loaded. The role made for the organization, and the key and
# bucket that role may use, are listed first, so Enter takes each.
DEMO_WALK: tuple[Move, ...] = (
    Move("connection", "123456789012", ("enter",)),
    Move("organization", "example-corp-archive", ("enter",)),
    Move("mailbox", "Aaron Hansen", typed="al"),
    Move("mailbox-search", "alice.wong@example-corp.awsapps.com", ("enter",),
         gone="Aaron Hansen"),  # the search has narrowed the list to one: Enter takes it
    Move("role", "WorkMailExportRole", ("enter",)),
    Move("key", "alias/workmail-export", ("enter",)),
    Move("destination", "example-corp-mail-export", ("enter",)),
    Move("destination-filled", "s3://example-corp-mail-export/exports/",
         ("enter", "enter")),  # the prefix is filled in from the role's policy
    Move("review", "Submit (s)", ("s",),
         gone="Checking everything"),  # Submit waits for the checks
    Move("confirm", "Start the export job?", ("y",)),
)
# An account that has never exported ("fresh" world: the organization, no role, key or
# bucket): the same walk with setup in it. At the role, key and destination steps, `c` opens
# the plan of what to create, `a` and `y` apply it, Enter goes back to the step, whose check
# passes and moves on. The bucket's name is suggested, the prefix defaults to exports/.
FRESH_WALK: tuple[Move, ...] = (
    *DEMO_WALK[:4],
    Move("role", "No IAM role found", ("c",)),
    Move("role-plan", "a makes this 1 call", ("a",)),
    Move("role-confirm", "Not now (n)", ("y",)),
    Move("role-applied", "Done: 1 of 1 call made", ("enter",)),
    Move("key", "No KMS key found", ("c",)),
    Move("key-plan", "a makes these 2 calls", ("a",)),
    Move("key-confirm", "Not now (n)", ("y",)),
    Move("key-applied", "Done: 2 of 2 calls made", ("enter",)),
    Move("destination", "No S3 bucket found", ("c",)),
    Move("bucket-plan", "a makes these 6 calls", ("a",)),
    Move("bucket-confirm", "Not now (n)", ("y",)),
    Move("bucket-applied", "Done: 6 of 6 calls made", ("enter",)),
    *DEMO_WALK[-2:],
)
RESULT_READY = "The export job is running."
# The simulator's modules that draw AWS request ids from uuid.uuid4 (the only random text a
# refused submit shows); pictures replace their `uuid` with `counted_uuid()`.
REQUEST_ID_MODULES = ("tui.sim.wire", "tui.sim.faults")


def count_presses(pilot: Pilot[Any]) -> dict[str, int]:
    """From now on, count the keys `pilot.press` sends: {"typed": letters, "keys": others}."""
    pressed = {"typed": 0, "keys": 0}
    press = pilot.press

    async def counted_press(*keys: str) -> None:
        for key in keys:
            pressed["typed" if len(key) == 1 else "keys"] += 1
        await press(*keys)

    pilot.press = counted_press  # type: ignore[method-assign]
    return pressed


def walk_presses(walk: Iterable[Move] = DEMO_WALK) -> int:
    """Keys pressed from launch to the submitted job, typed characters included."""
    return sum(move.presses for move in walk)


def dummy_aws_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) with dummy credentials, no profile."""
    return isolated_environ(dict(os.environ if base is None else base))


def counted_uuid() -> Any:
    """A stand-in for the uuid module whose uuid4() counts 1, 2, 3... (same ids every run)."""
    counter = itertools.count(1)

    class CountedUuid:
        @staticmethod
        def uuid4() -> uuid.UUID:
            return uuid.UUID(int=next(counter), version=4)

    return CountedUuid


def ten_running_jobs(sim: Any) -> None:
    """Another admin starts ten jobs in the demo organization: its limit of running jobs."""
    import boto3

    world = sim.world
    client = boto3.client("workmail", region_name=world.region)
    for user in world.user_ids[1:11]:
        client.start_mailbox_export_job(
            ClientToken=f"other-admin-{user}", OrganizationId=world.org_id, EntityId=user,
            RoleArn=world.good_role_arn, KmsKeyArn=world.good_key_arn,
            S3BucketName=world.good_bucket, S3Prefix=world.good_prefix)


@contextlib.contextmanager
def served_simulator(world: str = "demo", *options: str) -> Iterator[str]:
    """A simulated AWS served by a process of its own (`python -m tui.sim.server`, with
    `options`), so it takes no CPU or GIL from the process being measured; yields its
    endpoint URL."""
    server = subprocess.Popen([sys.executable, "-m", "tui.sim.server", "--world", world,
                               *options],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dummy_aws_env())
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        if " at http" not in first:
            raise RuntimeError(f"the simulator server did not start: {first!r}")
        yield first.split(" at ", 1)[1].split()[0]
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def added_latency(seconds: float) -> Iterator[None]:
    """Every botocore request of this process waits `seconds` before it is sent, as a
    distant Region would make it (the simulator's own latency fault works in-process only)."""
    from botocore.endpoint import Endpoint

    send = Endpoint._send

    def slow_send(self: Any, request: Any) -> Any:
        time.sleep(seconds)
        return send(self, request)

    Endpoint._send = slow_send  # type: ignore[method-assign]
    try:
        yield
    finally:
        Endpoint._send = send  # type: ignore[method-assign]


# ---- pilot -------------------------------------------------------------------------------


async def settle(pilot: Pilot[Any], quiet: float = 0.1, timeout: float = 20.0) -> None:
    """Wait until no worker has run for `quiet` seconds (longer than the search debounce
    after typing, so the search it starts is waited for too)."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    calm_since = time.monotonic()
    while time.monotonic() - calm_since < quiet:
        if time.monotonic() > deadline:
            raise TimeoutError(f"still busy after {timeout} s: {list(app.workers)}")
        await pilot.pause(0.02)
        if any(w.is_running for w in app.workers):
            with contextlib.suppress(WorkerFailed, WorkerCancelled):  # the app shows those
                await app.workers.wait_for_complete()
            calm_since = time.monotonic()


def screen_text(app: Any) -> str:
    """Every character on the terminal now, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def wait_until(pilot: Pilot[Any], ready: Callable[[str], bool], what: str,
                     timeout: float = 20.0) -> None:
    """Settle, then wait (bounded) until `ready(screen text)`."""
    deadline = time.monotonic() + timeout
    await settle(pilot)
    while not ready(screen_text(pilot.app)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} is not on screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)
        await settle(pilot)


async def wait_for_text(pilot: Pilot[Any], text: str, what: str, timeout: float = 20.0) -> None:
    await wait_until(pilot, lambda screen: text in screen, f"{what}: {text!r}", timeout)


async def wait_for_step(pilot: Pilot[Any], move: Move) -> None:
    await wait_until(pilot, move.is_ready, f"step {move.step}: {move.ready!r}")


def hold_still(app: Any) -> None:
    """Stop the text cursors blinking, so two pictures of the same screen are the same."""
    from textual.widgets import Input

    for field in app.screen.query(Input):
        field.cursor_blink = False


SEARCH_QUIET = 0.4  # the mailbox search waits 0.25 s after the last key before it asks AWS


async def play(pilot: Pilot[Any], move: Move) -> None:
    """Type and press what `move` says (its step is ready), and wait for what that starts."""
    if move.typed:
        await pilot.press(*move.typed)
        await settle(pilot, quiet=SEARCH_QUIET)
    if move.keys:
        await pilot.press(*move.keys)
        await settle(pilot)


async def walk_demo(pilot: Pilot[Any], until: str | None = None,
                    on_step: Callable[[Move], Awaitable[None]] | None = None,
                    walk: Sequence[Move] = DEMO_WALK) -> None:
    """Play `walk` (DEMO_WALK) from launch; stop when the step `until` is ready (None: walk
    to the result). `on_step(move)` runs when each step is ready, before its move is played
    (e.g. to save a screenshot)."""
    for move in walk:
        await wait_for_step(pilot, move)
        if move.step == until:
            return
        if on_step is not None:
            await on_step(move)
        await play(pilot, move)
    if until is not None:
        raise ValueError(f"no step {until!r} in the demo walk")
    await wait_for_text(pilot, RESULT_READY, "the result")


# ---- numbers -----------------------------------------------------------------------------


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile, nearest rank, in milliseconds."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def machine() -> str:
    """One line naming the machine and the Python the numbers came from."""
    import platform

    cpus = os.cpu_count() or 0
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {platform.node()} · "
            f"{platform.machine()} · {cpus} cores · Python {platform.python_version()} · "
            f"{platform.system()} {platform.release()}")
