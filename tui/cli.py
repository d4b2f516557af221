"""Argument parsing and the entry point of `workmail-export` (and `python -m tui`).

With no subcommand it opens the wizard (the Textual app, or the line-by-line prompts with
--plain), prefilled from the flags. Each subcommand is two functions here: `add_<name>`
registers its parser through `_command(...)` (which gives it the connection flags too), and
`run_<name>(args) -> int` does the work; `build_parser` lists the adders.

Every expected failure is one line on stderr and an exit code (tui.commands.exit_codes: 2
bad usage or a missing extra, 1 AWS said no, 3 a check found an error, ...), never a
traceback. Heavy imports (botocore, textual, the simulator) happen only in the command that
needs them, so --help and --version answer at once. The commands themselves live in
tui.commands, one module each; here they are only parsed and handed their values.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

from tui import __version__
from tui.commands import exit_codes
from tui.core.model import ConnectionSettings, CoreError, ExportRequest, Field

PROG = "workmail-export"
DEMO_EXTRA = "pip install 'workmail-export[demo]'"
BASE_INSTALL = "pip install workmail-export"
WORLDS = ("demo", "large", "empty", "fresh")
if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[Any]  # what build_parser hands each add_<command>

# Wizard prefill flags: flag -> (the field whose rule checks it, the ExportRequest attribute,
# metavar, what it is).
PREFILL_FLAGS: dict[str, tuple[Field, str, str, str]] = {
    "--organization": (Field.ORGANIZATION, "organization_id", "ORG_ID",
                       "the WorkMail organization id (m-...)"),
    "--entity": (Field.ENTITY, "entity_id", "MAILBOX",
                 "the mailbox: a user or resource id, name or email address"),
    "--role-arn": (Field.ROLE, "role_arn", "ROLE_ARN", "the IAM role WorkMail assumes: its "
                   "ARN or name (a name is looked up and the ARN it resolves to is shown)"),
    "--kms-key-arn": (Field.KMS_KEY, "kms_key_arn", "KEY_ARN", "the KMS key of the export: its "
                      "ARN, key id or alias (looked up; the key ARN is shown)"),
    "--bucket": (Field.BUCKET, "bucket", "BUCKET", "the S3 bucket the export goes to"),
    "--prefix": (Field.PREFIX, "prefix", "PREFIX", "the S3 prefix of the export"),
    "--description": (Field.DESCRIPTION, "description", "TEXT", "a description of the job"),
}


# Flags whose value may begin with "-" (a bucket "-name", a description "-- done", a client
# token): argparse would take such a value for a flag and say "expected one argument".
FREE_VALUE_FLAGS = (*PREFILL_FLAGS, "--client-token")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump), exit code 2, and whose
    field flags take a value that starts with "-" (then checked by the field's rule)."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(attach_dashed_values(words, self._flags()), namespace)

    def _flags(self) -> set[str]:
        """Every option string of this parser and its subcommands."""
        flags: set[str] = set()
        for action in self._actions:
            flags.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                for parser in action.choices.values():
                    flags |= parser._flags()
        return flags

    def error(self, message: str) -> NoReturn:
        from tui.core.safe_text import shown

        if not message.startswith("argument "):
            message += f"; see {self.prog} --help"
        # The message may quote what was typed ("unrecognized arguments: ..."): escaped.
        self.exit(exit_codes.BAD_USAGE, f"{self.prog}: {shown(message)}\n")


def attach_dashed_values(words: list[str], flags: set[str]) -> list[str]:
    """`--bucket -name` as `--bucket=-name` for the flags of FREE_VALUE_FLAGS, so the value
    reaches its field's rule; a following word that is itself a flag is left alone."""
    joined: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if (word in FREE_VALUE_FLAGS and following is not None and following.startswith("-")
                and following != "-" and following.split("=", 1)[0] not in flags):
            joined.append(f"{word}={following}")
            index += 2
            continue
        joined.append(word)
        index += 1
    return joined


def run_as_program() -> NoReturn:
    """The `workmail-export` script and `python -m tui`: run `main`, then exit.

    Before exiting, every object left is moved out of the garbage collector's reach
    (`gc.freeze`): the interpreter's last collection would otherwise walk all of them,
    botocore's models above all, to free memory that the exit frees anyway; 50-90 ms of a
    download's 0.7 s in bench_retrieve. Nothing is lost: the commands close their files and
    stores themselves, and the interpreter still flushes the standard streams and runs the
    exit handlers. `main` itself does not do this, so the tests that call it in one process
    collect their garbage as usual."""
    code = main()
    gc.freeze()
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen command; the process exit code."""
    args = build_parser().parse_args(argv)
    refusal = wizard_flags_with_a_command(args) or _timeout_variable_problem()
    if refusal:
        return _say(refusal)
    if getattr(args, "journal", None):
        from tui.core.journal import JOURNAL_ENV

        os.environ[JOURNAL_ENV] = args.journal  # every part of the tool reads the journal here
    refused = _state_files_refused(args)
    if refused:
        return _say(f"{PROG}: {refused}")
    run: Callable[[argparse.Namespace], int] = args.run
    from tui.commands.output import escaped_output

    # Commands print through the escaping streams; the wizard's faces escape what they show.
    with escaped_output(enabled=run is not run_wizard):
        try:
            with _waiting_told(args):
                code = run(args)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return code
        except CoreError as exc:
            from tui.commands.output import report_problem

            report_problem(exc.problem, as_json=getattr(args, "json", False))
            return exit_codes.AWS_ERROR
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted.", file=sys.stderr)
            return exit_codes.INTERRUPTED
        except BrokenPipeError:
            return _stdout_closed()


def _waiting_told(args: argparse.Namespace) -> contextlib.AbstractContextManager[None]:
    """A command tells on stderr what it waits for when an AWS call takes a while (the
    wizard shows it on its own screen)."""
    if not getattr(args, "uses_aws", False):
        return contextlib.nullcontext()
    from tui.core import waiting

    return waiting.report_slow_calls(
        lambda sentence: print(f"{PROG}: {sentence}", file=sys.stderr, flush=True))


def _stdout_closed() -> int:
    """Whoever read stdout stopped (`workmail-export jobs | head -1`): end quietly, as Unix
    tools do, with nothing left to flush into the closed pipe at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return exit_codes.STDOUT_CLOSED


