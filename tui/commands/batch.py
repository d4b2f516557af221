"""`workmail-export batch`: export every mailbox (or a filtered set, or a list from a file)
through the batch engine, or resume a stored run; progress as lines (a live line on a
terminal) or JSON lines; manifests and the summary at the end.

Order: connect, choose, plan (sizes, order, disabled mailboxes, the estimate and the
deadline: batch_plan.py), the same preflight as `start` (refused on an error unless --force),
then either stop there (--plan-only: nothing is stored or started) or store the run with its
connection and drive it in a thread while the main thread waits for Ctrl-C, which pauses the
run (running jobs go on at AWS) and says how to resume. A resume reads the run (creating
nothing when it is unknown), takes its lock, connects with the stored connection (flags given
override it) and drives it the same way. Every organization at once, and the resume of such a
group, are batch_all.py.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO, TypeVar

from tui.commands import exit_codes
from tui.commands.batch_plan import plan_json, say_plan
from tui.commands.check import refused, verdict
from tui.commands.common import connect, say_journal_notice
from tui.commands.output import print_findings, say_error, write_control
from tui.core.batch import report
from tui.core.batch.connection import for_resume, in_force, resume_note
from tui.core.batch.disabled import advice, with_disabled
from tui.core.batch.forecast import END_OF_SUPPORT, deadline_warning, plan_estimate
from tui.core.batch.group import GroupProgress
from tui.core.batch.model import (
    MAX_CONCURRENCY,
    BatchEvent,
    BatchProgress,
    DisabledPolicy,
    MailboxRow,
    RecentPolicy,
    RowState,
    RunSettings,
)
from tui.core.batch.order import Order
from tui.core.batch.plan import Chosen, Filters, choose_all
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
    plan_only: bool = False
    order: Order = Order.SIZE
    disabled: DisabledPolicy = DisabledPolicy.INCLUDE
    deadline: float = END_OF_SUPPORT.timestamp()
    every_organization: bool = False
    regions: tuple[str, ...] = ()
    regions_file: str = ""


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
        given += [flag for flag, name, default in (("--plan-only", "plan_only", False),
                                                   ("--order", "order", "size"),
                                                   ("--disabled", "disabled", "include"))
                  if getattr(args, name, default) != default]
        if given:
            return (f"--resume continues a run with the settings it was stored with; leave "
                    f"out {', '.join(given)}")
        return None
    if len(getattr(args, "regions", None) or ()) > 1 and not args.all_organizations:
        return "--region is given more than once; several Regions go with --all-organizations"
    if args.all_organizations:
        return all_organizations_problem(args, values, filters)
    if args.regions_file:
        return "--regions-file goes with --all-organizations"
    if filters and not args.every:
        return f"{', '.join(filters)} narrow --all; they do not apply to --from-file"
    missing = [flag for flag, name in NEEDED.items() if not values.get(name)]
    if missing:
        return (f"missing {', '.join(missing)}; a new run needs the organization, role, key "
                "and bucket (and usually --prefix)")
    return None


def all_organizations_problem(args: Any, values: dict[str, str], filters: list[str]
                              ) -> str | None:
    """What --all-organizations cannot go with, or lacks."""
    if values.get("organization_id"):
        return "--all-organizations exports every organization; leave out --organization"
    if filters:
        return f"{', '.join(filters)} narrow --all; they do not apply to --all-organizations"
    given = [flag for flag, name in NEEDED.items() if values.get(name) and flag !=
             "--organization"]
    if given and len(given) < 3:
        return ("--role-arn, --kms-key-arn and --bucket go together (one Region's settings, "
                "the Region of the key); for several Regions use --regions-file")
    if not given and not args.regions_file:
        return ("--all-organizations needs each Region's role, key and bucket: --regions-file "
                "FILE, or --role-arn, --kms-key-arn and --bucket for one Region")
    return None


# Off a terminal (a log, a pipe, JSON lines) a progress line is printed when the counts or the
# run's state change, else at most this often (run clock seconds): the pace and time left move
# at every poll, and a line for each would bury the events.
QUIET_REPEAT_SECONDS = 300.0


class Printer:
    """Progress out: JSON lines, or plain lines; on a terminal the totals line is redrawn in
    place. Human notes go to stderr when stdout carries JSON. A group of runs (several
    organizations) is one line too, each event naming its organization."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self.live = not as_json and self.out.isatty()
        self._seen: set[tuple[float, str, str]] = set()
        self._last_line = ""
        self._logged: tuple[object, ...] = ()  # what the last line off a terminal said
        self._logged_at = float("-inf")
        self._lock = threading.Lock()

    def _worth_a_line(self, said: tuple[object, ...], now: float) -> bool:
        """Off a terminal: whether this progress says something the last line did not (other
        counts or state), or the last line is QUIET_REPEAT_SECONDS old."""
        if said == self._logged and now - self._logged_at < QUIET_REPEAT_SECONDS:
            return False
        self._logged, self._logged_at = said, now
        return True

    def note(self, line: str) -> None:
        with self._lock:
            self._clear_live()
            print(line, file=sys.stderr if self.as_json else self.out, flush=True)

    def record(self, document: dict[str, Any]) -> None:
        print(json.dumps(document, default=str), file=self.out, flush=True)

    def progress(self, progress: BatchProgress) -> None:
        said = (progress.status, bulk.totals_text(progress), progress.slots,
                progress.others_running)
        self.show(bulk.progress_line(progress), progress.events, said, progress.now,
                  lambda: progress_document(progress))

    def group_progress(self, progress: GroupProgress) -> None:
        """The runs of a group as one line; each event names its organization."""
        events = [replace(event, mailbox=f"{part.member.label}: {event.mailbox}"
                          if event.mailbox else part.member.label)
                  for part in progress.parts for event in part.progress.events]
        said = (progress.status, bulk.totals_text(progress))
        self.show(bulk.group_progress_line(progress), events, said, progress.now,
                  lambda: group_progress_document(progress))

    def show(self, line: str, events: Iterable[BatchEvent], said: tuple[object, ...],
             now: float, document: Callable[[], dict[str, Any]]) -> None:
        with self._lock:
            fresh = [e for e in events if (e.at, e.mailbox, e.message) not in self._seen]
            self._seen.update((e.at, e.mailbox, e.message) for e in fresh)
            if self.live and not fresh and line == self._last_line:
                return  # nothing new to redraw
            if self.as_json:
                for event in fresh:
                    self.record({"type": "event", "at": _iso(event.at), "mailbox": event.mailbox,
                                 "message": event.message})
                if self._worth_a_line(said, now):
                    self.record(document())
            else:
                self._clear_live()
                for event in fresh:
                    print(f"  {event.line()}", file=self.out)
                if self.live:
                    print(line, end="", file=self.out)
                elif self._worth_a_line(said, now):
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
            "others_running": progress.others_running,
            "waiting_until": _iso(progress.waiting_until) if progress.waiting_until else None}


