"""The printed "equivalent AWS CLI command" sends exactly what this tool sends: it is run, as
printed (the multi-line form a person copies), with the AWS CLI itself (`python -m awscli`, a
test dependency) against the simulator, and the job it starts must carry the request's very
values: a Description that the AWS CLI would otherwise read as a file to load
(`file:///etc/passwd`) or as an option (`--help`), quotes, non-ASCII, a control character."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from typing import Any

import pytest
from cli_runner import ROOT

from tui.core.model import ConnectionSettings, ExportRequest
from tui.wizard.aws_command import aws_cli_command

DESCRIPTIONS = {
    "file url": "file:///etc/passwd",
    "binary file url": "fileb:///etc/hostname",
    "an option": "--help",
    "quotes": """Alice's "final" export; `date` $(id) \\ 'done'""",
    "non-ASCII": "Zoë Ærø 日本語 — before WorkMail ends",
    "control and bidi": "line one\nline two\x1b[2J \u202eevil",
}


def run_printed(command: str) -> subprocess.CompletedProcess[str]:
    """Run `command` as a shell would split it (backslash-newline continues the line), with
    the AWS CLI of this Python in place of `aws`."""
    words = shlex.split(command.replace("\\\n", ""))
    assert words[0] == "aws"
    return subprocess.run([sys.executable, "-m", "awscli", *words[1:], "--output", "json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("user", range(len(DESCRIPTIONS)), ids=list(DESCRIPTIONS))
def test_the_printed_command_starts_the_same_job(sim: Any, user: int) -> None:
    world = sim.world
    description = list(DESCRIPTIONS.values())[user]
    request = ExportRequest(organization_id=world.org_id, entity_id=world.user_ids[user],
                            role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                            bucket=world.good_bucket, prefix=world.good_prefix,
                            description=description)
    settings = ConnectionSettings(endpoint_url=sim.serve())
    printed = aws_cli_command(request, settings, "us-east-1", multiline=True)

    result = run_printed(printed)
    assert result.returncode == 0, result.stderr
    job_id = json.loads(result.stdout)["JobId"]
    [job] = [j for j in sim.workmail.jobs(world.org_id) if j.job_id == job_id]
    assert (job.entity_id, job.role_arn, job.kms_key_arn, job.bucket, job.prefix,
            job.description) == (world.user_ids[user], world.good_role_arn,
                                 world.good_key_arn, world.good_bucket, world.good_prefix,
                                 description)


def test_the_one_line_form_with_the_token_repeats_this_very_submit(sim: Any) -> None:
    world = sim.world
    request = ExportRequest(organization_id=world.org_id, entity_id=world.enabled_user,
                            role_arn=world.good_role_arn, kms_key_arn=world.good_key_arn,
                            bucket=world.good_bucket, prefix=world.good_prefix,
                            description="file://nothing-here")
    settings = ConnectionSettings(endpoint_url=sim.serve())
    printed = aws_cli_command(request, settings, "us-east-1", with_token=True)
    first, again = run_printed(printed), run_printed(printed)
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    assert json.loads(first.stdout)["JobId"] == json.loads(again.stdout)["JobId"]
    assert len(sim.workmail.jobs(world.org_id)) == 1