def _state_files_refused(args: argparse.Namespace) -> str | None:
    """A sentence when the journal (or, for batch, the batch store) would be opened at a
    path that holds something else (a text file, a link, a device, another program's
    database): nothing is run and nothing is touched."""
    if not hasattr(args, "journal"):
        return None  # simulate: no state files
    from tui.core.journal import JOURNAL_ENV, refusal

    refused = refusal()
    if refused:
        return (f"{refused} Choose another journal file with --journal or {JOURNAL_ENV} "
                "(a new path is fine).")
    if args.run is run_batch:
        from tui.core.batch.store import refusal as store_refusal

        refused = store_refusal()
        if refused:
            return (f"{refused} The batch store lives beside the journal: choose another "
                    "place with --journal or WORKMAIL_EXPORT_STATE_DIR.")
    return None


def wizard_flags_with_a_command(args: argparse.Namespace) -> str | None:
    """The refusal of --demo or --plain given with a command: they shape the wizard only.

    --demo is refused rather than honoured: each command is a process of its own, so a
    throw-away simulated world per command would be gone before the next one (a JobId from
    `--demo start` could never be followed by `--demo status`). `simulate` serves one world
    that lasts across commands (`--demo simulate` is let be: it is a simulated world already).
    Never a silent fallback to the real account."""
    command = getattr(args, "command", None)
    given = [flag for flag, name in (("--demo", "demo"), ("--plain", "plain"))
             if getattr(args, name, False) and not (command == "simulate" and name == "demo")]
    if command is None or not given:
        return None
    if given == ["--plain"]:
        return f"{PROG} {command}: --plain is a way to run the wizard; commands take no --plain"
    return (f"{PROG} {command}: --demo opens the wizard on a throw-away simulated AWS; commands "
            f"do not take it. To try commands without AWS, start `{PROG} simulate --port 4566` "
            "in another terminal and give each command --endpoint-url http://127.0.0.1:4566")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A guided terminal wizard that exports Amazon WorkMail mailboxes to S3 "
                    "(StartMailboxExportJob), checking every field and policy first.",
        epilog="Without a command, the wizard opens. AWS_PROFILE, AWS_REGION and "
               "AWS_ENDPOINT_URL are honoured like in every AWS tool.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_connection_flags(parser, None)
    _add_journal_flag(parser, None)
    face = parser.add_argument_group("the wizard")
    face.add_argument("--demo", action="store_true",
                      help="run against a simulated AWS with a demo organization "
                           f"(needs: {DEMO_EXTRA})")
    face.add_argument("--plain", action="store_true",
                      help="ask line by line instead of the full-screen app")
    _add_field_flags(parser, "prefill the wizard (each value is checked)", None)
    parser.set_defaults(run=run_wizard)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (add_check, add_start, add_status, add_jobs, add_cancel, add_batch, add_setup,
                add_verify, add_download, add_inspect, add_convert, add_deliver,
                add_simulate):
        add(subparsers)
    return parser


def _add_field_flags(parser: argparse.ArgumentParser, title: str, default: str | None,
                     flags: tuple[str, ...] = tuple(PREFILL_FLAGS)) -> None:
    """The request's field flags (all, or `flags`), each checked by the core's field rule."""
    group = parser.add_argument_group(title)
    for flag in flags:
        field, attribute, metavar, what = PREFILL_FLAGS[flag]
        group.add_argument(flag, dest=attribute, metavar=metavar, type=_field_value(field),
                           default=default, help=what)


def _add_journal_flag(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument("--journal", metavar="PATH", type=_journal_file, default=default,
                        help="the local job journal (default: WORKMAIL_EXPORT_JOURNAL, else "
                             "the user state directory)")


def _add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout instead of lines")


class _Regions(argparse.Action):
    """--region given more than once (batch --all-organizations): every value is kept in
    `regions`, and the last one is `region`, the connection's."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        namespace.regions = [*(getattr(namespace, "regions", None) or []), values]
        setattr(namespace, self.dest, values)


def _add_connection_flags(parser: argparse.ArgumentParser, default: str | None,
                          regions: bool = False) -> None:
    """--profile, --region, --endpoint-url, --timeout. Subcommands get them with SUPPRESS as
    default, so `workmail-export jobs --region X` and `workmail-export --region X jobs` both
    work. With `regions`, --region may be given more than once (args.regions)."""
    group = parser.add_argument_group("connection")
    group.add_argument("--profile", type=_profile, default=default,
                       help="AWS profile to use (default: AWS_PROFILE or the default chain)")
    group.add_argument("--region", type=_region, default=default,
                       action=_Regions if regions else "store",
                       help="Region of the WorkMail organization (default: AWS_REGION, "
                            "AWS_DEFAULT_REGION or the profile's)" + (
                                "; with --all-organizations, one of the Regions to export "
                                "(repeat it for more)" if regions else ""))
    group.add_argument("--endpoint-url", type=_endpoint_url, default=default,
                       help="send every AWS call here (default: AWS_ENDPOINT_URL)")
    group.add_argument("--timeout", metavar="SECONDS", type=_timeout, default=default,
                       help="how long one attempt of an AWS call may wait to connect and for "
                            "each read; a call makes at most 3 attempts (default: "
                            "WORKMAIL_EXPORT_TIMEOUT, else 10)")


def _command(subparsers: Subcommands, name: str,
             summary: str, run: Callable[[argparse.Namespace], int], *,
             uses_aws: bool = True, regions: bool = False) -> argparse.ArgumentParser:
    """Register subcommand `name`, run by `run(args)`; with `uses_aws`, it takes the
    connection flags after its name too (`regions`: --region repeatable)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=summary,
                                                            description=summary)
    if uses_aws:
        _add_connection_flags(parser, argparse.SUPPRESS, regions)
        _add_journal_flag(parser, argparse.SUPPRESS)
    parser.set_defaults(run=run, command=name, uses_aws=uses_aws)
    return parser


