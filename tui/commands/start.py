"""`workmail-export start`: the preflight checks, then StartMailboxExportJob; the JobId alone
on stdout (or JSON), findings that are not OK on stderr. Refuses (unless --force) when a check
found an error, or could not be made: an export nothing verified is not started blindly."""

from __future__ import annotations

import sys

from tui.commands import exit_codes
from tui.commands.check import refused, verdict
from tui.commands.common import SOURCE, connect
from tui.commands.output import emit_json, finding_dict, print_findings
from tui.core.model import ConnectionSettings, ExportRequest, Level
from tui.wizard import calls


def run(settings: ConnectionSettings, request: ExportRequest, *, as_json: bool,
        force: bool) -> int:
    aws = connect(settings, confirm_identity=True)
    findings = calls.preflight(aws, request)
    shown = [f for f in findings if f.level is not Level.OK]
    document = {"started": False, "region": aws.region,
                "organization_id": request.organization_id, "entity_id": request.entity_id,
                "client_token": request.client_token,
                "findings": [finding_dict(f) for f in findings]}
    print_findings(shown, sys.stderr)
    if verdict(findings) != exit_codes.OK and not force:
        if as_json:
            emit_json(document)
        return refused("start", findings)
    job = calls.submit(aws, request, source=SOURCE)
    if job.journal_warning:
        print(f"workmail-export: warning: {job.journal_warning}", file=sys.stderr)
    if as_json:
        emit_json({**document, "started": True, "job_id": job.job_id,
                   "journal_warning": job.journal_warning})
    else:
        print(job.job_id)
    return exit_codes.OK
