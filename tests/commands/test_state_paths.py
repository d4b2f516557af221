"""State paths that hold something else are refused before anything runs: one line, exit 2,
and the file left byte for byte and mode for mode as it was (`--journal` pointed at a
credentials file, a link, a device; the environment's journal; the batch store beside the
journal; `--report-dir` that is not a directory)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cli_runner import ROOT, Cli, export_flags

CREDENTIALS = b"[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n"


def credentials_file(directory: Path) -> Path:
    path = directory / "credentials"
    path.write_bytes(CREDENTIALS)
    path.chmod(0o644)
    return path


def untouched(path: Path, mode: int = 0o644) -> bool:
    return path.read_bytes() == CREDENTIALS and stat.S_IMODE(path.lstat().st_mode) == mode


def one_refusal(result: Any) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert "left untouched" in result.stderr
    return str(result.stderr)


def test_journal_flag_on_a_credentials_file(sim: Any, cli: Cli, tmp_path: Path) -> None:
    secret = credentials_file(tmp_path)
    line = one_refusal(cli("jobs", "--journal", str(secret), "--organization",
                           sim.world.org_id))
    assert f"argument --journal: {secret} is not an SQLite database" in line
    assert untouched(secret)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("credentials")] == [
        "credentials"]  # nothing moved aside, no -wal or -shm beside it


def test_journal_flag_on_a_link_to_a_credentials_file(sim: Any, cli: Cli,
                                                      tmp_path: Path) -> None:
    secret = credentials_file(tmp_path)
    link = tmp_path / "journal.sqlite3"
    link.symlink_to(secret)
    line = one_refusal(cli("start", "--journal", str(link), *export_flags(sim)))
    assert "is a symbolic link" in line
    assert untouched(secret) and link.is_symlink()
    assert sim.workmail.jobs(sim.world.org_id) == []


def test_journal_from_the_environment_on_a_credentials_file(sim: Any, cli: Cli,
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    secret = credentials_file(tmp_path)
    monkeypatch.setenv("WORKMAIL_EXPORT_JOURNAL", str(secret))
    line = one_refusal(cli("status", "5f4d5895-fafc-40f0-bb0f-2127d48f7b07",
                           "--organization", sim.world.org_id))
    assert line.startswith(f"workmail-export: {secret} is not an SQLite database")
    assert "WORKMAIL_EXPORT_JOURNAL" in line
    assert untouched(secret)


def test_journal_flag_on_a_device_node(cli: Cli, tmp_path: Path) -> None:
    device = tmp_path / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is
    except PermissionError:
        os.mkfifo(device, 0o666)
    device.chmod(0o666)
    before = device.lstat()
    line = one_refusal(cli("jobs", "--journal", str(device)))
    assert "is not a regular file" in line
    assert (device.lstat().st_mode, device.lstat().st_ctime_ns) == (before.st_mode,
                                                                     before.st_ctime_ns)


def test_the_wizard_is_not_opened_on_a_journal_that_is_not_ours(tmp_path: Path) -> None:
    import subprocess
    import sys

    secret = credentials_file(tmp_path)
    result = subprocess.run([sys.executable, "-m", "tui", "--plain", "--journal", str(secret)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT,
                            stdin=subprocess.DEVNULL)
    one_refusal(result)
    assert untouched(secret)


def test_a_batch_store_beside_the_journal_that_is_not_ours(sim: Any, cli: Cli,
                                                          tmp_path: Path) -> None:
    state = tmp_path / "elsewhere"
    state.mkdir()
    store = credentials_file(state)
    store.rename(state / "batch.sqlite3")
    store = state / "batch.sqlite3"
    world = sim.world
    line = one_refusal(cli("batch", "--all", "--journal", str(state / "journal.sqlite3"),
                           "--organization", world.org_id, "--role-arn", world.good_role_arn,
                           "--kms-key-arn", world.good_key_arn, "--bucket", world.good_bucket,
                           "--prefix", world.good_prefix))
    assert f"{store} is not an SQLite database" in line
    assert untouched(store)
    assert sim.workmail.jobs(world.org_id) == []


@pytest.mark.parametrize("what", ["file", "device"])
def test_report_dir_that_is_not_a_directory(sim: Any, cli: Cli, tmp_path: Path,
                                            what: str) -> None:
    if what == "file":
        target = credentials_file(tmp_path)
    else:
        target = tmp_path / "full"
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        except PermissionError:
            os.mkfifo(target, 0o666)
    before = target.lstat()
    world = sim.world
    line = one_refusal(cli("batch", "--all", "--report-dir", str(target), "--organization",
                           world.org_id, "--role-arn", world.good_role_arn, "--kms-key-arn",
                           world.good_key_arn, "--bucket", world.good_bucket))
    assert f"argument --report-dir: {target} is not a directory" in line
    assert target.lstat().st_mode == before.st_mode
    if what == "file":
        assert untouched(target)
