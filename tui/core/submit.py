"""Starts one mailbox export: StartMailboxExportJob with the request's own ClientToken.

The request's fields are checked first (no call is made for a bad one). The ClientToken is
passed explicitly: botocore would otherwise invent a new one for each call, and a face that
retries a submit after a lost answer would start a second job. Within one call, botocore's
standard retry mode resends the same serialized request (same token) after a throttle, a
5xx or a dropped connection; a face that retries later passes the same ExportRequest, so the
service answers with the job it already started.

A `SubmitRecorder` (the local journal) hears about the submit before the call, about the JobId
before this returns, and about a refusal (a known outcome: no job). When the outcome is
unknown (a 5xx, no answer, an unreadable answer) the CoreError's problem carries the
ClientToken, since a retry with it is the safe way to learn what happened. A recorder that
fails does not lose the job: its JobId is returned with a warning sentence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from tui.core.errors import aws_failures, translate
from tui.core.fields import check_request
from tui.core.model import AwsProblem, CoreError, ExportRequest, StartedJob

if TYPE_CHECKING:
    from tui.core.session import Aws

OPERATION = "workmail:StartMailboxExportJob"


class SubmitRecorder(Protocol):
    """Keeps a local record of submitted jobs (implemented by tui.core.journal.Journal)."""

    def record_submit(self, request: ExportRequest, region: str) -> bool:
        """A request is about to be sent to `region`; False when its ClientToken was sent
        before."""

    def record_started(self, client_token: str, job_id: str) -> None:
        """The service answered the request with this ClientToken with `job_id`."""

    def record_refused(self, client_token: str, problem: AwsProblem) -> None:
        """The request with this ClientToken started no job (refused, or never sent)."""


def start_export(aws: Aws, request: ExportRequest,
                 recorder: SubmitRecorder | None = None) -> StartedJob:
    """Start the export job of `request`; raises CoreError (with the Field at fault) if refused.

    The StartedJob's state is RUNNING when the recorder confirms the ClientToken was never
    sent before (the service started the job now); otherwise it is left unknown ("")."""
    _refuse_bad_fields(request)
    token = request.client_token
    first_send: list[bool] = []  # what the recorder said, if it could
    journal_failure = ""
    if recorder is not None:
        journal_failure = _journal(lambda: first_send.append(
            recorder.record_submit(request, aws.region)))
    try:
        answer = aws.client("workmail").start_mailbox_export_job(**request.api_params())
    except aws_failures() as exc:
        problem = translate(exc, OPERATION, aws.profile)
        if problem.outcome_unknown:
            problem = replace(problem, client_token=token)
        elif recorder is not None and not journal_failure:
            _journal(lambda: recorder.record_refused(token, problem))
        raise CoreError(problem) from exc
    job_id = str(answer["JobId"])
    if recorder is not None and not journal_failure:
        journal_failure = _journal(lambda: recorder.record_started(token, job_id))
    warning = ""
    if journal_failure:
        warning = (f"Export job {job_id} started, but the local journal could not record it "
                   f"({journal_failure}); note the job id: the service lists jobs for 7 days "
                   "only.")
    new = first_send == [True]
    return StartedJob(job_id=job_id, journal_warning=warning, client_token=token,
                      replayed=first_send == [False], state="RUNNING" if new else "")


def _refuse_bad_fields(request: ExportRequest) -> None:
    problems = check_request(request)
    if not problems:
        return
    (field, message), *others = problems.items()
    hint = "Correct it and submit again; nothing was sent to AWS."
    if others:
        hint = (f"Correct it and the {len(others)} other wrong field(s) "
                f"({', '.join(f.value for f, _ in others)}) and submit again; "
                "nothing was sent to AWS.")
    raise CoreError(AwsProblem(code="InvalidValue", message=message, hint=hint,
                               operation=OPERATION, field=field))


def _journal(step: Callable[[], None]) -> str:
    """Run one recorder step; why it failed, or "" when it did not."""
    try:
        step()
    except CoreError as exc:
        return exc.problem.message.rstrip(".")
    except (OSError, sqlite3.Error) as exc:
        return str(exc) or type(exc).__name__
    return ""
