"""`workmail-export deliver ZIP | --run RUN_ID --accounts FILE --imap-host HOST ...`: put an
export's messages into the new mailbox over IMAP, each exactly once, with its folder tree.

Progress: a bar on a terminal, plain lines elsewhere (on stderr with --json). Then a report
per mailbox: messages per server folder, counts by outcome, every message not delivered
with why, what the zip holds that IMAP does not carry, and the count against the export's
log. Exit 0 when every message is in the destination, 6 when one is not (too large,
refused, or fewer than the log counts), 1 when the server or the connection failed, 2 for
bad usage, 130 when interrupted (run the same command again: it resumes).
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tui.commands import exit_codes
from tui.commands.exports import escaped
from tui.commands.output import emit_json, report_problem, say_error
from tui.commands.progress import ProgressOut, counted
from tui.core.deliver.model import (
    Auth,
    DeliveryEvent,
    DeliveryOptions,
    DeliveryReport,
    ImapTarget,
)
from tui.core.deliver.zip_source import ZipSource
from tui.core.model import CoreError
from tui.core.safe_text import shown
from tui.wizard.deliver import OUTCOME_WORDS, deliver_zip, read_accounts
from tui.wizard.retrieve import downloaded_exports

COMMAND = "deliver"


@dataclass(frozen=True)
class Secrets:
    """Where passwords or tokens come from: the environment variable a flag named, else a
    prompt without echo on a terminal. Never a flag's value, never written anywhere."""

    env: str = ""

    def of(self, target: ImapTarget, env: str = "") -> str:
        name = env or self.env
        if name:
            value = os.environ.get(name)
            if not value:
                raise ValueError(f"the environment variable {shown(name)} is not set or "
                                 f"empty; it should hold the secret of {shown(target.user)}")
            return value
        if not sys.stdin.isatty():
            raise ValueError("give the password with --password-env VAR (or a token with "
                             "--oauth2-token-env VAR): there is no terminal to ask on")
        what = "OAuth 2 access token" if target.auth is Auth.XOAUTH2 else "password"
        return getpass.getpass(f"IMAP {what} of {target.user} at {target.host}: ")


def report_lines(report: DeliveryReport, not_mail: list[tuple[str, str]]) -> list[str]:
    """The report for a terminal, every name escaped."""
    lines = [f"Into {report.account} from export {report.source}:"]
    width = min(40, max((len(folder) for folder in report.folders), default=6))
    for folder, count in sorted(report.folders.items()):
        lines.append(f"  {folder:<{width}}  {count:>7,}")
    counts = " · ".join(f"{OUTCOME_WORDS[outcome]} {count:,}"
                        for outcome, count in report.outcomes.items())
    lines.append(f"{counted(report.messages, 'message')}: {counts or 'none'}")
    if report.not_delivered:
        lines.append("Not delivered:")
        lines += [f"  {event.key}  {OUTCOME_WORDS[event.outcome]}: {event.detail}"
                  for event in report.not_delivered]
    if report.changed:
        lines.append("Delivered with a change:")
        lines += [f"  {event.key}  {event.detail}" for event in report.changed]
    if not_mail:
        lines.append("In the export but not mail (IMAP carries mail only):")
        lines += [f"  {name}  {why}" for name, why in not_mail]
    if report.expected is None:
        lines.append("No output log beside the zip: the count could not be compared.")
    elif report.expected == report.messages:
        lines.append(f"The log counts {report.expected:,} messages: all of them were handled.")
    else:
        lines.append(f"The log counts {report.expected:,} messages but the zip holds "
                     f"{report.messages:,}: check the download (workmail-export inspect).")
    return [shown(line) for line in lines]


def report_dict(report: DeliveryReport, not_mail: list[tuple[str, str]]) -> dict[str, Any]:
    return {"account": report.account, "source": report.source,
            "messages": report.messages, "expected": report.expected,
            "complete": report.complete,
            "outcomes": {outcome.value: count for outcome, count in report.outcomes.items()},
            "folders": report.folders,
            "not_delivered": [{"entry": e.key, "folder": e.folder, "outcome": e.outcome.value,
                               "detail": e.detail, "size": e.size}
                              for e in report.not_delivered],
            "changed": [{"entry": e.key, "detail": e.detail} for e in report.changed],
            "not_mail": [{"entry": name, "why": why} for name, why in not_mail]}


def run(zip_path: str, run_id: str, accounts_file: str, target: ImapTarget,
        secrets: Secrets, options: DeliveryOptions, *, as_json: bool) -> int:
    """Deliver one zip into `target`, or every downloaded export of a run into the account
    the accounts file names for its mailbox."""
    try:
        jobs = _jobs(zip_path, run_id, accounts_file, target)
        keyed = [(zip_file, account, secrets.of(account, env))
                 for zip_file, account, env in jobs]
    except ValueError as error:
        say_error(COMMAND, str(error))
        return exit_codes.BAD_USAGE
    except CoreError as error:
        report_problem(escaped(error.problem), as_json)
        return exit_codes.AWS_ERROR if run_id else exit_codes.BAD_USAGE
    if options.dry_run and not as_json:
        print("Dry run: the server is read, nothing is created or appended.")
    results: list[dict[str, Any]] = []
    incomplete = False
    for zip_file, account, secret in keyed:
        try:
            report, not_mail = _deliver_one(zip_file, account, secret, options, as_json)
        except KeyboardInterrupt:
            say_error(COMMAND, "interrupted; run the same command again to resume (what "
                               "was delivered is recorded and will not be sent twice)")
            return exit_codes.INTERRUPTED
        except CoreError as error:
            report_problem(escaped(error.problem), as_json)
            return exit_codes.AWS_ERROR
        incomplete |= not report.complete
        if as_json:
            results.append(report_dict(report, not_mail))
        else:
            print("\n".join(report_lines(report, not_mail)), flush=True)
    if as_json:
        emit_json({"deliveries": results})
    return exit_codes.NOT_DELIVERED if incomplete else exit_codes.OK


def _jobs(zip_path: str, run_id: str, accounts_file: str, target: ImapTarget
          ) -> list[tuple[str, ImapTarget, str]]:
    """(zip, destination account, its secret's environment variable) for each delivery."""
    if not run_id:
        return [(zip_path, target, "")]
    accounts = {account.mailbox.lower(): account
                for account in read_accounts(Path(accounts_file).expanduser())}
    jobs = []
    for export in downloaded_exports(run_id, COMMAND):
        account = accounts.get(export.label.lower())
        if account is None:
            raise ValueError(f"the accounts file names no IMAP user for {shown(export.label)} "
                             f"(add a line '{shown(export.label)},USER')")
        jobs.append((export.zip_path, replace(target, user=account.user), account.secret_env))
    return jobs


def _deliver_one(zip_file: str, target: ImapTarget, secret: str, options: DeliveryOptions,
                 as_json: bool) -> tuple[DeliveryReport, list[tuple[str, str]]]:
    out = sys.stderr if as_json else sys.stdout
    progress = ProgressOut(shown(f"{Path(zip_file).name} -> {target.user}"), out,
                           unit="messages")
    done = 0
    total = 0

    def started(source: ZipSource) -> None:
        nonlocal total
        total = source.count_hint

    def moved(event: DeliveryEvent) -> None:
        nonlocal done
        done += 1
        progress.update(done, max(total, done))

    try:
        return deliver_zip(target, secret, zip_file, options, moved, started)
    finally:
        progress.finish()