def settings_from(args: argparse.Namespace) -> ConnectionSettings:
    """The connection the flags ask for (None: what the AWS environment says)."""
    return ConnectionSettings(profile=getattr(args, "profile", None),
                              region=getattr(args, "region", None),
                              endpoint_url=getattr(args, "endpoint_url", None),
                              timeout=getattr(args, "timeout", None))


def prefill_from(args: argparse.Namespace) -> ExportRequest:
    """The export request the prefill flags start the wizard with."""
    values = {attribute: getattr(args, attribute, None) or ""
              for _, attribute, _, _ in PREFILL_FLAGS.values()}
    return ExportRequest(**values)


# --- the wizard ------------------------------------------------------------------------------


def run_wizard(args: argparse.Namespace) -> int:
    """Open the wizard: the Textual app, or the plain prompts with --plain."""
    package, module = ("questionary", "tui.plain") if args.plain else ("textual", "tui.app")
    missing = _missing(package, BASE_INSTALL) or (_missing("moto", DEMO_EXTRA) if args.demo
                                                  else None)
    if missing:
        return _say(missing)
    try:
        face = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return _say(f"{PROG}: this version has no {'plain' if args.plain else 'full-screen'} "
                    f"wizard yet.", code=1)
    if not args.demo:
        code: int = face.run(settings_from(args), prefill_from(args), False)
        return code
    with demo_state_dir():
        code = face.run(settings_from(args), prefill_from(args), True)
    return code


@contextlib.contextmanager
def demo_state_dir() -> Iterator[None]:
    """A throw-away journal and batch store for --demo: the simulated jobs must not mix with
    the real ones in the user's journal (and the simulator's job ids repeat between runs)."""
    from tui.core.journal import JOURNAL_ENV, STATE_DIR_ENV

    saved = {name: os.environ.pop(name, None) for name in (JOURNAL_ENV, STATE_DIR_ENV)}
    with tempfile.TemporaryDirectory(prefix="workmail-export-demo-") as state_dir:
        os.environ[STATE_DIR_ENV] = state_dir
        try:
            yield
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None)
                if value is not None:
                    os.environ[name] = value


# --- check -----------------------------------------------------------------------------------


def add_check(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "check", "run every preflight check on the fields given "
                      "(exit 3 when one finds an error)", run_check)
    _add_field_flags(parser, "the fields to check", argparse.SUPPRESS)
    _add_json_flag(parser)


def run_check(args: argparse.Namespace) -> int:
    from tui.commands import check

    request = prefill_from(args)
    given = {field for field, attribute, _, _ in PREFILL_FLAGS.values()
             if getattr(request, attribute)}
    if not given:
        return _say(f"{PROG} check: give at least one field to check, e.g. --organization "
                    "ORG_ID --entity MAILBOX (see workmail-export check --help)")
    return check.run(settings_from(args), request, given, as_json=args.json)


# --- start -----------------------------------------------------------------------------------


def add_start(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "start", "check, then start the export job of one mailbox "
                      "and print its JobId", run_start)
    _add_field_flags(parser, "the export (all but --description are needed)",
                     argparse.SUPPRESS)
    parser.add_argument("--client-token", metavar="TOKEN", type=_client_token,
                        help="idempotency token: running start again with the same token and "
                             "fields starts at most one job (default: a new one)")
    parser.add_argument("--force", action="store_true",
                        help="start even when a check finds an error")
    _add_json_flag(parser)


def run_start(args: argparse.Namespace) -> int:
    from tui.core.fields import check_field

    request = prefill_from(args)
    missing = [flag for flag, (field, attribute, _, _) in PREFILL_FLAGS.items()
               if not getattr(request, attribute) and check_field(field, "")]
    if missing:
        return _say(f"{PROG} start: missing {', '.join(missing)}; every field but "
                    "--description is needed to start an export")
    if args.client_token:
        request = request.with_changes(client_token=args.client_token)
    from tui.commands import start

    return start.run(settings_from(args), request, as_json=args.json, force=args.force,
                     token_given=bool(args.client_token))


# --- status, jobs, cancel --------------------------------------------------------------------


def _add_job_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_id", metavar="JOB_ID", type=_job_id, help="the JobId")
    _add_field_flags(parser, "where the job runs", argparse.SUPPRESS, ("--organization",))
    parser.epilog = ("Without --organization, the job's organization is read from the local "
                     "journal (jobs started from this machine).")
    _add_json_flag(parser)


