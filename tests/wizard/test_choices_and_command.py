"""Typed role/key text resolves to the listed choice, and the equivalent AWS CLI command is
quoted so that a shell gives the service exactly the request's values."""

from __future__ import annotations

import json
import shlex

from tui.core.model import ConnectionSettings, ExportRequest, KeyChoice, RoleChoice
from tui.core.safe_text import is_shown_safely
from tui.wizard.aws_command import aws_cli_command, command_words
from tui.wizard.choices import export_object, landing_preview, match_key, match_role

KEY = KeyChoice(arn="arn:aws:kms:us-east-1:111122223333:key/1234", key_id="1234",
                aliases=("alias/export",), region="us-east-1", spec="SYMMETRIC_DEFAULT",
                usage="ENCRYPT_DECRYPT", state="Enabled")
ROLE = RoleChoice(arn="arn:aws:iam::111122223333:role/Export", name="Export",
                  trusts_workmail=True)


def test_a_key_is_found_by_arn_id_alias_and_alias_arn() -> None:
    for typed in (KEY.arn, "1234", "alias/export", "export",
                  "arn:aws:kms:us-east-1:111122223333:alias/export", "  export "):
        assert match_key(typed, [KEY]) == (KEY.arn, KEY), typed
    assert match_key("arn:aws:kms:us-east-1:1:key/zz", [KEY]) == (
        "arn:aws:kms:us-east-1:1:key/zz", None)


def test_a_role_is_found_by_name_or_arn_and_an_unknown_arn_is_kept_as_typed() -> None:
    assert match_role("Export", [ROLE]) == (ROLE.arn, ROLE)
    assert match_role(ROLE.arn, [ROLE]) == (ROLE.arn, ROLE)
    assert match_role("arn:aws:iam::1:role/x", [ROLE]) == ("arn:aws:iam::1:role/x", None)


def test_the_cli_command_round_trips_through_a_shell() -> None:
    request = ExportRequest(organization_id="m-" + "0" * 32, entity_id="alice@acme.test",
                            role_arn=ROLE.arn, kms_key_arn=KEY.arn, bucket="b",
                            prefix="exports/alice/", description="Alice's mail; before EOL")
    settings = ConnectionSettings(profile="admin", region="eu-west-1")
    line = aws_cli_command(request, settings)
    assert shlex.split(line) == command_words(request, settings)
    words = shlex.split(line)
    assert words[:3] == ["aws", "workmail", "start-mailbox-export-job"]
    sent = json.loads(words[words.index("--cli-input-json") + 1])
    assert sent == {k: v for k, v in request.api_params().items() if k != "ClientToken"}
    assert sent["Description"] == "Alice's mail; before EOL"
    assert words[words.index("--region") + 1] == "eu-west-1"
    assert request.client_token not in line
    with_token = shlex.split(aws_cli_command(request, with_token=True))
    assert json.loads(with_token[-1])["ClientToken"] == request.client_token
    multiline = aws_cli_command(request, settings, multiline=True)
    spoken = shlex.split(multiline.replace("\\\n", ""))
    assert spoken[:-1] == words[:-1] and json.loads(spoken[-1]) == sent


def test_the_cli_command_shows_nothing_a_terminal_obeys_and_masks_the_endpoint() -> None:
    request = ExportRequest(organization_id="m-" + "0" * 32, entity_id="alice",
                            description="\x1b]0;t\x07 \u202e \x9b2J")
    settings = ConnectionSettings(endpoint_url="http://admin:hunter2@proxy.test:8080")
    for multiline in (False, True):
        text = aws_cli_command(request, settings, multiline=multiline)
        assert is_shown_safely(text.replace("\n", ""))
        assert "hunter2" not in text and "http://***@proxy.test:8080" in text


def test_the_landing_preview_shows_bucket_and_prefix() -> None:
    assert landing_preview("b", "exports/") == "s3://b/exports/…"
    assert landing_preview("", "exports/") == ""


def test_the_export_object_names_the_zip_the_job_writes() -> None:
    assert export_object("b", "exports/alice/") == "s3://b/exports/alice/<JobId>.zip"
    assert export_object("b", "exports") == "s3://b/exports/<JobId>.zip"
