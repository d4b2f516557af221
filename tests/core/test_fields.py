"""Field rules: the messages a person sees, and agreement with botocore's own model."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.fields import (
    MEMBER_BY_FIELD,
    bucket_creation_problem,
    check_field,
    check_request,
    example,
    tidy,
)
from tui.core.model import ExportRequest, Field

_SHAPE = (botocore.session.get_session().get_service_model("workmail")
          .operation_model("StartMailboxExportJob").input_shape)
_FIELDS = list(MEMBER_BY_FIELD)

GOOD = ExportRequest(
    organization_id="m-0123456789abcdef0123456789abcdef",
    entity_id="jane.doe@example.com",
    role_arn="arn:aws:iam::111122223333:role/WorkMailExportRole",
    kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    bucket="my-workmail-exports",
    prefix="exports/jane/",
)


@pytest.mark.parametrize(("field", "value", "message"), [
    (Field.PREFIX, "jane@example.com/",
     "S3 prefixes may not contain @ - use letters, digits and ! _ . * ' ( ) / -"),
    (Field.PREFIX, "my exports/",
     "S3 prefixes may not contain spaces - use letters, digits and ! _ . * ' ( ) / -"),
    (Field.PREFIX, "a+b",
     "S3 prefixes may not contain + - use letters, digits and ! _ . * ' ( ) / -"),
    (Field.PREFIX, "", "The S3 prefix is required, e.g. exports/jane/."),
    (Field.PREFIX, "p" * 1024, "S3 prefixes may have at most 1023 characters; this one has 1024."),
    (Field.ENTITY, "Jane Doe", "Mailbox ids, names and email addresses may not contain spaces - "
                               "use letters, digits and . _ % + @ -"),
    (Field.ENTITY, "jos\u00e9", "Mailbox ids, names and email addresses may not contain \u00e9 - "
                                "use letters, digits and . _ % + @ -"),
    (Field.ORGANIZATION, "m-123", "The organization id has exactly 34 characters, "
                                  "e.g. m-0123456789abcdef0123456789abcdef; this one has 5."),
    (Field.ORGANIZATION, "m-0123456789ABCDEF0123456789abcdef",
     "Organization ids may not contain A - use digits and a-f"),
    (Field.ORGANIZATION, "o-0123456789abcdef0123456789abcdef",
     "The organization id starts with m-, e.g. m-0123456789abcdef0123456789abcdef."),
    (Field.ROLE, GOOD.kms_key_arn, "The role ARN starts with arn:aws:iam:, "
                                   "e.g. arn:aws:iam::111122223333:role/WorkMailExportRole."),
    (Field.ROLE, "arn:aws:iam::111122223333:role/my role",
     "Role ARNs may not contain spaces - use letters, digits and : _ / + = , @ . -"),
    (Field.ROLE, "arn:aws:iam::111122223333", "The role ARN is incomplete: lowercase letters, "
     "digits and - : should follow 'arn:aws:iam::111122223333', "
     "e.g. arn:aws:iam::111122223333:role/WorkMailExportRole."),
    (Field.KMS_KEY, "alias/workmail-export-key", "The KMS key ARN starts with arn:aws:kms:, e.g. "
     "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."),
    (Field.KMS_KEY, "arn:aws:kms:us-east-1:111122223333:_key/x", "The KMS key ARN has _ after "
     "'arn:aws:kms:us-east-1:111122223333:', where only letters and digits are allowed, e.g. "
     "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."),
    (Field.BUCKET, "my_bucket", "S3 bucket names may not contain _ - use letters, digits and . -"),
    (Field.BUCKET, "ab", "S3 bucket names have at least 3 characters; this one has 2."),
    (Field.BUCKET, "b" * 64, "S3 bucket names may have at most 63 characters; this one has 64."),
    (Field.PREFIX, "a\x00b", "S3 prefixes may not contain the invisible character U+0000 - "
                             "use letters, digits and ! _ . * ' ( ) / -"),
    (Field.DESCRIPTION, "d" * 1024, "Descriptions may have at most 1023 characters; "
                                    "this one has 1024."),
])
def test_rejected_values_get_a_message_naming_the_fault_and_the_fix(
        field: Field, value: str, message: str) -> None:
    assert check_field(field, value) == message


@pytest.mark.parametrize(("field", "value"), [
    (Field.PREFIX, "exports/jane.doe/2026-11-28/"),
    (Field.PREFIX, "!_.*'()/-"),
    (Field.ENTITY, "S-1-5-18-1234"),
    (Field.ENTITY, "jane+test@example.com"),
    (Field.BUCKET, "Legacy.Bucket-1"),  # uppercase: pre-2018 us-east-1 buckets may have it
    (Field.DESCRIPTION, ""),
    (Field.DESCRIPTION, "Jane's mailbox, before 2027-03-31\n(all of it)"),
    (Field.ROLE, "arn:aws:iam::111122223333:role/service-role/Export+Role=1,a@b.c"),
    (Field.KMS_KEY, "arn:aws:kms:eu-west-1:111122223333:alias/workmail-exports"),
])
def test_good_values_are_accepted(field: Field, value: str) -> None:
    assert check_field(field, value) is None


@pytest.mark.parametrize("field", _FIELDS)
def test_the_example_shown_in_messages_is_itself_accepted(field: Field) -> None:
    assert check_field(field, example(field)) is None


def test_a_field_without_a_rule_is_always_fine() -> None:
    assert check_field(Field.CONNECTION, "anything at all") is None


def test_patterns_apply_to_the_whole_value_even_where_the_model_does_not_anchor_them() -> None:
    # botocore's S3Prefix pattern is unanchored: re.search would accept this value.
    assert re.search(_SHAPE.members["S3Prefix"].metadata["pattern"], "ok/then@bad")
    assert check_field(Field.PREFIX, "ok/then@bad") is not None


def test_check_request_lists_every_wrong_field_in_wizard_order() -> None:
    request = GOOD.with_changes(entity_id="Jane Doe", prefix="a@b", bucket="")
    problems = check_request(request)
    assert list(problems) == [Field.ENTITY, Field.BUCKET, Field.PREFIX]
    assert problems[Field.BUCKET] == "The bucket name is required, e.g. my-workmail-exports."


def test_check_request_finds_nothing_wrong_in_a_good_request() -> None:
    assert check_request(GOOD) == {}
    assert check_request(GOOD.with_changes(description="Before the end")) == {}


# --- properties against botocore's model ------------------------------------------------------


def _model_accepts(member: str, value: str) -> bool:
    """The model's own constraints, read independently of the code under test."""
    meta = _SHAPE.members[member].metadata
    return (meta.get("min", 0) <= len(value) <= meta["max"]
            and re.fullmatch(meta["pattern"], value) is not None)