def _organization_of_job(args: argparse.Namespace, command: str) -> str | None:
    """--organization, else the organization the journal recorded for the JobId."""
    if args.organization_id:
        return str(args.organization_id)
    from tui.commands.common import organization_of

    organization = organization_of(args.job_id)
    if organization is None:
        _say(f"{PROG} {command}: job {args.job_id} is not in the local journal; pass "
             "--organization with the id (m-...) of the organization it runs in")
    return organization


def add_status(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "status", "show the state of an export job; with --wait, "
                      "follow it until it ends (exit 4 if FAILED or CANCELLED)", run_status)
    _add_job_arguments(parser)
    parser.add_argument("--wait", action="store_true",
                        help="poll until the job is COMPLETED, FAILED or CANCELLED")
    parser.add_argument("--poll", metavar="SECONDS", type=_poll_seconds, default=2.0,
                        help="first wait between polls (default 2); it grows 1.5 times a poll "
                             "without progress, up to 30")


def run_status(args: argparse.Namespace) -> int:
    organization = _organization_of_job(args, "status")
    if organization is None:
        return exit_codes.BAD_USAGE
    from tui.commands import status

    return status.run(settings_from(args), args.job_id, organization, as_json=args.json,
                      wait=args.wait, first_poll=args.poll)


def add_jobs(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "jobs", "list export jobs: the service's last seven days "
                      "and every job in the local journal", run_jobs)
    _add_field_flags(parser, "which organization (default: every Active one in the Region)",
                     argparse.SUPPRESS, ("--organization",))
    _add_json_flag(parser)


def run_jobs(args: argparse.Namespace) -> int:
    from tui.commands import jobs

    return jobs.run(settings_from(args), args.organization_id or "", as_json=args.json)


def add_cancel(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "cancel", "cancel a running export job", run_cancel)
    _add_job_arguments(parser)


def run_cancel(args: argparse.Namespace) -> int:
    organization = _organization_of_job(args, "cancel")
    if organization is None:
        return exit_codes.BAD_USAGE
    from tui.commands import cancel

    return cancel.run(settings_from(args), args.job_id, organization, as_json=args.json)


# --- batch -----------------------------------------------------------------------------------

BATCH_FIELDS = ("--organization", "--role-arn", "--kms-key-arn", "--bucket", "--prefix",
                "--description")


def add_batch(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "batch", "export every mailbox of an organization (or a "
                      "filtered set, or a list from a file, or every organization of the "
                      "account) through WorkMail's 10 export slots; resumable", run_batch,
                      regions=True)
    which = parser.add_argument_group("which mailboxes (one of these)")
    choice = which.add_mutually_exclusive_group(required=True)
    choice.add_argument("--all", action="store_true", dest="every",
                        help="every user and resource with a mailbox, enabled and disabled "
                             "(narrowed by the filters below)")
    choice.add_argument("--all-organizations", action="store_true",
                        help="every mailbox of every Active organization in the Regions "
                             "(--region, repeatable; default: those of --regions-file), one "
                             "run per organization, all at once")
    choice.add_argument("--from-file", metavar="PATH",
                        help="a file of ids, names or emails, one a line (# comments allowed)")
    choice.add_argument("--resume", metavar="RUN_ID", type=_run_id,
                        help="continue a stored run (it keeps its own settings)")
    filters = parser.add_argument_group("filters for --all (prefixes, asked of the service)")
    for flag, what in (("--name-prefix", "user or resource name"),
                       ("--email-prefix", "primary email"),
                       ("--display-name-prefix", "display name (users only)")):
        filters.add_argument(flag, metavar="TEXT", default="", help=f"{what} starts with TEXT")
    filters.add_argument("--only", choices=("users", "resources"),
                         help="users only, or resources only")
    _add_field_flags(parser, "the export (as for start; --prefix is the base of each "
                     "mailbox's folder)", argparse.SUPPRESS, BATCH_FIELDS)
    run = parser.add_argument_group("the run")
    run.add_argument("--regions-file", metavar="FILE",
                     help="with --all-organizations: the role, key and bucket (and prefix) "
                          "of each Region, as JSON: {\"us-east-1\": {\"role_arn\": ..., "
                          "\"kms_key_arn\": ..., \"bucket\": ..., \"prefix\": ...}}")
    run.add_argument("--concurrency", metavar="N", type=_concurrency,
                     help="jobs at once, 1-10 (default 10, minus jobs others run)")
    run.add_argument("--recent", choices=("skip", "schedule"), default="skip",
                     help="mailboxes exported in the last 24 hours: skip them, or schedule "
                          "them for when their window has passed (default: skip)")
    run.add_argument("--report-dir", metavar="DIR", type=_directory,
                     help="where the CSV and JSON manifests go (default: reports/ in the "
                          "state directory)")
    run.add_argument("--poll", metavar="SECONDS", type=_poll_seconds, default=15.0,
                     help="seconds between checks of the running jobs (default 15)")
    run.add_argument("--force", action="store_true",
                     help="start even when a check finds an error")
    run.add_argument("--plan-only", action="store_true",
                     help="show the plan (every mailbox with its size, what is left out and "
                          "why, the estimate) and start nothing")
    run.add_argument("--order", choices=("size", "listing"), default="size",
                     help="after the disabled mailboxes: largest first (default) or in "
                          "listing order")
    run.add_argument("--disabled", choices=("include", "skip"), default="include",
                     help="disabled mailboxes (removed 30 days after disabling): export them "
                          "first (default), or leave them out, named in the plan and manifest")
    run.add_argument("--deadline", metavar="DATE", type=_deadline, default=None,
                     help="warn before starting when the estimate ends after DATE "
                          "(YYYY-MM-DD, or an ISO time; default 2027-03-31, when AWS ends "
                          "WorkMail)")
    parser.add_argument("--json", action="store_true",
                        help="JSON lines on stdout: the plan, events, progress and a final "
                             "summary")


