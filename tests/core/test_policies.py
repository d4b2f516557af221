"""Policy builders and the policy analysis, on documents alone (no AWS needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tui.core import policies
from tui.core.policies import Tail, TrustForm, Value

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ORG = "m-0123456789abcdef0123456789abcdef"
OTHER_ORG = "m-fedcba9876543210fedcba9876543210"
ORG_ARN = policies.organization_arn(REGION, ACCOUNT, ORG)
BUCKET = "mail-exports"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _trust(condition: dict[str, Any] | None = None, effect: str = "Allow",
           service: str = policies.EXPORT_SERVICE) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect, "Principal": {"Service": service},
                                 "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _allowed(documents: list[dict[str, Any]], prefix: str | None = "exports/",
             region: str = REGION) -> dict[str, bool]:
    return {v.request.action: v.allowed
            for v in policies.evaluate_export(documents, BUCKET, KEY, region, prefix)}


# --- builders ---------------------------------------------------------------------------------


def test_trust_policy_json_is_the_guides_current_form() -> None:
    document = json.loads(policies.trust_policy_json(ACCOUNT, REGION, ORG))
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": "export.workmail.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:workmail:{REGION}:{ACCOUNT}:organization/{ORG}"},
    }


def test_permissions_policy_names_bucket_key_region_and_prefix() -> None:
    text = policies.permissions_policy_json(BUCKET, "exports/", KEY, REGION)
    assert text.startswith("{\n  ")  # pretty, for copying
    s3, kms = json.loads(text)["Statement"]
    assert sorted(s3["Action"]) == ["s3:AbortMultipartUpload", "s3:GetBucketPolicyStatus",
                                    "s3:PutObject"]
    assert s3["Resource"] == [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == KEY
    assert kms["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET}/exports/*"},
    }


def test_built_policies_pass_their_own_analysis() -> None:
    trust = json.loads(policies.trust_policy_json(ACCOUNT, REGION, ORG))
    assert policies.analyse_trust(trust, ACCOUNT, ORG_ARN).trusted
    permissions = json.loads(policies.permissions_policy_json(BUCKET, "exports/", KEY, REGION))
    assert all(_allowed([permissions]).values())


# --- wildcard matching ------------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("arn:aws:s3:::b/*", Value("arn:aws:s3:::b/x.zip"), True),
    ("arn:aws:s3:::b/?.zip", Value("arn:aws:s3:::b/xy.zip"), False),
    ("arn:aws:s3:::b/?.zip", Value("arn:aws:s3:::b/x.zip"), True),
    ("arn:aws:s3:::b/exports/*", Value("arn:aws:s3:::b/exports/", Tail.EVERY), True),
    ("arn:aws:s3:::b/exports/*", Value("arn:aws:s3:::b/exp", Tail.EVERY), False),
    ("arn:aws:s3:::b/exports/*", Value("arn:aws:s3:::b/exp", Tail.SOME), True),
    ("arn:aws:s3:::b/exports/*.zip", Value("arn:aws:s3:::b/exports/", Tail.EVERY), False),
    ("arn:aws:s3:::other/*", Value("arn:aws:s3:::b/", Tail.SOME), False),
    ("[x]", Value("[x]"), True),  # brackets are literal in IAM, unlike fnmatch
])
def test_glob_match_with_open_tails(pattern: str, value: Value, expected: bool) -> None:
    assert policies.glob_match(pattern, value) is expected


# --- trust ------------------------------------------------------------------------------------


def test_current_form_for_this_org_is_trusted() -> None:
    verdict = policies.analyse_trust(policies.trust_policy(ACCOUNT, REGION, ORG), ACCOUNT,
                                     ORG_ARN)
    assert (verdict.trusted, verdict.form) == (True, TrustForm.CURRENT)


def test_legacy_external_id_form_is_trusted() -> None:
    legacy = _trust({"StringEquals": {"sts:ExternalId": ACCOUNT}})
    verdict = policies.analyse_trust(legacy, ACCOUNT, ORG_ARN)
    assert (verdict.trusted, verdict.form) == (True, TrustForm.EXTERNAL_ID)


def test_source_arn_of_another_org_is_a_mismatch_naming_it() -> None:
    other = policies.trust_policy(ACCOUNT, REGION, OTHER_ORG)
    verdict = policies.analyse_trust(other, ACCOUNT, ORG_ARN)
    assert not verdict.trusted
    assert OTHER_ORG in verdict.problems[0] and ORG_ARN in verdict.problems[0]


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:SourceAccount": "999988887777"}},
    {"StringEquals": {"sts:ExternalId": "999988887777"}},
])
def test_conditions_naming_another_account_are_a_mismatch(condition: dict[str, Any]) -> None:
    verdict = policies.analyse_trust(_trust(condition), ACCOUNT, ORG_ARN)
    assert not verdict.trusted
    assert "999988887777" in verdict.problems[0]


def test_other_service_and_deny_are_not_trusted() -> None:
    assert not policies.analyse_trust(_trust(service="ec2.amazonaws.com"), ACCOUNT).trusted
    both = _trust()
    both["Statement"].append({"Effect": "Deny", "Principal": {"Service": policies.EXPORT_SERVICE},
                              "Action": "sts:*"})
    verdict = policies.analyse_trust(both, ACCOUNT, ORG_ARN)
    assert not verdict.trusted and "Deny" in verdict.problems[0]


def test_listing_without_org_accepts_any_condition_values() -> None:
    assert policies.analyse_trust(policies.trust_policy(ACCOUNT, REGION, OTHER_ORG)).trusted
    assert policies.analyse_trust(json.dumps(_trust())).form is TrustForm.UNCONDITIONED


def test_unknown_condition_key_is_reported_as_a_note() -> None:
    odd = _trust({"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceOrgID": "o-1"}})
    verdict = policies.analyse_trust(odd, ACCOUNT, ORG_ARN)
    assert verdict.trusted and verdict.notes == ("aws:SourceOrgID",)


# --- permissions ------------------------------------------------------------------------------


def test_wildcard_actions_and_resources_allow_everything() -> None:
    admin = {"Statement": {"Effect": "Allow", "Action": ["S3:*", "kms:*"], "Resource": "*"}}
    assert all(_allowed([admin]).values())


def test_deny_statement_wins_over_allow() -> None:
    good = policies.permissions_policy(BUCKET, "exports/", KEY, REGION)
    deny = {"Statement": [{"Effect": "Deny", "Action": "s3:Put*", "Resource": "*"}]}
    allowed = _allowed([good, deny])
    assert allowed["s3:PutObject"] is False and allowed["kms:Decrypt"] is True


def test_not_action_and_not_resource() -> None:
    everything_but_kms = {"Statement": [
        {"Effect": "Allow", "NotAction": "kms:*", "NotResource": "arn:aws:s3:::secret/*"}]}
    allowed = _allowed([everything_but_kms])
    assert allowed["s3:PutObject"] and not allowed["kms:GenerateDataKey"]


def test_via_service_of_another_region_refuses_kms_and_says_why() -> None:
    east = policies.permissions_policy(BUCKET, "exports/", KEY, "us-east-1")
    verdicts = policies.evaluate_export([east], BUCKET, KEY, REGION, "exports/")
    kms = [v for v in verdicts if v.request.action.startswith("kms:")]
    assert not any(v.allowed for v in kms)
    assert kms[0].reason == "allowed only when kms:ViaService is s3.us-east-1.amazonaws.com"
    assert kms[0].failed_keys == ("kms:ViaService",)


@pytest.mark.parametrize(("prefix", "inside"), [
    ("exports/", True), ("exports/alice/", True), ("exports", True),  # key exports/<JobId>.zip
    ("exports-old/", False), ("other/", False), ("export", False),
])
def test_typed_prefix_inside_the_encryption_context_condition(prefix: str, inside: bool) -> None:
    document = policies.permissions_policy(BUCKET, "exports/", KEY, REGION)
    assert _allowed([document], prefix)["kms:GenerateDataKey"] is inside
    assert _allowed([document], prefix=None)["kms:GenerateDataKey"]  # bucket only: always


def test_prefixes_allowed_reads_the_condition() -> None:
    documents = [policies.permissions_policy(BUCKET, "exports/", KEY, REGION),
                 policies.permissions_policy("elsewhere", "x/", KEY, REGION)]
    patterns = policies.encryption_context_patterns(documents, KEY)
    assert policies.prefixes_allowed(patterns, BUCKET) == ["exports/"]


def test_unknown_condition_operator_becomes_a_note_not_a_refusal() -> None:
    odd = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
    verdicts = policies.evaluate_export([odd], BUCKET, KEY, REGION, "exports/")
    assert all(v.allowed for v in verdicts)
    assert verdicts[0].notes == ("IpAddress on aws:SourceIp",)


# --- operators and cases --------------------------------------------------------------------


def test_actions_match_whatever_their_case() -> None:
    """IAM action names are case-insensitive: S3:putobject is s3:PutObject."""
    shouting = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["S3:PUTOBJECT", "s3:abortmultipartupload",
                                       "S3:GetBucketPolicyStatus", "KMS:*"],
         "Resource": "*"}]}
    assert all(_allowed([shouting]).values())


def test_arn_equals_takes_wildcards_as_arn_like_does() -> None:
    trust = _trust({"StringEquals": {"aws:SourceAccount": ACCOUNT},
                    "ArnEquals": {"aws:SourceArn": f"arn:aws:workmail:{REGION}:{ACCOUNT}:"
                                                   "organization/*"}})
    verdict = policies.analyse_trust(trust, ACCOUNT, ORG_ARN)
    assert (verdict.trusted, verdict.form) == (True, TrustForm.CURRENT)


def test_a_negated_condition_on_a_key_the_request_lacks_holds() -> None:
    """IAM: StringNotEquals on a key the request does not carry holds."""
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"kms:EncryptionContext:aws:s3:arn": "x"},
                       "StringNotEqualsIgnoreCase": {"aws:SourceAccount": "1"}}}]}
    assert _allowed([document], prefix=None)["kms:Decrypt"]


def test_a_prefix_that_only_begins_the_allowed_folder_is_outside_it() -> None:
    """Every object under exports/ is not inside exports/2027/* (though some are)."""
    permissions = json.loads(policies.permissions_policy_json(BUCKET, "exports/2027/", KEY,
                                                              REGION))
    assert _allowed([permissions], prefix="exports/2027/jan/")["kms:Decrypt"]
    assert not _allowed([permissions], prefix="exports/")["kms:Decrypt"]
    assert not _allowed([permissions], prefix="exports")["kms:Decrypt"]
    assert _allowed([permissions], prefix=None)["kms:Decrypt"]  # somewhere in the bucket
