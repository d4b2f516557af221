"""The words every face uses to show a request, its findings and an AWS problem, as plain text.

The Textual face styles these; the plain face and the commands print them. Labels, marks,
value descriptions and problem rows live here once, so no face words them differently.

Every value that came from outside (AWS's names and messages, what the person typed) is
escaped here with `tui.core.safe_text.shown` (`shown_lines` where lines are kept), so what
these functions return holds no control character; the Textual face still escapes markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tui.core.model import (
    AwsProblem,
    BucketChoice,
    ExportJob,
    Field,
    Finding,
    KeyChoice,
    Level,
    Mailbox,
    RoleChoice,
    StartedJob,
)
from tui.core.safe_text import shown, shown_lines
from tui.wizard.state import unverified

if TYPE_CHECKING:
    from tui.wizard.state import WizardState

FIELD_LABELS: dict[Field, str] = {
    Field.ORGANIZATION: "Organization", Field.ENTITY: "Mailbox", Field.ROLE: "IAM role",
    Field.KMS_KEY: "KMS key", Field.BUCKET: "Bucket", Field.PREFIX: "Prefix",
    Field.DESCRIPTION: "Description",
}
# Not "?" for what could not be checked: the plain face's questions start with "?", and a
# line of information must not read as one more question.
LEVEL_MARKS: dict[Level, str] = {
    Level.OK: "✓", Level.WARNING: "⚠", Level.ERROR: "✗", Level.UNCHECKED: "○",
}
_SEVERITY = {Level.OK: 0, Level.UNCHECKED: 1, Level.WARNING: 2, Level.ERROR: 3}
DEFAULT_HINT = "Check the values in the review and retry."


def not_usable(why_not: str) -> str:
    """What to say when a listed choice that cannot be used is chosen anyway."""
    return f"Not usable: {shown(why_not)}"


def role_trust(role: RoleChoice) -> str:
    """Whether WorkMail's export service may assume a listed role, and whether its trust
    names the organization chosen (the role made for it)."""
    if not role.trusts_workmail:
        return "no"
    return "yes, names this organization" if role.for_organization else "yes"


def choice_note(choice: KeyChoice | BucketChoice) -> str:
    """Why a listed key or bucket cannot be used, else what the chosen role's policies say
    of it ('' when they could not be read)."""
    if choice.why_not:
        return shown(choice.why_not)
    if choice.role_allows is None:
        return ""
    if not choice.role_allows:
        return "the role's policies do not allow it"
    return "the role may use it" if isinstance(choice, KeyChoice) else "the role may write here"


def mailbox_label(mailbox: Mailbox) -> str:
    """A mailbox as a person recognises it: display name (or name) and email."""
    name = mailbox.display_name or mailbox.name
    return shown(f"{name} <{mailbox.email}>" if mailbox.email else name)


def field_value(state: WizardState, field: Field) -> str:
    """What the request holds for `field`, with the chosen item's name where known."""
    request, org, mailbox, key = state.request, state.organization, state.mailbox, state.key
    values = {
        Field.ORGANIZATION: f"{org.alias} ({org.id})" if org else request.organization_id,
        Field.ENTITY: mailbox_label(mailbox) if mailbox else request.entity_id,
        Field.ROLE: request.role_arn,
        Field.KMS_KEY: ", ".join(key.aliases) if key and key.aliases else request.kms_key_arn,
        Field.BUCKET: request.bucket,
        Field.PREFIX: request.prefix,
        Field.DESCRIPTION: request.description,
    }
    return shown(values[field])


def worst(findings: Iterable[Finding]) -> Level | None:
    """The most serious level among `findings` (None when there are none)."""
    return max((f.level for f in findings), key=_SEVERITY.__getitem__, default=None)


def finding_lines(finding: Finding, *, with_policy: bool = True) -> list[str]:
    """One finding as lines: mark and message, then the fix, then the policy JSON to add."""
    lines = [f"{LEVEL_MARKS[finding.level]} {shown(finding.message)}"]
    if finding.fix and finding.fix != finding.message:
        lines.append(f"  Fix: {shown(finding.fix)}")
    if finding.policy and with_policy:
        lines.append("  Policy to add:")
        lines += [f"    {shown(line)}" for line in finding.policy.splitlines()]
    return lines


def levels_summary(findings: Iterable[Finding]) -> str:
    """How many findings of each level, e.g. "5 ok, 1 warning, 1 error"."""
    counts = {level: 0 for level in Level}
    for finding in findings:
        counts[finding.level] += 1
    words = {Level.OK: ("ok", "ok"), Level.WARNING: ("warning", "warnings"),
             Level.ERROR: ("error", "errors"),
             Level.UNCHECKED: ("could not be checked", "could not be checked")}
    parts = [f"{count} {words[level][count != 1]}" for level, count in counts.items() if count]
    return ", ".join(parts) or "nothing checked"


