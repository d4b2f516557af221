"""`workmail-export check`: every preflight check for the fields given, as lines or JSON;
exit 3 when a finding is an error."""

from __future__ import annotations

import sys

from tui.commands import exit_codes
from tui.commands.common import connect
from tui.commands.output import emit_json, finding_dict, print_findings, say_error
from tui.core.model import ConnectionSettings, ExportRequest, Field, Finding, Level
from tui.wizard import calls
from tui.wizard.aws_command import aws_cli_command
from tui.wizard.present import levels_summary
from tui.wizard.state import has_error


def run(settings: ConnectionSettings, request: ExportRequest, given: set[Field], *,
        as_json: bool) -> int:
    """Check `request`; findings about fields not in `given` (left out on purpose) are not
    shown, since they would only say that the field is missing."""
    aws = connect(settings, confirm_identity=True)
    checked = calls.check_all(aws, request)  # a role name, key id or alias looked up first
    findings = [f for f in checked.findings if f.field in given]
    errors = has_error(findings)
    if as_json:
        emit_json({"ok": not errors, "region": aws.region, "summary": levels_summary(findings),
                   "findings": [finding_dict(f) for f in findings],
                   "aws_cli": aws_cli_command(checked.request, settings, aws.region)})
    else:
        print_findings(findings, sys.stdout)
        print(f"Checked in {aws.region}: {levels_summary(findings)}.")
    return refused_if_errors("check", findings) if errors else exit_codes.OK


def refused_if_errors(command: str, findings: list[Finding]) -> int:
    """The one-line refusal on stderr and exit status 3."""
    count = sum(1 for f in findings if f.level is Level.ERROR)
    advice = "fix them and run check again" if command == "check" else \
        "fix them, or pass --force to start anyway"
    say_error(command, f"{count} check(s) found an error; {advice}.")
    return exit_codes.CHECK_ERRORS
