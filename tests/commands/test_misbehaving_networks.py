"""Networks that misbehave, as a script meets them: a hung AWS is given up within the
timeout budget and is never a pass, and an answer that is not AWS's is a sentence."""

from __future__ import annotations

import pytest
from cli_runner import Cli
from fake_endpoint import GARBAGE, HANG, HTML, JSON_503, JSON_LIST, FakeEndpoint

from tui.commands import exit_codes
from tui.core.session import MAX_ATTEMPTS, TIMEOUT_ENV

ORG = "m-521bb1c32f1b7f2294fb237fdbc0211f"
EXPORT = ["--organization", ORG, "--entity", "alice.wong",
          "--role-arn", "arn:aws:iam::123456789012:role/WorkMailExportRole",
          "--kms-key-arn", "arn:aws:kms:us-east-1:123456789012:key/"
                           "f913cda1-914c-4c1b-a488-0fe940abc384",
          "--bucket", "example-corp-mail-export", "--prefix", "exports/"]
SHORT = ["--timeout", "0.5"]  # the budget under test; the default (10 s) is measured in
# benchmarks/bench_hung_endpoint.py


def test_check_against_a_hung_aws_gives_up_says_what_it_waited_for_and_exits_5() -> None:
    with FakeEndpoint(HANG) as fake:
        result = Cli(fake.url)("check", *SHORT, *EXPORT)
        requests = fake.requests
    assert result.returncode == exit_codes.NOT_VERIFIED
    assert result.stdout.splitlines()[-1] == "Checked in us-east-1: 6 could not be checked."
    assert "Organization ○ could not check: ReadTimeout: Read timeout on endpoint URL" in \
        result.stdout
    assert "allow more time with --timeout SECONDS" in result.stdout
    assert "workmail-export: waiting for AWS to answer " in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "workmail-export check: not verified: the checks of Organization, Mailbox, IAM role, "
        "KMS key, Bucket and Prefix could not be made (see why above); once AWS answers or "
        "the missing permission is granted, run check again.")
    # Each hung call was tried exactly as often as the retry budget says, then given up.
    assert requests["iam:GetRole"] == MAX_ATTEMPTS
    assert requests["sts:GetCallerIdentity"] == 1


def test_check_json_of_a_hung_aws_is_not_ok() -> None:
    with FakeEndpoint(HANG) as fake:
        result = Cli(fake.url)("check", "--json", *SHORT, "--organization", ORG)
    assert result.returncode == exit_codes.NOT_VERIFIED
    assert '"ok": false' in result.stdout
    assert '"level": "could not check"' in result.stdout


def test_start_against_a_hung_aws_refuses_and_sends_no_start() -> None:
    with FakeEndpoint(HANG) as fake:
        result = Cli(fake.url)("start", *SHORT, *EXPORT)
        requests = fake.requests
    assert (result.returncode, result.stdout) == (exit_codes.NOT_VERIFIED, "")
    assert result.stderr.splitlines()[-1].endswith(
        "once AWS answers or the missing permission is granted, run start again, or pass "
        "--force to start anyway.")
    assert requests["workmail:StartMailboxExportJob"] == 0


def test_the_timeout_can_come_from_the_environment() -> None:
    with FakeEndpoint(HANG) as fake:
        finished = _with_env(Cli(fake.url), {TIMEOUT_ENV: "0.5"})("check", "--organization",
                                                                  ORG)
    assert finished.returncode == exit_codes.NOT_VERIFIED
    assert "ReadTimeout" in finished.stdout


@pytest.mark.parametrize("value", ["0", "soon", "601"])
def test_a_bad_timeout_flag_or_variable_is_one_line_and_exit_2(value: str) -> None:
    with FakeEndpoint(HANG) as fake:
        flag = Cli(fake.url)("check", "--timeout", value, "--organization", ORG)
        variable = _with_env(Cli(fake.url), {TIMEOUT_ENV: value})("jobs")
    assert flag.returncode == 2
    assert flag.stderr == (f"workmail-export check: argument --timeout: {value!r} is not a "
                           "number of seconds above 0 and at most 600 (the time one attempt "
                           "of an AWS call may wait)\n")
    assert variable.returncode == 2
    assert variable.stderr == (f"workmail-export: {TIMEOUT_ENV}: {value!r} is not a number of "
                               "seconds above 0 and at most 600 (the time one attempt of an "
                               "AWS call may wait)\n")


@pytest.mark.parametrize(("behaviour", "message"), [
    (HTML, "An HTML page came back instead of an AWS answer (HTTP 200)."),
    (GARBAGE, "The answer has no <GetCallerIdentityResponse> element."),
    (JSON_503, "Unable to parse response (not well-formed (invalid token): line 1, column 0), "
               "invalid XML received. Further retries may succeed: "),
])
def test_an_answer_that_is_not_aws_is_a_sentence_and_exit_1(behaviour: str,
                                                            message: str) -> None:
    with FakeEndpoint(behaviour) as fake:
        cli = Cli(f"{fake.url}/x")
        check, start, jobs = cli("check", *EXPORT), cli("start", *EXPORT), cli("jobs")
    for result in (check, start):  # STS speaks XML first: its answer cannot be read
        assert (result.returncode, result.stdout) == (1, "")
        first, *rest = result.stderr.splitlines()
        assert first.startswith(f"workmail-export: NotAnAwsAnswer: {message}")
        assert rest[-1].startswith("  What to do: What answered was not AWS: check "
                                   "--endpoint-url")
    # WorkMail (JSON) reads a JSON error body as an error: a sentence all the same.
    assert (jobs.returncode, jobs.stdout) == (1, "")
    assert jobs.stderr.startswith("workmail-export: ")
    assert "  What to do: " in jobs.stderr
    for result in (check, start, jobs):
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("behaviour", "message"), [
    (GARBAGE, "The answer is not UTF-8 text, as every AWS answer is (HTTP 200)"),
    (JSON_LIST, "The answer is JSON but not an object (HTTP 200)"),
])
def test_a_json_answer_botocore_cannot_read_is_not_an_aws_answer(behaviour: str,
                                                                 message: str) -> None:
    """WorkMail speaks JSON: bytes that are not UTF-8, or JSON that is not an object, made
    botocore's parser raise UnicodeDecodeError or AttributeError (a traceback, now that only
    what AWS and botocore raise is turned into a sentence)."""
    with FakeEndpoint(behaviour) as fake:
        jobs = Cli(f"{fake.url}/x")("jobs")
    assert (jobs.returncode, jobs.stdout) == (1, "")
    first, *rest = jobs.stderr.splitlines()
    assert first.startswith(f"workmail-export: NotAnAwsAnswer: {message}")
    assert rest[-1].startswith("  What to do: What answered was not AWS: check --endpoint-url")


def _with_env(cli: Cli, extra: dict[str, str]) -> Cli:
    class WithEnv(Cli):
        def env(self) -> dict[str, str]:
            return {**super().env(), **extra}

    return WithEnv(cli.url)
