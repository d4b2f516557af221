"""The environment of a process that must talk only to the simulator: dummy credentials,
AWS config files that do not exist, and none of the variables that would pick a real
profile, role, endpoint or journal. Tests, benchmarks and the tmux walk all use it."""

from __future__ import annotations

import os

DUMMY_AWS_ENV: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}

UNSET_AWS_ENV: tuple[str, ...] = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "WORKMAIL_EXPORT_JOURNAL",
)


def isolated_environ(base: dict[str, str]) -> dict[str, str]:
    """A copy of `base` that reaches only the simulator."""
    env = {name: value for name, value in base.items() if name not in UNSET_AWS_ENV}
    env.update(DUMMY_AWS_ENV)
    return env
