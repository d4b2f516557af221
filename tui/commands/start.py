"""`workmail-export start`: the preflight checks, then StartMailboxExportJob; the JobId alone
on stdout (or JSON), findings that are not OK on stderr. Refuses (unless --force) when a check
found an error, or could not be made: an export nothing verified is not started blindly.

When the answer to the start is lost (the request may have reached AWS), it prints the
ClientToken and the exact command that retries safely; a plain `start` of the same request
reuses that token by itself (the journal remembers the unanswered submit). A start answered
with a job that had already ended says so on stderr, never as a new running job."""

from __future__ import annotations

import os
import shlex
import sys
from typing import TYPE_CHECKING

from tui.commands import exit_codes
from tui.commands.check import refused, verdict
from tui.commands.common import SOURCE, connect, say_journal_notice
from tui.commands.output import (
    emit_json,
    finding_dict,
    print_findings,
    problem_dict,
    report_problem,
    say_error,
)
from tui.core.model import ConnectionSettings, CoreError, ExportRequest, Level
from tui.wizard import calls
from tui.wizard.present import started_words

if TYPE_CHECKING:
    from tui.core.session import Aws


def run(settings: ConnectionSettings, request: ExportRequest, *, as_json: bool,
        force: bool, token_given: bool = False) -> int:
    """`token_given`: the ClientToken came from --client-token (used as it is)."""
    say_journal_notice()
    aws = connect(settings, confirm_identity=True)
    checked = calls.check_all(aws, request)  # a role name, key id or alias looked up first
    request, findings = checked.request, checked.findings
    shown = [f for f in findings if f.level is not Level.OK or f in checked.resolved]
    document = {"started": False, "region": aws.region,
                "organization_id": request.organization_id, "entity_id": request.entity_id,
                "role_arn": request.role_arn, "kms_key_arn": request.kms_key_arn,
                "client_token": request.client_token,
                "findings": [finding_dict(f) for f in findings]}
    print_findings(shown, sys.stderr)
    if verdict(findings) != exit_codes.OK and not force:
        if as_json:
            emit_json(document)
        return refused("start", findings)
    try:
        job = calls.submit(aws, request, source=SOURCE, token_from_user=token_given)
    except CoreError as error:
        if not error.problem.client_token:
            raise
        return _outcome_unknown(aws, request.with_changes(
            client_token=error.problem.client_token), error, document, as_json)
    resent = job.client_token != request.client_token
    if resent:
        say_error("start", f"this request was sent before and its answer never came; it was "
                  f"sent again with that submit's ClientToken {job.client_token}, so AWS "
                  "starts at most one job.")
    if job.journal_warning:
        print(f"workmail-export: warning: {job.journal_warning}", file=sys.stderr)
    headline, note = started_words(job)
    if job.state != "RUNNING" or (job.replayed and not resent):
        say_error("start", " ".join(filter(None, (headline.lstrip("✓⚠ "), note))))
    if as_json:
        emit_json({**document, "client_token": job.client_token, "started": True,
                   "job_id": job.job_id, "state": job.state, "replayed": job.replayed,
                   "journal_warning": job.journal_warning})
    else:
        print(job.job_id)
    return exit_codes.OK


def _outcome_unknown(aws: Aws, request: ExportRequest, error: CoreError,
                     document: dict[str, object], as_json: bool) -> int:
    """The start may have reached AWS: the problem, its ClientToken and the safe retry."""
    command = retry_command(aws, request)
    report_problem(error.problem, as_json=False)
    print(f"  Retry safely (same ClientToken: AWS starts at most one job): {command}",
          file=sys.stderr)
    if as_json:
        emit_json({**document, "client_token": request.client_token,
                   "error": problem_dict(error.problem), "retry_command": command})
    return exit_codes.AWS_ERROR


def retry_command(aws: Aws, request: ExportRequest) -> str:
    """The `workmail-export start` command that sends this very request again: the same
    fields, connection, journal and ClientToken (an endpoint's user:password masked)."""
    from tui.cli import PREFILL_FLAGS, PROG
    from tui.core.journal import JOURNAL_ENV
    from tui.core.redact import masked_url

    words = [PROG, "start"]
    for flag, (_, attribute, _, _) in PREFILL_FLAGS.items():
        if getattr(request, attribute):
            words += [flag, getattr(request, attribute)]
    if aws.profile:
        words += ["--profile", aws.profile]
    words += ["--region", aws.region]
    if aws.endpoint_url:
        words += ["--endpoint-url", masked_url(aws.endpoint_url)]
    if aws.settings.timeout is not None:
        words += ["--timeout", f"{aws.settings.timeout:g}"]
    if os.environ.get(JOURNAL_ENV):
        words += ["--journal", os.environ[JOURNAL_ENV]]
    words += ["--client-token", request.client_token]
    return " ".join(shlex.quote(word) for word in words)
