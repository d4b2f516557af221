"""The batch engine's WorkMail calls, counted, with every failure sorted by what to do next.

A failure is LIMIT (LimitExceededException: wait for a slot or the 24-hour window),
THROTTLED (slow down), SERVER (5xx), NETWORK (no answer: the request may or may not have
reached AWS) or PERMANENT (a request that will never work as it is). The scheduler retries
the first four with backoff and records the last as the mailbox's error.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from tui.core import jobs, submit
from tui.core.errors import aws_failures, translate
from tui.core.model import AwsProblem, CoreError, ExportJob, ExportRequest
from tui.core.session import Aws

PAGE_SIZE = 100  # ListMailboxExportJobs' largest page

_THROTTLING_CODES = frozenset({
    "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
    "RequestThrottled", "RequestThrottledException", "SlowDown",
})
_NETWORK_ERRORS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError,
                   ReadTimeoutError, HTTPClientError,
                   ResponseParserError)  # an answer that could not be read: as none


class FailureKind(str, Enum):
    LIMIT = "limit"
    THROTTLED = "throttled"
    SERVER = "server"
    NETWORK = "network"
    PERMANENT = "permanent"

    @property
    def transient(self) -> bool:
        return self is not FailureKind.PERMANENT


class CallFailure(Exception):
    """A WorkMail call that failed: its kind (what to do) and the problem (what to say)."""

    def __init__(self, kind: FailureKind, problem: AwsProblem) -> None:
        super().__init__(problem.sentence())
        self.kind = kind
        self.problem = problem


def failure_kind(exc: BaseException, problem: AwsProblem) -> FailureKind:
    """What the scheduler should do about an exception raised by a WorkMail call."""
    if isinstance(exc, _NETWORK_ERRORS):
        return FailureKind.NETWORK
    if problem.code == "LimitExceededException":
        return FailureKind.LIMIT
    if problem.code in _THROTTLING_CODES or problem.http_status == 429:
        return FailureKind.THROTTLED
    if problem.http_status is not None and problem.http_status >= 500:
        return FailureKind.SERVER
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500:
            return FailureKind.SERVER
    return FailureKind.PERMANENT


def _failure(exc: Exception, operation: str) -> CallFailure:
    if isinstance(exc, CoreError):
        cause = exc.__cause__ or exc
        return CallFailure(failure_kind(cause, exc.problem), exc.problem)
    problem = translate(exc, operation)
    return CallFailure(failure_kind(exc, problem), problem)


class WorkMailCalls:
    """The calls a run makes, each counted in `calls`; the List/Describe calls that follow
    jobs are also counted in `polls` (the benchmark reads both per tick)."""

    def __init__(self, aws: Aws) -> None:
        self._aws = aws
        self.calls = 0
        self.polls = 0

    @property
    def region(self) -> str:
        return self._aws.region

    def job_pages(self, org_id: str) -> Iterator[list[ExportJob]]:
        """ListMailboxExportJobs page by page (newest first, as the service lists them);
        the caller stops iterating as soon as it has seen what it needs."""
        workmail = self._aws.client("workmail")
        params: dict[str, Any] = {"OrganizationId": org_id, "MaxResults": PAGE_SIZE}
        while True:
            self.calls += 1
            self.polls += 1
            try:
                page = workmail.list_mailbox_export_jobs(**params)
            except aws_failures() as exc:
                raise _failure(exc, "ListMailboxExportJobs") from exc
            yield [jobs.job_from_answer(item, org_id) for item in page.get("Jobs", [])]
            if not page.get("NextToken"):
                return
            params["NextToken"] = page["NextToken"]

    def start(self, request: ExportRequest) -> str:
        """StartMailboxExportJob with the request's own ClientToken; returns the JobId."""
        self.calls += 1
        try:
            return submit.start_export(self._aws, request).job_id
        except CoreError as exc:
            raise _failure(exc, "StartMailboxExportJob") from exc

    def describe(self, org_id: str, job_id: str) -> ExportJob:
        self.calls += 1
        self.polls += 1
        try:
            return jobs.describe_job(self._aws, org_id, job_id)
        except CoreError as exc:
            raise _failure(exc, "DescribeMailboxExportJob") from exc

    def cancel(self, org_id: str, job_id: str) -> None:
        self.calls += 1
        try:
            jobs.cancel_job(self._aws, org_id, job_id)
        except CoreError as exc:
            raise _failure(exc, "CancelMailboxExportJob") from exc
