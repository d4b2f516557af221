"""Argument parsing and the entry point of `workmail-export` (and `python -m tui`).

With no subcommand it opens the wizard (the Textual app, or the line-by-line prompts with
--plain), prefilled from the flags. Each subcommand is two functions here: `add_<name>`
registers its parser through `_command(...)` (which gives it the connection flags too), and
`run_<name>(args) -> int` does the work; `build_parser` lists the adders.

Every expected failure is one line on stderr and an exit code (2: bad usage or a missing
extra, 1: AWS said no), never a traceback. Heavy imports (boto3, textual, the simulator)
happen only in the command that needs them, so --help and --version answer at once.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

from tui import __version__
from tui.core.model import ConnectionSettings, CoreError, ExportRequest, Field

PROG = "workmail-export"
DEMO_EXTRA = "pip install 'workmail-export[demo]'"
BASE_INSTALL = "pip install workmail-export"
WORLDS = ("demo", "large", "empty")
if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[Any]  # what build_parser hands each add_<command>

# Wizard prefill flags: flag -> (the field whose rule checks it, the ExportRequest attribute,
# metavar, what it is).
PREFILL_FLAGS: dict[str, tuple[Field, str, str, str]] = {
    "--organization": (Field.ORGANIZATION, "organization_id", "ORG_ID",
                       "the WorkMail organization id (m-...)"),
    "--entity": (Field.ENTITY, "entity_id", "MAILBOX",
                 "the mailbox: a user or resource id, name or email address"),
    "--role-arn": (Field.ROLE, "role_arn", "ROLE_ARN", "the IAM role WorkMail assumes"),
    "--kms-key-arn": (Field.KMS_KEY, "kms_key_arn", "KEY_ARN", "the KMS key of the export"),
    "--bucket": (Field.BUCKET, "bucket", "BUCKET", "the S3 bucket the export goes to"),
    "--prefix": (Field.PREFIX, "prefix", "PREFIX", "the S3 prefix of the export"),
    "--description": (Field.DESCRIPTION, "description", "TEXT", "a description of the job"),
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump), exit code 2."""

    def error(self, message: str) -> NoReturn:
        if not message.startswith("argument "):
            message += f"; see {self.prog} --help"
        self.exit(2, f"{self.prog}: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen command; the process exit code."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except CoreError as exc:
        print(f"{PROG}: {exc.problem.sentence()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


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
    face = parser.add_argument_group("the wizard")
    face.add_argument("--demo", action="store_true",
                      help="run against a simulated AWS with a demo organization "
                           f"(needs: {DEMO_EXTRA})")
    face.add_argument("--plain", action="store_true",
                      help="ask line by line instead of the full-screen app")
    prefill = parser.add_argument_group("prefill the wizard (each value is checked)")
    for flag, (field, attribute, metavar, what) in PREFILL_FLAGS.items():
        prefill.add_argument(flag, dest=attribute, metavar=metavar, type=_field_value(field),
                             help=what)
    parser.set_defaults(run=run_wizard)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    add_simulate(subparsers)
    return parser


def _add_connection_flags(parser: argparse.ArgumentParser, default: str | None) -> None:
    """--profile, --region, --endpoint-url. Subcommands get them with SUPPRESS as default,
    so `workmail-export jobs --region X` and `workmail-export --region X jobs` both work."""
    group = parser.add_argument_group("connection")
    group.add_argument("--profile", type=_profile, default=default,
                       help="AWS profile to use (default: AWS_PROFILE or the default chain)")
    group.add_argument("--region", type=_region, default=default,
                       help="Region of the WorkMail organization (default: AWS_REGION, "
                            "AWS_DEFAULT_REGION or the profile's)")
    group.add_argument("--endpoint-url", type=_endpoint_url, default=default,
                       help="send every AWS call here (default: AWS_ENDPOINT_URL)")


def _command(subparsers: Subcommands, name: str,
             summary: str, run: Callable[[argparse.Namespace], int], *,
             uses_aws: bool = True) -> argparse.ArgumentParser:
    """Register subcommand `name`, run by `run(args)`; with `uses_aws`, it takes the
    connection flags after its name too."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=summary,
                                                            description=summary)
    if uses_aws:
        _add_connection_flags(parser, argparse.SUPPRESS)
    parser.set_defaults(run=run)
    return parser


def settings_from(args: argparse.Namespace) -> ConnectionSettings:
    """The connection the flags ask for (None: what the AWS environment says)."""
    return ConnectionSettings(profile=getattr(args, "profile", None),
                              region=getattr(args, "region", None),
                              endpoint_url=getattr(args, "endpoint_url", None))


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
    code: int = face.run(settings_from(args), prefill_from(args), args.demo)
    return code


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

    serve_forever(args.port, args.world)
    return 0


# --- checking flag values --------------------------------------------------------------------


def _field_value(field: Field) -> Callable[[str], str]:
    def check(value: str) -> str:
        from tui.core.fields import check_field

        message = check_field(field, value)
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
        raise argparse.ArgumentTypeError(f"{value!r} is not a URL like http://127.0.0.1:4566")
    return value


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
    print(line, file=sys.stderr)
    return code
