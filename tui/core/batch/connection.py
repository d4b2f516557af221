"""The connection a run is driven with: stored with the run, used again on resume.

`in_force(aws)` is what a run is started with: the profile, Region and endpoint URL the
connection really uses, whether they came from flags or from the environment, so that
`batch --resume RUN_ID` in another shell talks to the same place. `for_resume(stored, given)`
puts the flags given to the resume over the stored values and says which ones did;
`describe` words a connection for a person, with any `user:password@` in the endpoint masked
(`tui.core.redact`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.model import ConnectionSettings
from tui.core.redact import masked_url
from tui.core.session import Aws

_FLAGS = (("profile", "--profile"), ("region", "--region"), ("endpoint_url", "--endpoint-url"))


def in_force(aws: Aws) -> ConnectionSettings:
    """The settings `aws` uses (flags or environment): what a run stores."""
    return ConnectionSettings(profile=aws.profile, region=aws.region,
                              endpoint_url=aws.endpoint_url)


@dataclass(frozen=True)
class ResumeConnection:
    """The connection a resume uses, and the flags of this command that replaced stored
    values (`overridden`); `stored` is False for a run stored without a connection."""

    settings: ConnectionSettings
    overridden: tuple[str, ...]
    stored: bool


def for_resume(stored: ConnectionSettings | None, given: ConnectionSettings
               ) -> ResumeConnection:
    """The stored connection, with every value given as a flag now put over it."""
    if stored is None:
        return ResumeConnection(given, (), False)
    values = {}
    overridden = []
    for name, flag in _FLAGS:
        now, before = getattr(given, name), getattr(stored, name)
        values[name] = now or before
        if now and now != before:
            overridden.append(flag)
    return ResumeConnection(ConnectionSettings(**values), tuple(overridden), True)


def describe(settings: ConnectionSettings) -> str:
    """`Region us-east-1, profile admin, endpoint http://127.0.0.1:4566` (what is set)."""
    parts = [f"Region {settings.region}" if settings.region else "",
             f"profile {settings.profile}" if settings.profile else "",
             f"endpoint {masked_url(settings.endpoint_url)}" if settings.endpoint_url else ""]
    return ", ".join(part for part in parts if part) or "the AWS environment's defaults"


def resume_note(run_id: str, connection: ResumeConnection) -> str:
    """What a resume says about where it connects."""
    where = describe(connection.settings)
    if not connection.stored:
        return (f"Run {run_id} was stored without its connection; using the flags and the "
                f"environment: {where}.")
    if connection.overridden:
        return (f"Connecting with {where}: the run's stored connection, with "
                f"{', '.join(connection.overridden)} given here instead.")
    return f"Connecting with {where}, as stored with run {run_id}."