def run_batch(args: argparse.Namespace) -> int:
    from tui.commands.batch import BatchOptions, batch_usage_problem

    values = {attribute: getattr(args, attribute, None) or ""
              for flag, (_, attribute, _, _) in PREFILL_FLAGS.items() if flag in BATCH_FIELDS}
    problem = batch_usage_problem(args, values)
    if problem:
        return _say(f"{PROG} batch: {problem}")
    from tui.commands import batch
    from tui.core.batch.forecast import END_OF_SUPPORT
    from tui.core.batch.model import DisabledPolicy, RecentPolicy
    from tui.core.batch.order import Order
    from tui.core.batch.plan import Filters

    options = BatchOptions(
        request=ExportRequest(**values), every=args.every, from_file=args.from_file or "",
        resume=args.resume or "",
        filters=Filters(name_prefix=args.name_prefix, email_prefix=args.email_prefix,
                        display_name_prefix=args.display_name_prefix,
                        users=args.only != "resources", resources=args.only != "users"),
        concurrency=args.concurrency,
        recent=RecentPolicy.SKIP if args.recent == "skip" else RecentPolicy.DEFER,
        report_dir=args.report_dir or "", as_json=args.json, force=args.force,
        poll_seconds=args.poll, plan_only=args.plan_only, order=Order(args.order),
        disabled=DisabledPolicy(args.disabled),
        every_organization=args.all_organizations, regions=tuple(getattr(args, "regions", None)
                                                                 or ()),
        regions_file=args.regions_file or "",
        deadline=args.deadline if args.deadline is not None else END_OF_SUPPORT.timestamp())
    return batch.run(settings_from(args), options)


def _concurrency(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 10:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of jobs from 1 to 10 "
                                         "(WorkMail runs at most 10 at once)")
    return int(value)


