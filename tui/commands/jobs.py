"""`workmail-export jobs`: the service's jobs (last seven days) merged with the local journal
(everything started here), newest first, as a table or JSON."""

from __future__ import annotations

from tui.commands import exit_codes
from tui.commands.common import connect, journal_entries
from tui.commands.output import emit_json, job_dict
from tui.core import discovery, jobs
from tui.core.model import ConnectionSettings
from tui.wizard.present import utc_time

COLUMNS = ("JOB ID", "STATE", "DONE", "MAILBOX", "STARTED (UTC)", "KNOWN FROM")


def run(settings: ConnectionSettings, organization_id: str, *, as_json: bool) -> int:
    """The jobs of one organization, or of every Active one in the Region."""
    aws = connect(settings)
    if organization_id:
        organizations = [organization_id]
    else:
        organizations = [o.id for o in discovery.list_organizations(aws) if o.selectable]
    service = [job for org in organizations for job in jobs.list_jobs(aws, org)]
    recorded = [e for e in journal_entries() if e.organization_id in organizations
                or (not organization_id and e.region == aws.region)]
    rows = jobs.merge_jobs(service, recorded)
    if as_json:
        emit_json([{**job_dict(row.job), "mailbox": row.entity_label,
                    "from_journal": row.from_journal, "source": row.source} for row in rows])
        return exit_codes.OK
    if not rows:
        where = organization_id or f"any organization in {aws.region}"
        print(f"No export jobs of {where} in the last seven days, and none in the journal.")
        return exit_codes.OK
    table = [COLUMNS] + [
        (row.job.job_id, row.job.state, f"{row.job.progress}%", row.entity_label,
         utc_time(row.job.start_time, seconds=False, zone=False) if row.job.start_time else "",
         "journal only" if row.from_journal else f"service{' + journal' if row.source else ''}")
        for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for line in table:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        print("  ".join(cells).rstrip())
    return exit_codes.OK
