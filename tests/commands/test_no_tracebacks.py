"""Failures that used to end in a traceback, each run as a script would: now a sentence and
an exit status (a profile that does not exist, a damaged batch store on --resume, a busy
simulator port, a reader that closes the pipe)."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Any

from cli_runner import ROOT, Cli

from tui.core.batch.model import MailboxRow, RowState, RunSettings
from tui.core.batch.store import BatchStore, default_store_path
from tui.sim.loopback import listen_on_loopback


def test_a_profile_that_does_not_exist_is_a_sentence(sim: Any, cli: Cli,
                                                     monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    result = cli("check", "--organization", sim.world.org_id)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "workmail-export: ProfileNotFound: The config profile (nosuch) could not be found.",
        "  Operation: connect",
        "  What to do: Check the name with `aws configure list-profiles`, then pass it with "
        "--profile.",
    ]


def test_a_damaged_batch_store_on_resume_is_a_sentence(sim: Any, cli: Cli) -> None:
    world = sim.world
    store = BatchStore.open()
    settings = RunSettings(organization_id=world.org_id, role_arn=world.good_role_arn,
                           kms_key_arn=world.good_key_arn, bucket=world.good_bucket,
                           base_prefix="exports/")
    rows = [MailboxRow(run_id="", entity_id=f"id-{n:04}", email=f"user{n}@example.com",
                       name=f"user{n}", kind="USER", prefix=f"exports/user{n}/",
                       state=RowState.PLANNED) for n in range(400)]  # several pages
    store.create_run("rdamaged00001", settings, rows, time.time())
    store.close()
    path = default_store_path()
    with path.open("r+b") as file:  # a page of the mailbox rows, not the header
        file.seek(4096 * 3)
        file.write(b"\xde\xad\xbe\xef" * 1024)
    result = cli("batch", "--resume", "rdamaged00001")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"workmail-export batch: The batch store {path} cannot be read (database disk image "
        "is malformed). Keep a copy of it and move it aside to start afresh; jobs it started "
        "go on at AWS (`workmail-export jobs` lists them, and the job journal keeps their "
        "JobIds).")
    assert world.org_id and sim.workmail.calls.count("StartMailboxExportJob") == 0


def test_simulate_on_a_busy_port_is_one_line_and_exit_2() -> None:
    with listen_on_loopback(0) as busy:
        port = busy.getsockname()[1]
        result = Cli("http://unused")("simulate", "--port", str(port))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"workmail-export simulate: Cannot serve on 127.0.0.1 port {port} (Address already "
        "in use); choose another port, or 0 for any free one.\n")


def test_a_port_whose_last_connections_linger_can_be_served_again() -> None:
    listener = listen_on_loopback(0)
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its side of the port lingers in TIME_WAIT
    client.close()
    listener.close()
    again = listen_on_loopback(port)  # refused without SO_REUSEADDR
    assert again.getsockname()[1] == port
    again.close()


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(sim: Any, cli: Cli) -> None:
    process = subprocess.Popen(cli.command("jobs"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=cli.env(), cwd=ROOT,
                               stdin=subprocess.DEVNULL)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `workmail-export jobs | true` does
    errors = process.stderr.read()
    assert process.wait(timeout=60) == 141
    assert errors == b""
