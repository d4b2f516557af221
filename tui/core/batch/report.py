"""The run's manifest (CSV and JSON) and the sentence that says what still needs doing.

One line per mailbox: mailbox, email, JobId, state, S3 path, start, end (ISO 8601, UTC),
error; and what was proven of its export on this machine (tui.core.retrieve.results): its
size, the verification state, the download state and the sha384 of the download. Written at
the end of a run and whenever a face asks, from the store and that record.

The manifests list every employee's mailbox, so they are private: each is created with mode
0600 (in a directory made 0700) and replaces only an earlier manifest of the same run
(`tui.core.state_files.write_private`); a link or any other file of that name is refused with
`state_files.NotOurs` and left untouched.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from tui.core.batch.model import MailboxRow, RowState, RunInfo
from tui.core.retrieve.results import Retrieval, known
from tui.core.state_files import write_private

COLUMNS = ("mailbox", "email", "entity_id", "job_id", "state", "attempts", "s3_bucket",
           "s3_path", "started", "ended", "error", "note", "size", "verification", "download",
           "sha384")
Proven = Mapping[str, Retrieval]  # JobId -> what verify/download found


def _iso(moment: float | None) -> str:
    if moment is None:
        return ""
    return datetime.fromtimestamp(moment, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def _proven(rows: Sequence[MailboxRow], proven: Proven | None) -> Proven:
    return proven if proven is not None else known([row.job_id for row in rows])


def manifest_rows(run: RunInfo, rows: Sequence[MailboxRow], proven: Proven | None = None
                  ) -> list[dict[str, object]]:
    """The manifest as plain dicts, one per mailbox, in plan order. `proven` defaults to
    the local record of verifications and downloads."""
    proven = _proven(rows, proven)
    empty = Retrieval("")
    return [{
        "mailbox": row.name or row.entity_id, "email": row.email, "entity_id": row.entity_id,
        "job_id": row.job_id, "state": row.state.value, "attempts": row.attempts,
        "s3_bucket": run.settings.bucket, "s3_path": row.s3_path,
        "started": _iso(row.started_at), "ended": _iso(row.ended_at), "error": row.error,
        "note": row.note,
        **_proof(proven.get(row.job_id, empty)),
    } for row in rows]


def _proof(retrieval: Retrieval) -> dict[str, object]:
    return {"size": "" if retrieval.size is None else retrieval.size,
            "verification": retrieval.verification, "download": retrieval.download,
            "sha384": retrieval.sha384}


def manifest_csv(run: RunInfo, rows: Sequence[MailboxRow], proven: Proven | None = None
                 ) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(manifest_rows(run, rows, proven))
    return out.getvalue()


def manifest_json(run: RunInfo, rows: Sequence[MailboxRow], proven: Proven | None = None
                  ) -> str:
    settings = run.settings
    document = {
        "run_id": run.run_id, "organization_id": settings.organization_id,
        "role_arn": settings.role_arn, "kms_key_arn": settings.kms_key_arn,
        "bucket": settings.bucket, "base_prefix": settings.base_prefix,
        "description": settings.description, "concurrency": settings.concurrency,
        "created": _iso(run.created), "status": run.status.value,
        "summary": summary(rows), "mailboxes": manifest_rows(run, rows, proven),
    }
    return json.dumps(document, indent=2)


def write_manifests(run: RunInfo, rows: Sequence[MailboxRow], directory: Path) -> list[Path]:
    """Write `<run id>.csv` and `<run id>.json` (mode 0600) into `directory`; returns their
    paths. Raises OSError, or state_files.NotOurs (an OSError too) when a file of that name
    is not a manifest of this run."""
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    proven = _proven(rows, None)
    for suffix, text, ours in (("csv", manifest_csv(run, rows, proven), _is_csv_manifest),
                               ("json", manifest_json(run, rows, proven),
                                _is_json_manifest(run))):
        path = directory / f"{run.run_id}.{suffix}"
        write_private(path, text, ours, "manifest")
        written.append(path)
    return written


def _is_csv_manifest(text: str) -> bool:
    """A manifest of ours, with the columns it has had since the first version (the proof
    columns came later; an earlier manifest of the run is still ours to replace)."""
    return text.startswith(",".join(COLUMNS[:COLUMNS.index("note") + 1]))


def _is_json_manifest(run: RunInfo) -> Callable[[str], bool]:
    def ours(text: str) -> bool:
        try:
            document = json.loads(text)
        except ValueError:
            return False
        return isinstance(document, dict) and document.get("run_id") == run.run_id
    return ours


def summary(rows: Sequence[MailboxRow], run_id: str = "") -> str:
    """What the run achieved and what still needs doing, as one or two sentences."""
    count = {state: sum(1 for row in rows if row.state == state) for state in RowState}
    done = f"{count[RowState.COMPLETED]} of {len(rows)} mailboxes exported."
    resume = f"workmail-export batch --resume {run_id}" if run_id else "resume the run"
    todo: list[str] = []
    waiting = count[RowState.PLANNED] + count[RowState.STARTING]
    if count[RowState.RUNNING]:
        todo.append(f"{count[RowState.RUNNING]} still running on AWS ({resume} to follow "
                    "them)")
    if waiting:
        todo.append(f"{waiting} not started yet ({resume} to start them)")
    if count[RowState.FAILED]:
        todo.append(f"{count[RowState.FAILED]} failed (see the error column; fix the cause "
                    "and export them again)")
    if count[RowState.CANCELLED]:
        todo.append(f"{count[RowState.CANCELLED]} cancelled (export them again if needed)")
    if count[RowState.SKIPPED]:
        todo.append(f"{count[RowState.SKIPPED]} skipped because they were exported in the "
                    "last 24 hours (export them again a day later if needed)")
    if not todo:
        return f"{done} Nothing left to do."
    return f"{done} Still to do: " + "; ".join(todo) + "."
