"""What verify, download and convert share: the exports a JobId or a run names, the run's
manifests written again with what was proven, and the exit status of a set of verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tui.commands import exit_codes
from tui.commands.common import recorded
from tui.commands.output import say_error
from tui.core.batch.store import BatchStore, StoreError
from tui.core.model import AwsProblem, CoreError
from tui.core.retrieve.model import DownloadState, VerifyState
from tui.core.safe_text import shown
from tui.core.session import Aws
from tui.wizard.retrieve import ChosenExport, job_target, run_targets

NOT_PROVEN = (VerifyState.MISSING, VerifyState.SIZE_MISMATCH, VerifyState.NO_LOG,
              VerifyState.NOT_COMPLETED)


def escaped(problem: AwsProblem) -> AwsProblem:
    """The problem with its text made safe for a terminal (it may quote keys and names)."""
    return replace(problem, message=shown(problem.message), hint=shown(problem.hint))


def targets(aws: Aws, job_id: str, organization_id: str, run_id: str) -> list[ChosenExport]:
    """The one job, or every job of the run (CoreError when the run is not stored here)."""
    if not run_id:
        entry = recorded(job_id)
        label = (entry.entity_email or entry.entity_name) if entry else ""
        return [job_target(aws, organization_id, job_id, label)]
    try:
        store = BatchStore.open()
    except StoreError as error:
        raise CoreError(AwsProblem(code="StoreError", message=str(error), hint="",
                                   operation="batch store")) from error
    try:
        return run_targets(aws, store, run_id)
    except StoreError as error:
        raise CoreError(AwsProblem(
            code="UnknownRun", operation="batch store", message=str(error),
            hint="Give the id `workmail-export batch` printed when the run started.")) from error
    finally:
        store.close()


def unknown_run(run_id: str) -> str | None:
    """Why `run_id` names no stored run (a sentence), or None when it does."""
    try:
        store = BatchStore.open()
    except StoreError as error:
        return str(error)
    try:
        store.run(run_id)
    except StoreError as error:
        return str(error)
    finally:
        store.close()
    return None


def rewrite_manifests(run_id: str, command: str) -> list[str]:
    """Write the run's manifests again (now with size, sha384 and verification)."""
    from tui.core.batch import report  # a run's reports: not loaded for a single JobId
    from tui.wizard import bulk

    try:
        store = BatchStore.open()
        try:
            written = report.write_manifests(store.run(run_id), store.rows(run_id),
                                             bulk.reports_dir())
        finally:
            store.close()
    except (StoreError, OSError) as error:
        say_error(command, f"the manifests of run {run_id} could not be written ({error})")
        return []
    return [str(path) for path in written]


def verdict_status(states: Sequence[VerifyState], downloads: Sequence[DownloadState] = ()
                   ) -> int:
    """0 when every export is proven; 5 when one is missing, incomplete, mismatched or has
    nothing to compare with; 1 when AWS refused or failed a check (and none is disproven)."""
    if any(state in NOT_PROVEN for state in states) or any(
            download is not DownloadState.MATCHED for download in downloads):
        return exit_codes.EXPORT_NOT_PROVEN
    if any(state is VerifyState.NOT_CHECKABLE for state in states):
        return exit_codes.AWS_ERROR
    return exit_codes.OK
