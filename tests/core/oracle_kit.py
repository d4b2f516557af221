"""What the core's tests ask of the simulator as an oracle: run a job to its end, and refuse
a caller the way AWS does (shared by test_checks.py and test_oracle_matrix.py)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tui.core.model import ExportRequest, new_client_token
from tui.core.session import Aws

DAY_AND_AN_HOUR = 25 * 3600


def deny(aws: Aws, service: str, operation: str) -> None:
    """Make every `operation` call of this connection fail the way AWS refuses a caller."""
    from botocore.awsrequest import AWSResponse

    message = (f"User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: "
               f"{service}:{operation}")

    def refuse(**_: Any) -> Any:
        return AWSResponse("", 403, {}, None), {
            "Error": {"Code": "AccessDenied", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": "denied-1"}}

    aws.client(service).meta.events.register(f"before-call.{service}.{operation}", refuse)


def run_job(sim: Any, aws: Aws, request: ExportRequest) -> tuple[str, str]:
    """Submit to the simulator (a new ClientToken: a new job), let its clock run until the
    job is final: (state, error). A refused start is ("REFUSED", its error code). Afterwards
    the clock is a day on, past the mailbox's once-a-day limit."""
    workmail = aws.client("workmail")
    params = {**request.api_params(), "ClientToken": new_client_token()}
    try:
        job_id = workmail.start_mailbox_export_job(**params)["JobId"]
    except ClientError as refused:
        sim.clock.advance(DAY_AND_AN_HOUR)
        return "REFUSED", refused.response["Error"]["Code"]
    for _ in range(20):
        sim.clock.advance(30)
        job = workmail.describe_mailbox_export_job(OrganizationId=request.organization_id,
                                                   JobId=job_id)
        if job["State"] != "RUNNING":
            sim.clock.advance(DAY_AND_AN_HOUR)
            return job["State"], job.get("ErrorInfo", "")
    raise AssertionError("job never finished")
