"""The run's manifest (CSV and JSON) and the sentence that says what still needs doing.

One line per mailbox: mailbox, email, JobId, state, S3 path, start, end (ISO 8601, UTC),
error, note; what was proven of its export on this machine (tui.core.retrieve.results): its
size, the verification state, the download state and the sha384 of the download; and the
mailbox's size (MB) and state when it was planned. Then one line per line or mailbox the plan
named but could not export (state `excluded`, the reason in the note). A failed disabled
mailbox's note says what the admin can do (disabled.advice). Written at the end of a run and
whenever a face asks, from the store (`Extras`: the sizes and exclusions stored with a run)
and that record.

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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tui.core.batch.disabled import LEFT_OUT_MARK, advice
from tui.core.batch.facts import Excluded, MailboxFacts
from tui.core.batch.model import MailboxRow, RowState, RunInfo
from tui.core.batch.store import BatchStore
from tui.core.retrieve.results import Retrieval, known
from tui.core.state_files import write_private

COLUMNS = ("mailbox", "email", "entity_id", "job_id", "state", "attempts", "s3_bucket",
           "s3_path", "started", "ended", "error", "note", "size", "verification", "download",
           "sha384", "mailbox_size_mb", "mailbox_state")
Proven = Mapping[str, Retrieval]  # JobId -> what verify/download found
EXCLUDED = "excluded"  # the state column of a line or mailbox the plan could not export


@dataclass(frozen=True)
class Extras:
    """What a run stored beyond its rows: each mailbox's size and state, and the lines and
    mailboxes its plan could not export."""

    facts: Mapping[str, MailboxFacts] = field(default_factory=dict)
    excluded: Sequence[Excluded] = ()


def extras_of(store: BatchStore, run_id: str) -> Extras:
    return Extras(store.facts(run_id), store.excluded(run_id))


def _disabled(row: MailboxRow, extras: Extras) -> bool:
    facts = extras.facts.get(row.entity_id)
    return facts is not None and facts.state == "DISABLED"


def _iso(moment: float | None) -> str:
    if moment is None:
        return ""
    return datetime.fromtimestamp(moment, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def _proven(rows: Sequence[MailboxRow], proven: Proven | None) -> Proven:
    return proven if proven is not None else known([row.job_id for row in rows])


def manifest_rows(run: RunInfo, rows: Sequence[MailboxRow], proven: Proven | None = None,
                  extras: Extras | None = None) -> list[dict[str, object]]:
    """The manifest as plain dicts, one per mailbox in plan order, then one per exclusion.
    `proven` defaults to the local record of verifications and downloads."""
    proven = _proven(rows, proven)
    known_extras = extras or Extras()
    empty = Retrieval("")
    table: list[dict[str, object]] = []
    for row in rows:
        facts = known_extras.facts.get(row.entity_id)
        note = row.note
        if row.state is RowState.FAILED and _disabled(row, known_extras):
            note = advice(row.label, row.entity_id, run.settings.organization_id, row.email)
        table.append({
            "mailbox": row.name or row.entity_id, "email": row.email,
            "entity_id": row.entity_id, "job_id": row.job_id, "state": row.state.value,
            "attempts": row.attempts, "s3_bucket": run.settings.bucket,
            "s3_path": row.s3_path, "started": _iso(row.started_at),
            "ended": _iso(row.ended_at), "error": row.error, "note": note,
            **_proof(proven.get(row.job_id, empty)),
            "mailbox_size_mb": facts.size_mb if facts is not None else None,
            "mailbox_state": facts.state if facts is not None else "",
        })
    for line in known_extras.excluded:
        blank: dict[str, object] = dict.fromkeys(COLUMNS, "")
        table.append(blank | {"mailbox": line.text, "state": EXCLUDED, "attempts": 0,
                              "mailbox_size_mb": None, "note": line.reason})
    return table


def _proof(retrieval: Retrieval) -> dict[str, object]:
    return {"size": "" if retrieval.size is None else retrieval.size,
            "verification": retrieval.verification, "download": retrieval.download,
            "sha384": retrieval.sha384}


def manifest_csv(run: RunInfo, rows: Sequence[MailboxRow], proven: Proven | None = None,
                 extras: Extras | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(manifest_rows(run, rows, proven, extras))
    return out.getvalue()


def manifest_json(run: RunInfo, rows: Sequence[MailboxRow], proven: Proven | None = None,
                  extras: Extras | None = None) -> str:
    settings = run.settings
    known_extras = extras or Extras()
    sizes = [f.size_mb for f in known_extras.facts.values() if f.size_mb is not None]
    document = {
        "run_id": run.run_id, "organization_id": settings.organization_id,
        "role_arn": settings.role_arn, "kms_key_arn": settings.kms_key_arn,
        "bucket": settings.bucket, "base_prefix": settings.base_prefix,
        "description": settings.description, "concurrency": settings.concurrency,
        "created": _iso(run.created), "status": run.status.value,
        "total_mb": round(sum(sizes), 1), "excluded": len(known_extras.excluded),
        "summary": summary(rows, extras=known_extras),
        "mailboxes": manifest_rows(run, rows, proven, known_extras),
    }
    return json.dumps(document, indent=2)


def write_manifests(run: RunInfo, rows: Sequence[MailboxRow], directory: Path,
                    extras: Extras | None = None) -> list[Path]:
    """Write `<run id>.csv` and `<run id>.json` (mode 0600) into `directory`; returns their
    paths. Raises OSError, or state_files.NotOurs (an OSError too) when a file of that name
    is not a manifest of this run."""
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    proven = _proven(rows, None)
    for suffix, text, ours in (("csv", manifest_csv(run, rows, proven, extras),
                                _is_csv_manifest),
                               ("json", manifest_json(run, rows, proven, extras),
                                _is_json_manifest(run))):
        path = directory / f"{run.run_id}.{suffix}"
        write_private(path, text, ours, "manifest")
        written.append(path)
    return written


def write_run_manifests(store: BatchStore, run_id: str, directory: Path) -> list[Path]:
    """The manifests of a stored run, with everything the store knows of it."""
    return write_manifests(store.run(run_id), store.rows(run_id), directory,
                           extras_of(store, run_id))


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


def summary(rows: Sequence[MailboxRow], run_id: str = "", extras: Extras | None = None) -> str:
    """What the run achieved and what still needs doing, as one or two sentences."""
    known_extras = extras or Extras()
    count = {state: sum(1 for row in rows if row.state == state) for state in RowState}
    left_out = sum(1 for row in rows if row.state is RowState.SKIPPED
                   and row.note.startswith(LEFT_OUT_MARK))
    failed_disabled = sum(1 for row in rows if row.state is RowState.FAILED
                          and _disabled(row, known_extras))
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
    if failed_disabled:
        todo.append(f"{failed_disabled} of the failed are disabled mailboxes, removed 30 days "
                    "after disabling (the note column says how to export them in time)")
    if count[RowState.CANCELLED]:
        todo.append(f"{count[RowState.CANCELLED]} cancelled (export them again if needed)")
    if count[RowState.SKIPPED] - left_out:
        todo.append(f"{count[RowState.SKIPPED] - left_out} skipped because they were exported "
                    "in the last 24 hours (export them again a day later if needed)")
    if left_out:
        todo.append(f"{left_out} disabled left out on request (removed 30 days after "
                    "disabling: export them before then)")
    excluded = (f" {len(known_extras.excluded)} named but not exportable (the manifest's "
                "excluded lines say why)." if known_extras.excluded else "")
    if not todo:
        return f"{done} Nothing left to do.{excluded}"
    return f"{done} Still to do: " + "; ".join(todo) + "." + excluded
