"""What the plain face shows between its questions: lines of information never look like
questions, long choices are not cut at the terminal's edge, the last question before the one
irreversible call defaults to No, and `--plain --demo` shows a command and a closing line
that work in the demo's world."""

from __future__ import annotations

import re
from typing import Any

from plain_driver import CTRL_C, ENTER, run_plain
from questionary import Choice
from test_walk import good_walk

from tui.plain.terminal import DESCRIPTION_LEAD, fit_to_width


def test_a_check_that_could_not_run_does_not_read_as_a_question(sim: Any, plain: Any) -> None:
    run = plain(good_walk(sim))
    assert (run.missed, run.code) == ([], 0)
    assert "\n○ could not check the role's permissions yet: choose the key and the bucket " \
           "first\n" in run.screen
    questions = ("Organization:", "Mailbox (start", "IAM role:", "KMS key:", "S3 bucket:",
                 "S3 prefix:", "Description (optional):", "What now?", "Start the export of")
    for line in run.screen.splitlines():
        if line.startswith("? "):
            assert line[2:].startswith(questions), line


def test_long_choices_fit_an_80_column_terminal_and_are_shown_whole_below(sim: Any) -> None:
    run = run_plain([("Organization:", ENTER),
                     ("Mailbox (start of a name, display name or email):", "alice.wong" + ENTER),
                     ("IAM role:", ENTER),
                     ("KMS key:", CTRL_C)], columns=80)
    assert (run.missed, run.code) == ([], 130)
    roles = run.screen.split("? IAM role:")[1].split("✓ The role")[0]
    assert " » WorkMailExportRole (trusts WorkMail export, names this organization)\n" in roles
    assert "   ci-deploy (does not trust WorkMail)\n" in roles
    # the pointed role's trust conditions, under the list
    assert ("  Description: trusts export.workmail.amazonaws.com\n"
            "  (aws:SourceAccount/aws:SourceArn)") in roles
    keys = run.screen.split("? KMS key:")[1]
    pointed = re.search(r" » (alias/workmail-export .*)\n", keys)
    assert pointed is not None and pointed.group(1).endswith("…")
    assert len(pointed.group(0)) <= 80
    below = keys.split(DESCRIPTION_LEAD)[1]
    assert " ".join(below.split()).startswith(
        "alias/workmail-export (f913cda1-914c-4c1b-a488-0fe940abc384, Enabled): the role may "
        "use it")


def test_an_unusable_choice_keeps_its_reason_on_the_line() -> None:
    reason = "It is in eu-west-1, the organization in us-east-1; the bucket must be there too."
    title = "example-corp-mail-export-eu (eu-west-1)"
    [fitted] = fit_to_width([Choice(title, "b", disabled=reason)], 80)
    shown = f"   - {fitted.title} ({fitted.disabled})"
    assert len(shown) <= 80
    assert str(fitted.title).startswith("example-corp-mail-export-eu")
    assert str(fitted.disabled).startswith("It is in eu-west-1")


def test_enter_at_the_last_question_submits_nothing(sim: Any, plain: Any) -> None:
    walk = good_walk(sim)
    run = plain([*walk[:-1], ("Start the export of", ENTER),
                 ("What now?", "Quit without" + ENTER)])
    assert (run.missed, run.code) == ([], 130)
    assert "/exports/…? (y/N)" in run.screen
    assert sim.workmail.jobs(sim.world.org_id) == []
    assert run.screen.rstrip().endswith("Nothing was submitted.")


def test_the_demo_shows_a_command_that_reaches_its_world_and_no_command_for_later(
        isolated_aws_env: None) -> None:
    run = run_plain([
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "alice.wong" + ENTER),
        ("IAM role:", ENTER),
        ("KMS key:", ENTER),
        ("S3 bucket:", "mail-export (us" + ENTER),
        ("S3 prefix:", "exports/" + ENTER),
        ("Description (optional):", ENTER),
        ("What now?", ENTER),
        ("Start the export of", "y"),
    ], demo=True)
    assert (run.missed, run.code) == ([], 0)
    command = run.screen.split("Equivalent AWS CLI command:\n")[1].split("? What now?")[0]
    assert re.search(r"  --endpoint-url http://127\.0\.0\.1:\d+ \\\n", command), command
    result = run.screen.split("✓ The export job is running.")[1]
    assert "Follow it with" not in result
    assert ("This job runs in the demo's simulated AWS, which ends when this program does, "
            "so no command can follow it afterwards.") in result


def test_a_typed_alias_that_names_nothing_is_said_and_the_key_asked_again(
        sim: Any, plain: Any) -> None:
    walk = good_walk(sim)
    key_question = next(i for i, (text, _) in enumerate(walk) if text == "KMS key:")
    run = plain([*walk[:key_question],
                 ("KMS key:", "Type a key" + ENTER),
                 ("Key ARN, key id or alias:", "alias/nope" + ENTER),
                 *walk[key_question:]])
    assert (run.missed, run.code) == ([], 0)
    assert "Looking up alias/nope…\n✗ No KMS key has the alias alias/nope in us-east-1." \
        in run.screen
    assert "starts with arn:aws:kms" not in run.screen
    [job] = sim.workmail.jobs(sim.world.org_id)
    assert job.kms_key_arn == sim.world.good_key_arn


def test_a_prefilled_role_name_is_resolved_and_said(sim: Any, plain: Any) -> None:
    from tui.core.model import ExportRequest

    world = sim.world
    prefill = ExportRequest(organization_id=world.org_id, entity_id="alice.wong",
                            role_arn="WorkMailExportRole", kms_key_arn="workmail-export",
                            bucket=world.good_bucket, prefix=world.good_prefix)
    run = plain([("What now?", ENTER), ("Start the export of", "y")], prefill=prefill)
    assert (run.missed, run.code) == ([], 0)
    assert f"✓ WorkMailExportRole is the role {world.good_role_arn}." in run.screen
    assert f"✓ workmail-export is the key {world.good_key_arn}." in run.screen
    [job] = sim.workmail.jobs(world.org_id)
    assert (job.role_arn, job.kms_key_arn) == (world.good_role_arn, world.good_key_arn)


def test_a_mailbox_exported_today_is_a_warning_at_the_mailbox_step(
        isolated_aws_env: None) -> None:
    import boto3

    from tui.sim import RealClock, SimulatedAws

    with SimulatedAws(world="demo", clock=RealClock()) as sim:
        world = sim.world
        boto3.client("workmail", region_name="us-east-1").start_mailbox_export_job(
            ClientToken="earlier", OrganizationId=world.org_id, EntityId="alice.wong",
            RoleArn=world.good_role_arn, KmsKeyArn=world.good_key_arn,
            S3BucketName=world.good_bucket, S3Prefix="exports/earlier/")
        run = run_plain([("Organization:", ENTER),
                         ("Mailbox (start of a name, display name or email):",
                          "alice.wong" + ENTER),
                         ("Continue anyway?", ENTER),  # No: the mailbox is asked again
                         ("Mailbox (start of a name, display name or email):", CTRL_C)])
    assert (run.missed, run.code) == ([], 130)
    [job] = sim.workmail.jobs(world.org_id)
    assert (f"⚠ alice.wong@example-corp.awsapps.com was exported by job {job.job_id} "
            "(RUNNING), started ") in run.screen