def _deadline(value: str) -> float:
    from tui.core.batch.forecast import deadline_moment

    try:
        return deadline_moment(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_id(value: str) -> str:
    if not value.isalnum() or not value.islower():
        raise argparse.ArgumentTypeError(f"{value!r} is not a run id like r3f9a0c1b2d4e "
                                         "(batch prints it when a run starts)")
    return value


def _directory(value: str) -> str:
    from pathlib import Path

    from tui.core.state_files import directory_refusal

    refused = directory_refusal(Path(value).expanduser()) if value else "a directory is needed"
    if refused:
        raise argparse.ArgumentTypeError(refused)
    return value


# --- verify, download, inspect, convert: after the export -------------------------------------


def _add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """JOB_ID or --run RUN_ID (one of them), and --organization for a JobId."""
    parser.add_argument("job_id", metavar="JOB_ID", nargs="?", type=_job_id,
                        help="the JobId of one export")
    parser.add_argument("--run", metavar="RUN_ID", type=_run_id, dest="run_id",
                        help="every export of a batch run (instead of JOB_ID)")
    _add_field_flags(parser, "where a JOB_ID runs", argparse.SUPPRESS, ("--organization",))
    parser.epilog = ("Without --organization, a JobId's organization is read from the local "
                     "journal (jobs started from this machine).")
    _add_json_flag(parser)


def _export_choice(args: argparse.Namespace, command: str) -> tuple[str, str] | None:
    """(organization, run id) once JOB_ID xor --run is given; None after saying why not."""
    problem = _one_or_run_problem(args.job_id, "JOB_ID", args.run_id)
    if problem:
        _say(f"{PROG} {command}: {problem}")
        return None
    if args.run_id:
        return "", args.run_id
    organization = _organization_of_job(args, command)
    return (organization, "") if organization else None


def add_verify(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "verify", "check that each export is in S3, whole and the "
                      "size its output log says, without downloading it (exit 5 if not)",
                      run_verify)
    _add_export_arguments(parser)


def run_verify(args: argparse.Namespace) -> int:
    choice = _export_choice(args, "verify")
    if choice is None:
        return exit_codes.BAD_USAGE
    from tui.commands import verify

    return verify.run(settings_from(args), args.job_id or "", choice[0], choice[1],
                      as_json=args.json)


def add_download(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "download", "download each export (resumable: run it again "
                      "after Ctrl-C) and compare its sha384 with its log", run_download)
    _add_export_arguments(parser)
    parser.add_argument("--to", metavar="DIR", required=True, type=_directory, dest="to",
                        help="the directory to download into (made if missing)")
    parser.add_argument("--part-size", metavar="MIB", type=_part_size, default=8,
                        help="MiB per ranged GET (default 8, as the AWS CLI)")
    parser.add_argument("--concurrency", metavar="N", type=_download_concurrency, default=10,
                        help="ranged GETs at once, 1-10 (default 10, as the AWS CLI)")


def run_download(args: argparse.Namespace) -> int:
    choice = _export_choice(args, "download")
    if choice is None:
        return exit_codes.BAD_USAGE
    from pathlib import Path

    from tui.commands import download
    from tui.core.retrieve.transfer import MIB, TransferOptions

    options = TransferOptions(part_size=args.part_size * MIB, concurrency=args.concurrency)
    return download.run(settings_from(args), args.job_id or "", choice[0], choice[1],
                        Path(args.to).expanduser(), options, as_json=args.json)


def add_inspect(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "inspect", "show what an export zip holds (folders, "
                      "messages, calendar items, other entries) against its log, without "
                      "unpacking it", run_inspect, uses_aws=False)
    parser.add_argument("zip", metavar="ZIP", help="the export's .zip (a download)")
    parser.add_argument("--log", metavar="FILE", help="its output log (default: the "
                        "<name>.log.json a download saved beside it)")
    _add_json_flag(parser)


def run_inspect(args: argparse.Namespace) -> int:
    from tui.commands import inspect

    log = None
    if args.log:
        log = inspect.read_log_file(args.log)
        if log is None:
            return _say(f"{PROG} inspect: {args.log!r} is not an output log (a JSON object "
                        "with totalMessages, totalBytes, sha384Hash ...)")
    try:
        return inspect.run(args.zip, log, as_json=args.json)
    except CoreError as exc:
        from tui.commands.exports import escaped
        from tui.commands.output import report_problem

        report_problem(escaped(exc.problem), args.json)
        return exit_codes.BAD_USAGE


def _add_zip_or_run(parser: argparse.ArgumentParser, each_into: str) -> None:
    """The export a retrieve command reads: one ZIP, or every download of a batch run."""
    parser.add_argument("zip", metavar="ZIP", nargs="?", help="the export's .zip")
    parser.add_argument("--run", metavar="RUN_ID", type=_run_id, dest="run_id",
                        help=f"every export of a batch run downloaded here (instead of ZIP), "
                             f"{each_into}")


def _one_or_run_problem(one: str | None, name: str, run_id: str | None) -> str:
    """Why a command's one export (`one`, a `name` such as JOB_ID or ZIP) or --run cannot
    be used ("" when it can): both or neither given, or a run this machine does not know."""
    if bool(one) == bool(run_id):
        return f"give either a {name} or --run RUN_ID"
    if run_id:
        from tui.commands.exports import unknown_run

        return unknown_run(run_id) or ""
    return ""


CONVERT_FORMATS = ("mbox", "maildir", "eml")


def add_convert(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "convert", "turn an export zip into mbox files, a "
                      "Maildir++ tree or .eml files, streaming, and say what was skipped",
                      run_convert, uses_aws=False)
    _add_zip_or_run(parser, "each into DIR/<mailbox>/")
    parser.add_argument("--to", nargs=2, metavar=("FORMAT", "DIR"), required=True,
                        help="mbox, maildir or eml, and a new or empty directory")
    _add_journal_flag(parser, argparse.SUPPRESS)
    _add_json_flag(parser)


def run_convert(args: argparse.Namespace) -> int:
    format, directory = args.to
    if format not in CONVERT_FORMATS:
        return _say(f"{PROG} convert: --to takes a format ({', '.join(CONVERT_FORMATS)}) and "
                    f"a directory; {format!r} is not a format")
    problem = _one_or_run_problem(args.zip, "ZIP", args.run_id)
    if problem:
        return _say(f"{PROG} convert: {problem}")
    from pathlib import Path

    from tui.commands import convert

    return convert.run(args.zip or "", args.run_id or "", format,
                       Path(directory).expanduser(), as_json=args.json)


# --- deliver: into the new mailbox over IMAP ---------------------------------------------------


def add_deliver(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "deliver", "put an export's messages into a mailbox over "
                      "IMAP, each exactly once, with its folder tree; safe to run again",
                      run_deliver, uses_aws=False)
    _add_zip_or_run(parser, "each into the account --accounts names for its mailbox")
    parser.add_argument("--accounts", metavar="FILE",
                        help="with --run: CSV lines mailbox,imap_user[,secret_env]")
    server = parser.add_argument_group("the IMAP server")
    server.add_argument("--imap-host", required=True, metavar="HOST", type=_imap_host)
    server.add_argument("--imap-port", metavar="PORT", type=_port,
                        help="default 993 (IMAPS), or 143 with --starttls or "
                             "--insecure-plain-imap")
    server.add_argument("--imap-user", metavar="USER",
                        help="the account to deliver into (with ZIP)")
    secret = server.add_mutually_exclusive_group()
    secret.add_argument("--password-env", metavar="VAR",
                        help="the environment variable holding the password (else asked "
                             "without echo on a terminal)")
    secret.add_argument("--oauth2-token-env", metavar="VAR",
                        help="log in with XOAUTH2 using the access token in this variable "
                             "(Microsoft 365, Google)")
    server.add_argument("--auth", choices=("login", "plain"), default="login",
                        help="password login: IMAP LOGIN (default) or SASL PLAIN")
    security = server.add_mutually_exclusive_group()
    security.add_argument("--starttls", action="store_true",
                          help="plain IMAP upgraded with STARTTLS instead of IMAPS")
    security.add_argument("--insecure-plain-imap", action="store_true",
                          help="no encryption at all (passwords and mail in clear text)")
    server.add_argument("--ca-file", metavar="FILE",
                        help="trust this certificate authority (a private or test server)")
    server.add_argument("--imap-timeout", metavar="SECONDS", type=_poll_seconds,
                        default=30.0, help="for a connect or one answer (default 30)")
    what = parser.add_argument_group("what is delivered")
    what.add_argument("--folder-map", metavar="FILE",
                      help='JSON object of export folder -> server folder, e.g. '
                           '{"Inbox/Old": "Archive/Old"}')
    what.add_argument("--check-message-id", action="store_true",
                      help="skip a message whose Message-ID is already in its folder (mail "
                           "another tool copied)")
    what.add_argument("--max-message-size", metavar="BYTES", type=_byte_count,
                      help="list larger messages instead of sending them (e.g. 35M for "
                           "Microsoft 365, 25M for Google); the server's own limit applies "
                           "too")
    what.add_argument("--mark-seen", action="store_true",
                      help="deliver every message as read (the export says nothing of read "
                           "state)")
    what.add_argument("--dry-run", action="store_true",
                      help="read the server and count, create and append nothing")
    _add_json_flag(parser)


def run_deliver(args: argparse.Namespace) -> int:
    problem = _one_or_run_problem(args.zip, "ZIP", args.run_id)
    if problem:
        return _say(f"{PROG} deliver: {problem}")
    if args.run_id and not args.accounts:
        return _say(f"{PROG} deliver: --run needs --accounts FILE (mailbox,imap_user lines)")
    if args.zip and not args.imap_user:
        return _say(f"{PROG} deliver: --imap-user is required with a ZIP")
    if args.folder_map is None:
        folder_map: dict[str, str] = {}
    else:
        from pathlib import Path

        from tui.wizard.deliver import read_folder_map

        try:
            folder_map = read_folder_map(Path(args.folder_map).expanduser())
        except ValueError as error:
            return _say(f"{PROG} deliver: {error}")
    if args.insecure_plain_imap:
        print(f"{PROG} deliver: warning: --insecure-plain-imap sends the password and every "
              "message unencrypted", file=sys.stderr)
    from tui.commands import deliver
    from tui.core.deliver.model import Auth, DeliveryOptions, ImapTarget, Security

    security = (Security.STARTTLS if args.starttls else
                Security.PLAIN if args.insecure_plain_imap else Security.IMAPS)
    port = args.imap_port or (993 if security is Security.IMAPS else 143)
    target = ImapTarget(host=args.imap_host, user=args.imap_user or "", port=port,
                        security=security,
                        auth=Auth.XOAUTH2 if args.oauth2_token_env else Auth(args.auth),
                        ca_file=args.ca_file, timeout=args.imap_timeout)
    options = DeliveryOptions(check_message_id=args.check_message_id, folder_map=folder_map,
                              max_size=args.max_message_size, dry_run=args.dry_run,
                              flags=("\\Seen",) if args.mark_seen else ())
    secrets = deliver.Secrets(args.password_env or args.oauth2_token_env or "")
    return deliver.run(args.zip or "", args.run_id or "", args.accounts or "", target,
                       secrets, options, as_json=args.json)


def _imap_host(value: str) -> str:
    host = value.strip()
    if not host or any(char in host for char in "/@ ") or not host.isprintable():
        raise argparse.ArgumentTypeError(f"{value!r} is not a host name or address")
    return host


def _byte_count(value: str) -> int:
    units = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    text = value.strip().upper().removesuffix("B").removesuffix("I")
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "")
    if not number.isdigit() or int(number) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size (e.g. 35M or 36700160)")
    return int(number) * units[unit]


