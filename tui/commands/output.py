"""How the commands print: lines for people on stdout, or one JSON document with --json;
AWS problems and refusals on stderr. Findings, jobs and problems become dicts here, once.

Everything a command prints passes through `tui.core.safe_text.shown_lines` on its way to
the terminal: `escaped_output()` (installed by `tui.cli.main` around every command) puts an
`EscapedStream` in front of stdout and stderr, so a job's Description, an AWS error message,
a line of a list file or a path typed by the person shows its control characters as visible
escapes and the terminal obeys none of them. JSON is unchanged by it (json.dumps writes
control characters and every non-ASCII character as \\u escapes). The commands' own terminal
controls (the batch progress line redrawn in place) go around it with `write_control`.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from tui.core.model import AwsProblem, ExportJob, Finding
from tui.core.safe_text import shown_lines
from tui.wizard.present import FIELD_LABELS, finding_lines, problem_rows

PROG = "workmail-export"


class EscapedStream(io.TextIOBase):
    """A text stream in front of `raw` that writes everything through `shown_lines`: every
    control character but the newline becomes a visible escape. Character by character, so
    text split over several writes is escaped the same."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(shown_lines(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8")


@contextlib.contextmanager
def escaped_output(enabled: bool = True) -> Iterator[None]:
    """stdout and stderr escaped (see `EscapedStream`) while the block runs."""
    if not enabled or isinstance(sys.stdout, EscapedStream):
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapedStream(sys.stdout), EscapedStream(sys.stderr)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = saved


def write_control(stream: TextIO, sequence: str) -> None:
    """One of our own terminal controls (e.g. "\\r\\x1b[K": back to the line's start and clear
    it), written past the escaping of `escaped_output`. Never for text from outside."""
    (stream.raw if isinstance(stream, EscapedStream) else stream).write(sequence)


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
