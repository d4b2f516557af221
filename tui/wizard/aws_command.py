"""The `aws workmail start-mailbox-export-job` command that sends exactly what this tool
sends (`ExportRequest.api_params`), to copy.

The request goes in one `--cli-input-json` document, not one option a field: the AWS CLI
reads an option's value `file://…` (or `fileb://…`) as a file to load and send in its place,
and takes a value like `--help` for an option, while the members of `--cli-input-json` are
sent as they are. The document is JSON in single quotes: every `'` in it is written `\\u0027`
(so the shell takes the whole document literally), and every character a terminal could obey
(control characters, bidi overrides) is a JSON `\\u` escape, so the command is safe to show and
still exact. Pretty-printed, one member a line, it stays readable.

The ClientToken is left out by default: the AWS CLI fills a fresh one, and a command shown
on screen should not carry a random value. Pass `with_token=True` to repeat this very submit.
An endpoint's user name and password are masked (`tui.core.redact`).
"""

from __future__ import annotations

import json
import shlex

from tui.core.model import ConnectionSettings, ExportRequest
from tui.core.redact import masked_url
from tui.core.safe_text import is_shown_safely

COMMAND = ("aws", "workmail", "start-mailbox-export-job")


def request_document(request: ExportRequest, *, with_token: bool = False,
                     indent: int | None = None) -> str:
    """The request's API parameters as the JSON that --cli-input-json takes (members left
    empty so far are left out)."""
    params = {name: value for name, value in request.api_params().items()
              if value and (with_token or name != "ClientToken")}
    text = json.dumps(params, ensure_ascii=False, indent=indent)
    # JSON already escapes newlines inside strings; the ones left are its indentation.
    return "".join(char if char == "\n" or (is_shown_safely(char) and char != "'")
                   else f"\\u{ord(char):04x}" for char in text)


def _options(settings: ConnectionSettings | None, region: str | None) -> list[str]:
    settings = settings or ConnectionSettings()
    words = []
    if settings.profile:
        words += ["--profile", settings.profile]
    if region or settings.region:
        words += ["--region", region or settings.region or ""]
    if settings.endpoint_url:
        words += ["--endpoint-url", masked_url(settings.endpoint_url)]
    return words


def command_words(request: ExportRequest, settings: ConnectionSettings | None = None,
                  region: str | None = None, *, with_token: bool = False) -> list[str]:
    """The command as a list of words, unquoted (for running it)."""
    return [*COMMAND, *_options(settings, region), "--cli-input-json",
            request_document(request, with_token=with_token)]


def aws_cli_command(request: ExportRequest, settings: ConnectionSettings | None = None,
                    region: str | None = None, *, with_token: bool = False,
                    multiline: bool = False) -> str:
    """The command shell-quoted: on one line, or (`multiline`) one option a line with the
    request document pretty-printed, for reading."""
    options = _options(settings, region)
    document = request_document(request, with_token=with_token, indent=2 if multiline else None)
    # The document holds no ', so single quotes take it literally (its newlines too).
    json_word = f"--cli-input-json '{document.replace(chr(10), chr(10) + '  ')}'"
    if not multiline:
        return " ".join([*COMMAND, *(shlex.quote(w) for w in options), json_word])
    pairs = [" ".join(shlex.quote(w) for w in options[i:i + 2])
             for i in range(0, len(options), 2)]
    return " \\\n  ".join([" ".join(COMMAND), *pairs, json_word])
