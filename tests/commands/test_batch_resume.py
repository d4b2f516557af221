"""Resuming `workmail-export batch` as a script does it: the printed command works alone (the
connection is stored with the run), an unknown run creates nothing, and a run another
process drives is refused with who drives it, until that process is gone (even by SIGKILL).
Each is a real process against the simulator served over HTTP (clock 150 times real time).
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from batch_kit import interrupted, jobs_per_mailbox, run_flags
from cli_runner import ROOT, Cli

from tui.cli import main

DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there: a call that goes there fails


def as_process(command: str) -> list[str]:
    """A printed `workmail-export ...` command, run with this test's Python."""
    words = shlex.split(command)
    assert words[0] == "workmail-export"
    return [sys.executable, "-m", "tui", *words[1:]]


def test_a_run_started_with_endpoint_and_region_flags_resumes_with_the_printed_command(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    # The environment points elsewhere (a dead endpoint, another Region) and the state is in
    # the platform's default place: only the flags, then the stored run, say where to go.
    env = {name: value for name, value in os.environ.items()
           if name not in ("WORKMAIL_EXPORT_STATE_DIR", "AWS_DEFAULT_REGION")}
    env.update(AWS_ENDPOINT_URL=DEAD_ENDPOINT, AWS_REGION="eu-west-1",
               XDG_STATE_HOME=str(tmp_path / "xdg"))
    flags = run_flags(sim, "--all", "--concurrency", "2", "--report-dir", str(tmp_path),
                      "--endpoint-url", cli.url, "--region", "us-east-1")
    out, err = interrupted(sim, cli, flags, jobs=4, env=env)
    run_id = out.split("Run ", 1)[1].split()[0]
    printed = err.rstrip().rsplit("continue it with: ", 1)[1]
    assert printed == f"workmail-export batch --resume {run_id}"
    paused = len(sim.workmail.jobs(sim.world.org_id))

    # no connection flag added: only --poll, so that the test does not wait 15 s a poll
    resumed = subprocess.run([*as_process(printed), "--poll", "0.1"], capture_output=True,
                             text=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                             timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[1] == (
        f"Connecting with Region us-east-1, endpoint {cli.url}, as stored with run {run_id}.")
    assert "53 of 53 mailboxes exported. Nothing left to do." in resumed.stdout
    counts = jobs_per_mailbox(sim)
    assert len(counts) == 53 and set(counts.values()) == {1} and paused < 53


def test_flags_given_to_a_resume_override_the_stored_connection_and_are_named(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    out, err = interrupted(sim, cli, run_flags(
        sim, "--all", "--concurrency", "2", "--report-dir", str(tmp_path)), jobs=4)
    run_id = out.split("Run ", 1)[1].split()[0]
    printed = err.rstrip().rsplit("continue it with: ", 1)[1]
    assert printed == (f"workmail-export batch --resume {run_id} "
                       f"--journal {tmp_path / 'state' / 'journal.sqlite3'}")
    paused = len(sim.workmail.jobs(sim.world.org_id))

    elsewhere = cli(*as_process(printed)[3:], "--region", "eu-west-1")
    assert elsewhere.returncode == 3  # the organization is not in that Region: refused
    assert (f"Connecting with Region eu-west-1, endpoint {cli.url}: the run's stored "
            "connection, with --region given here instead.") in elsewhere.stdout
    assert len(sim.workmail.jobs(sim.world.org_id)) == paused


def test_resuming_an_unknown_run_says_so_and_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    assert main(["batch", "--resume", "rnothere"]) == 2
    assert "There is no batch run 'rnothere': no run was ever stored in" in \
        capsys.readouterr().err
    assert not state.exists()


def test_resuming_an_unknown_run_beside_known_ones_lists_them_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.core.batch.model import RunSettings
    from tui.core.batch.store import BatchStore

    store = BatchStore.open()
    store.create_run("rknown", RunSettings("m-" + "0" * 32, "r", "k", "b", "exports/"), [],
                     1000.0)
    store.close()
    before = sorted(p.name for p in (tmp_path / "state").iterdir())
    assert main(["batch", "--resume", "rnothere"]) == 2
    err = capsys.readouterr().err
    assert "There is no batch run 'rnothere' in " in err and "(runs: rknown)" in err
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == before


def test_a_second_process_is_refused_while_the_first_drives_the_run_not_after_a_kill(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    first = cli.popen(*run_flags(sim, "--all", "--concurrency", "1",
                                 "--report-dir", str(tmp_path)))
    try:
        assert first.stdout is not None
        line = first.stdout.readline()
        while not line.startswith("Run "):
            line = first.stdout.readline()
            assert line, "the first process ended before storing its run"
        run_id = line.split()[1]

        second = cli("batch", "--resume", run_id, "--poll", "0.1")
        assert first.poll() is None, "the first process ended too soon for this test"
        assert (second.returncode, second.stdout) == (2, "")
        assert second.stderr.startswith(
            f"workmail-export batch: Run {run_id} is being driven by process {first.pid} on "
            f"{socket.gethostname()} since 20")
        assert second.stderr.rstrip().endswith(
            "Let that one go on, or stop it (Ctrl-C pauses the run), then resume the run here.")
    finally:
        first.kill()  # SIGKILL: its lock file stays behind, holding nothing
        first.communicate(timeout=30)
    assert len(jobs_per_mailbox(sim)) < 53

    resumed = cli("batch", "--resume", run_id, "--poll", "0.1", "--report-dir", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    counts = jobs_per_mailbox(sim)
    assert len(counts) == 53 and set(counts.values()) == {1}