def _part_size(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 512:
        raise argparse.ArgumentTypeError(f"{value!r} is not a part size in MiB from 1 to 512")
    return int(value)


def _download_concurrency(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 10:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of parts at once from 1 "
                                         "to 10")
    return int(value)


# --- setup -----------------------------------------------------------------------------------

SETUP_FIELDS = ("--organization", "--bucket", "--prefix")


def add_setup(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "setup", "plan (default) or apply what an export needs: "
                      "create or repair the IAM role, the KMS key and the S3 bucket, only by "
                      "adding; --remove takes back what it created", run_setup)
    _add_field_flags(parser, "the export to prepare (all three needed, but with --remove)",
                     argparse.SUPPRESS, SETUP_FIELDS)
    parser.add_argument("--role-name", metavar="NAME", type=_role_name,
                        help="the IAM role to use: created when missing, repaired when it "
                             "exists (default: the tool's own role for the organization)")
    key = parser.add_mutually_exclusive_group()
    key.add_argument("--kms-key-arn", dest="kms_key_arn", metavar="KEY_ARN",
                     type=_field_value(Field.KMS_KEY),
                     help="the KMS key to use (enabled, or its deletion cancelled, and its "
                          "policy completed when needed)")
    key.add_argument("--create-key", action="store_true",
                     help="use the tool's own key for the organization, created when missing "
                          "(a KMS key is billed monthly)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--plan", action="store_true",
                      help="show every call and document, change nothing (the default)")
    mode.add_argument("--apply", action="store_true",
                      help="show the plan, ask, then make the calls one by one")
    parser.add_argument("--yes", action="store_true",
                        help="with --apply: do not ask (for scripts)")
    parser.add_argument("--format", choices=("shell", "cloudformation"),
                        help="write the plan for someone else to apply: a script of aws "
                             "commands, or a CloudFormation template (JSON)")
    parser.add_argument("--remove", action="store_true",
                        help="plan the removal of what the tool created (found by its tags; "
                             "--organization narrows it); with --apply, remove it")
    _add_json_flag(parser)


def run_setup(args: argparse.Namespace) -> int:
    from tui.commands.setup import SetupOptions

    organization = getattr(args, "organization_id", None) or ""
    bucket, prefix = getattr(args, "bucket", None) or "", getattr(args, "prefix", None) or ""
    if args.remove and (bucket or prefix or args.role_name or args.kms_key_arn or args.create_key):
        return _say(f"{PROG} setup: --remove takes only --organization (it removes what the "
                    "tool created, found by its tags)")
    if not args.remove:
        missing = [flag for flag, value in zip(SETUP_FIELDS, (organization, bucket, prefix),
                                               strict=True) if not value]
        if missing:
            return _say(f"{PROG} setup: missing {', '.join(missing)}; setup prepares one export: "
                        "its organization, bucket and prefix")
    if args.yes and not args.apply:
        return _say(f"{PROG} setup: --yes goes with --apply")
    if args.format and args.apply:
        return _say(f"{PROG} setup: --format writes the plan for someone else; it does not go "
                    "with --apply")
    from tui.commands import setup

    return setup.run(settings_from(args), SetupOptions(
        organization_id=organization, bucket=bucket, prefix=prefix,
        role_name=args.role_name or "", key_arn=args.kms_key_arn or "",
        create_key=args.create_key, apply=args.apply, yes=args.yes, as_json=args.json,
        format=args.format or "", remove=args.remove, argv=tuple(sys.argv[1:])))


def _role_name(value: str) -> str:
    from tui.core.fields import ROLE_NAME

    if not ROLE_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an IAM role name: 1 to 64 letters, "
                                         "digits and + = , . @ _ -")
    return value