def group_progress_document(progress: GroupProgress) -> dict[str, Any]:
    return {"type": "progress", "group_id": progress.group_id,
            "status": progress.status.value, "done": progress.done, "total": progress.total,
            "totals": {state.value: progress.totals.get(state, 0) for state in RowState},
            "eta_seconds": progress.eta_seconds,
            "organizations": [progress_document(part.progress) | {
                "organization": part.member.label, "region": part.member.region}
                for part in progress.parts]}


def run(settings: ConnectionSettings, options: BatchOptions) -> int:
    printer = Printer(options.as_json)
    try:
        if options.every_organization or options.resume.startswith("g"):
            from tui.commands import batch_all

            return batch_all.run(settings, options, printer)
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
    return choose_all(aws, org, options.filters)


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
    now = time.time()
    checked = bulk.plan_and_check(aws, request, chosen, now, calls.preflight, options.order)
    plan = with_disabled(checked.plan, options.disabled, now)
    estimate = plan_estimate(plan, checked.throughput, now,
                             options.concurrency or MAX_CONCURRENCY, options.recent,
                             options.poll_seconds)
    warning = deadline_warning(estimate, options.deadline)
    print_findings([f for f in checked.findings if f.level is not Level.OK], sys.stderr)
    if options.as_json:
        printer.record(plan_json(plan, estimate, checked.findings, bucket=request.bucket,
                                     order=options.order, warning=warning, now=now))
    else:
        say_plan(printer.note, plan, estimate, bucket=request.bucket, recent=options.recent,
                 order=options.order, warning=warning, now=now, every_line=options.plan_only)
    if not plan.exported:
        say_error(COMMAND, "no mailbox to export: the selection found none that can be "
                           "exported (see the lines above).")
        return exit_codes.BAD_USAGE
    if verdict(list(checked.findings)) != exit_codes.OK and not options.force:
        return refused(COMMAND, list(checked.findings))
    if options.plan_only:
        printer.note("Plan only: nothing was stored or started.")
        return exit_codes.OK
    run_settings = RunSettings(
        organization_id=request.organization_id, role_arn=request.role_arn,
        kms_key_arn=request.kms_key_arn, bucket=request.bucket, base_prefix=plan.base_prefix,
        description=request.description,
        concurrency=options.concurrency or MAX_CONCURRENCY,
        recent_policy=options.recent)
    info = create_run(store, run_settings, plan, now, connection=in_force(aws))
    printer.note(f"Run {info.run_id} stored; if it stops, continue it with: "
                 f"{bulk.resume_command(info.run_id)}")
    return info.run_id


