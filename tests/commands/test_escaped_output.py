"""Text from outside (a job's Description, AWS's error messages, the lines of a list file,
what was typed on the command line) reaches the terminal with its control characters shown
as visible escapes: no terminal sequence in it is obeyed. `--json` stays exact JSON.

Each command runs as a subprocess against the simulator served over HTTP, as a script would.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_runner import Cli, export_flags

from tui.core.journal import Journal
from tui.core.model import ExportRequest

# Retitle the window, clear the screen, move the cursor up and erase, overwrite with CR,
# a C1 CSI, a right-to-left override, and Textual/Rich markup.
HOSTILE = ("\x1b]0;pwned\x07title \x1b[2J\x1b[Hclear \x1b[1A\x1b[2Kup FAILED\rCOMPLETED "
           "\x9b31mred \u202eevil [bold red]styled[/]")
SHOWN = ("\\x1b]0;pwned\\x07title \\x1b[2J\\x1b[Hclear \\x1b[1A\\x1b[2Kup FAILED\\rCOMPLETED "
         "\\x9b31mred \\u202eevil [bold red]styled[/]")
# AWS error messages reach the person as one sentence (runs of whitespace, CR included, become
# one space), so of those the part before the CR is compared.
SHOWN_HEAD = SHOWN.split(" FAILED")[0]


def obeys_nothing(text: str) -> bool:
    """No control character but newline (and no bidi override) in what a terminal gets."""
    return not any((unicodedata.category(c) == "Cc" and c != "\n") or c == "\u202e"
                   for c in text)


def start_with_description(sim: Any, url: str, description: str) -> str:
    """A job someone in the organization started with boto3, with `description`."""
    workmail = boto3.client("workmail", endpoint_url=url, region_name="us-east-1")
    world = sim.world
    return str(workmail.start_mailbox_export_job(
        ClientToken="hostile", OrganizationId=world.org_id, EntityId="bob.smith",
        RoleArn=world.good_role_arn, KmsKeyArn=world.good_key_arn,
        S3BucketName=world.good_bucket, S3Prefix=world.good_prefix,
        Description=description)["JobId"])


def test_status_shows_a_hostile_description_escaped(sim: Any, cli: Cli) -> None:
    job_id = start_with_description(sim, cli.url, HOSTILE)
    result = cli("status", job_id, "--organization", sim.world.org_id)
    assert result.returncode == 0, result.stderr
    assert obeys_nothing(result.stdout) and obeys_nothing(result.stderr)
    assert f"Description  {SHOWN}\n" in result.stdout


def test_status_json_keeps_the_description_exact(sim: Any, cli: Cli) -> None:
    job_id = start_with_description(sim, cli.url, HOSTILE)
    result = cli("status", job_id, "--organization", sim.world.org_id, "--json")
    assert result.returncode == 0, result.stderr
    assert obeys_nothing(result.stdout)  # JSON writes control characters as \u escapes
    assert json.loads(result.stdout)["description"] == HOSTILE


def test_jobs_shows_a_hostile_name_from_the_journal_escaped(sim: Any, cli: Cli,
                                                             tmp_path: Path) -> None:
    journal_file = tmp_path / "state" / "journal.sqlite3"
    request = ExportRequest(organization_id=sim.world.org_id, entity_id="bob.smith",
                            role_arn=sim.world.good_role_arn,
                            kms_key_arn=sim.world.good_key_arn, bucket=sim.world.good_bucket,
                            prefix=sim.world.good_prefix, description=HOSTILE)
    with Journal.open(journal_file) as journal:
        journal.record_submit(request, "us-east-1", entity_name=HOSTILE)
        journal.record_started(request.client_token, "job-from-the-journal")
    result = cli("jobs", "--organization", sim.world.org_id)
    assert result.returncode == 0, result.stderr
    assert obeys_nothing(result.stdout)
    [row] = [line for line in result.stdout.splitlines() if "job-from-the-journal" in line]
    assert SHOWN in row and row.rstrip().endswith("journal only")


def test_an_aws_error_message_with_terminal_sequences_is_shown_escaped(sim: Any,
                                                                       cli: Cli) -> None:
    sim.faults.fail("workmail", "DescribeMailboxExportJob", "EntityNotFoundException",
                    f"No such job {HOSTILE}")
    result = cli("status", "5f4d5895-fafc-40f0-bb0f-2127d48f7b07", "--organization",
                 sim.world.org_id)
    assert result.returncode == 1
    assert obeys_nothing(result.stderr)
    assert f"workmail-export: EntityNotFoundException: No such job {SHOWN_HEAD}" in result.stderr


def test_an_aws_error_in_a_check_is_shown_escaped_and_exact_in_json(sim: Any,
                                                                     cli: Cli) -> None:
    sim.faults.fail("workmail", "DescribeOrganization", "ValidationException", HOSTILE)
    result = cli("check", *export_flags(sim))
    assert obeys_nothing(result.stdout) and obeys_nothing(result.stderr)
    assert SHOWN_HEAD in result.stdout + result.stderr
    as_json = cli("check", "--json", *export_flags(sim))
    assert obeys_nothing(as_json.stdout)
    messages = [f["message"] for f in json.loads(as_json.stdout)["findings"]]
    assert any(HOSTILE.split(" FAILED")[0] in message for message in messages)


def test_lines_of_a_list_file_are_shown_escaped(sim: Any, cli: Cli, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("\x1b]0;pwned\x07nobody\nghost\x1b[2J\x1b[1Aup\n", encoding="utf-8")
    world = sim.world
    result = cli("batch", "--from-file", str(names), "--organization", world.org_id,
                 "--role-arn", world.good_role_arn, "--kms-key-arn", world.good_key_arn,
                 "--bucket", world.good_bucket, "--prefix", world.good_prefix)
    assert result.returncode == 2
    assert obeys_nothing(result.stdout) and obeys_nothing(result.stderr)
    assert "not exported: \\x1b]0;pwned\\x07nobody: " in result.stderr
    assert "not exported: ghost\\x1b[2J\\x1b[1Aup: " in result.stderr


def test_a_batch_event_line_with_an_aws_message_is_shown_escaped(sim: Any, cli: Cli,
                                                                 tmp_path: Path) -> None:
    sim.faults.fail("workmail", "StartMailboxExportJob", "InvalidParameterException",
                    f"Refused {HOSTILE}")
    names = tmp_path / "names.txt"
    names.write_text("alice.wong\n", encoding="utf-8")
    world = sim.world
    result = cli("batch", "--from-file", str(names), "--organization", world.org_id,
                 "--role-arn", world.good_role_arn, "--kms-key-arn", world.good_key_arn,
                 "--bucket", world.good_bucket, "--prefix", world.good_prefix,
                 "--poll", "0.1", "--report-dir", str(tmp_path / "reports"))
    assert obeys_nothing(result.stdout) and obeys_nothing(result.stderr)
    assert f"Refused {SHOWN_HEAD}" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("argument", ["\x1b]0;pwned\x07", "--\x1b[2Jflag"])
def test_an_unrecognized_argument_is_echoed_escaped(cli: Cli, argument: str) -> None:
    result = cli("jobs", argument)
    assert result.returncode == 2
    assert obeys_nothing(result.stderr)
    assert result.stderr.count("\n") == 1
    assert "unrecognized arguments: " in result.stderr
    assert argument.replace("\x1b", "\\x1b").replace("\x07", "\\x07") in result.stderr
