"""Fault injection in-process: latency, throttling and 5xx for all five services, and a lost
response that the service applied (the idempotency scenario)."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from sim_helpers import NO_RETRIES, good_request, latency_waits

from tui.sim import Faults, SimulatedAws

# One cheap read call of each service: (service, method, kwargs)
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("workmail", "list_organizations", {}),
    ("iam", "list_roles", {}),
    ("kms", "list_keys", {}),
    ("s3", "list_buckets", {}),
    ("sts", "get_caller_identity", {}),
]
THROTTLE_CODES = {"workmail": "ThrottlingException", "kms": "ThrottlingException",
                  "iam": "Throttling", "sts": "Throttling", "s3": "SlowDown"}


def call(service: str, method: str, kwargs: dict[str, Any]) -> Any:
    client = boto3.client(service, region_name="us-east-1", config=NO_RETRIES)
    return getattr(client, method)(**kwargs)


@pytest.mark.parametrize(("service", "method", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_latency_delays_every_service(sim: SimulatedAws, service: str, method: str,
                                      kwargs: dict[str, Any],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client(service, region_name="us-east-1", config=NO_RETRIES)
    getattr(client, method)(**kwargs)  # warm up
    waits = latency_waits(monkeypatch)
    getattr(client, method)(**kwargs)
    assert waits == []
    sim.faults.latency = 0.05
    getattr(client, method)(**kwargs)
    assert waits == [0.05]


@pytest.mark.parametrize("rate", ["throttle_rate", "server_error_rate"])
@pytest.mark.parametrize(("service", "method", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_rate_faults_in_each_service_protocol(sim: SimulatedAws, rate: str, service: str,
                                              method: str, kwargs: dict[str, Any]) -> None:
    setattr(sim.faults, rate, 1.0)
    with pytest.raises(ClientError) as caught:
        call(service, method, kwargs)
    code = caught.value.response["Error"]["Code"]
    status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    if rate == "throttle_rate":
        assert code == THROTTLE_CODES[service]
    else:
        assert status == 503 and code.startswith("ServiceUnavailable")


def test_botocore_retries_throttling_until_it_passes(sim: SimulatedAws,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    backoffs: list[float] = []
    monkeypatch.setattr(time, "sleep", backoffs.append)  # botocore's backoff, not waited out
    sim.faults.throttle_rate = 0.5
    client = boto3.client("workmail", region_name="us-east-1")  # default retries
    answers = [client.list_organizations()["ResponseMetadata"]["RetryAttempts"]
               for _ in range(8)]
    assert any(answers), "some calls needed a retry"
    assert len(backoffs) == sum(answers)


def test_rates_follow_a_seeded_rng() -> None:
    def pattern(seed: int) -> list[str | None]:
        faults = Faults(seed=seed)
        faults.throttle_rate = 0.3
        faults.server_error_rate = 0.3
        return [faults.before_call("workmail") for _ in range(50)]

    first = pattern(7)
    assert first == pattern(7)
    assert {None, "throttle", "server_error"} == set(first)


def test_rates_can_be_limited_to_some_services(sim: SimulatedAws) -> None:
    sim.faults.throttle_rate = 1.0
    sim.faults.services = frozenset({"workmail"})
    assert call("iam", "list_roles", {})["Roles"]
    with pytest.raises(ClientError):
        call("workmail", "list_organizations", {})


def test_a_lost_response_then_a_retry_with_the_same_token_gives_one_job(
        sim: SimulatedAws, workmail: Any) -> None:
    params = good_request(sim, ClientToken="lost-then-retried")
    sim.faults.lose_next_response("StartMailboxExportJob")
    with pytest.raises(ConnectionClosedError):
        workmail.start_mailbox_export_job(**params)
    jobs = sim.workmail.jobs(sim.world.org_id)
    assert len(jobs) == 1  # the service applied the request
    again = workmail.start_mailbox_export_job(**params)["JobId"]
    assert again == jobs[0].job_id
    assert len(sim.workmail.jobs(sim.world.org_id)) == 1


def test_a_retry_with_a_new_token_would_have_made_a_second_job(sim: SimulatedAws,
                                                               workmail: Any) -> None:
    sim.workmail.set_job_duration(60)
    sim.faults.lose_next_response()
    with pytest.raises(ConnectionClosedError):
        workmail.start_mailbox_export_job(**good_request(sim))
    # boto3 fills a fresh token on a new call; the mailbox is now busy (24 h rule)
    with pytest.raises(workmail.exceptions.LimitExceededException):
        workmail.start_mailbox_export_job(**good_request(sim))


def test_botocore_own_retry_of_a_lost_response_reuses_its_token(sim: SimulatedAws) -> None:
    client = boto3.client("workmail", region_name="us-east-1")  # default retries
    sim.faults.lose_next_response()
    job_id = client.start_mailbox_export_job(**good_request(sim))["JobId"]
    assert [j.job_id for j in sim.workmail.jobs(sim.world.org_id)] == [job_id]


def test_fail_next_fails_only_that_many_calls_of_that_operation(sim: SimulatedAws,
                                                                workmail: Any) -> None:
    org = {"OrganizationId": sim.world.org_id}
    sim.faults.fail_next("ListMailboxExportJobs", 2)
    workmail.list_organizations()
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            workmail.list_mailbox_export_jobs(**org)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert workmail.list_mailbox_export_jobs(**org)["Jobs"] == []


def test_a_held_response_is_sent_after_the_service_acted_and_the_test_released_it(
        sim: SimulatedAws, workmail: Any) -> None:
    import threading

    held = sim.faults.hold_next_response("StartMailboxExportJob")
    answers: list[str] = []
    caller = threading.Thread(target=lambda: answers.append(
        workmail.start_mailbox_export_job(**good_request(sim))["JobId"]))
    caller.start()
    assert held.reached.wait(10)
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert answers == []  # the job exists; its answer is still held
    held.release()
    caller.join(10)
    assert answers == [job.job_id]


def test_a_lost_response_of_a_moto_service_after_it_acted(sim: SimulatedAws) -> None:
    sim.faults.lose_next_response("CreateBucket")
    s3 = boto3.client("s3", region_name="us-east-1", config=NO_RETRIES)
    with pytest.raises(ConnectionClosedError):
        s3.create_bucket(Bucket="made-but-unconfirmed")
    assert "made-but-unconfirmed" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_faults_clear(sim: SimulatedAws, workmail: Any) -> None:
    sim.faults.throttle_rate = 1.0
    sim.faults.lose_next_response()
    sim.faults.clear()
    assert workmail.list_organizations()["OrganizationSummaries"]




@pytest.mark.parametrize(("service", "method", "kwargs", "code"), [
    ("iam", "get_role", {"RoleName": "WorkMailExportRole"}, "AccessDenied"),
    ("kms", "describe_key", {"KeyId": "alias/workmail-export"}, "AccessDeniedException"),
    ("s3", "get_public_access_block", {"Bucket": "example-corp-mail-export"}, "AccessDenied"),
    ("workmail", "list_organizations", {}, "AccessDeniedException"),
])
def test_denied_operations_answer_access_denied(sim: SimulatedAws, service: str, method: str,
                                                kwargs: dict[str, Any], code: str) -> None:
    operation = boto3.client(service).meta.method_to_api_mapping[method]
    sim.faults.deny(service, operation)
    with pytest.raises(ClientError) as caught:
        call(service, method, kwargs)
    assert caught.value.response["Error"]["Code"] == code
    if service != "s3":
        assert f"{service}:{operation}" in caught.value.response["Error"]["Message"]
    sim.faults.clear()
    assert call(service, method, kwargs)
