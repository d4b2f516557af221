"""The command line as a person meets it: `python -m tui ...` in a subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest

from tui import __version__

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)


def run_without(package: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a process where `package` cannot be imported."""
    code = (f"import sys; sys.modules[{package!r}] = None\n"
            f"from tui.cli import main\nsys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL)


def test_version_prints_the_name_and_version_without_loading_aws_or_the_ui() -> None:
    """Quick because it loads neither boto3 nor Textual (bench_startup.py times it)."""
    result = run_cli("--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"workmail-export {__version__}\n", "")
    code = ("import sys\nfrom tui.cli import main\ntry:\n    main(['--version'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'boto3', 'botocore', 'textual', 'questionary', 'moto'}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert loaded.stdout.splitlines()[-1] == "[]", loaded.stderr


def test_help_lists_every_global_and_prefill_flag_and_the_simulate_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for flag in ("--profile", "--region", "--endpoint-url", "--demo", "--plain", "--version",
                 "--organization", "--entity", "--role-arn", "--kms-key-arn", "--bucket",
                 "--prefix", "--description", "simulate", "AWS_ENDPOINT_URL"):
        assert flag in result.stdout
    assert result.stdout.startswith("usage: workmail-export ")


def test_simulate_help_names_its_flags() -> None:
    result = run_cli("simulate", "--help")
    assert result.returncode == 0
    assert "--port" in result.stdout and "--world" in result.stdout


BAD_FLAGS = [
    (("--prefix", "jane@example.com"), "workmail-export: argument --prefix: S3 prefixes may not "
     "contain @ - use letters, digits and ! _ . * ' ( ) / -"),
    (("--organization", "m-123"), "workmail-export: argument --organization: The organization "
     "id has exactly 34 characters, e.g. m-0123456789abcdef0123456789abcdef; this one has 5."),
    (("--entity", "Jane Doe"), "workmail-export: argument --entity: Mailbox ids, names and "
     "email addresses may not contain spaces - use letters, digits and . _ % + @ -"),
    (("--role-arn", "arn:aws:kms:us-east-1:111122223333:key/x"),
     "workmail-export: argument --role-arn: The role ARN starts with arn:aws:iam:, "
     "e.g. arn:aws:iam::111122223333:role/WorkMailExportRole."),
    # (a key id or an alias such as alias/export is taken: it is looked up once connected)
    (("--kms-key-arn", "my key"), "workmail-export: argument --kms-key-arn: The KMS key is "
     "given as an ARN like arn:aws:kms:us-east-1:111122223333:key/"
     "1234abcd-12ab-34cd-56ef-1234567890ab, or by its key id or alias (alias/...); 'my key' "
     "is neither."),
    (("--bucket", "my_bucket"), "workmail-export: argument --bucket: S3 bucket names may not "
     "contain _ - use letters, digits and . -"),
    (("--description", "d" * 1024), "workmail-export: argument --description: Descriptions may "
     "have at most 1023 characters; this one has 1024."),
    (("--region", "eu-central-1"), "workmail-export: argument --region: Amazon WorkMail is not "
     "available in 'eu-central-1'; use one of eu-west-1, us-east-1, us-west-2."),
    (("--profile", "nope"), "workmail-export: argument --profile: no profile 'nope' in the AWS "
     "config files (there are none; run `aws configure`)"),
    (("--endpoint-url", "localhost:4566"), "workmail-export: argument --endpoint-url: "
     "'localhost:4566' is not a URL like http://127.0.0.1:4566"),
    (("--bogus",), "workmail-export: unrecognized arguments: --bogus; "
     "see workmail-export --help"),
    (("--prefix",), "workmail-export: argument --prefix: expected one argument"),
    (("simulate", "--world", "mars"), "workmail-export simulate: argument --world: invalid "
     "choice: 'mars' (choose from 'demo', 'large', 'empty', 'fresh')"),
    (("simulate", "--port", "70000"), "workmail-export simulate: argument --port: '70000' is "
     "not a port number (0-65535)"),
]


@pytest.mark.parametrize(("args", "line"), BAD_FLAGS)
def test_a_bad_flag_is_one_line_naming_it_and_exit_code_2(args: tuple[str, ...],
                                                          line: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == line + "\n"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("blocked", "args", "line"), [
    ("moto", ("--demo",), "workmail-export: moto is not installed; "
     "run: pip install 'workmail-export[demo]'"),
    ("moto", ("simulate",), "workmail-export: moto is not installed; "
     "run: pip install 'workmail-export[demo]'"),
    ("textual", (), "workmail-export: textual is not installed; run: pip install workmail-export"),
    ("questionary", ("--plain",),
     "workmail-export: questionary is not installed; run: pip install workmail-export"),
])
def test_a_missing_extra_is_one_line_naming_the_install_command(
        blocked: str, args: tuple[str, ...], line: str) -> None:
    result = run_without(blocked, *args)
    assert (result.returncode, result.stderr, result.stdout) == (2, line + "\n", "")


def test_simulate_serves_any_client_until_interrupted_and_says_where() -> None:
    process = subprocess.Popen([sys.executable, "-m", "tui", "simulate", "--world", "empty"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, stdin=subprocess.DEVNULL)
    watchdog = threading.Timer(60, process.kill)  # a hung server fails the test, not the run
    watchdog.start()
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while lines[-1] and not lines[-1].startswith("Press Ctrl-C"):
            lines.append(process.stdout.readline())
        assert lines[0].startswith("Simulated AWS (WorkMail, IAM, KMS, S3, STS) at http://127.0.0.1:")
        assert lines[-1] == "Press Ctrl-C to stop.\n"
        url = lines[0].split(" at ", 1)[1].strip()
        workmail = boto3.client("workmail", endpoint_url=url, region_name="us-east-1")
        assert workmail.list_organizations()["OrganizationSummaries"] == []
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C
        _, err = process.communicate(timeout=30)
        watchdog.cancel()
    assert process.returncode == 0
    assert "Traceback" not in err
