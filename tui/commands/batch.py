"""`workmail-export batch`: export every mailbox (or a filtered set, or a list from a file)
through the batch engine, or resume a stored run; progress as lines (a live line on a
terminal) or JSON lines; manifests and the summary at the end.

Order: connect, choose, plan, the same preflight as `start` (refused on an error unless
--force), store the run with its connection, then drive it in a thread while the main thread
waits for Ctrl-C, which pauses the run (running jobs go on at AWS) and says how to resume.
A resume reads the run (creating nothing when it is unknown), takes its lock, connects with
the stored connection (flags given override it) and drives it the same way.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from tui.commands import exit_codes
from tui.commands.check import refused, verdict
from tui.commands.common import connect, say_journal_notice
from tui.commands.output import finding_dict, print_findings, say_error, write_control
from tui.core.batch import report
from tui.core.batch.connection import for_resume, in_force, resume_note
from tui.core.batch.model import (
    MAX_CONCURRENCY,
    BatchProgress,
    RecentPolicy,
    RowState,
    RunSettings,
)
from tui.core.batch.plan import Chosen, Filters, choose_enabled
from tui.core.batch.run_lock import RunLock, RunLocked
from tui.core.batch.runner import BatchRunner, RunControl, RunnerOptions, create_run
from tui.core.batch.scheduler import Tuning
from tui.core.batch.store import (
    BatchStore,
    StoreDamaged,
    StoreError,
    StoreRefused,
    default_store_path,
)
from tui.core.model import ConnectionSettings, ExportRequest, Level
from tui.core.safe_text import shown
from tui.core.session import Aws
from tui.wizard import bulk, calls

COMMAND = "batch"


@dataclass(frozen=True)
class BatchOptions:
    """What the flags asked for. `from_file`/`every`/`resume` choose the mailboxes."""

    request: ExportRequest = field(default_factory=ExportRequest)
    every: bool = False
    from_file: str = ""
    resume: str = ""
    filters: Filters = field(default_factory=Filters)
    concurrency: int | None = None
    recent: RecentPolicy = RecentPolicy.SKIP
    report_dir: str = ""
    as_json: bool = False
    force: bool = False
    poll_seconds: float = 15.0


NEEDED = {"--organization": "organization_id", "--role-arn": "role_arn",
          "--kms-key-arn": "kms_key_arn", "--bucket": "bucket"}
FILTER_FLAGS = {"--name-prefix": "name_prefix", "--email-prefix": "email_prefix",
                "--display-name-prefix": "display_name_prefix", "--only": "only"}


def batch_usage_problem(args: Any, values: dict[str, str]) -> str | None:
    """Flags that do not go together, or that a new run lacks, as one sentence."""
    filters = [flag for flag, name in FILTER_FLAGS.items() if getattr(args, name, None)]
    if args.resume:
        given = [flag for flag, name in (("--organization", "organization_id"),
                                          ("--role-arn", "role_arn"),
                                          ("--kms-key-arn", "kms_key_arn"),
                                          ("--bucket", "bucket"), ("--prefix", "prefix"),
                                          ("--description", "description")) if values.get(name)]
        given += filters + (["--concurrency"] if args.concurrency else [])
        given += ["--recent"] if args.recent != "skip" else []
        if given:
            return (f"--resume continues a run with the settings it was stored with; leave "
                    f"out {', '.join(given)}")
        return None
    if filters and not args.every:
        return f"{', '.join(filters)} narrow --all; they do not apply to --from-file"
    missing = [flag for flag, name in NEEDED.items() if not values.get(name)]
    if missing:
        return (f"missing {', '.join(missing)}; a new run needs the organization, role, key "
                "and bucket (and usually --prefix)")
    return None


# Off a terminal (a log, a pipe, JSON lines) a progress line is printed when the counts or the
# run's state change, else at most this often (run clock seconds): the pace and time left move
# at every poll, and a line for each would bury the events.
QUIET_REPEAT_SECONDS = 300.0


class Printer:
    """Progress out: JSON lines, or plain lines; on a terminal the totals line is redrawn in
    place. Human notes go to stderr when stdout carries JSON."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self.live = not as_json and self.out.isatty()
        self._seen: set[tuple[float, str, str]] = set()
        self._last_line = ""
        self._logged: tuple[object, ...] = ()  # what the last line off a terminal said
        self._logged_at = float("-inf")
        self._lock = threading.Lock()

    def _worth_a_line(self, progress: BatchProgress) -> bool:
        """Off a terminal: whether this progress says something the last line did not (other
        counts or state), or the last line is QUIET_REPEAT_SECONDS old."""
        said = (progress.status, bulk.totals_text(progress), progress.slots,
                progress.others_running)
        if said == self._logged and progress.now - self._logged_at < QUIET_REPEAT_SECONDS:
            return False
        self._logged, self._logged_at = said, progress.now
        return True

    def note(self, line: str) -> None:
        with self._lock:
            self._clear_live()
            print(line, file=sys.stderr if self.as_json else self.out, flush=True)

    def record(self, document: dict[str, Any]) -> None:
        print(json.dumps(document, default=str), file=self.out, flush=True)

    def progress(self, progress: BatchProgress) -> None:
        with self._lock:
            fresh = [e for e in progress.events if (e.at, e.mailbox, e.message) not in self._seen]
            self._seen.update((e.at, e.mailbox, e.message) for e in fresh)
            line = bulk.progress_line(progress)
            if self.live and not fresh and line == self._last_line:
                return  # nothing new to redraw
            if self.as_json:
                for event in fresh:
                    self.record({"type": "event", "at": _iso(event.at), "mailbox": event.mailbox,
                                 "message": event.message})
                if self._worth_a_line(progress):
                    self.record(progress_document(progress))
            else:
                self._clear_live()
                for event in fresh:
                    print(f"  {event.line()}", file=self.out)
                if self.live:
                    print(line, end="", file=self.out)
                elif self._worth_a_line(progress):
                    print(line, file=self.out)
                self.out.flush()
            self._last_line = line

    def _clear_live(self) -> None:
        if self.live and self._last_line:
            write_control(self.out, "\r\x1b[K")
            self._last_line = ""

    def done(self) -> None:
        with self._lock:
            if self.live and self._last_line:
                print(file=self.out, flush=True)
                self._last_line = ""


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def progress_document(progress: BatchProgress) -> dict[str, Any]:
    return {"type": "progress", "run_id": progress.run_id, "status": progress.status.value,
            "done": progress.done, "total": progress.total,
            "totals": {state.value: progress.totals.get(state, 0) for state in RowState},
            "throughput_per_hour": round(progress.throughput_per_hour, 2),
            "eta_seconds": progress.eta_seconds, "slots": progress.slots,
            "others_running": progress.others_running}


