"""`workmail-export start`: the preflight checks, then StartMailboxExportJob; the JobId alone
on stdout (or JSON), findings that are not OK on stderr. Refuses on an error unless --force."""

from __future__ import annotations

import sys

from tui.commands import exit_codes
from tui.commands.check import refused_if_errors
from tui.commands.common import SOURCE, connect, say_journal_notice
from tui.commands.output import emit_json, finding_dict, print_findings
from tui.core.model import ConnectionSettings, ExportRequest, Level
from tui.wizard import calls
from tui.wizard.state import has_error


def run(settings: ConnectionSettings, request: ExportRequest, *, as_json: bool,
        force: bool) -> int:
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
    if has_error(findings) and not force:
        if as_json:
            emit_json(document)
        return refused_if_errors("start", findings)
    job = calls.submit(aws, request, source=SOURCE)
    if job.journal_warning:
        print(f"workmail-export: warning: {job.journal_warning}", file=sys.stderr)
    if as_json:
        emit_json({**document, "started": True, "job_id": job.job_id,
                   "journal_warning": job.journal_warning})
    else:
        print(job.job_id)
    return exit_codes.OK
