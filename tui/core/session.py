"""The AWS connection: a botocore session for a profile/Region/endpoint, and its clients.

Clients use botocore's standard retry mode and a user agent naming the tool, are created
lazily (from any thread) and cached per service and Region. Regions are limited to those
where WorkMail exists, from botocore's endpoint data. botocore is imported only when a
connection is made, so a face that imports this module still starts fast. The clients are
botocore's own (what boto3.client returns); boto3 itself is not loaded: it adds resources
and s3transfer, which this tool does not use, and 12-15 ms to every command's start.

Every call has a time limit that fits an interactive tool: one attempt waits at most
`timeout` seconds to connect and `timeout` seconds for each read of the answer, and a call
makes at most MAX_ATTEMPTS attempts, unless AWS_MAX_ATTEMPTS (or the profile's max_attempts)
says otherwise (botocore's standard mode retries throttling, 5xx answers, timeouts and
dropped connections, resending the same request). The control-plane
calls this tool makes answer in well under a second, so DEFAULT_TIMEOUT (10 s) is never
reached on a working network, yet a hung endpoint is given up after about 30 s instead of
botocore's 60 s x 3 per call. --timeout or $WORKMAIL_EXPORT_TIMEOUT change it. Each call is
also reported to `tui.core.waiting`, which tells a face what it is waiting for.

Where settings leave something out, the usual AWS environment decides: the profile from
AWS_PROFILE, the Region from AWS_REGION, then AWS_DEFAULT_REGION or the profile's config,
and the endpoint from AWS_ENDPOINT_URL (which botocore reads itself).
"""

from __future__ import annotations

import json
import os
import threading
from typing import TYPE_CHECKING, Any

from tui import __version__
from tui.core import botocore_data, waiting
from tui.core.errors import aws_failures, fail
from tui.core.model import AwsProblem, ConnectionSettings, CoreError, Field, Identity

if TYPE_CHECKING:
    import botocore.session

USER_AGENT_EXTRA = f"workmail-export/{__version__}"
TIMEOUT_ENV = "WORKMAIL_EXPORT_TIMEOUT"
DEFAULT_TIMEOUT = 10.0  # seconds to connect, and for each read of an answer
LONGEST_TIMEOUT = 600.0
MAX_ATTEMPTS = 3  # per call, the first one included


def timeout_problem(text: str) -> str | None:
    """Why `text` is not a usable timeout (a number of seconds), or None when it is."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= LONGEST_TIMEOUT:
        return (f"{text!r} is not a number of seconds above 0 and at most "
                f"{LONGEST_TIMEOUT:.0f} (the time one attempt of an AWS call may wait)")
    return None


def call_timeout(settings: ConnectionSettings) -> float:
    """The timeout in force: the settings', else $WORKMAIL_EXPORT_TIMEOUT, else the default.
    Raises CoreError for an unusable $WORKMAIL_EXPORT_TIMEOUT."""
    if settings.timeout is not None:
        return settings.timeout
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    problem = timeout_problem(text)
    if problem:
        raise CoreError(AwsProblem(
            code="BadTimeout", message=f"{TIMEOUT_ENV}: {problem}.", operation="connect",
            hint=f"Set {TIMEOUT_ENV} to a number of seconds (e.g. 10), or unset it.",
            field=Field.CONNECTION))
    return float(text)


def _workmail_regions() -> tuple[str, ...]:
    from tui.core.botocore_data import service_regions

    return service_regions("workmail")


def workmail_regions() -> list[str]:
    """Regions with WorkMail, from botocore's endpoint data."""
    return list(_workmail_regions())


def region_problem(region: str) -> str | None:
    """Why `region` cannot be used (WorkMail is not offered there), or None when it can."""
    if region in _workmail_regions():
        return None
    return (f"Amazon WorkMail is not available in {region!r}; "
            f"use one of {', '.join(_workmail_regions())}.")


def available_profiles() -> list[str]:
    """The profile names in the AWS config and credentials files, sorted."""
    import botocore.exceptions
    import botocore.session

    try:
        return sorted(botocore.session.Session().available_profiles)
    except botocore.exceptions.BotoCoreError:
        return []


