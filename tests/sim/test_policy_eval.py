"""The simulator's small IAM evaluator, on the statement forms export policies use."""

from __future__ import annotations

from typing import Any

import pytest

from tui.sim.policy_eval import Request, conditions_hold, decide, parse_policy, wildcard_match

KMS_STATEMENT: dict[str, Any] = {
    "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
    "Resource": "arn:aws:kms:us-east-1:123456789012:key/k1",
    "Condition": {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/exports/*"}}}
CONTEXT = {"kms:ViaService": "s3.us-east-1.amazonaws.com",
           "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/exports/j.zip"}


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/exports/x.zip", True),
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b", False),
    ("s3:Put?bject", "s3:PutObject", True),
    ("arn:aws:s3:::b[1]", "arn:aws:s3:::b[1]", True),  # brackets are literal in IAM
    ("arn:aws:s3:::b.c", "arn:aws:s3:::bxc", False),
])
def test_wildcards(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


def test_actions_ignore_case_and_resources_do_not() -> None:
    statement = {"Effect": "Allow", "Action": "S3:putobject", "Resource": "arn:aws:s3:::B/*"}
    assert decide([statement], Request("s3:PutObject", "arn:aws:s3:::B/k")) == "Allow"
    assert decide([statement], Request("s3:PutObject", "arn:aws:s3:::b/k")) == "ImplicitDeny"


def test_the_guides_kms_statement() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/k1"
    assert decide([KMS_STATEMENT], Request("kms:GenerateDataKey", key, context=CONTEXT)) == "Allow"
    other_prefix = dict(CONTEXT, **{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/o/j"})
    assert decide([KMS_STATEMENT], Request("kms:Decrypt", key, context=other_prefix)) != "Allow"
    other_region = dict(CONTEXT, **{"kms:ViaService": "s3.eu-west-1.amazonaws.com"})
    assert decide([KMS_STATEMENT], Request("kms:Decrypt", key, context=other_region)) != "Allow"
    assert decide([KMS_STATEMENT], Request("kms:Encrypt", key, context=CONTEXT)) != "Allow"


def test_an_explicit_deny_wins() -> None:
    statements = [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                  {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]
    assert decide(statements, Request("s3:PutObject", "arn:aws:s3:::b/k")) == "Deny"
    assert decide(statements, Request("s3:GetObject", "arn:aws:s3:::b/k")) == "Allow"


def test_not_action_and_not_resource() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert decide([statement], Request("s3:PutObject", "arn:aws:s3:::b/k")) == "Allow"
    assert decide([statement], Request("iam:GetRole", "*")) == "ImplicitDeny"
    assert decide([statement], Request("s3:PutObject", "arn:aws:s3:::secret/k")) == "ImplicitDeny"


@pytest.mark.parametrize(("conditions", "holds"), [
    ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, True),
    ({"StringEquals": {"AWS:SOURCEACCOUNT": "123456789012"}}, True),  # keys ignore case
    ({"StringEquals": {"aws:SourceAccount": "999"}}, False),
    ({"StringNotEquals": {"aws:SourceAccount": "999"}}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:workmail:*:123456789012:organization/*"}}, True),
    ({"StringEquals": {"sts:ExternalId": "123456789012"}}, False),  # key missing
    ({"StringEqualsIfExists": {"sts:ExternalId": "123456789012"}}, True),
    ({"Null": {"sts:ExternalId": "true"}}, True),
    ({"NumericLessThan": {"aws:SourceAccount": "5"}}, False),  # unknown operator never grants
])
def test_conditions(conditions: dict[str, Any], holds: bool) -> None:
    context = {"aws:SourceAccount": "123456789012",
               "aws:SourceArn": "arn:aws:workmail:us-east-1:123456789012:organization/m-1"}
    assert conditions_hold(conditions, context) is holds


def test_trust_principals() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com",
                                                          "export.workmail.amazonaws.com"]},
             "Action": "sts:AssumeRole"}
    ok = Request("sts:AssumeRole", principal_service="export.workmail.amazonaws.com")
    assert decide([trust], ok) == "Allow"
    other = Request("sts:AssumeRole", principal_service="lambda.amazonaws.com")
    assert decide([trust], other) == "ImplicitDeny"


@pytest.mark.parametrize("document", [
    '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
    "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C"
    "%22Resource%22%3A%22%2A%22%7D%7D",
    b'{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
])
def test_parse_policy_accepts_text_url_encoded_and_bytes(document: Any) -> None:
    assert decide(parse_policy(document), Request("s3:PutObject", "x")) == "Allow"


def test_parse_policy_of_garbage_grants_nothing() -> None:
    assert parse_policy("not json") == [] and parse_policy(None) == []
