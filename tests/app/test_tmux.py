"""The demo in a real terminal: `python -m tui --demo` inside a detached tmux session
(120x40), driven with send-keys along the demo walk to a JobId read back with capture-pane,
then quit with ctrl+q: the process must end with status 0 within EXIT_SECONDS.

The app runs with PYTHONFAULTHANDLER set, so when it outlives that wait the test sends it
SIGABRT and Python prints every thread's stack into the pane: the failure shows what kept
the process alive (what its threads wait in, and where in the Python code).

tmux is required, not optional: CI installs it (.ci/run). Every wait is bounded, and the tmux
server (on a socket of this test's own) is killed at the end whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.common import DEMO_WALK, RESULT_READY, ROOT, dummy_aws_env

JOB_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
STEP_TIMEOUT = 30.0  # seconds for one step on a busy machine (startup imports moto too)
REAP_SECONDS = 15.0  # from the app closing its terminal to its exit (seen > 5 s on a busy machine)
EXIT_SECONDS = 10.0  # from ctrl+q to the process's end (measured 0.4-2 s on a busy machine)
KEY_GAP = 0.1  # seconds between two keys (a fast typist; keys sent back to back can arrive in
# one read, and then the second Enter on the destination acts before the focus has moved)
TMUX_KEYS = {"enter": "Enter", "down": "Down", "up": "Up", "escape": "Escape", "ctrl+q": "C-q",
             "ctrl+o": "C-o"}


class Terminal:
    """One tmux server on a private socket, with one 120x40 session running a command."""

    def __init__(self, tmux: str, socket: str) -> None:
        self.tmux, self.socket = tmux, socket
        self.socket_path = ""

    def run(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run([self.tmux, "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=15, env=env, check=False)
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        self.run("new-session", "-d", "-s", "demo", "-x", "120", "-y", "40", command, ";",
                 "set-option", "-t", "demo", "remain-on-exit", "on", env=env)
        self.socket_path = self.pane("socket_path")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "demo")

    def history(self) -> str:
        """Everything the pane showed, its scrollback included."""
        return self.run("capture-pane", "-p", "-S", "-", "-t", "demo")

    def exit_status(self) -> str | None:
        """How the pane's process ended ("status 0", "signal 6"), None while it runs. tmux
        marks the pane dead when the terminal closes and has the status once it reaps the
        process, which tmux 3.3a here sometimes does only 20 s or more later: meanwhile the
        process is a zombie (it has exited), and its status is read from /proc."""
        if self.pane("pane_dead") != "1":
            return None
        status, killed = self.pane("pane_dead_status"), self.pane("pane_dead_signal")
        if status or killed:
            return f"status {status}" if status else f"signal {killed}"
        return zombie_status(self.pane("pane_pid"))

    def wait_for_exit(self, timeout: float) -> str:
        """The process's exit status once it ends; if it still runs after `timeout`, fail with
        what its threads wait in and (SIGABRT to it, faulthandler) every thread's stack."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                return status
            time.sleep(0.05)
        state = self.process_state()
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(self.pane("pane_pid")), signal.SIGABRT)
        abort_deadline = time.monotonic() + 5
        while self.exit_status() is None and time.monotonic() < abort_deadline:
            time.sleep(0.1)
        raise AssertionError(f"the app still ran {timeout} s after ctrl+q; {state}; "
                             f"its threads' stacks (SIGABRT):\n{self.history()}")

    def pane(self, field: str) -> str:
        return self.run("display-message", "-p", "-t", "demo", f"#{{{field}}}").strip()

    def press(self, *keys: str) -> None:
        """Press keys one by one at a fast typist's pace."""
        for key in keys:
            self.run("send-keys", "-t", "demo", TMUX_KEYS.get(key, key))
            time.sleep(KEY_GAP)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "demo", "-l", text)

    def wait_for(self, ready: Callable[[str], bool], what: str,
                 timeout: float = STEP_TIMEOUT) -> str:
        """Poll the screen until `ready(screen)`; fail with the screen after `timeout`."""
        deadline = time.monotonic() + timeout
        ended_at: float | None = None
        while True:
            dead = self.pane("pane_dead") == "1"  # before reading: a quit may be under way
            screen = self.screen()
            if ready(screen):
                return screen
            if dead and ended_at is None:
                ended_at = time.monotonic()
            if ended_at is not None and time.monotonic() - ended_at > REAP_SECONDS:
                raise AssertionError(f"the app closed its terminal while waiting for {what}; "
                                     f"{self.process_state()}:\n{screen}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not on screen after {timeout} s; "
                                     f"{self.process_state()}:\n{screen}")
            time.sleep(0.1)

    def process_state(self) -> str:
        """Whether the app's process still runs, and what its threads wait in (Linux)."""
        pid = self.pane("pane_pid")
        ended = zombie_status(pid)
        if ended is not None:
            return f"its process has ended ({ended}); tmux has not reaped it yet"
        task_dir = Path(f"/proc/{pid}/task")
        if not task_dir.exists():
            return "its process is gone"
        threads = [f"{(t / 'comm').read_text().strip()} in {(t / 'wchan').read_text().strip()}"
                   for t in sorted(task_dir.iterdir())]
        return f"its process still runs: {'; '.join(threads)}"

    def kill(self) -> None:
        """End the server (and the app in it) and remove its socket file."""
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=15, check=False)
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)


