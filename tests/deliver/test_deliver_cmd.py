"""`workmail-export deliver` as a script runs it: a simulator export, downloaded, delivered
into a real Dovecot; what the server holds is read back over IMAP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from dovecot_server import DovecotServer
from mailstore import as_imap_keeps, stored
from sim_exports import downloaded_export

from tui.core.deliver.folders import ServerFolders, destination
from tui.core.retrieve.zip_reader import ExportZip
from tui.sim import SimulatedAws

ALICE = "alice@new.example"
ROOT = Path(__file__).resolve().parents[2]
DOVECOT_FOLDERS = ServerFolders("/", "", {"\\Sent": "Sent", "\\Drafts": "Drafts",
                                          "\\Trash": "Trash", "\\Junk": "Junk"})


def deliver(server: DovecotServer, *args: str, password: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMAP_PASSWORD": password or server.accounts[ALICE]}
    return subprocess.run(
        [sys.executable, "-m", "tui", "deliver", *args, "--imap-host", server.host,
         "--imap-port", str(server.imaps_port), "--ca-file", str(server.ca_file),
         "--password-env", "IMAP_PASSWORD"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
        stdin=subprocess.DEVNULL)


def expected_by_folder(zip_path: Path) -> dict[str, Counter[bytes]]:
    """What the server must hold: each message's bytes (CRLF) by the folder it maps to."""
    found: dict[str, Counter[bytes]] = {}
    with ExportZip.open(zip_path) as export:
        for entry in export.messages():
            folder = destination(entry.folder, DOVECOT_FOLDERS)
            found.setdefault(folder, Counter())[as_imap_keeps(export.read(entry))] += 1
    return found


@pytest.mark.parametrize("layout", ["folders", "nested"])
def test_a_downloaded_export_lands_whole_with_its_folders_and_dates(
        sim: SimulatedAws, dovecot: DovecotServer, tmp_path: Path, layout: str) -> None:
    zip_path = downloaded_export(sim, tmp_path, layout)

    done = deliver(dovecot, str(zip_path), "--imap-user", ALICE)

    assert done.returncode == 0, done.stderr
    assert "all of them were handled" in done.stdout
    held = stored(dovecot, ALICE)
    got: dict[str, Counter[bytes]] = {}
    for item in held:
        got.setdefault(item.folder, Counter())[item.body] += 1
    assert got == expected_by_folder(zip_path)
    with ExportZip.open(zip_path) as export:
        dates = {as_imap_keeps(export.read(entry)): entry.date for entry in export.messages()}
    for item in held:
        assert item.internal_date == dates[item.body].replace(microsecond=0)


def test_a_second_run_sends_nothing_and_json_says_so(
        sim: SimulatedAws, dovecot: DovecotServer, tmp_path: Path) -> None:
    zip_path = downloaded_export(sim, tmp_path)
    first = deliver(dovecot, str(zip_path), "--imap-user", ALICE, "--json")
    again = deliver(dovecot, str(zip_path), "--imap-user", ALICE, "--json")

    assert first.returncode == again.returncode == 0, again.stderr
    (report,) = json.loads(again.stdout)["deliveries"]
    assert report["outcomes"] == {"delivered before": report["messages"]}
    assert report["complete"] is True and report["expected"] == report["messages"]
    assert len(stored(dovecot, ALICE)) == report["messages"]