def not_verified(findings: Iterable[Finding]) -> str:
    """Which fields' checks could not be made, as the start of a sentence ("the checks of
    IAM role and KMS key could not be made"); "" when every check was made. Not verified is
    never shown as ready: AWS did not answer, or a read permission is missing."""
    labels = list(dict.fromkeys(FIELD_LABELS.get(f.field, f.field.value)
                                for f in unverified(list(findings))))
    if not labels:
        return ""
    named = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"the check{'s' if len(labels) > 1 else ''} of {named} could not be made"


def started_words(job: StartedJob) -> tuple[str, str]:
    """What a face says of a started job: a headline and a note ("" when none), the service's
    values escaped. "Running" is said only when the job's state is known to be RUNNING; a
    replayed ClientToken may have been answered with a job that has since ended."""
    job_id, state = shown(job.job_id), shown(job.state)
    ended = ("AWS answered this request with that earlier job and started none. A new submit "
             "is a new request (new ClientToken).")
    if job.state == "RUNNING":
        note = (f"This request (ClientToken {shown(job.client_token)}) had been sent before; "
                "AWS answered with the job it had started for it, so no second job was started."
                if job.replayed else "")
        return "✓ The export job is running.", note
    if job.state == "COMPLETED":
        return f"✓ This request had already started export job {job_id}, which has " \
               "COMPLETED.", ended
    if job.state:
        return f"⚠ This request had already started export job {job_id}, which ended " \
               f"{state}.", ended
    why = shown(job.state_problem or "the service was not asked")
    return (f"✓ AWS accepted the request: export job {job_id}.",
            f"Its state could not be read ({why.rstrip('.')}); follow it with "
            f"`workmail-export status {job_id}`.")


def submit_failed_headline(problem: AwsProblem) -> str:
    """What a face says first when a submit failed: a refusal started nothing, but a lost or
    unreadable answer does not say whether AWS started the job."""
    if problem.outcome_unknown:
        return "⚠ The answer to the submit was lost: the export job may have started."
    return "✗ AWS did not start the export job."


def problem_rows(problem: AwsProblem) -> list[tuple[str, str]]:
    """A failed AWS call as labelled rows: what failed, AWS's words, ids, and what to do
    (with the ClientToken when the call may have been carried out: a retry with it is safe)."""
    rows = [("Exception", problem.code), ("Message", problem.message),
            ("Operation", problem.operation), ("Request id", problem.request_id),
            ("HTTP status", str(problem.http_status) if problem.http_status else ""),
            ("ClientToken", problem.client_token)]
    return [(label, shown_lines(value)) for label, value in rows if value] + [
        ("What to do", shown_lines(problem.hint or DEFAULT_HINT))]


def export_uri(job: ExportJob) -> str:
    """Where the exported object is, as `s3://bucket/key` when the bucket is known (the key
    read from S3Path by the core's one rule, `tui.core.retrieve.locate.key_of`). A path that
    already is an s3:// URI is kept as it is."""
    from tui.core.retrieve.locate import key_of

    path = job.s3_path
    if not path:
        return ""
    if path.startswith("s3://") or not job.bucket:
        return path
    return f"s3://{job.bucket}/{key_of(path, job.bucket, job.prefix)}"


NO_EXPORT = "none"


def export_place(job: ExportJob) -> tuple[str, str]:
    """Where a job's export is, as every face says it: (the place, a note to add in
    parentheses). A FAILED or CANCELLED job wrote nothing, whatever S3Path the service still
    names: ("none", "<that path> was not written"). A RUNNING job's object comes when it is
    done. ("", "") when the service named no path for a job that has not ended badly. The
    path is the service's text, so it is escaped (`shown`)."""
    uri = shown(export_uri(job))
    if job.state in ("FAILED", "CANCELLED"):
        return NO_EXPORT, f"{uri} was not written" if uri else ""
    if not uri:
        return "", ""
    return uri, "when done" if job.state == "RUNNING" else ""


def export_place_text(job: ExportJob) -> str:
    """`export_place` as one piece of text: `none (s3://… was not written)`."""
    place, note = export_place(job)
    return f"{place} ({note})" if note else place


def utc_time(when: datetime, *, seconds: bool = True, zone: bool = True) -> str:
    """`2026-10-01 09:00:00 UTC`: every face says times in UTC, so what one admin reads out
    to another is the same wherever each terminal is. A naive time is taken as UTC (boto3
    gives aware ones); `zone=False` for a table whose heading says UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    text = when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S" if seconds
                                                  else "%Y-%m-%d %H:%M")
    return f"{text} UTC" if zone else text


def utc_clock(when: datetime) -> str:
    """`09:00:40 UTC`: for what happens within minutes (a progress line, the next poll)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%H:%M:%S UTC")
