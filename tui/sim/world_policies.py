"""The IAM policy documents the seeded worlds give their roles.

The good forms follow the WorkMail Administrator Guide exactly (see the facts note); the
broken ones differ from them in one way each, so every demo role tells one story.
"""

from __future__ import annotations

from typing import Any

from .oracle import EXPORT_SERVICE

Policy = dict[str, Any]


def _trust(principal: dict[str, str], condition: dict[str, Any] | None = None) -> Policy:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal,
                                 "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust_current(account: str, org_arn: str | None = None) -> Policy:
    """The guide's current trust policy (SourceAccount, and SourceArn when given)."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account}}
    if org_arn:
        condition["ArnLike"] = {"aws:SourceArn": org_arn}
    return _trust({"Service": EXPORT_SERVICE}, condition)


def trust_legacy(account: str) -> Policy:
    """The older guide's trust policy: sts:ExternalId = the account id."""
    return _trust({"Service": EXPORT_SERVICE}, {"StringEquals": {"sts:ExternalId": account}})


def trust_service(service: str) -> Policy:
    return _trust({"Service": service})


def trust_account(account: str) -> Policy:
    return _trust({"AWS": f"arn:aws:iam::{account}:root"})


def export_permissions(bucket: str, key_arn: str, prefix: str, region: str,
                       with_kms: bool = True) -> Policy:
    """The guide's permissions policy for the role WorkMail assumes."""
    statements: list[dict[str, Any]] = [{
        "Effect": "Allow",
        "Action": ["s3:AbortMultipartUpload", "s3:PutObject", "s3:GetBucketPolicyStatus"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }]
    if with_kms:
        statements.append({
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [key_arn],
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn":
                               f"arn:aws:s3:::{bucket}/{prefix}*"},
            },
        })
    return {"Version": "2012-10-17", "Statement": statements}


def read_only_logs(bucket: str) -> Policy:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}


def public_read(bucket: str) -> Policy:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]}
