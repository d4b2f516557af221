"""verify, download, inspect and convert as a script runs them: subprocesses against the
simulator served over HTTP. Each claim is checked against the simulator's own record of the
export (`sim.exports.written`) and of the reads S3 answered (`sim.s3.reads`), or against the
files on disk, not only against what the command prints."""

from __future__ import annotations

import csv
import hashlib
import json
import mailbox
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_runner import ROOT, Cli

from tui.core.retrieve.mbox_writer import unquote_mboxrd
from tui.core.retrieve.part_record import PartRecord


def completed(sim: Any, entity: str = "", layout: str = "folders") -> str:
    """A COMPLETED export of a demo mailbox (alice.wong by default); its JobId."""
    return str(sim.complete_export(entity, layout=layout))


def org(sim: Any) -> list[str]:
    return ["--organization", sim.world.org_id]


def test_verify_a_good_export_prints_the_verdict_and_exits_0(sim: Any, cli: Cli) -> None:
    job_id = completed(sim)
    result = cli("verify", job_id, *org(sim))
    written = sim.exports.written[job_id]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verified ")
    assert f"{written.size:,} bytes as its log says" in result.stdout
    assert f"({written.messages:,} messages in {written.folders} folders)" in result.stdout


def test_verify_json_carries_the_object_and_the_log(sim: Any, cli: Cli) -> None:
    job_id = completed(sim, layout="nested")
    result = cli("verify", job_id, *org(sim), "--json")
    document = json.loads(result.stdout)["verifications"][0]
    written = sim.exports.written[job_id]
    assert result.returncode == 0
    assert document["state"] == "verified" and document["size"] == written.size
    assert document["kms_key_id"] == sim.world.good_key_arn
    assert document["log"]["key"] == written.log_key
    assert document["log"]["sha384Hash"] == written.sha384


def test_verify_a_missing_export_exits_5(sim: Any, cli: Cli) -> None:
    job_id = completed(sim)
    written = sim.exports.write_completed()[0]
    boto3.client("s3", region_name="us-east-1").delete_object(Bucket=written.bucket,
                                                             Key=written.key)
    result = cli("verify", job_id, *org(sim))
    assert result.returncode == 5
    assert result.stdout.startswith("object missing ")


def test_download_inspect_convert_end_to_end(sim: Any, cli: Cli, tmp_path: Path) -> None:
    job_id = completed(sim)
    result = cli("download", job_id, *org(sim), "--to", str(tmp_path), "--part-size", "1")
    written = sim.exports.written[job_id]
    zip_path = tmp_path / f"{job_id}.zip"
    assert result.returncode == 0, result.stderr
    assert "downloaded, sha384 matches" in result.stdout
    assert hashlib.sha384(zip_path.read_bytes()).hexdigest() == written.sha384
    assert "100%" in result.stdout and "\r" not in result.stdout  # plain lines off a terminal

    inspected = cli("inspect", str(zip_path))
    assert inspected.returncode == 0, inspected.stderr
    assert f"totalMessages  zip {written.messages:>9,}   log {written.messages:>9,}   matches" \
        in inspected.stdout
    assert "Sent Items/empty.eml  (empty, 0 bytes)" in inspected.stdout

    out = tmp_path / "mbox"
    converted = cli("convert", str(zip_path), "--to", "mbox", str(out), "--json")
    summary = json.loads(converted.stdout)["conversions"][0]
    assert converted.returncode == 0, converted.stderr
    assert summary["messages"] == summary["log_messages"] == written.messages
    box = mailbox.mbox(out / "Inbox" / "Projects" / "2026.mbox", create=False)
    assert all(b"Content-Type: multipart/mixed" in unquote_mboxrd(box.get_bytes(k))
               for k in box.iterkeys())


def test_download_without_kms_decrypt_names_the_action_and_the_key(
        sim: Any, cli: Cli, tmp_path: Path) -> None:
    job_id = completed(sim)
    sim.exports.write_completed()
    sim.faults.deny("kms", "Decrypt")
    downloads = tmp_path / "downloads"
    result = cli("download", job_id, *org(sim), "--to", str(downloads))
    assert result.returncode == 1
    # The log cannot be read either: verify says so first, naming the same permission.
    assert "kms:Decrypt" in result.stdout + result.stderr
    assert sim.world.good_key_arn in result.stdout + result.stderr
    assert not downloads.exists() or list(downloads.iterdir()) == []


def test_download_refused_by_s3_after_the_log_was_read_names_kms_decrypt(
        sim: Any, cli: Cli, tmp_path: Path) -> None:
    job_id = completed(sim)
    sim.exports.write_completed()
    # Decryption is refused for the zip only (as if its log were not encrypted), so verify
    # passes and the download's own ranged GETs meet the refusal.
    written = sim.exports.written[job_id]
    original = sim.s3.before

    def refuse_zip_reads(request: Any) -> Any:
        if request.key == written.key and request.operation == "GetObject":
            sim.faults.deny("kms", "Decrypt")
        try:
            return original(request)
        finally:
            sim.faults.clear()

    sim.s3.before = refuse_zip_reads
    downloads = tmp_path / "downloads"
    result = cli("download", job_id, *org(sim), "--to", str(downloads))
    assert result.returncode == 1
    assert "AccessDenied: S3 refused to read s3://example-corp-mail-export/" in result.stderr
    assert "needs kms:Decrypt on that key" in result.stderr
    assert sim.world.good_key_arn in result.stderr
    assert list(downloads.iterdir()) == []  # no part file, no record, no zip


