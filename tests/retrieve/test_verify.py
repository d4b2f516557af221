"""Verify on the simulator: a good export, a missing object, a truncated one, no log, no
permission to check (s3:GetObject, kms:Decrypt), a job not completed; the log finder in both
layouts and among other logs."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import boto3
import pytest
from export_kit import Completed

from tui.core.retrieve.locate import key_of
from tui.core.retrieve.model import VerifyState
from tui.core.retrieve.verify import verify_job
from tui.core.session import Aws
from tui.sim import SimulatedAws


def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


@pytest.mark.parametrize("layout", ["folders", "nested"])
def test_a_good_export_is_verified_against_its_log(sim: SimulatedAws, aws: Aws,
                                                    completed: Completed, layout: str) -> None:
    job = completed(layout=layout)
    verification = verify_job(aws, job)
    written = sim.exports.written[job.job_id]
    assert verification.state is VerifyState.VERIFIED
    assert verification.object is not None and verification.object.size == written.size
    assert verification.object.kms_key_id == sim.world.good_key_arn
    assert verification.log is not None and verification.log.key == written.log_key
    assert verification.log.total_messages == written.messages
    assert verification.log.sha384 == written.sha384  # hex in one layout, base64 in the other
    assert "Verified" in verification.sentence and written.key in verification.sentence


def test_a_missing_object_is_said_so(sim: SimulatedAws, aws: Aws, completed: Completed) -> None:
    job = completed()
    sim.exports.write_completed()
    s3().delete_object(Bucket=job.bucket, Key=job.s3_path)
    verification = verify_job(aws, job)
    assert verification.state is VerifyState.MISSING
    assert "not there" in verification.sentence


def test_a_truncated_object_is_a_size_mismatch(sim: SimulatedAws, aws: Aws,
                                               completed: Completed) -> None:
    job = completed()
    written = sim.exports.write_completed()[0]
    client = s3()
    body = client.get_object(Bucket=job.bucket, Key=job.s3_path)["Body"].read()
    client.put_object(Bucket=job.bucket, Key=job.s3_path, Body=body[: len(body) // 2],
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=job.kms_key_arn)
    verification = verify_job(aws, job)
    assert verification.state is VerifyState.SIZE_MISMATCH
    assert f"{len(body) // 2:,} bytes" in verification.sentence
    assert f"{written.size:,}" in verification.sentence


def test_no_log_is_not_a_pass(sim: SimulatedAws, aws: Aws, completed: Completed) -> None:
    job = completed()
    written = sim.exports.write_completed()[0]
    s3().delete_object(Bucket=job.bucket, Key=written.log_key)
    verification = verify_job(aws, job)
    assert verification.state is VerifyState.NO_LOG
    assert not verification.state.passed
    assert "not confirmed" in verification.sentence


def test_without_s3_get_object_the_check_names_the_permission(
        sim: SimulatedAws, aws: Aws, completed: Completed) -> None:
    job = completed()
    sim.faults.deny("s3", "HeadObject")
    verification = verify_job(aws, job)
    assert verification.state is VerifyState.NOT_CHECKABLE
    assert verification.permission == "s3:GetObject"
    assert f"arn:aws:s3:::{job.bucket}/{job.s3_path}" in verification.sentence


def test_without_kms_decrypt_the_log_cannot_be_read_and_the_key_is_named(
        sim: SimulatedAws, aws: Aws, completed: Completed) -> None:
    job = completed()
    sim.faults.deny("kms", "Decrypt")
    verification = verify_job(aws, job)
    assert verification.state is VerifyState.NOT_CHECKABLE
    assert verification.permission == "kms:Decrypt"
    assert sim.world.good_key_arn in verification.sentence
    assert verification.object is not None  # HeadObject itself needs no kms:Decrypt


def test_a_job_not_completed_has_nothing_to_verify(aws: Aws, completed: Completed) -> None:
    job = replace(completed(), state="RUNNING")
    assert verify_job(aws, job).state is VerifyState.NOT_COMPLETED


def test_the_log_naming_the_job_wins_over_other_logs_under_the_prefix(
        sim: SimulatedAws, aws: Aws, completed: Completed) -> None:
    job = completed()
    written = sim.exports.write_completed()[0]
    decoy = dict(written.log, totalBytes="1", sha384Hash="0" * 96)
    s3().put_object(Bucket=job.bucket, Key=f"{job.prefix}another-job-log.json",
                    Body=json.dumps(decoy).encode())
    assert verify_job(aws, job).state is VerifyState.VERIFIED


def test_a_log_that_does_not_name_the_job_is_used_when_it_is_the_only_one(
        sim: SimulatedAws, aws: Aws, completed: Completed) -> None:
    job = completed()
    written = sim.exports.write_completed()[0]
    client = s3()
    log = client.get_object(Bucket=job.bucket, Key=written.log_key)["Body"].read()
    client.delete_object(Bucket=job.bucket, Key=written.log_key)
    client.put_object(Bucket=job.bucket, Key=f"{job.prefix}output.log", Body=log)
    verification = verify_job(aws, job)
    assert verification.state is VerifyState.VERIFIED
    assert verification.log is not None and verification.log.key.endswith("output.log")


@pytest.mark.parametrize(("s3_path", "key"), [
    ("exports/j.zip", "exports/j.zip"),
    ("example-corp-mail-export/exports/j.zip", "exports/j.zip"),
    ("s3://example-corp-mail-export/exports/j.zip", "exports/j.zip"),
])
def test_every_form_of_s3_path_names_the_same_key(s3_path: str, key: str) -> None:
    assert key_of(s3_path, "example-corp-mail-export", "exports/") == key


def test_a_record_file_that_is_not_ours_is_left_alone_and_verify_goes_on(
        aws: Aws, completed: Completed) -> None:
    from tui.core.retrieve.results import default_path, known
    from tui.wizard.retrieve import verify_and_record

    job = completed()
    stranger = default_path()
    stranger.parent.mkdir(parents=True, exist_ok=True)
    stranger.write_text("not a database of workmail-export\n")
    assert verify_and_record(aws, job).state is VerifyState.VERIFIED
    assert stranger.read_text() == "not a database of workmail-export\n"
    assert known([job.job_id]) == {}


def test_verdicts_are_recorded_for_the_manifests(aws: Aws, completed: Completed) -> None:
    from tui.core.retrieve.results import known
    from tui.wizard.retrieve import verify_and_record

    job = completed()
    verification = verify_and_record(aws, job)
    recorded = known([job.job_id])[job.job_id]
    assert recorded.verification == "verified" and recorded.sentence == verification.sentence
    assert recorded.size == verification.object.size  # type: ignore[union-attr]