def zombie_status(pid: str) -> str | None:
    """The exit status of process `pid` once it has exited and awaits its parent's wait()
    (Linux: state Z, exit_code is field 52 of /proc/PID/stat); None while it runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None  # reaped meanwhile: tmux has its status now
    fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (the state) on
    if fields[0] != "Z":
        return None
    code = int(fields[52 - 3])
    return f"signal {code & 0x7F}" if code & 0x7F else f"status {code >> 8}"


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.fail("tmux is not installed: the real-terminal test needs it "
                    "(apt-get install tmux; .ci/run installs it).")
    term = Terminal(tmux, f"workmail-export-test-{uuid.uuid4().hex[:12]}")
    try:
        yield term
    finally:
        term.kill()


def test_the_demo_in_a_real_terminal_reaches_a_job_id(terminal: Terminal,
                                                     tmp_path: Path) -> None:
    env = dummy_aws_env()
    env.update(WORKMAIL_EXPORT_STATE_DIR=str(tmp_path / "state"), TERM="xterm-256color",
               PYTHONFAULTHANDLER="1")
    env.pop("NO_COLOR", None)
    terminal.start(f"cd {ROOT} && exec {sys.executable} -m tui --demo", env)

    for move in DEMO_WALK:
        terminal.wait_for(move.is_ready, f"step {move.step} ({move.ready!r})")
        # (The walk types and presses in separate moves, so what typing starts is waited
        # for by the next move's `ready`.)
        assert not (move.typed and move.keys), move
        if move.typed:
            terminal.type(move.typed)
        terminal.press(*move.keys)

    screen = terminal.wait_for(lambda text: RESULT_READY in text and bool(JOB_ID.search(text)),
                               "the JobId")
    job_ids = set(JOB_ID.findall(screen))
    assert len(job_ids) == 1, screen
    assert "Traceback" not in screen

    terminal.press("ctrl+q")
    assert terminal.wait_for_exit(EXIT_SECONDS) == "status 0", terminal.history()
    left = terminal.screen()
    assert RESULT_READY not in left  # the app left the screen it drew
    assert "Traceback" not in terminal.history()


def test_quitting_during_a_bulk_run_pauses_it_and_prints_how_to_resume(
        terminal: Terminal, sim: Any, tmp_path: Path) -> None:
    """The real app on the simulator served over HTTP (its clock stands still, so the first
    ten jobs stay running): ctrl+o, every mailbox, Start; then ctrl+q asks, y pauses the run
    and the app ends with 130, printing the run id and the command that resumes it."""
    from tui.core.batch.store import BatchStore

    state_dir = tmp_path / "state"
    env = dummy_aws_env()
    env.update(WORKMAIL_EXPORT_STATE_DIR=str(state_dir), TERM="xterm-256color",
               PYTHONFAULTHANDLER="1")
    env.pop("NO_COLOR", None)
    terminal.start(f"cd {ROOT} && exec {sys.executable} -m tui --endpoint-url {sim.serve()} "
                   "--region us-east-1", env)
    walk = (("123456789012", ("enter",)), ("example-corp-archive", ("enter",)),
            ("Aaron Hansen", ("ctrl+o",)), ("53 of 53 marked", ("enter",)),
            ("WorkMailExportRole", ("enter",)), ("alias/workmail-export", ("enter",)),
            ("example-corp-mail-export", ("enter",)),
            ("s3://example-corp-mail-export/exports/…", ("enter", "enter")),
            ("Checks:", ("s",)), ("Start exporting 53 mailboxes?", ("y",)),
            ("10 running", ("ctrl+q",)), ("Quit workmail-export?", ("y",)))
    for ready, keys in walk:
        terminal.wait_for(lambda text, ready=ready: ready in text, repr(ready))
        terminal.press(*keys)
    assert terminal.wait_for_exit(EXIT_SECONDS) == "status 130", terminal.history()
    said = " ".join(terminal.history().split())
    store = BatchStore.open(state_dir / "batch.sqlite3")
    try:
        [run] = store.runs()
        assert run.status.value == "paused"
    finally:
        store.close()
    assert f"workmail-export: bulk run {run.run_id} paused; jobs already running go on at " \
           f"WorkMail. Resume it with: workmail-export batch --resume {run.run_id}" in said
    assert "Traceback" not in said


def test_an_exited_process_not_yet_reaped_has_its_exit_status_read() -> None:
    # What the exit check relies on when tmux is slow to reap the app: the status of a
    # process that has ended but that its parent has not waited for yet.
    ended = subprocess.Popen(["sh", "-c", "exit 3"])
    running = subprocess.Popen(["sleep", "30"])
    try:
        deadline = time.monotonic() + 5
        while zombie_status(str(ended.pid)) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert zombie_status(str(ended.pid)) == "status 3"
        assert zombie_status(str(running.pid)) is None
    finally:
        running.kill()
        running.wait()
        ended.wait()
    assert zombie_status(str(ended.pid)) is None  # reaped: gone from /proc
