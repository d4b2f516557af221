"""`workmail-export batch --all-organizations`: every Active organization of the Regions at
once, and `batch --resume g…` to resume such a group.

Order: each Region's role, key and bucket (--regions-file, or the single-Region flags whose
Region is the key's); the organizations of the Regions (--region, repeatable; default: the
Regions with settings) and which can take part; each one chosen, planned and checked like a
single organization (tui.wizard.all_orgs), those that cannot are listed with why and never
stop the others; the plans and one combined estimate; then (unless --plan-only) one run per
organization stored as a group and all of them driven by one loop in one process
(core.batch.group), one progress line for all, Ctrl-C pausing all of them. At the end each
organization's manifests and the combined one.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tui.commands import exit_codes
from tui.commands.batch import (
    COMMAND,
    BatchOptions,
    Printer,
    in_thread,
    say_disabled_advice,
    store_sentence,
    write_manifests,
)
from tui.commands.batch_plan import plan_json, say_plan
from tui.commands.common import say_journal_notice
from tui.commands.output import say_error
from tui.core.batch import report
from tui.core.batch.connection import for_resume
from tui.core.batch.forecast import deadline_warning
from tui.core.batch.group import GroupProgress, GroupRunner, create_group
from tui.core.batch.group_report import write_group_manifests
from tui.core.batch.model import MAX_CONCURRENCY, RowState
from tui.core.batch.organizations import Connections, candidates
from tui.core.batch.regions import RegionSettings, key_region, read_regions_file, settings_of
from tui.core.batch.run_lock import RunLocked
from tui.core.batch.runner import RunnerOptions
from tui.core.batch.scheduler import Tuning
from tui.core.batch.store import BatchStore, StoreError, StoreRefused, default_store_path
from tui.core.model import ConnectionSettings, CoreError
from tui.core.safe_text import shown
from tui.core.session import Aws, connect, workmail_regions
from tui.wizard import bulk, calls
from tui.wizard.all_orgs import (
    AccountPlan,
    combined,
    group_parts,
    part_estimates,
    plan_every_organization,
)
from tui.wizard.plan_file import estimate_document
from tui.wizard.plan_text import estimate_line, size_text


def region_settings(options: BatchOptions) -> dict[str, RegionSettings]:
    """--regions-file, plus the single-Region flags (the key's Region); ValueError."""
    found = read_regions_file(options.regions_file) if options.regions_file else {}
    request = options.request
    if request.kms_key_arn:
        region = key_region(request.kms_key_arn)
        if region in found:
            raise ValueError(f"{region} is given twice: by --regions-file and by the "
                             "--role-arn/--kms-key-arn/--bucket flags.")
        found[region] = settings_of(region, {
            "role_arn": request.role_arn, "kms_key_arn": request.kms_key_arn,
            "bucket": request.bucket, "prefix": request.prefix}, "the flags")
    return found


def run(settings: ConnectionSettings, options: BatchOptions, printer: Printer) -> int:
    """A new group (--all-organizations), or the resume of one (--resume g...)."""
    try:
        per_region = {} if options.resume else region_settings(options)
    except ValueError as exc:
        say_error(COMMAND, str(exc))
        return exit_codes.BAD_USAGE
    try:
        store = (BatchStore.open_existing() if options.resume else BatchStore.open())
    except StoreError as exc:
        say_error(COMMAND, str(exc))
        return exit_codes.BAD_USAGE if isinstance(exc, StoreRefused) else exit_codes.AWS_ERROR
    if store is None:
        say_error(COMMAND, f"There is no group of runs {options.resume!r}: no run was ever "
                           f"stored in {default_store_path().parent}.")
        return exit_codes.BAD_USAGE
    with contextlib.closing(store):
        if options.resume:
            return resume(settings, options, store, printer)
        say_journal_notice()  # the runners write every job to the journal too
        return start(settings, options, per_region, store, printer)


def start(settings: ConnectionSettings, options: BatchOptions,
          per_region: dict[str, RegionSettings], store: BatchStore, printer: Printer) -> int:
    """Plan every organization of the Regions, say the plan, store and drive the group."""
    regions = list(options.regions) or sorted(per_region) or workmail_regions()
    connections = Connections(settings)
    calls.connect(replace(settings, region=regions[0]))  # who we are, once: credentials
    found = candidates(connections, regions, per_region)
    now = time.time()
    account = plan_every_organization(connections, found, now, calls.preflight, options.order,
                                      options.request.description, options.force)
    choices = bulk.PlanChoices(options.order, options.disabled, options.recent,
                               options.concurrency or MAX_CONCURRENCY)
    estimates = part_estimates(account, choices, now, options.poll_seconds)
    total = combined(estimates, now)
    warning = deadline_warning(total, options.deadline) if total else None
    say_account(printer, options, account, estimates, total, warning, now, regions)
    if not account.parts:
        say_error(COMMAND, "no organization can take part (see the lines above).")
        return exit_codes.CHECK_ERRORS if found else exit_codes.BAD_USAGE
    if options.plan_only:
        printer.note("Plan only: nothing was stored or started.")
        return exit_codes.OK
    parts = group_parts(account, choices, now, options.request.description, connections)
    group = create_group(store, parts, account.left_out, now)
    printer.note(f"Group {group.group_id} stored: {len(group.members)} organizations, one run "
                 f"each; if it stops, continue all of them with: "
                 f"{bulk.resume_command(group.group_id)}")
    return drive(connections, store, group.group_id, options, printer)


def say_account(printer: Printer, options: BatchOptions, account: AccountPlan,
                estimates: list[Any], total: Any, warning: str | None, now: float,
                regions: list[str]) -> None:
    """Each organization's plan (whole with --plan-only), those left out, the estimate."""
    taking = len(account.parts)
    if options.as_json:
        printer.record({
            "type": "plan", "regions": regions,
            "organizations": [
                plan_json(part.checked.plan, estimate, part.checked.findings,
                          bucket=part.candidate.settings.bucket if part.candidate.settings
                          else "", order=options.order, warning=None, now=now)
                | {"organization": part.label, "region": part.candidate.region}
                for part, estimate in zip(account.parts, estimates, strict=True)],
            "not_taking_part": [{"organization": o.label, "organization_id": o.organization_id,
                                 "region": o.region, "reason": o.reason}
                                for o in account.left_out],
            "estimate": estimate_document(total) if total else None,
            "deadline_warning": warning})
        return
    printer.note(f"Organizations in {', '.join(regions)}: {taking} taking part, "
                 f"{len(account.left_out)} not.")
    for part, estimate in zip(account.parts, estimates, strict=True):
        label = f"{shown(part.label)} ({part.candidate.region})"
        if options.plan_only:
            printer.note(f"== {label}")
            say_plan(printer.note, part.checked.plan, estimate,
                     bucket=part.candidate.settings.bucket if part.candidate.settings else "",
                     recent=options.recent, order=options.order, warning=None, now=now,
                     every_line=True)
        else:
            printer.note(f"  {label}: {len(part.checked.plan.exported)} mailboxes, "
                         f"{size_text(part.checked.plan.total_mb)}; "
                         f"{estimate_line(estimate).removeprefix('Estimated time: ')}")
    for left in account.left_out:
        printer.note(f"  {shown(left.label)} ({left.region}): not taking part: "
                     f"{shown(left.reason)}")
    if total is not None:
        printer.note(f"All organizations side by side: {estimate_line(total)}")
        printer.note(total.throughput.describe())
    if warning:
        printer.note(f"Warning: {warning}")


def resume(settings: ConnectionSettings, options: BatchOptions, store: BatchStore,
           printer: Printer) -> int:
    """Every run of a stored group, each Region connected as stored with its runs (the
    profile or endpoint given here over it; each run keeps its Region)."""
    group = store.group(options.resume)
    if group is None:
        say_error(COMMAND, f"There is no group of runs {options.resume!r} in {store.path}.")
        return exit_codes.BAD_USAGE
    given = replace(settings, region=None)
    stored = {m.region: store.connection(m.run_id) for m in group.members}
    connections = {region: for_resume(connection, given).settings
                   for region, connection in stored.items()}
    first = next(iter(connections.values()))
    calls.connect(replace(first, region=first.region or group.members[0].region))
    printer.note(f"Resuming group {group.group_id}: {len(group.members)} organizations.")
    return drive(RegionConnections(connections, settings), store, group.group_id, options,
                 printer)


class RegionConnections(Connections):
    """Connections per Region as stored with a group's runs (any other Region: `settings`
    with that Region)."""

    def __init__(self, stored: dict[str, ConnectionSettings],
                 settings: ConnectionSettings) -> None:
        super().__init__(settings)
        self.stored = stored

    def __call__(self, region: str) -> Aws:
        if region in self.stored:
            return connect(replace(self.stored[region], region=region))
        return super().__call__(region)


def drive(connections: Callable[[str], Aws], store: BatchStore, group_id: str,
          options: BatchOptions, printer: Printer) -> int:
    """Every run of the group in one loop in a thread; Ctrl-C pauses them all."""
    group = store.group(group_id)
    assert group is not None
    try:
        aws = {m.region: connections(m.region) for m in group.members}
    except CoreError as exc:
        say_error(COMMAND, exc.problem.sentence())
        return exit_codes.AWS_ERROR
    try:
        runner = GroupRunner(aws, store, group_id,
                             RunnerOptions(tuning=Tuning(poll_seconds=options.poll_seconds)),
                             on_progress=printer.group_progress)
    except StoreError as exc:  # a run another process drives (its lock), or a store failure
        say_error(COMMAND, store_sentence(exc))
        return exit_codes.BAD_USAGE if isinstance(exc, RunLocked) else exit_codes.AWS_ERROR
    ended = in_thread(runner.run, runner.control.pause, printer, group_id)
    if isinstance(ended, int):
        return ended
    final, interrupted = ended
    return finish(store, group_id, final, options, printer, interrupted)


def finish(store: BatchStore, group_id: str, final: GroupProgress | None,
           options: BatchOptions, printer: Printer, interrupted: bool) -> int:
    group = store.group(group_id)
    assert group is not None
    written = write_manifests(options, "group",
                              lambda directory: write_group_manifests(store, group, directory))
    sentences = {}
    for member in group.members:
        rows, extras = store.rows(member.run_id), report.extras_of(store, member.run_id)
        sentences[member.label] = report.summary(rows, member.run_id, extras)
        say_disabled_advice(printer, member.organization_id, rows, extras)
    if options.as_json:
        printer.record({"type": "summary", "group_id": group_id, "interrupted": interrupted,
                        "organizations": [{"organization": label, "summary": sentence}
                                          for label, sentence in sentences.items()],
                        "not_taking_part": [{"organization": o.label, "reason": o.reason}
                                            for o in group.left_out],
                        "totals": {s.value: final.totals.get(s, 0) if final else 0
                                   for s in RowState},
                        "manifests": written, "resume": bulk.resume_command(group_id)})
    else:
        for label, sentence in sentences.items():
            printer.note(f"{shown(label)}: {sentence}")
        for left in group.left_out:
            printer.note(f"{shown(left.label)} ({left.region}): not taking part: "
                         f"{shown(left.reason)}")
        if written:
            printer.note("Manifests: " + ", ".join(written))
    if interrupted:
        print(f"workmail-export {COMMAND}: group {group_id} paused; continue it with: "
              f"{bulk.resume_command(group_id)}", file=sys.stderr)
        return exit_codes.INTERRUPTED
    if final is not None and bulk.unsuccessful(final):
        return exit_codes.JOB_UNSUCCESSFUL
    return exit_codes.OK
