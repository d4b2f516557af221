"""The simulated AWS of `--demo`, in a child process of its own.

moto's Python work would otherwise run on worker threads of the app's process and hold the
GIL while the UI thread waits. The child serves on a loopback socket this process binds
first, so the endpoint URL is known at once: the app paints while the child starts, and a
request sent before the child is ready waits in the socket's backlog (the step shows it as
loading). The child reads its standard input until it ends, so it stops when this process
closes the pipe on exit, and also when this process dies without a word (the pipe closes
with it): no orphan.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tui.sim.env import isolated_environ  # not tui.sim.server: that would load moto
from tui.sim.loopback import listen_on_loopback

STOP_WAIT_SECONDS = 5.0


class DemoSimulator:
    """`python -m tui.sim.server` on a loopback port chosen here; `url` is its endpoint."""

    def __init__(self, world: str = "demo") -> None:
        self.world = world
        self.url = ""
        self._child: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._failure = ""  # the child's last words, when it stopped before it was asked to

    @property
    def pid(self) -> int | None:
        """The child's process id while it is ours to stop."""
        return self._child.pid if self._child is not None else None

    def start(self) -> str:
        """Start the child; returns the endpoint URL (the child may still be starting)."""
        with listen_on_loopback() as listener:
            self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
            env = isolated_environ(dict(os.environ))
            package_root = str(Path(__file__).resolve().parent.parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(
                [package_root, *filter(None, [env.get("PYTHONPATH")])])
            argv = [sys.executable, "-m", "tui.sim.server", "--world", self.world,
                    "--listen-fd", str(listener.fileno()), "--until-stdin-closes"]
            self._child = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errors,
                pass_fds=(listener.fileno(),), env=env,
                start_new_session=True)  # the terminal's Ctrl-C is the app's, not the child's
        return self.url

    def problem(self) -> str | None:
        """After stop(): why the child had stopped before it was asked to (a sentence), or
        None when it served until the end."""
        if not self._failure:
            return None
        return (f"The demo's simulated AWS stopped early: {self._failure}. Check that "
                f"`{sys.executable} -m tui.sim.server` runs here, then try --demo again.")

    def stop(self) -> None:
        """Close the child's input (it stops by itself); terminate it if it lingers."""
        child = self._child
        if child is None:
            return
        self._child = None
        early = child.poll()
        if early not in (None, 0) and self._errors is not None:
            self._errors.seek(0)
            lines = self._errors.read().decode(errors="replace").strip().splitlines()
            self._failure = lines[-1] if lines else f"exit status {early}"
        with contextlib.suppress(OSError):
            if child.stdin is not None:
                child.stdin.close()
        try:
            child.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.terminate()
            try:
                child.wait(timeout=STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._errors is not None:
            self._errors.close()
            self._errors = None


@contextlib.contextmanager
def demo_simulator(world: str = "demo") -> Iterator[DemoSimulator]:
    """A started DemoSimulator, and this process's environment reaching only it (dummy
    credentials, no profile): both undone on the way out, whatever ends the block."""
    simulator = DemoSimulator(world)
    saved = dict(os.environ)
    try:
        simulator.start()
        isolated = isolated_environ(saved)
        os.environ.clear()
        os.environ.update(isolated)
        yield simulator
    finally:
        os.environ.clear()
        os.environ.update(saved)
        simulator.stop()