def _botocore_accepts(member: str, value: str) -> bool:
    params = {**GOOD.api_params(), member: value}
    return not ParamValidator().validate(params, _SHAPE).has_errors()


def _values(member: str) -> st.SearchStrategy[str]:
    pattern = _SHAPE.members[member].metadata["pattern"]
    return st.one_of(
        st.text(max_size=80),
        st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80),
        st.from_regex(pattern, fullmatch=True),
    )


_PROPERTY = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("field", _FIELDS)
@_PROPERTY
@given(data=st.data())
def test_what_the_rules_accept_botocore_and_the_model_accept(
        field: Field, data: st.DataObject) -> None:
    member = MEMBER_BY_FIELD[field]
    value = data.draw(_values(member))
    message = check_field(field, value)
    if message is None:
        assert _botocore_accepts(member, value)
        assert _model_accepts(member, value)
        assert field is not Field.BUCKET or _s3_names_a_bucket(value)
    else:
        assert isinstance(message, str)
        assert message.strip()


def _s3_names_a_bucket(name: str) -> bool:
    """S3's general purpose bucket naming rules beyond the model's pattern, as the S3 user
    guide states them (written here by hand, not taken from the code under test): 3 to 63
    characters, a letter or digit at each end, no two dots in a row, not an IP address, none
    of the reserved prefixes and suffixes."""
    return (3 <= len(name) <= 63 and name[0].isalnum() and name[-1].isalnum()
            and ".." not in name and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name) is None
            and not name.lower().startswith(("xn--", "sthree-", "amzn-s3-demo-"))
            and not name.lower().endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                           "--table-s3")))


