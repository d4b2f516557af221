"""The simulator writes a real export when a job completes: a zip in moto's S3, SSE-KMS with
the job's key, readable by range, with an output log whose numbers are the zip's; nothing is
written before anyone reads; kms:Decrypt can be refused."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from sim_helpers import NO_RETRIES, good_request

from tui.sim import SimulatedAws
from tui.sim.export_content import LAYOUTS
from tui.sim.worlds import BIG_EXPORT_BYTES_PER_MB


def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1", config=NO_RETRIES)


def completed_job(sim: SimulatedAws, workmail: Any, **changes: str) -> dict[str, Any]:
    token = "exports-" + "-".join(changes.values())
    job_id = workmail.start_mailbox_export_job(**good_request(sim, **changes),
                                               ClientToken=token)["JobId"]
    sim.clock.advance(120)
    return dict(workmail.describe_mailbox_export_job(OrganizationId=sim.world.org_id,
                                                    JobId=job_id), JobId=job_id)


def read_log(key: str) -> dict[str, Any]:
    return dict(json.loads(s3().get_object(Bucket="example-corp-mail-export",
                                           Key=key)["Body"].read()))


def test_nothing_is_written_until_someone_reads(sim: SimulatedAws, workmail: Any) -> None:
    completed_job(sim, workmail)
    assert sim.exports.written == {}  # COMPLETED, but no test pays for an export it never reads


def test_a_running_job_has_no_object_yet(sim: SimulatedAws, workmail: Any) -> None:
    job_id = workmail.start_mailbox_export_job(**good_request(sim), ClientToken="t")["JobId"]
    path = workmail.describe_mailbox_export_job(OrganizationId=sim.world.org_id,
                                                JobId=job_id)["S3Path"]
    with pytest.raises(ClientError) as missing:
        s3().head_object(Bucket=sim.world.good_bucket, Key=path)
    assert missing.value.response["Error"]["Code"] == "404"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_export_is_a_zip_whose_log_tells_its_size_hash_and_counts(
        sim: SimulatedAws, workmail: Any, layout: str) -> None:
    sim.exports.layout = layout
    job = completed_job(sim, workmail)
    head = s3().head_object(Bucket=job["S3BucketName"], Key=job["S3Path"])
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == sim.world.good_key_arn
    body = s3().get_object(Bucket=job["S3BucketName"], Key=job["S3Path"])["Body"].read()
    assert len(body) == head["ContentLength"]
    written = sim.exports.written[job["JobId"]]
    log = read_log(written.log_key)
    assert written.log_key.startswith(sim.world.good_prefix)
    if LAYOUTS[layout].log_strings:
        assert all(isinstance(value, str) for value in log.values())
    assert int(log["totalBytes"]) == len(body)
    digest = hashlib.sha384(body).digest()
    expected = digest.hex() if LAYOUTS[layout].log_hash == "hex" else \
        base64.b64encode(digest).decode()
    assert log["sha384Hash"] == expected
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None  # every entry's CRC holds
    names = archive.namelist()
    assert any(name.endswith("/") for name in names) == LAYOUTS[layout].directory_entries
    assert int(log["totalMessages"]) == written.messages
    assert int(log["totalFolders"]) == written.folders
    assert written.others == 3 and written.calendar_items == 1


def test_non_ascii_names_are_flagged_utf8_in_one_layout_and_raw_in_the_other(
        sim: SimulatedAws, workmail: Any) -> None:
    flags = {}
    for number, layout in enumerate(("folders", "nested")):
        sim.exports.layout = layout
        job = completed_job(sim, workmail, EntityId=sim.world.user_ids[number])
        body = s3().get_object(Bucket=job["S3BucketName"], Key=job["S3Path"])["Body"].read()
        infos = zipfile.ZipFile(io.BytesIO(body)).infolist()
        russian = [info for info in infos if "/" in info.filename and
                   not info.filename.isascii()]
        flags[layout] = {bool(info.flag_bits & 0x800) for info in russian}
    assert flags == {"folders": {True}, "nested": {False}}


def test_ranged_reads_return_exactly_the_bytes_asked_and_are_counted(
        sim: SimulatedAws, workmail: Any) -> None:
    job = completed_job(sim, workmail)
    bucket, key = job["S3BucketName"], job["S3Path"]
    whole = s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    part = s3().get_object(Bucket=bucket, Key=key, Range="bytes=100-1099")
    assert part["ContentRange"] == f"bytes 100-1099/{len(whole)}"
    assert part["Body"].read() == whole[100:1100]
    tail = s3().get_object(Bucket=bucket, Key=key, Range="bytes=-10")["Body"].read()
    assert tail == whole[-10:]
    reads = sim.s3.reads_of(key)
    assert [(r.first, r.last) for r in reads] == [(None, None), (100, 1099),
                                                  (len(whole) - 10, len(whole) - 1)]


def test_over_http_a_big_export_is_served_by_range(sim: SimulatedAws, workmail: Any) -> None:
    sim.exports.bytes_per_mb = 16 * 1024  # about 12-20 MB for alice
    job = completed_job(sim, workmail)
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=sim.serve(),
                          config=NO_RETRIES)
    head = client.head_object(Bucket=job["S3BucketName"], Key=job["S3Path"])
    size = head["ContentLength"]
    assert size > 8 * 1024 * 1024
    middle = client.get_object(Bucket=job["S3BucketName"], Key=job["S3Path"],
                               Range=f"bytes={size // 2}-{size // 2 + 99}")["Body"].read()
    whole = client.get_object(Bucket=job["S3BucketName"], Key=job["S3Path"])["Body"].read()
    assert middle == whole[size // 2:size // 2 + 100]
    assert hashlib.sha384(whole).hexdigest() == sim.exports.written[job["JobId"]].sha384
    # uploaded in 8 MiB parts, as S3 tags a multipart upload
    assert head["ETag"].strip('"').endswith("-" + str(-(-size // (8 * 1024 * 1024))))


@pytest.mark.parametrize("over_http", [False, True], ids=["in-process", "http"])
def test_without_kms_decrypt_get_object_is_refused_but_head_object_answers(
        sim: SimulatedAws, workmail: Any, over_http: bool) -> None:
    job = completed_job(sim, workmail)
    client = boto3.client("s3", region_name="us-east-1", config=NO_RETRIES,
                          endpoint_url=sim.serve() if over_http else None)
    sim.faults.deny("kms", "Decrypt")
    assert client.head_object(Bucket=job["S3BucketName"], Key=job["S3Path"])["ContentLength"]
    with pytest.raises(ClientError) as refused:
        client.get_object(Bucket=job["S3BucketName"], Key=job["S3Path"], Range="bytes=0-9")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert "customer master key" in refused.value.response["Error"]["Message"]


def test_object_calls_over_http_can_be_denied_by_name(sim: SimulatedAws, workmail: Any) -> None:
    job = completed_job(sim, workmail)
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=sim.serve(),
                          config=NO_RETRIES)
    sim.faults.deny("s3", "HeadObject")
    with pytest.raises(ClientError) as refused:
        client.head_object(Bucket=job["S3BucketName"], Key=job["S3Path"])
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_deleting_an_export_before_reading_it_leaves_it_deleted(
        sim: SimulatedAws, workmail: Any) -> None:
    job = completed_job(sim, workmail)
    s3().delete_object(Bucket=job["S3BucketName"], Key=job["S3Path"])
    with pytest.raises(ClientError):
        s3().head_object(Bucket=job["S3BucketName"], Key=job["S3Path"])


def test_the_large_world_has_a_few_mailboxes_that_export_hundreds_of_mb() -> None:
    with SimulatedAws(world="large") as sim:
        big = list(sim.world.export_bytes_per_mb)
        assert len(big) == 3 and set(sim.world.export_bytes_per_mb.values()) == {
            BIG_EXPORT_BYTES_PER_MB}
        sizes = [sim.exports.target_bytes(user) / 2**20 for user in big]
        assert all(200 <= size <= 400 for size in sizes), sizes
        assert sim.exports.target_bytes(sim.world.user_ids[10]) < 1024 * 1024