class Aws:
    """A connection: one botocore session and its clients, created lazily and cached.

    Raises CoreError when the profile does not exist, no Region is configured, or the Region
    has no WorkMail.
    """

    def __init__(self, settings: ConnectionSettings) -> None:
        import botocore.exceptions
        import botocore.session

        self.settings = settings
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        try:
            core = botocore.session.Session(profile=settings.profile)
            botocore_data.share_loader(core)
            core.get_scoped_config()  # the profile's settings: ProfileNotFound if it has none
            self._session: botocore.session.Session = core
        except botocore.exceptions.BotoCoreError as exc:
            raise fail(exc, "connect", settings.profile) from exc
        region = (settings.region or os.environ.get("AWS_REGION")
                  or self._session.get_config_variable("region"))
        if not region:
            raise fail(botocore.exceptions.NoRegionError(), "connect", settings.profile)
        problem = region_problem(region)
        if problem:
            raise CoreError(AwsProblem(
                code="UnsupportedRegion", message=problem, operation="connect",
                hint="Pass --region with the Region of your WorkMail organization.",
                field=Field.CONNECTION))
        self._region = region
        self.timeout = call_timeout(settings)
        self.attempts = self._configured_attempts() or MAX_ATTEMPTS

    @property
    def region(self) -> str:
        return self._region

    @property
    def profile(self) -> str | None:
        """The profile in use: --profile, else AWS_PROFILE, else None (the default chain)."""
        return self.settings.profile or os.environ.get("AWS_PROFILE") or None

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint override in force (--endpoint-url, else AWS_ENDPOINT_URL), if any."""
        return self.settings.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    def client(self, service: str, region: str | None = None) -> Any:
        """A cached client for `service` (workmail, iam, kms, s3, sts).

        `region` defaults to the connection's Region (S3 and KMS calls sometimes need another).
        """
        key = (service, region or self._region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(*key)
            return self._clients[key]

    def _new_client(self, service: str, region: str) -> Any:
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError

        config = Config(
            retries={"mode": "standard", "total_max_attempts": self.attempts},
            connect_timeout=self.timeout, read_timeout=self.timeout,
            user_agent_extra=USER_AGENT_EXTRA,
            # A custom endpoint (a simulator, a proxy) rarely serves bucket.host names.
            s3={"addressing_style": "path"} if self.endpoint_url else None,
        )
        try:
            client = self._session.create_client(service, region_name=region, config=config,
                                                 endpoint_url=self.settings.endpoint_url)
        except BotoCoreError as exc:
            raise fail(exc, f"{service} client", self.profile) from exc
        waiting.watch(client, self.timeout, self.longest_wait)
        client.meta.events.register("before-parse", _refuse_what_is_not_aws)
        return client

    def _configured_attempts(self) -> int | None:
        """The attempts the AWS environment asks for (AWS_MAX_ATTEMPTS, or the profile's
        max_attempts), which an explicit client config would otherwise override."""
        import botocore.exceptions

        try:
            value = self._session.get_config_variable("max_attempts")
        except (AttributeError, ValueError, botocore.exceptions.BotoCoreError):
            return None
        return int(value) if isinstance(value, int) and value > 0 else None

    @property
    def longest_wait(self) -> float:
        """About how long one call may take before it gives up: every attempt waiting its
        timeout to connect or to read, plus standard mode's backoff between attempts (under
        1 s, then under 2 s)."""
        return self.timeout * self.attempts + 3.0


def _refuse_what_is_not_aws(operation_model: Any, response_dict: dict[str, Any],
                            **_: Any) -> None:
    """Raise botocore's ResponseParserError for an answer that cannot be AWS's, which some of
    botocore's parsers meet with a KeyError, UnicodeDecodeError or AttributeError instead: an
    HTML page (a proxy's or a captive portal's), a successful query-protocol answer without
    its <OperationResponse>, a JSON-protocol answer that is not UTF-8 or is JSON but not an
    object."""
    from botocore.parsers import ResponseParserError

    body = response_dict.get("body")
    if not isinstance(body, bytes):
        return  # a streamed body (S3 objects): not read here
    status = response_dict.get("status_code", 0)
    if body.lstrip()[:64].lower().startswith((b"<!doctype html", b"<html")):
        raise ResponseParserError(f"An HTML page came back instead of an AWS answer "
                                  f"(HTTP {status})")
    protocol = operation_model.service_model.resolved_protocol
    expected = f"<{operation_model.name}Response".encode()
    if protocol == "query" and status < 300 and expected not in body:
        raise ResponseParserError(f"The answer has no {expected.decode()}> element")
    if protocol == "json" and body.strip() and not body.lstrip().startswith(b"{"):
        _refuse_json_that_is_not_an_object(body, status, operation_model.output_shape)


def _refuse_json_that_is_not_an_object(body: bytes, status: int, output: Any) -> None:
    """A JSON-protocol body that does not open an object: not UTF-8 is no AWS answer, nor is
    JSON of another kind where the operation answers with fields (`null` is read as no
    fields, as the simulator's answers to operations without output are); other text
    botocore reads as an error's message itself."""
    from botocore.parsers import ResponseParserError

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ResponseParserError(f"The answer is not UTF-8 text, as every AWS answer is "
                                  f"(HTTP {status})") from None
    try:
        value = json.loads(text)
    except ValueError:
        return
    if value is not None and (output is not None or status >= 300):
        raise ResponseParserError(f"The answer is JSON but not an object (HTTP {status})")


def connect(settings: ConnectionSettings) -> Aws:
    """A connection for these settings; raises CoreError for a bad profile or Region."""
    return Aws(settings)


def caller_identity(aws: Aws) -> Identity:
    """STS GetCallerIdentity; raises CoreError with the fix for missing/expired credentials."""
    try:
        answer = aws.client("sts").get_caller_identity()
    except aws_failures() as exc:
        raise fail(exc, "sts:GetCallerIdentity", aws.profile) from exc
    return Identity(account=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"],
                    region=aws.region, profile=aws.profile)
