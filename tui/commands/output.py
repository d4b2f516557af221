"""How the commands print: lines for people on stdout, or one JSON document with --json;
AWS problems and refusals on stderr. Findings, jobs and problems become dicts here, once."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from tui.core.model import AwsProblem, ExportJob, Finding
from tui.wizard.present import FIELD_LABELS, finding_lines, problem_rows

PROG = "workmail-export"


def emit_json(document: object) -> None:
    """One JSON document on stdout (datetimes as ISO 8601)."""
    print(json.dumps(document, indent=2, default=_plain))


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def finding_dict(finding: Finding) -> dict[str, str]:
    return {"field": finding.field.value, "level": finding.level.value,
            "message": finding.message, "fix": finding.fix, "policy": finding.policy}


def job_dict(job: ExportJob) -> dict[str, Any]:
    return {**asdict(job), "finished": job.finished}


def problem_dict(problem: AwsProblem) -> dict[str, Any]:
    document = asdict(problem)
    document["field"] = problem.field.value if problem.field else None
    return document


def report_problem(problem: AwsProblem, as_json: bool) -> None:
    """An AWS failure: exception, message and what to do on stderr (and as JSON on stdout)."""
    print(f"{PROG}: {problem.code}: {problem.message}", file=sys.stderr)
    for label, value in problem_rows(problem):
        if label not in ("Exception", "Message"):
            print(f"  {label}: {value}", file=sys.stderr)
    if as_json:
        emit_json({"error": problem_dict(problem)})


def say_error(command: str, message: str) -> None:
    """One line on stderr naming the command."""
    print(f"{PROG} {command}: {message}", file=sys.stderr)


def print_findings(findings: Iterable[Finding], stream: TextIO) -> None:
    """Findings under their field's label, each with its fix and policy."""
    for finding in findings:
        label = FIELD_LABELS.get(finding.field, finding.field.value)
        lines = finding_lines(finding)
        print(f"{label:<13}{lines[0]}", file=stream)
        for line in lines[1:]:
            print(f"{'':<13}{line}", file=stream)