# --- simulate --------------------------------------------------------------------------------


def add_simulate(subparsers: Subcommands) -> None:
    parser = _command(subparsers, "simulate", "serve a simulated AWS (WorkMail, IAM, KMS, S3, "
                      "STS) on 127.0.0.1 for any AWS client", run_simulate, uses_aws=False)
    parser.add_argument("--port", type=_port, default=0, help="TCP port (default: any free one)")
    parser.add_argument("--world", choices=WORLDS, default="demo",
                        help="what the simulated account holds (default: demo)")


def run_simulate(args: argparse.Namespace) -> int:
    missing = _missing("moto", DEMO_EXTRA)
    if missing:
        return _say(missing)
    from tui.sim.server import serve_forever

    try:
        serve_forever(args.port, args.world)
    except OSError as error:  # the port is taken, or not ours to bind
        return _say(f"{PROG} simulate: {error.strerror or error}")
    return 0


# --- checking flag values --------------------------------------------------------------------


def _field_value(field: Field) -> Callable[[str], str]:
    def check(value: str) -> str:
        from tui.core.fields import check_reference, tidy

        value = tidy(field, value)  # spaces pasted around an id or a name are not part of it
        message = check_reference(field, value)  # a role name, key id or alias is looked up
        if message:
            raise argparse.ArgumentTypeError(message)
        return value
    check.__name__ = field.value  # argparse names the type in some messages
    return check


def _region(value: str) -> str:
    from tui.core.session import region_problem

    message = region_problem(value)
    if message:
        raise argparse.ArgumentTypeError(message)
    return value


def _profile(value: str) -> str:
    from tui.core.session import available_profiles

    known = available_profiles()
    if value not in known:
        listed = f"known: {', '.join(known)}" if known else "there are none; run `aws configure`"
        raise argparse.ArgumentTypeError(f"no profile {value!r} in the AWS config files ({listed})")
    return value


def _endpoint_url(value: str) -> str:
    url = urlparse(value)
    if url.scheme not in ("http", "https") or not url.netloc:
        from tui.core.redact import masked_url

        raise argparse.ArgumentTypeError(f"{masked_url(value)!r} is not a URL like "
                                         "http://127.0.0.1:4566")
    return value


def _timeout_variable_problem() -> str | None:
    """Why $WORKMAIL_EXPORT_TIMEOUT cannot be used, or None (unset or a good value)."""
    from tui.core.session import TIMEOUT_ENV, timeout_problem

    value = os.environ.get(TIMEOUT_ENV, "").strip()
    problem = timeout_problem(value) if value else None
    return f"{PROG}: {TIMEOUT_ENV}: {problem}" if problem else None


def _timeout(value: str) -> float:
    from tui.core.session import timeout_problem

    return float(_checked(timeout_problem(value), value))


def _client_token(value: str) -> str:
    from tui.core.fields import check_value

    value = value.strip()
    return _checked(check_value("client_token", value), value)


def _job_id(value: str) -> str:
    from tui.core.fields import check_value

    value = value.strip()
    return _checked(check_value("job_id", value), value)


def _checked(message: str | None, value: str) -> str:
    if message:
        raise argparse.ArgumentTypeError(message)
    return value


def _journal_file(value: str) -> str:
    """A path where a journal of ours is, or can be made; anything else is refused here,
    before any command runs, and left untouched."""
    if not value:
        raise argparse.ArgumentTypeError("give a file path like ~/workmail/journal.sqlite3")
    from pathlib import Path

    from tui.core.journal import refusal

    refused = refusal(Path(value))
    if refused:
        raise argparse.ArgumentTypeError(f"{refused} Give a journal file of workmail-export, "
                                         "or a new path.")
    return value


def _poll_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 30:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from above 0 "
                                         "to 30")
    return seconds


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0-65535)")
    return int(value)


# --- output ----------------------------------------------------------------------------------


def _missing(package: str, install: str) -> str | None:
    """A one-line message when `package` cannot be imported, naming the install command."""
    try:
        found = importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else f"{PROG}: {package} is not installed; run: {install}"


def _say(line: str, code: int = 2) -> int:
    """One line on stderr (escaped: it may quote a path or value given) and the exit code."""
    from tui.core.safe_text import shown

    print(shown(line), file=sys.stderr)
    return code