def run(settings: ConnectionSettings, options: BatchOptions) -> int:
    printer = Printer(options.as_json)
    try:
        if options.resume:
            return _resume(settings, options, printer)
        return _new_run(settings, options, printer)
    except StoreError as exc:  # e.g. a damaged page met while reading the run
        printer.done()
        say_error(COMMAND, store_sentence(exc))
        return exit_codes.AWS_ERROR


def _new_run(settings: ConnectionSettings, options: BatchOptions, printer: Printer) -> int:
    """Choose, plan, check and store a new run; then drive it."""
    say_journal_notice()  # the runner writes every job to the journal too
    try:
        store = BatchStore.open()
    except StoreError as exc:
        say_error(COMMAND, str(exc))
        return exit_codes.BAD_USAGE if isinstance(exc, StoreRefused) else exit_codes.AWS_ERROR
    with contextlib.closing(store):
        aws = connect(settings, confirm_identity=True)
        run_id = _create(aws, store, options, printer)
        if isinstance(run_id, int):
            return run_id
        return drive(aws, store, run_id, options, printer)


def store_sentence(exc: StoreError) -> str:
    """What a store or lock failure says (a held lock names its holder, read from a file)."""
    if isinstance(exc, RunLocked):
        return shown(f"{exc.problem.message} {exc.problem.hint}")
    return shown(str(exc))


