"""Every field at its edges: min-1, min, max and max+1 characters, and each class of character
it may not hold, from a table written by hand from the botocore model (workmail 2017-10-01,
StartMailboxExportJob and DescribeMailboxExportJob) and S3's bucket naming rules, not derived
by the code under test. What the rules accept, the simulator (which validates as the service
does) and botocore accept too."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from tui.core.fields import check_field, check_value
from tui.core.model import Field
from tui.sim.service_error import WorkMailError
from tui.sim.validation import validate

ORG = "m-" + "0123456789abcdef" * 2
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/WorkMailExportRole"
GOOD = {"ClientToken": "edge-token", "OrganizationId": ORG, "EntityId": "jane",
        "RoleArn": ROLE, "KmsKeyArn": KEY, "S3BucketName": "exports-bucket",
        "S3Prefix": "exports/"}


def arn(service: str, length: int) -> str:
    """An ARN of `service` of exactly `length` characters the model's pattern takes:
    arn:aws:<service>::<account digits>:<r + x...>, the resource part at most 1024 long."""
    head = f"arn:aws:{service}::"
    tail = "r" + "x" * min(1023, max(0, length - len(head) - 3))
    account = "1" * (length - len(head) - 1 - len(tail))
    assert account, length
    return f"{head}{account}:{tail}"


# (field, member, min, max, a value of each length: callable(n) -> value, forbidden examples)
# Written from the model: OrganizationId 34..34 ^m-[0-9a-f]{32}$; EntityId 1..256
# [a-zA-Z0-9._%+@-]+; RoleArn/KmsKeyArn 20..2048 arn:aws:iam|kms:[a-z0-9-]*:[a-z0-9-]+:
# [A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}; S3BucketName 1..63 [A-Za-z0-9.-]+ (S3 itself: 3..63);
# S3Prefix 1..1023 [A-Za-z0-9!_.*'()/-]+; Description 0..1023 [\S\s]*.
EDGES: list[tuple[Field, str, int, int, Any, list[str]]] = [
    (Field.ORGANIZATION, "OrganizationId", 34, 34,
     lambda n: "m-" + ("0123456789abcdef" * 3)[:n - 2],
     ["m-" + "A" * 32, "m-" + "g" * 32, "m-" + "0" * 31 + " ", "m-" + "0" * 31 + "\u00e9",
      "o-" + "0" * 32, "M-" + "0" * 32]),
    (Field.ENTITY, "EntityId", 1, 256, lambda n: "a" * n,
     ["jane doe", "jane/doe", "jane:doe", "jane!", "jane*", "jos\u00e9", "jane\x00",
      "jane\n", "jane#", "(jane)"]),
    (Field.ROLE, "RoleArn", 20, 2048, lambda n: arn("iam", n),
     [ROLE + " x", ROLE + "*", ROLE + "#", ROLE + "\u00e9", ROLE + "?",
      "arn:aws:iam::111122223333:-role", "arn:aws:IAM::111122223333:role/x",
      "arn:aws:iam::111122223333:role/x\t"]),
    (Field.KMS_KEY, "KmsKeyArn", 20, 2048, lambda n: arn("kms", n),
     [KEY + " x", KEY + "*", KEY + "%", KEY + "\u00e9", "arn:aws:kms:us-east-1:1:_key",
      "arn:aws:kms:US-EAST-1:1:key/x"]),
    (Field.BUCKET, "S3BucketName", 3, 63, lambda n: "b" * n,
     ["my_bucket", "my bucket", "my/bucket", "bucket\u00e9", "bucket!", "bucket\x00",
      "-bucket", "bucket.", "my..bucket", "192.168.1.1", "xn--bucket", "bucket-s3alias"]),
    (Field.PREFIX, "S3Prefix", 1, 1023, lambda n: "p" * n,
     ["jane@example/", "a+b/", "my exports/", "100%/", "a\\b", "why?/", "a#b", "caf\u00e9/",
      "a\x00b", "a\nb", "a:b", "a;b", "a,b", "a&b", "a$b", "a=b", "a[b]", "{a}", "a~b",
      "a^b", "a`b", "a|b", 'a"b', "a<b>"]),
    (Field.DESCRIPTION, "Description", 0, 1023, lambda n: "d" * n, []),
]
IDS = [edge[0].value for edge in EDGES]


def _simulator_accepts(member: str, value: str) -> bool:
    try:
        validate("StartMailboxExportJob", {**GOOD, member: value})
    except WorkMailError:
        return False
    return True


_SHAPE = (botocore.session.get_session().get_service_model("workmail")
          .operation_model("StartMailboxExportJob").input_shape)


def _botocore_accepts(member: str, value: str) -> bool:
    return not ParamValidator().validate({**GOOD, member: value}, _SHAPE).has_errors()


@pytest.mark.parametrize(("field", "member", "low", "high", "of_length", "forbidden"), EDGES,
                         ids=IDS)
def test_each_field_at_its_length_edges(field: Field, member: str, low: int, high: int,
                                        of_length: Any, forbidden: list[str]) -> None:
    for length in (low, high):
        value = of_length(length)
        assert len(value) == length
        assert check_field(field, value) is None, (length, check_field(field, value))
        assert _simulator_accepts(member, value), length
        assert _botocore_accepts(member, value), length
    too_long = of_length(high + 1)
    assert len(too_long) == high + 1
    assert check_field(field, too_long) is not None
    assert not _simulator_accepts(member, too_long)
    if low > 0:
        too_short = of_length(low - 1) if low > 1 else ""
        assert len(too_short) == low - 1
        assert check_field(field, too_short) is not None


def test_the_longest_values_are_named_with_their_length() -> None:
    assert check_field(Field.PREFIX, "p" * 1024) == (
        "S3 prefixes may have at most 1023 characters; this one has 1024.")
    assert check_field(Field.ROLE, arn("iam", 2049)) == (
        "Role ARNs may have at most 2048 characters; this one has 2049.")
    assert check_field(Field.ORGANIZATION, "m-" + "0" * 33) == (
        "Organization ids may have at most 34 characters; this one has 35.")
    # the resource part of an ARN has at most 1024 characters, well below the 2048 in all
    assert check_field(Field.ROLE, "arn:aws:iam::1:" + "r" * 1030) == (
        "The role ARN ends after '..." + "r" * 40 + "' in the form AWS expects; this one goes "
        "on for 6 more characters, e.g. arn:aws:iam::111122223333:role/WorkMailExportRole.")
    assert check_field(Field.ORGANIZATION, "m-" + "0" * 31) == (
        "The organization id has exactly 34 characters, e.g. "
        "m-0123456789abcdef0123456789abcdef; this one has 33.")


@pytest.mark.parametrize(("field", "member", "low", "high", "of_length", "forbidden"), EDGES,
                         ids=IDS)
def test_each_forbidden_character_class_is_refused(field: Field, member: str, low: int,
                                                   high: int, of_length: Any,
                                                   forbidden: list[str]) -> None:
    for value in forbidden:
        assert check_field(field, value) is not None, value
    s3_only = {"-bucket", "bucket.", "my..bucket", "192.168.1.1", "xn--bucket",
               "bucket-s3alias"}  # the model's pattern takes these; S3's naming rules do not
    for value in forbidden:
        if value not in s3_only:
            assert not _simulator_accepts(member, value), value


def test_a_description_takes_every_character() -> None:
    assert check_field(Field.DESCRIPTION, "".join(chr(c) for c in range(0, 0x250))[:1023]) \
        is None


# (name, operation, member, min, max, good character, forbidden examples); the model:
# ClientToken 1..128 [\x21-\x7e]+; JobId 1..63 [A-Za-z0-9-]+.
OTHER_EDGES = [
    ("client_token", 1, 128, "t", ["a b", "a\x7f", "caf\u00e9", "a\tb", "a\x00"]),
    ("job_id", 1, 63, "j", ["job_1", "job 1", "job.1", "j\u00f8b", "job/1"]),
]


@pytest.mark.parametrize(("name", "low", "high", "char", "forbidden"), OTHER_EDGES,
                         ids=[e[0] for e in OTHER_EDGES])
def test_client_tokens_and_job_ids_at_their_edges(name: str, low: int, high: int, char: str,
                                                  forbidden: list[str]) -> None:
    assert check_value(name, char * low) is None
    assert check_value(name, char * high) is None
    assert check_value(name, "") is not None
    assert check_value(name, char * (high + 1)) is not None
    for value in forbidden:
        assert check_value(name, value) is not None, value
    assert check_value(name, "".join(chr(c) for c in range(0x21, 0x7F))[:high]) is None \
        if name == "client_token" else True
