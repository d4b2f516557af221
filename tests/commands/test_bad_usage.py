"""No bad flag or value of the commands ends in a traceback: each is one line on stderr that
names the flag and what is allowed, and exit status 2."""

from __future__ import annotations

import pytest
from cli_runner import Cli

from tui.cli import main

M = "m-0123456789abcdef0123456789abcdef"
BAD = [
    (("check",), "workmail-export check: give at least one field to check, e.g. "
     "--organization ORG_ID --entity MAILBOX (see workmail-export check --help)"),
    (("check", "--prefix", "jane@example.com"), "workmail-export check: argument --prefix: "
     "S3 prefixes may not contain @ - use letters, digits and ! _ . * ' ( ) / -"),
    (("start", "--organization", M, "--entity", "alice"), "workmail-export start: missing "
     "--role-arn, --kms-key-arn, --bucket, --prefix; every field but --description is "
     "needed to start an export"),
    (("start", "--client-token", "two words"), "workmail-export start: argument "
     "--client-token: Client tokens may not contain spaces - use printable ASCII characters "
     "other than spaces"),
    (("start", "--force", "--json", "--bucket", "b"), "workmail-export start: argument "
     "--bucket: S3 bucket names have at least 3 characters; this one has 1."),
    (("status",), "workmail-export status: the following arguments are required: JOB_ID; "
     "see workmail-export status --help"),
    (("status", "job_1"), "workmail-export status: argument JOB_ID: Job ids may not contain _ "
     "- use letters, digits and -"),
    (("status", "job-1", "--wait", "--poll", "0"), "workmail-export status: argument --poll: "
     "'0' is not a number of seconds from above 0 to 30"),
    (("status", "job-1", "--poll", "soon"), "workmail-export status: argument --poll: 'soon' "
     "is not a number of seconds from above 0 to 30"),
    (("status", "job-1"), "workmail-export status: job job-1 is not in the local journal; "
     "pass --organization with the id (m-...) of the organization it runs in"),
    (("cancel", "job-1", "--organization", "m-1"), "workmail-export cancel: argument "
     "--organization: The organization id has exactly 34 characters, e.g. "
     "m-0123456789abcdef0123456789abcdef; this one has 3."),
    (("cancel", "job-1", "--bogus"), "workmail-export: unrecognized arguments: --bogus; see "
     "workmail-export --help"),
    (("jobs", "--region", "mars-1"), "workmail-export jobs: argument --region: Amazon WorkMail "
     "is not available in 'mars-1'; use one of eu-west-1, us-east-1, us-west-2."),
    (("jobs", "--journal", "."), "workmail-export jobs: argument --journal: . is a directory, "
     "so it is not a job journal workmail-export made; it was left untouched. Give a journal "
     "file of workmail-export, or a new path."),
    # --demo belongs to the wizard: a command never falls back to the real account with it
    (("--demo", "jobs", "--json"), "workmail-export jobs: --demo opens the wizard on a "
     "throw-away simulated AWS; commands do not take it. To try commands without AWS, start "
     "`workmail-export simulate --port 4566` in another terminal and give each command "
     "--endpoint-url http://127.0.0.1:4566"),
    (("--plain", "status", "job-1", "--organization", M), "workmail-export status: --plain is "
     "a way to run the wizard; commands take no --plain"),
    # a value starting with "-" reaches the field's rule (argparse said "expected one argument")
    (("check", "--bucket", "-exports"), "workmail-export check: argument --bucket: S3 bucket "
     "names start and end with a letter or digit; this one starts with '-'."),
    (("--bucket", "-exports"), "workmail-export: argument --bucket: S3 bucket names start and "
     "end with a letter or digit; this one starts with '-'."),
    (("batch", "--all", "--prefix", "-x@"), "workmail-export batch: argument --prefix: S3 "
     "prefixes may not contain @ - use letters, digits and ! _ . * ' ( ) / -"),
    (("start", "--bucket", "192.168.5.4"), "workmail-export start: argument --bucket: S3 bucket "
     "names are never written like an IP address (as 192.168.5.4 is)."),
]


def run_main(args: tuple[str, ...]) -> int:
    try:
        return main(list(args))
    except SystemExit as exit_:  # argparse's own errors
        return int(exit_.code or 0)


@pytest.mark.parametrize(("args", "line"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_bad_flag_or_value_is_one_line_and_exit_2(
        args: tuple[str, ...], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_main(args)
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", line + "\n")


@pytest.mark.parametrize("index", [0, 6, 12, 14])
def test_the_same_errors_from_a_real_process(index: int, cli: Cli) -> None:
    args, line = BAD[index]
    result = cli(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", line + "\n")


def test_an_unknown_command_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_main(("export",))
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("workmail-export: argument COMMAND: invalid choice: 'export' (choose "
                          "from 'check', 'start', 'status', 'jobs', 'cancel', ")
    assert err.count("\n") == 1


def test_a_flag_after_a_field_flag_is_still_a_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(("check", "--prefix", "--bucket", "exports")) == 2
    assert capsys.readouterr().err == (
        "workmail-export check: argument --prefix: expected one argument\n")


def test_spaces_pasted_around_values_are_trimmed_but_a_description_keeps_them() -> None:
    from tui.cli import build_parser

    args = build_parser().parse_args([
        "check", "--organization", f" {M}\n", "--entity", "alice.wong ", "--bucket",
        "\texports", "--prefix", " exports/ ", "--description", " before the end "])
    assert (args.organization_id, args.entity_id, args.bucket, args.prefix,
            args.description) == (M, "alice.wong", "exports", "exports/", " before the end ")
    started = build_parser().parse_args(["start", "--client-token", " -token-1 "])
    assert started.client_token == "-token-1"
    assert build_parser().parse_args(["status", " job-1 "]).job_id == "job-1"
