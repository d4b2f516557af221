"""The `aws workmail start-mailbox-export-job` command equivalent to a request, to copy.

The ClientToken is left out by default: the AWS CLI fills a fresh one, and a command shown
on screen should not carry a random value. Pass `with_token=True` to repeat this very submit.
"""

from __future__ import annotations

import shlex

from tui.core.model import ConnectionSettings, ExportRequest

_OPTIONS = (
    ("--organization-id", "organization_id"),
    ("--entity-id", "entity_id"),
    ("--role-arn", "role_arn"),
    ("--kms-key-arn", "kms_key_arn"),
    ("--s3-bucket-name", "bucket"),
    ("--s3-prefix", "prefix"),
    ("--description", "description"),
)


def command_words(request: ExportRequest, settings: ConnectionSettings | None = None,
                  region: str | None = None, *, with_token: bool = False) -> list[str]:
    """The command as a list of words, unquoted (for running it)."""
    words = ["aws", "workmail", "start-mailbox-export-job"]
    for option, attribute in _OPTIONS:
        value = getattr(request, attribute)
        if value:
            words += [option, value]
    if with_token:
        words += ["--client-token", request.client_token]
    settings = settings or ConnectionSettings()
    if settings.profile:
        words += ["--profile", settings.profile]
    if region or settings.region:
        words += ["--region", region or settings.region or ""]
    if settings.endpoint_url:
        words += ["--endpoint-url", settings.endpoint_url]
    return words


def aws_cli_command(request: ExportRequest, settings: ConnectionSettings | None = None,
                    region: str | None = None, *, with_token: bool = False,
                    multiline: bool = False) -> str:
    """The command shell-quoted, on one line or continued with backslashes for reading."""
    words = command_words(request, settings, region, with_token=with_token)
    quoted = [shlex.quote(w) for w in words]
    if not multiline:
        return " ".join(quoted)
    head, rest = quoted[:3], quoted[3:]
    lines = [" ".join(head)] + [" ".join(rest[i:i + 2]) for i in range(0, len(rest), 2)]
    return " \\\n  ".join(lines)