def _resume(settings: ConnectionSettings, options: BatchOptions, printer: Printer) -> int:
    """Resume a stored run: nothing is created for an unknown one; the run's lock is taken
    before connecting (a run another process drives is refused, exit 2); the connection
    stored with the run is used, with the flags given here over it."""
    try:
        store = BatchStore.open_existing()
    except StoreError as exc:
        say_error(COMMAND, str(exc))
        return exit_codes.BAD_USAGE if isinstance(exc, StoreRefused) else exit_codes.AWS_ERROR
    if store is None:
        say_error(COMMAND, f"There is no batch run {options.resume!r}: no run was ever stored "
                           f"in {default_store_path().parent} (runs are kept beside the job "
                           "journal; pass the --journal the run was started with).")
        return exit_codes.BAD_USAGE
    with contextlib.closing(store):
        try:
            run_info = store.run(options.resume)
            lock = RunLock.acquire(store.path, run_info.run_id)
        except StoreDamaged:
            raise
        except StoreError as exc:  # an unknown run, or one another process drives
            say_error(COMMAND, store_sentence(exc))
            return exit_codes.BAD_USAGE
        with lock:
            say_journal_notice()  # (not before: an unknown run creates no journal either)
            org = run_info.settings.organization_id
            connection = for_resume(store.connection(run_info.run_id), settings)
            printer.note(f"Resuming run {run_info.run_id} of {org}.")
            printer.note(resume_note(run_info.run_id, connection))
            aws = connect(connection.settings, confirm_identity=True)
            findings = calls.check_organization(aws, ExportRequest(organization_id=org))
            print_findings([f for f in findings if f.level is not Level.OK], sys.stderr)
            if any(f.level is Level.ERROR for f in findings) and not options.force:
                return refused(COMMAND, findings)  # e.g. another Region
            return drive(aws, store, run_info.run_id, options, printer, lock)


def _choose(aws: Aws, options: BatchOptions) -> Chosen | int:
    org = options.request.organization_id
    if options.from_file:
        try:
            return bulk.choose_from_file(aws, org, options.from_file)
        except ValueError as exc:
            say_error(COMMAND, str(exc))
            return exit_codes.BAD_USAGE
    return choose_enabled(aws, org, options.filters)


def _create(aws: Aws, store: BatchStore, options: BatchOptions, printer: Printer) -> str | int:
    """Choose, plan, check and store a new run; its id, or the exit status of a refusal."""
    request, resolved = calls.resolve_references(aws, options.request)  # names -> ARNs
    print_findings(resolved, sys.stderr)
    if any(f.level is not Level.OK for f in resolved):  # no ARN to start with, even forced
        say_error(COMMAND, "a role or key named above could not be found; give it by ARN, or "
                           "by a name, id or alias that exists in this account and Region.")
        return exit_codes.CHECK_ERRORS
    chosen = _choose(aws, options)
    if isinstance(chosen, int):
        return chosen
    for rejected in chosen.rejected:
        say_error(COMMAND, f"not exported: {bulk.rejected_line(rejected)}")
    checked = bulk.plan_and_check(aws, request, chosen, time.time(), calls.preflight)
    plan = checked.plan
    print_findings([f for f in checked.findings if f.level is not Level.OK], sys.stderr)
    recent_word = "skipped" if options.recent is RecentPolicy.SKIP else \
        "scheduled after their 24-hour window"
    summary = (f"Plan: {len(plan.mailboxes)} mailbox(es) of {plan.organization_id} to "
               f"s3://{request.bucket}/{plan.base_prefix}<mailbox>/; "
               f"{len(plan.recent)} exported in the last 24 hours ({recent_word}); "
               f"{plan.others_running} job(s) already running in the organization.")
    examples = [(label, f"s3://{request.bucket}/{prefix}")
                for label, prefix in bulk.prefix_examples(plan)]
    if options.as_json:
        printer.record({"type": "plan", "organization_id": plan.organization_id,
                        "mailboxes": len(plan.mailboxes), "recent": len(plan.recent),
                        "others_running": plan.others_running,
                        "rejected": [{"line": r.text, "reason": r.reason} for r in plan.rejected],
                        "examples": [{"mailbox": m, "destination": d} for m, d in examples],
                        "findings": [finding_dict(f) for f in checked.findings]})
    else:
        printer.note(summary)
        for label, where in examples:
            printer.note(f"  {label} -> {where}")
    if not plan.mailboxes:
        say_error(COMMAND, "no mailbox to export: the selection found none that can be "
                           "exported (see the lines above).")
        return exit_codes.BAD_USAGE
    if verdict(list(checked.findings)) != exit_codes.OK and not options.force:
        return refused(COMMAND, list(checked.findings))
    run_settings = RunSettings(
        organization_id=request.organization_id, role_arn=request.role_arn,
        kms_key_arn=request.kms_key_arn, bucket=request.bucket, base_prefix=plan.base_prefix,
        description=request.description,
        concurrency=options.concurrency or MAX_CONCURRENCY,
        recent_policy=options.recent)
    info = create_run(store, run_settings, plan, time.time(), connection=in_force(aws))
    printer.note(f"Run {info.run_id} stored; if it stops, continue it with: "
                 f"{bulk.resume_command(info.run_id)}")
    return info.run_id


