"""The AWS connection: a boto3 session for a profile/Region/endpoint, and its clients.

Clients use botocore's standard retry mode and a user agent naming the tool, are created
lazily (from any thread) and cached per service and Region. Regions are limited to those
where WorkMail exists, from botocore's endpoint data. boto3 is imported only when a
connection is made, so a face that imports this module still starts fast.

Where settings leave something out, the usual AWS environment decides: the profile from
AWS_PROFILE, the Region from AWS_REGION, then AWS_DEFAULT_REGION or the profile's config,
and the endpoint from AWS_ENDPOINT_URL (which boto3 reads itself).
"""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, Any

from tui import __version__
from tui.core.errors import fail
from tui.core.model import AwsProblem, ConnectionSettings, CoreError, Field, Identity

if TYPE_CHECKING:
    import boto3

USER_AGENT_EXTRA = f"workmail-export/{__version__}"


@functools.cache
def _workmail_regions() -> tuple[str, ...]:
    import botocore.session

    return tuple(sorted(botocore.session.get_session().get_available_regions("workmail")))


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
    """A connection: one boto3 session and its clients, created lazily and cached.

    Raises CoreError when the profile does not exist, no Region is configured, or the Region
    has no WorkMail.
    """

    def __init__(self, settings: ConnectionSettings) -> None:
        import boto3
        import botocore.exceptions

        self.settings = settings
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        try:
            self._session: boto3.Session = boto3.Session(profile_name=settings.profile)
        except botocore.exceptions.BotoCoreError as exc:
            raise fail(exc, "connect", settings.profile) from exc
        region = settings.region or os.environ.get("AWS_REGION") or self._session.region_name
        if not region:
            raise fail(botocore.exceptions.NoRegionError(), "connect", settings.profile)
        problem = region_problem(region)
        if problem:
            raise CoreError(AwsProblem(
                code="UnsupportedRegion", message=problem, operation="connect",
                hint="Pass --region with the Region of your WorkMail organization.",
                field=Field.CONNECTION))
        self._region = region

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
        """A cached boto3 client for `service` (workmail, iam, kms, s3, sts).

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
            retries={"mode": "standard"},
            user_agent_extra=USER_AGENT_EXTRA,
            # A custom endpoint (a simulator, a proxy) rarely serves bucket.host names.
            s3={"addressing_style": "path"} if self.endpoint_url else None,
        )
        try:
            return self._session.client(service, region_name=region, config=config,
                                        endpoint_url=self.settings.endpoint_url)
        except BotoCoreError as exc:
            raise fail(exc, f"{service} client", self.profile) from exc


def connect(settings: ConnectionSettings) -> Aws:
    """A connection for these settings; raises CoreError for a bad profile or Region."""
    return Aws(settings)


def caller_identity(aws: Aws) -> Identity:
    """STS GetCallerIdentity; raises CoreError with the fix for missing/expired credentials."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = aws.client("sts").get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise fail(exc, "sts:GetCallerIdentity", aws.profile) from exc
    return Identity(account=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"],
                    region=aws.region, profile=aws.profile)
