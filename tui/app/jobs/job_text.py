"""How the monitor and jobs screens word a job: times, durations, the S3 object, state colours.

Plain functions of an ExportJob, no widgets; times are shown in UTC so that what one admin
reads out to another (and every snapshot) is the same wherever the terminal is.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.core.model import ExportJob, Mailbox
from tui.wizard.present import (
    export_uri,  # one for every face (the jobs screen imports it here)
    utc_clock,
    utc_time,
)

STATE_STYLES = {"RUNNING": "bold cyan", "COMPLETED": "bold green", "FAILED": "bold red",
                "CANCELLED": "bold yellow"}
STATE_MARKS = {"RUNNING": "●", "COMPLETED": "✓", "FAILED": "✗", "CANCELLED": "■"}
NOT_YET = "—"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def moment(when: datetime | None, *, seconds: bool = True) -> str:
    """`2026-10-01 09:00:00 UTC`, or a dash; without seconds and zone for a table cell under
    a heading that says UTC."""
    if when is None:
        return NOT_YET
    return utc_time(when, seconds=seconds, zone=seconds)


def clock_time(when: datetime) -> str:
    """`09:00:40 UTC`: for things that happen within minutes (the next poll)."""
    return utc_clock(when)


def duration(span: timedelta) -> str:
    """`0:04:05`, or `2 d 3:04:05` past a day; never negative."""
    seconds = max(0, int(span.total_seconds()))
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    clock = f"{hours}:{minutes:02}:{seconds:02}"
    return f"{days} d {clock}" if days else clock


def elapsed(job: ExportJob, now: datetime) -> str:
    """How long the job ran (to its end) or has been running (to `now`)."""
    if job.start_time is None:
        return NOT_YET
    return duration((job.end_time or now) - job.start_time)


def export_object(job: ExportJob) -> str:
    """The URI of the object a COMPLETED or RUNNING job writes; "" when there is none."""
    return export_uri(job) if job.state in ("RUNNING", "COMPLETED") else ""


def short_id(job_id: str) -> str:
    """The first block of a JobId, enough to tell jobs apart in a table."""
    head = job_id.split("-", 1)[0]
    return f"{head}…" if head != job_id else job_id


def mailbox_title(mailbox: Mailbox | None, fallback: str) -> str:
    """`Alice Wong <alice.wong@example.com>` for the monitor, else `fallback`."""
    if mailbox is None or not mailbox.email:
        return fallback
    return f"{mailbox.display_name or mailbox.name} <{mailbox.email}>"