def test_a_wrong_password_is_one_sentence_and_exit_1(
        sim: SimulatedAws, dovecot: DovecotServer, tmp_path: Path) -> None:
    zip_path = downloaded_export(sim, tmp_path)
    done = deliver(dovecot, str(zip_path), "--imap-user", ALICE, password="wrong")
    assert done.returncode == 1
    assert "refused the login of alice@new.example" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_password_is_never_taken_from_a_flag_value(dovecot: DovecotServer,
                                                      tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui", "deliver", "x.zip", "--imap-host", "127.0.0.1",
         "--imap-user", ALICE, "--password", "secret"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert done.returncode == 2


def test_without_a_terminal_or_a_variable_it_says_how_to_give_the_password(
        sim: SimulatedAws, dovecot: DovecotServer, tmp_path: Path) -> None:
    zip_path = downloaded_export(sim, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "deliver", str(zip_path), "--imap-host", dovecot.host,
         "--imap-user", ALICE], capture_output=True, text=True, timeout=60, cwd=ROOT,
        stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "--password-env" in done.stderr


def test_a_whole_run_goes_each_mailbox_into_its_own_account(
        dovecot: DovecotServer, tmp_path: Path) -> None:
    """batch, download --run, then deliver --run with an accounts file: alice's export into
    alice's new account, bob's into bob's, each with the password its line names."""
    sys.path.insert(0, str(ROOT / "tests" / "commands"))
    from cli_runner import Cli

    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock(speed=150)) as sim:
        cli = Cli(sim.serve())
        names = tmp_path / "names.txt"
        names.write_text("alice.wong\nbob.smith\n")
        world = sim.world
        batch = cli("batch", "--from-file", str(names), "--organization", world.org_id,
                    "--role-arn", world.good_role_arn, "--kms-key-arn", world.good_key_arn,
                    "--bucket", world.good_bucket, "--prefix", world.good_prefix,
                    "--poll", "0.1")
        assert batch.returncode == 0, batch.stderr
        run_id = batch.stdout.split("Run ", 1)[1].split()[0]
        downloaded = cli("download", "--run", run_id, "--to", str(tmp_path / "downloads"))
        assert downloaded.returncode == 0, downloaded.stderr
        written = {job.entity_id: sim.exports.written[job.job_id].messages
                   for job in sim.workmail.jobs(world.org_id)}

    accounts = tmp_path / "accounts.csv"
    accounts.write_text("mailbox,imap_user,secret_env\n"
                        "alice.wong@example-corp.awsapps.com,alice@new.example,ALICE_PW\n"
                        "bob.smith@example-corp.awsapps.com,bob@new.example,BOB_PW\n")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "deliver", "--run", run_id, "--accounts", str(accounts),
         "--imap-host", dovecot.host, "--imap-port", str(dovecot.imaps_port),
         "--ca-file", str(dovecot.ca_file), "--json"],
        capture_output=True, text=True, timeout=180, cwd=ROOT, stdin=subprocess.DEVNULL,
        env={**os.environ, "ALICE_PW": dovecot.accounts[ALICE],
             "BOB_PW": dovecot.accounts["bob@new.example"]})

    assert done.returncode == 0, done.stderr
    reports = {r["account"].split("@new.example")[0]: r
               for r in json.loads(done.stdout)["deliveries"]}
    assert set(reports) == {"alice", "bob"}
    assert sorted(written.values()) == sorted(r["messages"] for r in reports.values())
    assert len(stored(dovecot, ALICE)) == reports["alice"]["messages"]
    assert len(stored(dovecot, "bob@new.example")) == reports["bob"]["messages"]


def test_an_unknown_run_is_one_line_and_exit_2(dovecot: DovecotServer, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("alice.wong@example-corp.awsapps.com,alice@new.example\n")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "deliver", "--run", "r0123456789ab", "--accounts",
         str(accounts), "--imap-host", dovecot.host],
        capture_output=True, text=True, timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "r0123456789ab" in done.stderr and "Traceback" not in done.stderr


def test_an_accounts_line_without_a_user_is_named(tmp_path: Path) -> None:
    from tui.wizard.deliver import read_accounts

    accounts = tmp_path / "accounts.csv"
    accounts.write_text("mailbox,imap_user\nalice@old.example,alice@new.example\n"
                        "bob@old.example\n")
    with pytest.raises(ValueError, match=r"line 3 of .* is not 'mailbox,imap_user"):
        read_accounts(accounts)
