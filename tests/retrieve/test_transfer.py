"""Downloads on the simulator: whole and checked, tampered, refused without kms:Decrypt,
stopped and resumed without fetching a finished part again, no room on the disk, an object
replaced mid-way, and files that are not ours left alone."""

from __future__ import annotations

import errno
import hashlib
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_kit import Completed

from tui.core.model import CoreError, ExportJob
from tui.core.retrieve import transfer
from tui.core.retrieve.model import DownloadProgress, DownloadState, Verification
from tui.core.retrieve.part_record import PartRecord
from tui.core.retrieve.transfer import DownloadStopped, TransferOptions, download
from tui.core.retrieve.verify import verify_job
from tui.core.session import Aws
from tui.sim import SimulatedAws

PART = 64 * 1024


def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


def verified(aws: Aws, job: ExportJob) -> Verification:
    verification = verify_job(aws, job)
    assert verification.object is not None and verification.location is not None
    return verification


def fetch(aws: Aws, verification: Verification, target: Path, **kwargs: Any) -> Any:
    assert verification.location is not None and verification.object is not None
    options = kwargs.pop("options", TransferOptions(part_size=PART, concurrency=3))
    return download(aws, verification.location, verification.object, verification.log,
                    target, options, **kwargs)


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_a_download_is_whole_and_matches_the_log(sim: SimulatedAws, aws: Aws,
                                                 completed: Completed, tmp_path: Path) -> None:
    job = completed()
    target = tmp_path / f"{job.job_id}.zip"
    seen: list[DownloadProgress] = []
    result = fetch(aws, verified(aws, job), target, on_progress=seen.append)
    written = sim.exports.written[job.job_id]
    assert result.state is DownloadState.MATCHED
    assert hashlib.sha384(target.read_bytes()).hexdigest() == written.sha384 == result.sha384
    assert leftovers(tmp_path) == sorted([target.name, f"{job.job_id}.log.json"])
    assert seen[-1].done_bytes == seen[-1].total_bytes == written.size
    assert result.fetched_parts == -(-written.size // PART) == len(sim.s3.reads_of(written.key))


def test_a_second_download_fetches_nothing(sim: SimulatedAws, aws: Aws, completed: Completed,
                                           tmp_path: Path) -> None:
    job = completed()
    verification = verified(aws, job)
    fetch(aws, verification, tmp_path / "x.zip")
    reads = len(sim.s3.reads)
    again = fetch(aws, verification, tmp_path / "x.zip")
    assert again.already_there and again.state is DownloadState.MATCHED
    assert len(sim.s3.reads) == reads


def test_a_tampered_object_downloads_under_a_name_that_says_so(
        sim: SimulatedAws, aws: Aws, completed: Completed, tmp_path: Path) -> None:
    job = completed()
    sim.exports.write_completed()
    client = s3()
    body = bytearray(client.get_object(Bucket=job.bucket, Key=job.s3_path)["Body"].read())
    body[len(body) // 2] ^= 0xFF  # same size: verify cannot tell, sha384 can
    client.put_object(Bucket=job.bucket, Key=job.s3_path, Body=bytes(body),
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=job.kms_key_arn)
    verification = verified(aws, job)
    assert verification.state.passed
    result = fetch(aws, verification, tmp_path / f"{job.job_id}.zip")
    assert result.state is DownloadState.HASH_MISMATCH
    assert result.path.endswith(".sha384-mismatch.zip")
    assert not (tmp_path / f"{job.job_id}.zip").exists()
    assert result.sha384 == hashlib.sha384(body).hexdigest() != result.log.sha384


def test_without_kms_decrypt_the_sentence_names_the_action_and_key_and_leaves_nothing(
        sim: SimulatedAws, aws: Aws, completed: Completed, tmp_path: Path) -> None:
    job = completed()
    verification = verified(aws, job)
    sim.faults.deny("kms", "Decrypt")
    with pytest.raises(CoreError) as refused:
        fetch(aws, verification, tmp_path / "x.zip")
    problem = refused.value.problem
    assert problem.operation == "kms:Decrypt"
    assert "kms:Decrypt" in problem.message and sim.world.good_key_arn in problem.message
    assert sim.world.good_key_arn in problem.hint
    assert leftovers(tmp_path) == []


def test_a_stopped_download_resumes_without_fetching_finished_parts(
        sim: SimulatedAws, aws: Aws, completed: Completed, tmp_path: Path) -> None:
    job = completed(bytes_per_mb=1024)  # an export of several parts, whatever its size
    verification = verified(aws, job)
    assert sim.exports.written[job.job_id].size > 4 * PART
    target = tmp_path / "x.zip"
    stop = threading.Event()

    def stop_after_three_parts(progress: DownloadProgress) -> None:
        if progress.parts_done >= 3:
            stop.set()

    with pytest.raises(DownloadStopped):
        fetch(aws, verification, target, on_progress=stop_after_three_parts, stop=stop,
              options=TransferOptions(part_size=PART, concurrency=1))
    record = PartRecord.load(transfer.partial_paths(target)[1])
    assert record is not None and len(record.done) == 3
    key = sim.exports.written[job.job_id].key
    before = len(sim.s3.reads_of(key))
    result = fetch(aws, verification, target)
    again = [(read.first, read.last) for read in sim.s3.reads_of(key)[before:]]
    finished = {record.span(part) for part in record.done}
    assert result.state is DownloadState.MATCHED
    assert not finished & set(again)  # no finished part was fetched again
    assert len(again) == record.parts - 3 == result.fetched_parts
    assert result.reused_parts == 3


def test_not_enough_space_is_said_before_anything_is_written(
        aws: Aws, completed: Completed, tmp_path: Path) -> None:
    verification = verified(aws, completed())
    with pytest.raises(CoreError) as full:
        fetch(aws, verification, tmp_path / "x.zip",
              options=TransferOptions(part_size=PART, free_space=lambda _: 1000))
    assert full.value.problem.code == "NotEnoughSpace"
    assert "1,000 are free" in full.value.problem.message
    assert leftovers(tmp_path) == []


def test_a_disk_that_fills_mid_way_keeps_the_parts_and_claims_nothing_complete(
        aws: Aws, completed: Completed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    verification = verified(aws, completed(bytes_per_mb=1024))  # several parts
    assert verification.object is not None and verification.object.size > 4 * PART
    real_pwrite = transfer.os.pwrite
    calls = []

    def pwrite_until_full(fd: int, data: bytes, offset: int) -> int:
        calls.append(offset)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_pwrite(fd, data, offset)

    # An injected writer: the real disk-full case runs under a small tmpfs in
    # tests/commands/test_retrieve_commands.py.
    monkeypatch.setattr(transfer.os, "pwrite", pwrite_until_full)
    target = tmp_path / "x.zip"
    with pytest.raises(CoreError) as full:
        fetch(aws, verification, target, options=TransferOptions(part_size=PART, concurrency=1))
    assert full.value.problem.code == "DiskFull"
    assert not target.exists()
    record = PartRecord.load(transfer.partial_paths(target)[1])
    assert record is not None and record.done == {0, 1}
    monkeypatch.setattr(transfer.os, "pwrite", real_pwrite)
    assert fetch(aws, verification, target).state is DownloadState.MATCHED


def test_an_object_replaced_mid_download_stops_it_and_the_next_run_starts_over(
        sim: SimulatedAws, aws: Aws, completed: Completed, tmp_path: Path) -> None:
    job = completed()
    verification = verified(aws, job)
    replaced = threading.Event()

    def replace_after_first_part(progress: DownloadProgress) -> None:
        if progress.parts_done == 1 and not replaced.is_set():
            replaced.set()
            s3().put_object(Bucket=job.bucket, Key=job.s3_path, Body=b"another object",
                            ServerSideEncryption="aws:kms", SSEKMSKeyId=job.kms_key_arn)

    target = tmp_path / "x.zip"
    with pytest.raises(CoreError) as changed:
        fetch(aws, verification, target, on_progress=replace_after_first_part,
              options=TransferOptions(part_size=PART, concurrency=1))
    assert changed.value.problem.code == "ObjectChanged"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["x.zip.part", "x.zip.part.json"])
def test_files_that_are_not_ours_are_left_alone(aws: Aws, completed: Completed, tmp_path: Path,
                                                name: str) -> None:
    verification = verified(aws, completed())
    stranger = tmp_path / name
    stranger.write_bytes(b"somebody else's file")
    with pytest.raises(CoreError) as refused:
        fetch(aws, verification, tmp_path / "x.zip")
    assert refused.value.problem.code == "NotOurFile"
    assert stranger.read_bytes() == b"somebody else's file"


def test_a_different_file_under_the_final_name_is_refused(aws: Aws, completed: Completed,
                                                          tmp_path: Path) -> None:
    verification = verified(aws, completed())
    (tmp_path / "x.zip").write_bytes(b"not the export")
    with pytest.raises(CoreError) as refused:
        fetch(aws, verification, tmp_path / "x.zip")
    assert refused.value.problem.code == "NotOurFile"
    assert (tmp_path / "x.zip").read_bytes() == b"not the export"


def test_a_file_that_cannot_be_read_back_is_a_sentence_and_keeps_the_parts(
        aws: Aws, completed: Completed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    verification = verified(aws, completed(bytes_per_mb=1024))

    def broken_read_back(fd: int, length: int, offset: int) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(transfer.os, "pread", broken_read_back)
    target = tmp_path / "x.zip"
    with pytest.raises(CoreError) as failed:
        fetch(aws, verification, target, options=TransferOptions(part_size=PART, concurrency=1))
    assert failed.value.problem.code == "ReadBackFailed"
    assert "Input/output error" in failed.value.problem.message
    assert not target.exists()
    record = PartRecord.load(transfer.partial_paths(target)[1])
    assert record is not None and 0 in record.done
    monkeypatch.undo()
    assert fetch(aws, verification, target).state is DownloadState.MATCHED


def test_a_stop_as_the_last_bytes_arrive_is_a_stop_not_a_failure(
        aws: Aws, completed: Completed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop pressed while the last part's last bytes are written, seen by the hasher
    waiting for that part: the download says it stopped and keeps its parts (the next run
    completes), rather than failing to hash."""
    monkeypatch.setattr(transfer, "_POLL", 0.0005)  # the hasher looks at the stop at once
    verification = verified(aws, completed(bytes_per_mb=1024))
    target = tmp_path / "x.zip"
    stop = threading.Event()

    def stop_at_the_last_byte(progress: DownloadProgress) -> None:
        if progress.done_bytes == progress.total_bytes and not stop.is_set():
            stop.set()
            threading.Event().wait(0.05)  # the part is recorded only after this returns

    with pytest.raises(DownloadStopped):
        fetch(aws, verification, target, on_progress=stop_at_the_last_byte, stop=stop,
              options=TransferOptions(part_size=PART, concurrency=1))
    assert not target.exists()
    assert fetch(aws, verification, target).state is DownloadState.MATCHED