def test_a_tampered_export_downloads_as_a_mismatch_and_exits_5(sim: Any, cli: Cli,
                                                                tmp_path: Path) -> None:
    job_id = completed(sim)
    written = sim.exports.write_completed()[0]
    s3 = boto3.client("s3", region_name="us-east-1")
    body = bytearray(s3.get_object(Bucket=written.bucket, Key=written.key)["Body"].read())
    body[-100] ^= 1
    s3.put_object(Bucket=written.bucket, Key=written.key, Body=bytes(body),
                  ServerSideEncryption="aws:kms", SSEKMSKeyId=sim.world.good_key_arn)
    result = cli("download", job_id, *org(sim), "--to", str(tmp_path))
    assert result.returncode == 5
    assert "downloaded, sha384 MISMATCH" in result.stdout
    assert (tmp_path / f"{job_id}.sha384-mismatch.zip").is_file()
    assert not (tmp_path / f"{job_id}.zip").exists()


def test_resume_after_sigkill_fetches_only_the_parts_not_recorded(
        sim: Any, cli: Cli, tmp_path: Path) -> None:
    sim.exports.bytes_per_mb = 8 * 1024  # 6-10 MiB: several 1 MiB parts
    job_id = completed(sim)
    written = sim.exports.write_completed()[0]
    parts = -(-written.size // 2**20)
    record_path = tmp_path / f"{job_id}.zip.part.json"
    sim.faults.latency = 0.3  # every request takes 0.3 s: time to kill mid-way
    args = ["download", job_id, *org(sim), "--to", str(tmp_path), "--part-size", "1",
            "--concurrency", "2"]
    process = subprocess.Popen(cli.command(*args), env=cli.env(), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    record = None
    while time.monotonic() < deadline:
        record = PartRecord.load(record_path) if record_path.exists() else None
        if record is not None and len(record.done) >= 2:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    time.sleep(0.5)  # requests in flight when it died finish on the server's side
    record = PartRecord.load(record_path)
    assert record is not None and 2 <= len(record.done) < parts
    assert not (tmp_path / f"{job_id}.zip").exists()
    sim.faults.latency = 0.0
    before = len(sim.s3.reads_of(written.key))
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    fetched = {(read.first, read.last) for read in sim.s3.reads_of(written.key)[before:]}
    assert fetched.isdisjoint(record.span(part) for part in record.done)
    assert len(fetched) == parts - len(record.done)
    assert f"{parts - len(record.done)} parts fetched, {len(record.done)} kept from before" \
        in result.stdout
    assert hashlib.sha384((tmp_path / f"{job_id}.zip").read_bytes()).hexdigest() == \
        written.sha384


def test_ctrl_c_keeps_the_saved_parts_and_says_how_to_continue(sim: Any, cli: Cli,
                                                               tmp_path: Path) -> None:
    sim.exports.bytes_per_mb = 8 * 1024
    job_id = completed(sim)
    written = sim.exports.write_completed()[0]
    record_path = tmp_path / f"{job_id}.zip.part.json"
    sim.faults.latency = 0.3
    args = ["download", job_id, *org(sim), "--to", str(tmp_path), "--part-size", "1",
            "--concurrency", "2"]
    process = subprocess.Popen(cli.command(*args), env=cli.env(), cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = PartRecord.load(record_path) if record_path.exists() else None
        if record is not None and record.done:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    record = PartRecord.load(record_path)
    assert record is not None and record.done
    assert (f"workmail-export download: stopped: {len(record.done)} of {record.parts} parts"
            in err)
    assert "run the same command again to continue" in err
    sim.faults.latency = 0.0
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert f"{len(record.done)} kept from before" in result.stdout
    assert hashlib.sha384((tmp_path / f"{job_id}.zip").read_bytes()).hexdigest() == \
        written.sha384


def in_small_disk(size: str, script: str, directory: Path, env: dict[str, str]
                  ) -> subprocess.CompletedProcess[str]:
    """Run `script` (sh) with a tmpfs of `size` mounted on `directory`, in a user and mount
    namespace of its own (unshare): a real file system that really fills up."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to mount a small tmpfs for this test")
    mount = f'mount -t tmpfs -o size={size} tmpfs "{directory}" || exit 97\n'
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                             mount + script], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)
    if result.returncode == 97:
        pytest.fail("could not mount a tmpfs in a user namespace (unshare --user --mount): "
                    f"{result.stderr.strip()}")
    return result


def test_a_disk_too_small_is_said_before_anything_is_written(sim: Any, cli: Cli,
                                                             tmp_path: Path) -> None:
    sim.exports.bytes_per_mb = 4 * 1024  # 3-6 MiB
    job_id = completed(sim)
    disk = tmp_path / "disk"
    disk.mkdir()
    command = " ".join(cli.command("download", job_id, *org(sim), "--to", str(disk)))
    script = f'{command}; echo "exit=$?"; ls -A "{disk}"\n'
    result = in_small_disk("1m", script, disk, cli.env())
    assert "exit=1" in result.stdout, result.stderr
    assert "NotEnoughSpace: Not enough free space in " in result.stderr
    assert result.stdout.strip().endswith("exit=1")  # ls printed nothing: no file was made


def test_a_disk_that_fills_during_the_download_keeps_the_parts_and_resumes(
        sim: Any, cli: Cli, tmp_path: Path) -> None:
    sim.exports.bytes_per_mb = 4 * 1024
    job_id = completed(sim)
    disk = tmp_path / "disk"
    disk.mkdir()
    sim.faults.latency = 0.2
    command = " ".join(cli.command("download", job_id, *org(sim), "--to", str(disk),
                                   "--part-size", "1", "--concurrency", "1"))
    record = disk / f"{job_id}.zip.part.json"
    script = (
        f'{command} > "{tmp_path}/first.out" 2>&1 &\n'
        f'while ! grep -q "done\\": \\[0" "{record}" 2>/dev/null; do sleep 0.02; done\n'
        f'cat /dev/zero > "{disk}/filler" 2>/dev/null\n'  # fill the disk to the last byte
        'wait $!; echo "first=$?"\n'
        f'ls -A "{disk}"\n'
        f'rm "{disk}/filler"\n'
        f'{command}; echo "second=$?"\n')
    result = in_small_disk("16m", script, disk, cli.env())
    first = (tmp_path / "first.out").read_text()
    assert "first=1" in result.stdout, first + result.stderr
    assert "DiskFull: The disk holding " in first
    assert "no file claims to be complete" in first
    listing = result.stdout.split("first=1", 1)[1].split("\n")
    assert f"{job_id}.zip" not in listing and f"{job_id}.zip.part" in listing
    assert "second=0" in result.stdout, result.stderr
    assert "kept from before" in result.stdout


def test_escapes_in_zip_names_never_reach_the_terminal(cli: Cli, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Inbox\x1b]0;owned\x07/1.eml", b"From: a@b\nSubject: x\n\nhi\n")
        archive.writestr("notes\x1b[2J.txt", b"plain text")
    result = cli("inspect", str(path))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Inbox\\x1b]0;owned\\x07" in result.stdout and "notes\\x1b[2J.txt" in result.stdout


@pytest.mark.parametrize("args", [
    ["verify"], ["verify", "0123abcd-0000-4000-8000-000000000000", "--run", "r0a1b2c3d4e5f"],
    ["download", "--run", "r0a1b2c3d4e5f", "--to", "x"],
    ["convert", "x.zip", "--to", "pst", "out"], ["convert", "--to", "mbox", "out"],
])
def test_bad_usage_is_one_line_and_exit_2(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.fixture
def fast(isolated_aws_env: None) -> Any:
    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock(speed=150)) as simulated:
        yield simulated, Cli(simulated.serve())


def test_a_whole_run_verifies_downloads_and_converts_with_its_manifest(
        fast: tuple[Any, Cli], tmp_path: Path) -> None:
    sim, cli = fast
    names = tmp_path / "names.txt"
    names.write_text("alice.wong\nbob.smith\n")
    world = sim.world
    batch = cli("batch", "--from-file", str(names), "--organization", world.org_id,
                "--role-arn", world.good_role_arn, "--kms-key-arn", world.good_key_arn,
                "--bucket", world.good_bucket, "--prefix", world.good_prefix, "--poll", "0.1")
    assert batch.returncode == 0, batch.stderr
    run_id = batch.stdout.split("Run ", 1)[1].split()[0]

    verified = cli("verify", "--run", run_id)
    assert verified.returncode == 0, verified.stderr
    assert f"2 of 2 exports of run {run_id} verified." in verified.stdout

    downloads = tmp_path / "downloads"
    downloaded = cli("download", "--run", run_id, "--to", str(downloads), "--json")
    assert downloaded.returncode == 0, downloaded.stderr
    files = sorted(p.relative_to(downloads).as_posix() for p in downloads.rglob("*.zip"))
    assert [f.split("/")[0] for f in files] == ["alice.wong@example-corp.awsapps.com",
                                               "bob.smith@example-corp.awsapps.com"]
    manifest = next(Path(p) for p in json.loads(downloaded.stdout)["manifests"]
                    if p.endswith(".csv"))
    with manifest.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        written = sim.exports.written[row["job_id"]]
        assert row["verification"] == "verified"
        assert row["download"] == "sha384 matches the log"
        assert row["sha384"] == written.sha384 and int(row["size"]) == written.size

    converted = cli("convert", "--run", run_id, "--to", "maildir", str(tmp_path / "mail"))
    assert converted.returncode == 0, converted.stderr
    for row in rows:
        box = mailbox.Maildir(tmp_path / "mail" / row["email"], factory=None, create=False)
        total = len(box) + sum(len(box.get_folder(f)) for f in box.list_folders())
        assert total == sim.exports.written[row["job_id"]].messages


