"""`workmail-export check`: every preflight check for the fields given, as lines or JSON;
exit 3 when a finding is an error, else 6 when a check could not be made (not verified is
not a pass)."""

from __future__ import annotations

import sys

from tui.commands import exit_codes
from tui.commands.common import connect
from tui.commands.output import emit_json, finding_dict, print_findings, say_error
from tui.core.model import ConnectionSettings, ExportRequest, Field, Finding, Level
from tui.wizard import calls
from tui.wizard.aws_command import aws_cli_command
from tui.wizard.present import levels_summary, not_verified
from tui.wizard.state import has_error, unverified


def run(settings: ConnectionSettings, request: ExportRequest, given: set[Field], *,
        as_json: bool) -> int:
    """Check `request`; findings about fields not in `given` (left out on purpose) are not
    shown, since they would only say that the field is missing."""
    aws = connect(settings, confirm_identity=True)
    checked = calls.check_all(aws, request)  # a role name, key id or alias looked up first
    findings = [f for f in checked.findings if f.field in given]
    if as_json:
        emit_json({"ok": verdict(findings) == exit_codes.OK, "region": aws.region,
                   "summary": levels_summary(findings),
                   "findings": [finding_dict(f) for f in findings],
                   "aws_cli": aws_cli_command(checked.request, settings, aws.region)})
    else:
        print_findings(findings, sys.stdout)
        print(f"Checked in {aws.region}: {levels_summary(findings)}.")
    return refused("check", findings)


def verdict(findings: list[Finding]) -> int:
    """3 when a finding is an error, else 6 when an essential check could not be made, else
    0."""
    if has_error(findings):
        return exit_codes.CHECK_ERRORS
    if unverified(findings):
        return exit_codes.NOT_VERIFIED
    return exit_codes.OK


def refused(command: str, findings: list[Finding]) -> int:
    """The verdict's exit status, with a one-line refusal on stderr when it is not 0."""
    code = verdict(findings)
    if code == exit_codes.CHECK_ERRORS:
        count = sum(1 for f in findings if f.level is Level.ERROR)
        advice = "fix them and run check again" if command == "check" else \
            "fix them, or pass --force to start anyway"
        say_error(command, f"{count} check(s) found an error; {advice}.")
    elif code == exit_codes.NOT_VERIFIED:
        again = "run check again" if command == "check" else \
            f"run {command} again, or pass --force to start anyway"
        say_error(command, f"not verified: {not_verified(findings)} (see why above); once "
                  f"AWS answers or the missing permission is granted, {again}.")
    return code
