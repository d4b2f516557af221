"""Writes roles, keys and buckets straight into moto's IAM/KMS/S3 backends.

Direct writes are much faster than boto3 calls (the large world seeds thousands of them) and
do not depend on any client. moto is pinned (5.2.5): these are its internal methods.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from unittest import mock

import moto.kms.models as moto_kms
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.kms.utils import generate_private_key
from moto.s3.models import s3_backends

from .directory import ACCOUNT_ID

BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}


def create_role(name: str, trust: dict[str, Any], policies: dict[str, dict[str, Any]] | None = None,
                description: str = "") -> str:
    """A role with a trust policy and inline permission policies; returns its ARN."""
    role = iam_backends[ACCOUNT_ID]["aws"].create_role(
        role_name=name, assume_role_policy_document=json.dumps(trust), path="/",
        permissions_boundary=None, description=description, tags=[], max_session_duration=None)
    for policy_name, document in (policies or {}).items():
        role.put_policy(policy_name, json.dumps(document))
    return str(role.arn)


@functools.cache
def _private_key_for(key_spec: str) -> Any:
    """moto makes a fresh RSA/ECC private key (30-80 ms) for every key, even a symmetric one
    that never uses it. The simulator makes one per KeySpec per process and shares it, so a
    world seeds in milliseconds (keys of one spec then sign alike: harmless in a simulator)."""
    return generate_private_key(key_spec)


def create_key(region: str, description: str = "", alias: str | None = None,
               key_spec: str = "SYMMETRIC_DEFAULT", key_usage: str = "ENCRYPT_DECRYPT",
               state: str = "Enabled") -> str:
    """A KMS key with moto's default key policy (delegates to IAM); returns its ARN.

    KeyUsage is always passed: moto leaves it out of describe_key otherwise.
    """
    backend = kms_backends[ACCOUNT_ID][region]
    with mock.patch.object(moto_kms, "generate_private_key", _private_key_for):
        key = backend.create_key(policy=None, key_usage=key_usage, key_spec=key_spec,
                                 description=description, tags=None)
    if alias:
        backend.create_alias(key.id, alias)
    if state == "Disabled":
        backend.disable_key(key.id)
    elif state == "PendingDeletion":
        backend.schedule_key_deletion(key.id, 7)
    return str(key.arn)


def create_bucket(name: str, region: str, block_public_access: bool = True,
                  policy: dict[str, Any] | None = None) -> str:
    """A bucket, private by default (Block Public Access on, as new buckets are in AWS)."""
    backend = s3_backends[ACCOUNT_ID]["aws"]
    backend.create_bucket(name, region)
    if block_public_access:
        backend.put_public_access_block(name, BLOCK_ALL)
    if policy is not None:
        backend.put_bucket_policy(name, json.dumps(policy).encode())
    return name
