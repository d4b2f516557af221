"""The plain face where the connection is wrong (no credentials, a Region without the
organization), quitting at a review with errors, and the mailbox suggestions as typed."""

from __future__ import annotations

from typing import Any

import pytest
from plain_driver import ENTER
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from tui.core.model import ConnectionSettings, ExportRequest
from tui.core.session import connect
from tui.plain.mailbox_completer import MailboxCompleter
from tui.wizard import calls


def test_without_credentials_the_problem_is_shown_and_quit_exits_1(
        sim: Any, plain: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    run = plain([("What now?", "quit" + ENTER)])
    assert (run.missed, run.code) == ([], 1)
    assert "  Exception    NoCredentials\n" in run.screen
    assert "  What to do   No AWS credentials were found. Run `aws configure`" in run.screen


def test_a_region_without_organizations_asks_for_another_region(sim: Any, plain: Any) -> None:
    run = plain([
        ("Which Region?", "us-east-1" + ENTER),
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "\x03"),
    ], settings=ConnectionSettings(region="eu-west-1"))
    assert (run.missed, run.code) == ([], 130)
    assert "Region eu-west-1.\n" in run.screen
    assert "No WorkMail organization in eu-west-1." in run.screen
    assert "Region us-east-1.\n" in run.screen


def test_quitting_at_a_review_with_errors_exits_3(sim: Any, plain: Any) -> None:
    world = sim.world
    request = ExportRequest(organization_id=world.org_id, entity_id="alice.wong",
                            role_arn=world.good_role_arn, kms_key_arn=world.disabled_key_arn,
                            bucket=world.good_bucket, prefix=world.good_prefix)
    run = plain([("What now?", "quit" + ENTER)], prefill=request)
    assert (run.missed, run.code) == ([], 3)
    assert "  ✗ KMS key      " in run.screen
    assert run.screen.rstrip().endswith("Nothing was submitted.")


def test_mailbox_suggestions_come_from_the_server_side_search(sim: Any) -> None:
    aws = connect(ConnectionSettings())
    searched: list[str] = []

    def search(text: str) -> Any:
        searched.append(text)
        return calls.search_mailboxes(aws, sim.world.org_id, text)

    completer = MailboxCompleter(search)
    shown = list(completer.get_completions(Document("Alice"), CompleteEvent()))
    assert [(c.text, c.display_text, c.display_meta_text) for c in shown] == [
        ("alice.wong@example-corp.awsapps.com",
         "Alice Wong <alice.wong@example-corp.awsapps.com>", "User, enabled")]
    assert shown[0].start_position == -len("Alice")
    list(completer.get_completions(Document("Alice"), CompleteEvent()))
    assert searched == ["Alice"]  # the same text is not searched twice
    assert list(completer.get_completions(Document("  "), CompleteEvent())) == []


def test_a_typed_start_with_one_match_takes_it_and_with_several_asks_which(
        sim: Any, plain: Any) -> None:
    run = plain([
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "al" + ENTER),  # alice.wong only
        ("IAM role:", "\x03"),
    ])
    assert (run.missed, run.code) == ([], 130)
    assert "Which mailbox" not in run.screen
    assert "✓ Will export the mailbox of the user alice.wong" in run.screen
    several = plain([
        ("Organization:", ENTER),
        ("Mailbox (start of a name, display name or email):", "a" + ENTER),  # aaron, alice, amira
        ("Which mailbox starting with 'a'?", "\x03"),
    ])
    assert (several.missed, several.code) == ([], 130)