T = TypeVar("T")


def in_thread(work: Callable[[Callable[[], bool]], T], pause: Callable[[], None],
              printer: Printer, run_id: str) -> tuple[T | None, bool] | int:
    """`work(leaving)` in a thread while the main thread waits for Ctrl-C, which pauses
    (`pause`) and sets `leaving`; a second Ctrl-C leaves at once. (its result or None, whether
    interrupted), or the exit status of a failure said on stderr."""
    leaving = threading.Event()
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work(leaving.is_set))
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome.append(exc)

    thread = threading.Thread(target=run, name=f"batch-{run_id}", daemon=True)
    thread.start()
    interrupted = False
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        interrupted = True
        leaving.set()
        pause()
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
    return final, interrupted


def drive(aws: Aws, store: BatchStore, run_id: str, options: BatchOptions,
          printer: Printer, lock: RunLock | None = None) -> int:
    """Run to the end in a thread; Ctrl-C pauses the run and leaves. Then the manifests.
    `lock`: the run's lock, when taken already (the runner takes it otherwise)."""
    control = RunControl()
    try:
        runner = BatchRunner(aws, store, run_id,
                             RunnerOptions(tuning=Tuning(poll_seconds=options.poll_seconds)),
                             control, on_progress=printer.progress, lock=lock)
    except StoreError as exc:
        say_error(COMMAND, store_sentence(exc))
        return exit_codes.BAD_USAGE if isinstance(exc, RunLocked) else exit_codes.AWS_ERROR
    ended = in_thread(runner.run, control.pause, printer, run_id)
    if isinstance(ended, int):
        return ended
    final, interrupted = ended
    return _finish(store, run_id, final, options, printer, interrupted)


def _finish(store: BatchStore, run_id: str, final: BatchProgress | None,
            options: BatchOptions, printer: Printer, interrupted: bool) -> int:
    run_info, rows = store.run(run_id), store.rows(run_id)
    extras = report.extras_of(store, run_id)
    written = write_manifests(options, "run", lambda directory: report.write_manifests(
        run_info, rows, directory, extras))
    sentence = report.summary(rows, run_id, extras)
    say_disabled_advice(printer, run_info.settings.organization_id, rows, extras)
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


def write_manifests(options: BatchOptions, what: str,
                    write: Callable[[Path], list[Path]]) -> list[str]:
    """The manifests written into --report-dir (or reports/ in the state directory), their
    paths; a directory that cannot take them is said on stderr (the `what` is resumed)."""
    directory = Path(options.report_dir).expanduser() if options.report_dir else \
        bulk.reports_dir()
    try:
        return [str(p) for p in write(directory)]
    except OSError as exc:
        say_error(COMMAND, f"the manifests could not be written to {directory} ({exc}); "
                           f"pass --report-dir with a writable directory and resume the {what}.")
        return []


def say_disabled_advice(printer: Printer, org_id: str, rows: Sequence[MailboxRow],
                        extras: report.Extras) -> None:
    """What to do for each disabled mailbox whose export failed."""
    for row in rows:
        facts = extras.facts.get(row.entity_id)
        if row.state is RowState.FAILED and facts is not None and facts.state == "DISABLED":
            printer.note(shown(advice(row.label, row.entity_id, org_id, row.email)))
