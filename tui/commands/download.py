"""`workmail-export download JOB_ID | --run RUN_ID --to DIR`: verify, then download each
export (concurrent ranged GETs, resumable), its sha384 compared with its log. A progress bar
on a terminal, plain lines elsewhere (on stderr with --json). Ctrl-C stops and keeps the
parts already saved: the same command continues. Exit 0 when every download matches its
log, 5 when one is missing, mismatched or has no log, 1 when AWS or the disk refused, 130
when interrupted."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tui.commands import exit_codes
from tui.commands.common import connect
from tui.commands.exports import escaped, rewrite_manifests, targets, verdict_status
from tui.commands.output import emit_json, problem_dict, report_problem, say_error
from tui.commands.progress import ProgressOut, size_text
from tui.commands.verify import verification_lines
from tui.core.model import ConnectionSettings, CoreError
from tui.core.retrieve import transfer
from tui.core.retrieve.model import DownloadResult, DownloadState, VerifyState
from tui.core.retrieve.part_record import PartRecord
from tui.core.safe_text import shown
from tui.wizard.retrieve import (
    DOWNLOAD_WORDS,
    ChosenExport,
    download_and_record,
    download_path,
    verify_and_record,
)

COMMAND = "download"


def result_lines(target: ChosenExport, result: DownloadResult) -> list[str]:
    label = f"{target.label} ({target.job.job_id})" if target.label != target.job.job_id \
        else target.job.job_id
    how = ("already there, nothing fetched" if result.already_there else
           f"{result.fetched_parts} parts fetched, {result.reused_parts} kept from before")
    lines = [f"{DOWNLOAD_WORDS[result.state]:<31}{label}",
             f"{'':<4}{result.path}  {result.size:,} bytes; {how}",
             f"{'':<4}sha384 {result.sha384}"]
    if result.state is DownloadState.HASH_MISMATCH and result.log is not None:
        lines.append(f"{'':<4}the log {result.log.key} says {result.log.sha384}: the object "
                     "is not what WorkMail wrote (replaced or damaged in S3); the file is "
                     "kept under a name that says so")
    if result.log_path:
        lines.append(f"{'':<4}log saved as {result.log_path}")
    return [shown(line) for line in lines]


def result_dict(target: ChosenExport, result: DownloadResult | None,
                state: str, problem: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"job_id": target.job.job_id, "mailbox": target.label, "state": state,
            "path": result.path if result else None, "size": result.size if result else None,
            "sha384": result.sha384 if result else None,
            "log_sha384": result.log.sha384 if result and result.log else None,
            "log_path": result.log_path if result else None,
            "fetched_parts": result.fetched_parts if result else 0,
            "reused_parts": result.reused_parts if result else 0,
            "already_there": result.already_there if result else False, "error": problem}


def _stopped_sentence(path: Path) -> str:
    data, record_path = transfer.partial_paths(path)
    try:
        record = PartRecord.load(record_path)
    except CoreError:
        record = None
    if record is None:
        return "nothing was saved yet."
    return (f"{len(record.done)} of {record.parts} parts ({size_text(record.done_bytes)}) are "
            f"saved in {data}; run the same command again to continue.")


def run(settings: ConnectionSettings, job_id: str, organization_id: str, run_id: str,
        directory: Path, options: transfer.TransferOptions, *, as_json: bool) -> int:
    aws = connect(settings)
    chosen = targets(aws, job_id, organization_id, run_id)
    out = sys.stderr if as_json else sys.stdout
    documents: list[dict[str, Any]] = []
    states: list[VerifyState] = []
    downloads: list[DownloadState] = []
    failed = False
    for target in chosen:
        verification = verify_and_record(aws, target.job)
        states.append(verification.state)
        if verification.state not in (VerifyState.VERIFIED, VerifyState.NO_LOG):
            print("\n".join(verification_lines(target, verification)), file=out, flush=True)
            documents.append(result_dict(target, None, verification.state.value))
            continue
        states[-1] = VerifyState.VERIFIED  # downloaded: the sha384 decides from here
        path = download_path(directory, target)
        progress = ProgressOut(shown(target.label), out)
        try:
            result = download_and_record(
                aws, target, directory, verification, options,
                on_progress=lambda p, bar=progress: bar.update(p.done_bytes, p.total_bytes,
                                                               p.reused_bytes))
        except KeyboardInterrupt:
            progress.finish()
            say_error(COMMAND, shown(f"stopped: {_stopped_sentence(path)}"))
            if run_id:
                rewrite_manifests(run_id, COMMAND)
            return exit_codes.INTERRUPTED
        except CoreError as error:
            progress.finish()
            if not run_id:
                report_problem(escaped(error.problem), as_json)
                return exit_codes.AWS_ERROR
            failed = True
            report_problem(escaped(error.problem), False)
            documents.append(result_dict(target, None, "failed", problem_dict(error.problem)))
            continue
        progress.finish()
        downloads.append(result.state)
        if not as_json:
            print("\n".join(result_lines(target, result)), flush=True)
        documents.append(result_dict(target, result, result.state.value))
    manifests = rewrite_manifests(run_id, COMMAND) if run_id else []
    if as_json:
        emit_json({"downloads": documents, "directory": str(directory), "manifests": manifests})
    elif manifests:
        print("Manifests: " + ", ".join(shown(path) for path in manifests))
    status = verdict_status(states, downloads)
    return exit_codes.AWS_ERROR if failed and status == exit_codes.OK else status
