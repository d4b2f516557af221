"""The AWS connection: a boto3 session for a profile/Region/endpoint, and its clients.

Owner: core. Clients use the standard retry mode and a user agent naming the tool; Regions
are limited to those where WorkMail exists (botocore's endpoint data).
"""

from __future__ import annotations

from tui.core.model import ConnectionSettings, Identity


def workmail_regions() -> list[str]:
    """Regions with WorkMail, from botocore's endpoint data."""
    raise NotImplementedError


class Aws:
    """A connection: one boto3 session and its clients, created lazily and cached."""

    def __init__(self, settings: ConnectionSettings) -> None:
        raise NotImplementedError

    @property
    def region(self) -> str:
        raise NotImplementedError

    def client(self, service: str, region: str | None = None):  # type: ignore[no-untyped-def]
        """A cached boto3 client for `service` (workmail, iam, kms, s3, sts)."""
        raise NotImplementedError


def connect(settings: ConnectionSettings) -> Aws:
    """A connection for these settings; raises CoreError for a bad profile or Region."""
    raise NotImplementedError


def caller_identity(aws: Aws) -> Identity:
    """STS GetCallerIdentity; raises CoreError with the fix for missing/expired credentials."""
    raise NotImplementedError
