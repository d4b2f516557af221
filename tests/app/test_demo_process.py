"""--demo's simulated AWS runs in a child process: it answers on its loopback URL from the
first call, stops when the app's block ends (also on Ctrl-C or when the app's process is
killed), and a child that cannot start is reported as a sentence."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from benchmarks.common import dummy_aws_env, screen_text, wait_for_text, walk_demo
from tests.app.test_tmux import Terminal
from tui.app.demo_simulator import DemoSimulator, demo_simulator
from tui.app.wizard_app import WizardApp
from tui.core.model import ConnectionSettings, ExportRequest

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie, already ended, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(")")[-1].split()[0] == "Z")


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def children_serving(parent: int) -> list[int]:
    """The simulator processes whose parent is `parent` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and "tui.sim.server" in command:
            found.append(int(entry.name))
    return found


@pytest.fixture
def tmux_terminal() -> Iterator[Terminal]:
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.fail("tmux is not installed (apt-get install tmux; .ci/run installs it).")
    term = Terminal(tmux, f"workmail-export-test-{uuid.uuid4().hex[:12]}")
    try:
        yield term
    finally:
        term.kill()


def test_the_demo_in_a_terminal_starts_its_simulator_and_stops_it_on_quit(
        tmux_terminal: Terminal, tmp_path: Path) -> None:
    env = dummy_aws_env()
    env["WORKMAIL_EXPORT_STATE_DIR"] = str(tmp_path / "state")
    tmux_terminal.start(f"cd {ROOT} && exec {sys.executable} -m tui --demo", env)
    tmux_terminal.wait_for(lambda screen: "123456789012" in screen, "the demo's account")
    app = int(tmux_terminal.pane("pane_pid"))
    children = children_serving(app)
    assert len(children) == 1, children
    tmux_terminal.press("ctrl+q")
    tmux_terminal.wait_for(lambda _: tmux_terminal.pane("pane_dead") == "1", "the app's exit")
    assert wait_gone(children[0]), "the simulator outlived the app"


def test_the_child_answers_at_once_and_is_gone_after_the_block(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someones-real-profile")
    state_dir = os.environ["WORKMAIL_EXPORT_STATE_DIR"]
    with demo_simulator() as simulator:
        pid = simulator.pid
        assert pid is not None and alive(pid)
        assert simulator.url.startswith("http://127.0.0.1:")
        # Asked straight away: the request waits in the socket's backlog until the child
        # serves, and the app's process reaches it with dummy credentials, no profile.
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["WORKMAIL_EXPORT_STATE_DIR"] == state_dir  # --demo's throwaway one
        client = boto3.client("workmail", endpoint_url=simulator.url, region_name="us-east-1")
        aliases = [org["Alias"] for org in client.list_organizations()["OrganizationSummaries"]]
        assert "example-corp" in aliases
    assert not alive(pid)
    assert os.environ["AWS_PROFILE"] == "someones-real-profile"
    assert simulator.problem() is None


def test_ctrl_c_in_the_app_still_stops_the_child() -> None:
    with pytest.raises(KeyboardInterrupt), demo_simulator() as simulator:
        pid = simulator.pid
        raise KeyboardInterrupt
    assert pid is not None and not alive(pid)


def test_a_killed_app_leaves_no_orphan(tmp_path: Path) -> None:
    script = ("import sys, time\n"
              "from tui.app.demo_simulator import DemoSimulator\n"
              "simulator = DemoSimulator()\n"
              "simulator.start()\n"
              "print(simulator.pid, flush=True)\n"
              "time.sleep(60)\n")
    app = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                           text=True)
    try:
        assert app.stdout is not None
        child = int(app.stdout.readline())
        assert alive(child)
        app.kill()  # no finally, no atexit: only the closed pipe tells the child
        app.wait()
        assert wait_gone(child), "the simulator outlived the app"
    finally:
        app.kill()
        app.wait()


def test_a_child_that_cannot_start_is_a_sentence() -> None:
    simulator = DemoSimulator(world="atlantis")
    simulator.start()
    pid = simulator.pid
    assert pid is not None
    assert wait_gone(pid)
    simulator.stop()
    problem = simulator.problem()
    assert problem is not None
    assert problem.startswith("The demo's simulated AWS stopped early: ")
    assert "atlantis" in problem and "Traceback" not in problem
    assert "try --demo again" in problem


async def test_the_demo_walk_reaches_a_job_id_on_the_child() -> None:
    with demo_simulator() as simulator:
        app = WizardApp(ConnectionSettings(endpoint_url=simulator.url), ExportRequest())
        async with app.run_test(size=(120, 40)) as pilot:
            await walk_demo(pilot)
            assert app.state.result is not None and app.state.result.job_id
        assert simulator.pid is not None and alive(simulator.pid)


async def test_the_app_on_a_child_that_did_not_start_shows_a_sentence() -> None:
    simulator = DemoSimulator(world="atlantis")
    url = simulator.start()
    try:
        assert simulator.pid is not None and wait_gone(simulator.pid)
        app = WizardApp(ConnectionSettings(endpoint_url=url), ExportRequest())
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_text(pilot, "NoConnection", "the connection step's problem")
            text = " ".join(screen_text(app).split())
            assert f'Could not connect to the endpoint URL: "{url}/"' in text
            assert "then try again" in text and "Traceback" not in text
    finally:
        simulator.stop()
    # ...and once the app has ended, run() prints why the simulator stopped.
    problem = simulator.problem()
    assert problem is not None and "invalid choice: 'atlantis'" in problem
