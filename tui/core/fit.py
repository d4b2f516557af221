"""Which keys and buckets the chosen role may use: the key and bucket steps list those first.

The role's permission policies are read while the keys or buckets are listed; each usable
choice is then evaluated against them (the same IAM evaluation as the role check, with the
prefix not known yet). A role that cannot be read leaves the order as listed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tui.core import checks, discovery, policies
from tui.core.model import BucketChoice, CoreError, KeyChoice

if TYPE_CHECKING:
    from tui.core.session import Aws

Choice = TypeVar("Choice", KeyChoice, BucketChoice)
Documents = list[Mapping[str, Any]]


def list_keys(aws: Aws, role_arn: str = "") -> list[KeyChoice]:
    """The Region's keys (discovery.list_keys), those the role may use first."""
    return _ranked(aws, role_arn, discovery.list_keys,
                   lambda documents, key: _allowed(documents, None, key.arn, aws.region,
                                                   role_arn))


def list_buckets(aws: Aws, role_arn: str = "") -> list[BucketChoice]:
    """Every bucket (discovery.list_buckets), those the role may write to first."""
    return _ranked(aws, role_arn, discovery.list_buckets,
                   lambda documents, bucket: _allowed(documents, bucket.name, None, aws.region,
                                                      role_arn))


def _ranked(aws: Aws, role_arn: str, listing: Callable[[Aws], list[Choice]],
            allows: Callable[[Documents, Choice], bool]) -> list[Choice]:
    """The listing with each usable choice's `role_allows` set, stably re-ordered: usable and
    allowed, usable, then unusable."""
    reads = _start_reading(aws, role_arn)
    choices = listing(aws)
    documents = _documents(reads)
    if documents is None:
        return choices
    judged = [dataclasses.replace(c, role_allows=allows(documents, c)) if c.usable else c
              for c in choices]
    return sorted(judged, key=lambda c: (not c.usable, not c.role_allows))


def _start_reading(aws: Aws, role_arn: str) -> checks.RoleReads | None:
    found = checks.role_name(role_arn)
    return checks.start_reading_documents(aws, found) if found else None


def _documents(reads: checks.RoleReads | None) -> Documents | None:
    if reads is None:
        return None
    try:
        return checks.documents_read(reads)
    except CoreError:
        return None  # not readable (e.g. access denied): the role check says so at its step


def _allowed(documents: Sequence[Mapping[str, Any]], bucket: str | None, key_arn: str | None,
             region: str, role_arn: str) -> bool:
    return all(v.allowed for v in policies.evaluate_export(documents, bucket, key_arn, region,
                                                           prefix=None, caller=role_arn))