def drive(aws: Aws, store: BatchStore, run_id: str, options: BatchOptions,
          printer: Printer, lock: RunLock | None = None) -> int:
    """Run to the end in a thread; Ctrl-C pauses the run and leaves. Then the manifests.
    `lock`: the run's lock, when taken already (the runner takes it otherwise)."""
    control = RunControl()
    leaving = threading.Event()
    try:
        runner = BatchRunner(aws, store, run_id,
                             RunnerOptions(tuning=Tuning(poll_seconds=options.poll_seconds)),
                             control, on_progress=printer.progress, lock=lock)
    except StoreError as exc:
        say_error(COMMAND, store_sentence(exc))
        return exit_codes.BAD_USAGE if isinstance(exc, RunLocked) else exit_codes.AWS_ERROR
    outcome: list[BatchProgress | BaseException] = []

    def work() -> None:
        try:
            outcome.append(runner.run(leaving.is_set))
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome.append(exc)

    thread = threading.Thread(target=work, name=f"batch-{run_id}", daemon=True)
    thread.start()
    interrupted = False
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        interrupted = True
        leaving.set()
        control.pause()
        printer.note("Pausing the run (jobs already running go on at AWS)…")
        try:
            thread.join()
        except KeyboardInterrupt:
            printer.done()
            say_error(COMMAND, f"stopped at once; nothing is lost. Continue with: "
                               f"{bulk.resume_command(run_id)}")
            return exit_codes.INTERRUPTED
    printer.done()
    final = outcome[0] if outcome else None
    if isinstance(final, StoreError):
        say_error(COMMAND, str(final))
        return exit_codes.AWS_ERROR
    if isinstance(final, BaseException):
        raise final
    return _finish(store, run_id, final, options, printer, interrupted)


def _finish(store: BatchStore, run_id: str, final: BatchProgress | None,
            options: BatchOptions, printer: Printer, interrupted: bool) -> int:
    run_info, rows = store.run(run_id), store.rows(run_id)
    directory = Path(options.report_dir).expanduser() if options.report_dir else \
        bulk.reports_dir()
    try:
        written = [str(p) for p in report.write_manifests(run_info, rows, directory)]
    except OSError as exc:
        say_error(COMMAND, f"the manifests could not be written to {directory} ({exc}); "
                           "pass --report-dir with a writable directory and resume the run.")
        written = []
    sentence = report.summary(rows, run_id)
    if options.as_json:
        printer.record({"type": "summary", "run_id": run_id, "status": run_info.status.value,
                        "interrupted": interrupted,
                        "totals": {s.value: sum(r.state == s for r in rows) for s in RowState},
                        "summary": sentence, "manifests": written,
                        "resume": bulk.resume_command(run_id)})
    else:
        printer.note(sentence)
        if written:
            printer.note("Manifests: " + ", ".join(written))
    if interrupted:
        say_error(COMMAND, f"run {run_id} paused; continue it with: "
                           f"{bulk.resume_command(run_id)}")
        return exit_codes.INTERRUPTED
    if final is not None and bulk.unsuccessful(final):
        return exit_codes.JOB_UNSUCCESSFUL
    return exit_codes.OK
