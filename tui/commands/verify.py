"""`workmail-export verify JOB_ID | --run RUN_ID`: is each export there, whole and the size
its log says, without downloading it. Lines (or --json); the verdicts are kept in the local
record and, for a run, in its manifests. Exit 0 when every export is verified, 5 when one is
not (missing, size mismatch, no log, not completed), 1 when AWS refused a check."""

from __future__ import annotations

from typing import Any

from tui.commands import exit_codes
from tui.commands.common import connect
from tui.commands.exports import rewrite_manifests, targets, verdict_status
from tui.commands.output import emit_json
from tui.core.model import ConnectionSettings
from tui.core.retrieve.model import Verification
from tui.core.safe_text import shown
from tui.wizard.retrieve import VERIFY_WORDS, ChosenExport, verify_and_record

COMMAND = "verify"


def verification_dict(target: ChosenExport, verification: Verification) -> dict[str, Any]:
    export, log, location = verification.object, verification.log, verification.location
    return {
        "job_id": verification.job_id, "mailbox": target.label, "state": verification.state.value,
        "verified": verification.state.passed, "sentence": verification.sentence,
        "permission": verification.permission or None, "notes": list(verification.notes),
        "bucket": location.bucket if location else None, "key": location.key if location else None,
        "size": export.size if export else None,
        "encryption": export.encryption if export else None,
        "kms_key_id": export.kms_key_id if export else None,
        "last_modified": export.last_modified if export else None,
        "log": None if log is None else {
            "key": log.key, "totalMessages": log.total_messages, "totalBytes": log.total_bytes,
            "totalFolders": log.total_folders,
            "totalNonExportableItems": log.total_non_exportable, "sha384Hash": log.sha384,
            "startTime": log.start_time, "endTime": log.end_time},
    }


def verification_lines(target: ChosenExport, verification: Verification) -> list[str]:
    """One line naming the mailbox and state, then the sentence and notes, indented; every
    piece of outside text escaped."""
    label = f"{target.label} ({verification.job_id})" if target.label != verification.job_id \
        else verification.job_id
    lines = [f"{VERIFY_WORDS[verification.state]:<15}{label}",
             f"{'':<15}{verification.sentence}"]
    lines += [f"{'':<15}{note}" for note in verification.notes]
    return [shown(line) for line in lines]


def run(settings: ConnectionSettings, job_id: str, organization_id: str, run_id: str, *,
        as_json: bool) -> int:
    aws = connect(settings)
    chosen = targets(aws, job_id, organization_id, run_id)
    verdicts = []
    for target in chosen:
        verification = verify_and_record(aws, target.job)
        verdicts.append((target, verification))
        if not as_json:
            print("\n".join(verification_lines(target, verification)), flush=True)
    manifests = rewrite_manifests(run_id, COMMAND) if run_id else []
    status = verdict_status([v.state for _, v in verdicts])
    if as_json:
        emit_json({"verifications": [verification_dict(t, v) for t, v in verdicts],
                   "verified": sum(v.state.passed for _, v in verdicts),
                   "total": len(verdicts), "manifests": manifests})
    else:
        if run_id:
            print(f"{sum(v.state.passed for _, v in verdicts)} of {len(verdicts)} exports of "
                  f"run {run_id} verified.")
        if manifests:
            print("Manifests: " + ", ".join(shown(path) for path in manifests))
        if not verdicts:
            print(f"Run {run_id} has no job to verify yet.")
    return status if verdicts else exit_codes.OK