@pytest.mark.parametrize("field", _FIELDS)
@_PROPERTY
@given(data=st.data())
def test_what_the_model_accepts_the_rules_accept(field: Field, data: st.DataObject) -> None:
    member = MEMBER_BY_FIELD[field]
    value = data.draw(st.from_regex(_SHAPE.members[member].metadata["pattern"], fullmatch=True))
    meta = _SHAPE.members[member].metadata
    s3_refuses = field is Field.BUCKET and not _s3_names_a_bucket(value)
    if meta.get("min", 0) <= len(value) <= meta["max"] and not s3_refuses:
        assert check_field(field, value) is None
    else:
        assert check_field(field, value) is not None


@pytest.mark.parametrize("field", _FIELDS)
@_PROPERTY
@given(value=st.one_of(st.text(), st.binary(), st.none(), st.integers()))
def test_no_input_makes_the_rules_raise(field: Field, value: object) -> None:
    message = check_field(field, value)  # type: ignore[arg-type]
    assert message is None or message.strip()


S3_REFUSES = [
    ("-name", "S3 bucket names start and end with a letter or digit; this one starts with '-'."),
    ("name.", "S3 bucket names start and end with a letter or digit; this one ends with '.'."),
    ("my..exports", "S3 bucket names never have two dots in a row; this one has."),
    ("192.168.5.4", "S3 bucket names are never written like an IP address (as 192.168.5.4 is)."),
    ("xn--exports", "S3 reserves names starting with xn-- (the form of internationalized "
     "domain names); no bucket has such a name."),
    ("sthree-exports", "S3 reserves names starting with sthree- for itself; no bucket has such "
     "a name."),
    ("amzn-s3-demo-bucket", "S3 reserves names starting with amzn-s3-demo- for its "
     "documentation's examples; no bucket has such a name."),
    ("exports-s3alias", "Names ending in -s3alias are access point aliases, not buckets; an "
     "export needs a general purpose bucket."),
    ("exports--ol-s3", "Names ending in --ol-s3 are Object Lambda access point aliases, not "
     "buckets; an export needs a general purpose bucket."),
    ("exports.mrap", "Names ending in .mrap are Multi-Region Access Points, not buckets; an "
     "export needs a general purpose bucket."),
    ("exports--usw2-az1--x-s3", "Names ending in --x-s3 are S3 directory buckets, not general "
     "purpose buckets; an export needs a general purpose bucket."),
    ("exports--table-s3", "Names ending in --table-s3 are S3 table buckets, not general "
     "purpose buckets; an export needs a general purpose bucket."),
]


@pytest.mark.parametrize(("name", "message"), S3_REFUSES, ids=[n for n, _ in S3_REFUSES])
def test_s3_naming_rules_beyond_the_pattern_are_said_with_their_reason(
        name: str, message: str) -> None:
    assert check_field(Field.BUCKET, name) == message
    assert bucket_creation_problem(name) == message


def test_uppercase_is_fine_for_a_legacy_bucket_but_never_for_a_new_one() -> None:
    assert check_field(Field.BUCKET, "Legacy.Exports") is None
    assert bucket_creation_problem("Legacy.Exports") == (
        "S3 creates no new bucket with uppercase letters (only buckets made in us-east-1 "
        "before March 2018 have them).")
    assert bucket_creation_problem("new-exports") is None


@pytest.mark.parametrize("field", [f for f in _FIELDS if f is not Field.DESCRIPTION])
def test_spaces_pasted_around_a_value_are_named_and_tidied_away(field: Field) -> None:
    good = example(field)
    message = check_field(field, f" {good}\n")
    assert message is not None and message.startswith("The ")
    assert message.endswith(f" has spaces at its start or end; remove them ({good!r}).")
    assert tidy(field, f" {good}\n") == good
    assert check_field(field, tidy(field, f"  {good} ")) is None


def test_a_description_keeps_its_spaces() -> None:
    assert tidy(Field.DESCRIPTION, " before the end ") == " before the end "
    assert check_field(Field.DESCRIPTION, " before the end ") is None
