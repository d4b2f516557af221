"""Server mode: all five services over HTTP for any client — boto3 with endpoint_url, the AWS
CLI as a subprocess, and `python -m tui.sim.server` run as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from sim_helpers import NO_RETRIES, good_request, latency_waits

from tui.sim import SimulatedAws

AWS_CLI = os.path.join(os.path.dirname(sys.executable), "aws")


@pytest.fixture
def url(sim: SimulatedAws) -> str:
    return sim.serve(port=0)


def http_client(url: str, service: str, **config: Any) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=config.get("config", NO_RETRIES))


def test_serve_is_loopback_only(url: str) -> None:
    assert url.startswith("http://127.0.0.1:")


def test_all_five_services_answer_over_http(sim: SimulatedAws, url: str) -> None:
    orgs = http_client(url, "workmail").list_organizations()["OrganizationSummaries"]
    assert sim.world.org_id in [o["OrganizationId"] for o in orgs]
    roles = [r["Arn"] for r in http_client(url, "iam").list_roles()["Roles"]]
    assert sim.world.good_role_arn in roles
    keys = [k["KeyArn"] for k in http_client(url, "kms").list_keys()["Keys"]]
    assert sim.world.good_key_arn in keys
    buckets = [b["Name"] for b in http_client(url, "s3").list_buckets()["Buckets"]]
    assert sim.world.good_bucket in buckets
    assert http_client(url, "sts").get_caller_identity()["Account"] == "123456789012"
    assert sim.http_requests == 5


def test_http_and_in_process_share_one_backend(sim: SimulatedAws, url: str,
                                               workmail: Any) -> None:
    job_id = http_client(url, "workmail").start_mailbox_export_job(
        **good_request(sim))["JobId"]
    assert [j.job_id for j in sim.workmail.jobs(sim.world.org_id)] == [job_id]
    sim.clock.advance(120)
    described = workmail.describe_mailbox_export_job(OrganizationId=sim.world.org_id,
                                                     JobId=job_id)
    assert described["State"] == "COMPLETED"


def test_modeled_errors_over_http(sim: SimulatedAws, url: str) -> None:
    client = http_client(url, "workmail")
    with pytest.raises(client.exceptions.EntityNotFoundException):
        client.start_mailbox_export_job(**good_request(sim, EntityId=sim.world.group_id))


def test_faults_over_http(sim: SimulatedAws, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sim.faults.throttle_rate = 1.0
    codes = {}
    for service, method in (("workmail", "list_organizations"), ("iam", "list_roles"),
                            ("s3", "list_buckets")):
        with pytest.raises(ClientError) as caught:
            getattr(http_client(url, service), method)()
        codes[service] = caught.value.response["Error"]["Code"]
    assert codes == {"workmail": "ThrottlingException", "iam": "Throttling", "s3": "SlowDown"}
    sim.faults.throttle_rate = 0.0
    sim.faults.latency = 0.05
    waits = latency_waits(monkeypatch)
    http_client(url, "kms").list_keys()
    assert waits == [0.05]


def test_a_lost_response_over_http_then_the_same_token(sim: SimulatedAws, url: str) -> None:
    client = http_client(url, "workmail")
    params = good_request(sim, ClientToken="http-lost-1")
    sim.faults.lose_next_response("StartMailboxExportJob")
    with pytest.raises(ConnectionClosedError):
        client.start_mailbox_export_job(**params)
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1
    job_id = client.start_mailbox_export_job(**params)["JobId"]
    assert [j.job_id for j in sim.workmail.jobs(sim.world.org_id)] == [job_id]


def test_a_lost_query_protocol_response_over_http(sim: SimulatedAws, url: str) -> None:
    sim.faults.lose_next_response("CreateRole")
    iam = http_client(url, "iam")
    with pytest.raises(ConnectionClosedError):
        iam.create_role(RoleName="made-over-http", AssumeRolePolicyDocument="{}")
    assert iam.get_role(RoleName="made-over-http")["Role"]["RoleName"] == "made-over-http"


def cli_env() -> dict[str, str]:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def aws_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AWS_CLI, "--endpoint-url", url, "--region", "us-east-1",
                           "--output", "json", "workmail", *args],
                          capture_output=True, text=True, env=cli_env(), timeout=60)


def test_aws_cli_lists_organizations(sim: SimulatedAws, url: str) -> None:
    result = aws_cli(url, "list-organizations")
    assert result.returncode == 0, result.stderr
    aliases = [o["Alias"] for o in json.loads(result.stdout)["OrganizationSummaries"]]
    assert aliases == ["example-corp", "example-corp-archive"]


def test_aws_cli_starts_and_describes_a_job(sim: SimulatedAws, url: str) -> None:
    w = sim.world
    started = aws_cli(url, "start-mailbox-export-job", "--organization-id", w.org_id,
                      "--entity-id", "alice.wong@example-corp.awsapps.com",
                      "--role-arn", w.good_role_arn, "--kms-key-arn", w.good_key_arn,
                      "--s3-bucket-name", w.good_bucket, "--s3-prefix", w.good_prefix,
                      "--description", "from the AWS CLI")
    assert started.returncode == 0, started.stderr
    job_id = json.loads(started.stdout)["JobId"]
    sim.clock.advance(120)
    described = aws_cli(url, "describe-mailbox-export-job", "--organization-id", w.org_id,
                        "--job-id", job_id)
    job = json.loads(described.stdout)
    assert (job["State"], job["Description"], job["EntityId"]) == (
        "COMPLETED", "from the AWS CLI", w.enabled_user)


def test_aws_cli_shows_a_modeled_error(sim: SimulatedAws, url: str) -> None:
    result = aws_cli(url, "describe-organization", "--organization-id", "m-" + "0" * 32)
    assert result.returncode != 0
    assert "OrganizationNotFoundException" in result.stderr


def test_the_server_module_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.sim.server", "--port", "0", "--world", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env())
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("Simulated AWS (WorkMail, IAM, KMS, S3, STS) at http://127.0.0.1:")
        url = first_line.rsplit(" ", 1)[1].strip()
        orgs = http_client(url, "workmail").list_organizations()["OrganizationSummaries"]
        assert [o["Alias"] for o in orgs] == ["example-corp", "example-corp-archive"]
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
        assert "Stopped." in out
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_denied_operations_over_http(sim: SimulatedAws, url: str) -> None:
    sim.faults.deny("iam", "GetRole")
    iam = http_client(url, "iam")
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName="WorkMailExportRole")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert iam.list_roles()["Roles"]


def test_a_busy_port_is_a_sentence_not_a_traceback(url: str) -> None:
    busy = url.rsplit(":", 1)[1]
    result = subprocess.run([sys.executable, "-m", "tui.sim.server", "--port", busy],
                            capture_output=True, text=True, env=cli_env(), timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Cannot serve on 127.0.0.1 port {busy}")
    assert "choose another port" in result.stderr and "Traceback" not in result.stderr


def raw_workmail(url: str, operation: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "X-Amz-Target": f"WorkMailService.{operation}",
        "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_raw_http_requests_get_json_errors(url: str) -> None:
    assert raw_workmail(url, "ListOrganizations", b"{}")[0] == 200
    status, payload = raw_workmail(url, "ListOrganizations", b"{not json")
    assert (status, payload["__type"]) == (400, "SerializationException")
    status, payload = raw_workmail(url, "CreateOrganization", b"{}")
    assert (status, payload["__type"]) == (400, "UnsupportedOperationException")
    status, payload = raw_workmail(url, "DescribeOrganization", b"{}")
    assert (status, payload["__type"]) == (400, "InvalidParameterException")
    assert "OrganizationId is required" in payload["Message"]


def test_description_longer_than_the_model_allows(sim: SimulatedAws, url: str) -> None:
    client = http_client(url, "workmail")
    with pytest.raises(client.exceptions.InvalidParameterException) as caught:
        client.start_mailbox_export_job(**good_request(sim, Description="d" * 1024))
    assert "at most 1023" in caught.value.response["Error"]["Message"]
