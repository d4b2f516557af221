"""Field rules of an export request, read from the botocore WorkMail model, with human messages.

The authority is the input shape of StartMailboxExportJob in botocore's `workmail` service
model: each member's min/max length and pattern are read from it once (lazily, on first use),
never retyped here. A value is accepted when its length is within min..max and the *whole*
value matches the pattern (`re.fullmatch`): some patterns in the model are unanchored
(`[A-Za-z0-9!_.*'()/-]+`), but the service validates the whole value, so a partial match is
not enough.

The patterns of this operation are plain sequences of literals and character classes with
quantifiers. They are parsed into such a sequence only to explain a rejection (which
character is wrong, what belongs there); the accept/reject decision is always the regular
expression itself, so a pattern the explainer cannot parse still gets checked, with a
general message.

S3's own naming rules go beyond the model's pattern (`bucket_name_problem`): at least 3
characters, a letter or digit at each end, no two dots in a row, not the form of an IP
address, none of the prefixes and suffixes S3 reserves (S3 user guide, "General purpose
bucket naming rules"). No bucket an export can use breaks them, so such a name is refused
with the reason. Uppercase letters are not refused, because buckets made in us-east-1 before
March 2018 may have them and the model allows them; but S3 creates no new bucket with them
(`bucket_creation_problem`), so no advice may suggest creating one by such a name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tui.core.model import ExportRequest, Field

OPERATION = "StartMailboxExportJob"

# The API member of StartMailboxExportJob behind each wizard field.
MEMBER_BY_FIELD: dict[Field, str] = {
    Field.ORGANIZATION: "OrganizationId",
    Field.ENTITY: "EntityId",
    Field.ROLE: "RoleArn",
    Field.KMS_KEY: "KmsKeyArn",
    Field.BUCKET: "S3BucketName",
    Field.PREFIX: "S3Prefix",
    Field.DESCRIPTION: "Description",
}
FIELD_BY_MEMBER: dict[str, Field] = {member: f for f, member in MEMBER_BY_FIELD.items()}

# How messages name a field: (one value, many values), and an example of a good value.
_NAMES: dict[Field, tuple[str, str, str]] = {
    Field.ORGANIZATION: ("The organization id", "Organization ids",
                         "m-0123456789abcdef0123456789abcdef"),
    Field.ENTITY: ("The mailbox", "Mailbox ids, names and email addresses",
                   "jane.doe@example.com"),
    Field.ROLE: ("The role ARN", "Role ARNs",
                 "arn:aws:iam::111122223333:role/WorkMailExportRole"),
    Field.KMS_KEY: ("The KMS key ARN", "KMS key ARNs",
                    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    Field.BUCKET: ("The bucket name", "S3 bucket names", "my-workmail-exports"),
    Field.PREFIX: ("The S3 prefix", "S3 prefixes", "exports/jane/"),
    Field.DESCRIPTION: ("The description", "Descriptions", "Export before WorkMail ends"),
}

S3_MIN_BUCKET_NAME = 3  # S3's own rule, stricter than the WorkMail model's min of 1.
# S3 reserves these for other kinds of names; no general purpose bucket has one.
RESERVED_BUCKET_PREFIXES: dict[str, str] = {
    "xn--": "S3 reserves names starting with xn-- (the form of internationalized domain "
            "names)",
    "sthree-": "S3 reserves names starting with sthree- for itself",
    "amzn-s3-demo-": "S3 reserves names starting with amzn-s3-demo- for its documentation's "
                     "examples",
}
RESERVED_BUCKET_SUFFIXES: dict[str, str] = {
    "-s3alias": "Names ending in -s3alias are access point aliases, not buckets",
    "--ol-s3": "Names ending in --ol-s3 are Object Lambda access point aliases, not buckets",
    ".mrap": "Names ending in .mrap are Multi-Region Access Points, not buckets",
    "--x-s3": "Names ending in --x-s3 are S3 directory buckets, not general purpose buckets",
    "--table-s3": "Names ending in --table-s3 are S3 table buckets, not general purpose "
                  "buckets",
}
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def example(field: Field) -> str:
    """A value of `field` that the rules accept, to show a person what one looks like."""
    return _NAMES[field][2]


def check_field(field: Field, value: str) -> str | None:
    """What is wrong with `value` for `field`, as a sentence with the fix; None when fine.

    Fields without a rule (Field.CONNECTION) are always fine.
    """
    if field not in MEMBER_BY_FIELD:
        return None
    one, many, good = _NAMES[field]
    if not isinstance(value, str):
        return f"{one} must be text, like {good}."
    rule = _rules()[MEMBER_BY_FIELD[field]]
    if not value:
        if rule.required:
            return f"{one} is required, e.g. {good}."
        return None
    if value != tidy(field, value):
        if not value.strip():
            return f"{one} is required, e.g. {good}." if rule.required else None
        return f"{one} has spaces at its start or end; remove them ({value.strip()!r})."
    if rule.regex.fullmatch(value) and rule.min_len <= len(value) <= rule.max_len:
        return bucket_name_problem(value) if field is Field.BUCKET else None
    if field is Field.BUCKET and value[:1] in ".-":
        return bucket_name_problem(value)  # the pattern would only say "-" is not allowed
    return _explain(rule, value, one, many, good)


def bucket_name_problem(name: str) -> str | None:
    """What S3's own naming rules (beyond the API's pattern) say against a bucket name that
    the pattern accepts; None when none does. No bucket, legacy ones included, breaks them."""
    many = _NAMES[Field.BUCKET][1]
    if len(name) < S3_MIN_BUCKET_NAME:
        return f"{many} have at least {S3_MIN_BUCKET_NAME} characters; this one has {len(name)}."
    for end, char in (("starts", name[0]), ("ends", name[-1])):
        if char in ".-":
            return f"{many} start and end with a letter or digit; this one {end} with {char!r}."
    if ".." in name:
        return f"{many} never have two dots in a row; this one has."
    if _IP_ADDRESS.fullmatch(name):
        return f"{many} are never written like an IP address (as {name} is)."
    for prefix, why in RESERVED_BUCKET_PREFIXES.items():
        if name.lower().startswith(prefix):
            return f"{why}; no bucket has such a name."
    for suffix, why in RESERVED_BUCKET_SUFFIXES.items():
        if name.lower().endswith(suffix):
            return f"{why}; an export needs a general purpose bucket."
    return None


def bucket_creation_problem(name: str) -> str | None:
    """What keeps S3 from creating a new bucket by this name (the field's rules, then the
    rules for new buckets only); None when S3 would create it. Advice to create a bucket is
    given only for a name that passes."""
    problem = check_field(Field.BUCKET, name)
    if problem:
        return problem
    if name != name.lower():
        return ("S3 creates no new bucket with uppercase letters (only buckets made in "
                "us-east-1 before March 2018 have them).")
    return None


def tidy(field: Field, value: str) -> str:
    """`value` as a person meant it: without the spaces (or line breaks) pasted around it.
    No field but the description may contain a space, so spaces around any other value are
    never part of it; a description is free text and is kept exactly as typed."""
    return value if field is Field.DESCRIPTION else value.strip()


# What a person may give instead of an ARN (IAM's and KMS's own rules for these names).
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
KEY_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                    r"|mrk-[0-9a-fA-F]{32}")
ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]{1,250}")
REFERENCE_FIELDS = (Field.ROLE, Field.KMS_KEY)


def is_reference(field: Field, value: str) -> bool:
    """Whether `value` names the role or key by something other than its ARN (a role name,
    a key id, an alias with or without `alias/`), to be looked up before a submit."""
    if field not in REFERENCE_FIELDS or not value or value.startswith("arn:"):
        return False
    if field is Field.ROLE:
        return bool(ROLE_NAME.fullmatch(value))
    return bool(KEY_ID.fullmatch(value) or ALIAS_NAME.fullmatch(as_alias(value)))


def as_alias(text: str) -> str:
    """`alias/name` for `name`, `alias/name` or an alias ARN ending in `:alias/name`."""
    tail = text.rsplit(":", 1)[-1] if text.startswith("arn:") else text
    return tail if tail.startswith("alias/") else f"alias/{tail}"


def check_reference(field: Field, value: str) -> str | None:
    """`check_field`, but the role may also be given by name and the key by id or alias
    (as the wizard takes them); None when `value` is one of those or a good ARN."""
    if is_reference(field, value):
        return None
    message = check_field(field, value)
    if message is None or field not in REFERENCE_FIELDS or value.startswith("arn:"):
        return message
    what, other = (("The IAM role", "by its name") if field is Field.ROLE else
                   ("The KMS key", "by its key id or alias (alias/...)"))
    return f"{what} is given as an ARN like {example(field)}, or {other}; '{value}' is neither."


def plain_prefix(prefix: str) -> str:
    """`prefix` without the slashes that give its objects an odd S3 path: a leading `/` (a
    folder with no name at the top of the bucket) and empty segments (`a//b`). The API takes
    both; what S3 then shows is rarely what was meant."""
    return re.sub(r"/{2,}", "/", prefix).lstrip("/")


def check_request(request: ExportRequest) -> dict[Field, str]:
    """Every field of `request` that is wrong, with its message, in wizard order."""
    params = request.api_params()
    problems: dict[Field, str] = {}
    for field, member in MEMBER_BY_FIELD.items():
        message = check_field(field, params.get(member, ""))
        if message:
            problems[field] = message
    return problems


# --- the rules, read from the model -------------------------------------------------------


@dataclass(frozen=True)
class _CharClass:
    """A set of characters, as ranges of code points in the order the pattern lists them."""

    ranges: tuple[tuple[int, int], ...]

    def __contains__(self, char: str) -> bool:
        code = ord(char)
        return any(low <= code <= high for low, high in self.ranges)


@dataclass(frozen=True)
class _Atom:
    """One step of a pattern: a character class repeated min..max times (max None: any)."""

    chars: _CharClass
    min: int
    max: int | None

    def has_room(self, taken: int) -> bool:
        """Whether the atom can take one more character after `taken` ones."""
        return self.max is None or taken < self.max


@dataclass(frozen=True)
class _Rule:
    member: str
    min_len: int
    max_len: int
    pattern: str
    regex: re.Pattern[str]
    required: bool
    atoms: tuple[_Atom, ...] | None  # None: the explainer cannot read this pattern


@functools.cache
def _rules(operation: str = OPERATION) -> dict[str, _Rule]:
    """The rules of an operation's input members (StartMailboxExportJob's by default), read
    from botocore's model."""
    from tui.core.botocore_data import service_model

    model = service_model("workmail")
    shape = model.operation_model(operation).input_shape
    rules = {}
    for member, member_shape in shape.members.items():
        meta = member_shape.metadata
        pattern = meta.get("pattern", r"[\s\S]*")
        rules[member] = _Rule(
            member=member,
            min_len=meta.get("min", 0),
            max_len=meta.get("max", 1 << 30),
            pattern=pattern,
            regex=re.compile(pattern),
            required=member in shape.required_members,
            atoms=_parse_pattern(pattern),
        )
    return rules


# Values of the job calls that are not fields of the request, checked the same way:
# name -> (operation, member, one value, many values, an example).
OTHER_VALUES: dict[str, tuple[str, str, str, str, str]] = {
    "client_token": (OPERATION, "ClientToken", "The client token", "Client tokens",
                     "nightly-export-alice-2026-10-01"),
    "job_id": ("DescribeMailboxExportJob", "JobId", "The job id", "Job ids",
               "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
}


def check_value(name: str, value: str) -> str | None:
    """What is wrong with `value` for one of OTHER_VALUES (a ClientToken, a JobId), as a
    sentence with the fix; None when fine."""
    operation, member, one, many, good = OTHER_VALUES[name]
    rule = _rules(operation)[member]
    if rule.regex.fullmatch(value) and rule.min_len <= len(value) <= rule.max_len:
        return None
    if not value:
        return f"{one} is required, e.g. {good}."
    return _explain(rule, value, one, many, good)


# --- reading a pattern as a sequence of character classes ---------------------------------


class _Unreadable(Exception):
    """The pattern uses syntax the explainer does not read (groups, alternation, ...)."""


_ANY = _CharClass(((0, 0x10FFFF),))


def _parse_pattern(pattern: str) -> tuple[_Atom, ...] | None:
    try:
        return tuple(_atoms(pattern))
    except _Unreadable:
        return None


def _atoms(pattern: str) -> list[_Atom]:
    body = pattern.removeprefix("^")
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    atoms: list[_Atom] = []
    i = 0
    while i < len(body):
        if body[i] == "[":
            chars, i = _read_class(body, i + 1)
        elif body[i] == "\\":
            code, i = _read_escape(body, i + 1)
            chars = _CharClass(((code, code),))
        elif body[i] in "().|^$?*+{}":
            raise _Unreadable(body[i])
        else:
            chars, i = _CharClass(((ord(body[i]), ord(body[i])),)), i + 1
        low, high, i = _read_quantifier(body, i)
        atoms.append(_Atom(chars, low, high))
    return atoms


def _read_escape(body: str, i: int) -> tuple[int, int]:
    """The code point of the escape starting at body[i] (after the backslash), and the end."""
    if i >= len(body):
        raise _Unreadable("\\")
    if body[i] == "x":
        return int(body[i + 1 : i + 3], 16), i + 3
    if body[i].isalnum():
        raise _Unreadable("\\" + body[i])
    return ord(body[i]), i + 1


def _read_class(body: str, i: int) -> tuple[_CharClass, int]:
    """The class whose contents start at body[i] (after '['), and the index after ']'."""
    if body[i : i + 1] == "^":
        raise _Unreadable("[^")
    ranges: list[tuple[int, int]] = []
    shorthands: set[str] = set()
    while i < len(body) and body[i] != "]":
        if body[i] == "\\" and body[i + 1 : i + 2] in ("s", "S"):
            shorthands.add(body[i + 1])
            i += 2
            continue
        if body[i] == "\\":
            low, i = _read_escape(body, i + 1)
        else:
            low, i = ord(body[i]), i + 1
        if body[i : i + 1] == "-" and body[i + 1 : i + 2] not in ("]", ""):
            if body[i + 1] == "\\":
                high, i = _read_escape(body, i + 2)
            else:
                high, i = ord(body[i + 1]), i + 2
            ranges.append((low, high))
        else:
            ranges.append((low, low))
    if i >= len(body):
        raise _Unreadable("[")
    if shorthands == {"s", "S"}:
        return _ANY, i + 1
    if shorthands:
        raise _Unreadable("\\s")
    return _CharClass(tuple(ranges)), i + 1


def _read_quantifier(body: str, i: int) -> tuple[int, int | None, int]:
    if i >= len(body):
        return 1, 1, i
    if body[i] == "+":
        return 1, None, i + 1
    if body[i] == "*":
        return 0, None, i + 1
    if body[i] == "?":
        return 0, 1, i + 1
    if body[i] == "{":
        end = body.index("}", i)
        low, _, high = body[i + 1 : end].partition(",")
        if "," not in body[i + 1 : end]:
            return int(low), int(low), end + 1
        return int(low), (int(high) if high else None), end + 1
    return 1, 1, i


# --- explaining a rejection ----------------------------------------------------------------

_State = tuple[int, int]  # (index of the atom, how many characters it has taken)


def _close(atoms: tuple[_Atom, ...], states: set[_State]) -> set[_State]:
    """Add the states reachable by leaving atoms that have taken their minimum."""
    todo = list(states)
    closed = set(states)
    while todo:
        index, taken = todo.pop()
        if index < len(atoms) and taken >= atoms[index].min and (index + 1, 0) not in closed:
            closed.add((index + 1, 0))
            todo.append((index + 1, 0))
    return closed


def _step(atoms: tuple[_Atom, ...], states: set[_State], char: str) -> set[_State]:
    moved = set()
    for index, taken in states:
        if index == len(atoms):
            continue
        atom = atoms[index]
        if char in atom.chars and atom.has_room(taken):
            moved.add((index, taken + 1 if atom.max is not None else min(taken + 1, atom.min)))
    return _close(atoms, moved)


def _expected(atoms: tuple[_Atom, ...], states: set[_State]) -> list[_CharClass]:
    """The classes that could take the next character from these states."""
    return [atoms[i].chars for i, taken in sorted(states)
            if i < len(atoms) and atoms[i].has_room(taken)]


def _explain(rule: _Rule, value: str, one: str, many: str, good: str) -> str:
    """A sentence naming what is wrong with a value the rule rejects, and the fix."""
    atoms = rule.atoms
    complete_at: int | None = None  # where the pattern was complete and took nothing more
    if atoms is not None:
        states = _close(atoms, {(0, 0)})
        for position, char in enumerate(value):
            after = _step(atoms, states, char)
            if not after and not _expected(atoms, states):
                complete_at = position
                break
            if not after:
                return _bad_character(atoms, states, value, position, one, many, good)
            states = after
    if len(value) < rule.min_len:
        how_many = "exactly" if rule.min_len == rule.max_len else "at least"
        return (f"{one} has {how_many} {rule.min_len} characters, e.g. {good}; "
                f"this one has {len(value)}.")
    if len(value) > rule.max_len:
        return f"{many} may have at most {rule.max_len} characters; this one has {len(value)}."
    if complete_at is not None:
        return (f"{one} ends after '{_clip(value[:complete_at])}' in the form AWS expects; "
                f"this one goes on for {len(value) - complete_at} more characters, e.g. {good}.")
    if atoms is not None and (len(atoms), 0) not in states:
        wanted = _describe_chars(_expected(atoms, states))
        return f"{one} is incomplete: {wanted} should follow '{_clip(value)}', e.g. {good}."
    return f"{one} does not have the form AWS expects, e.g. {good}."


def _bad_character(atoms: tuple[_Atom, ...], states: set[_State], value: str, position: int,
                   one: str, many: str, good: str) -> str:
    char = value[position]
    start = _literal_start(atoms)
    if position < len(start):
        return f"{one} starts with {start}, e.g. {good}."
    wanted = _describe_chars(_expected(atoms, states))
    if not any(char in atom.chars for atom in atoms):
        return f"{many} may not contain {_name_char(char)} - use {wanted}"
    return (f"{one} has {_name_char(char)} after '{_clip(value[:position])}', where only "
            f"{wanted} are allowed, e.g. {good}.")


def _literal_start(atoms: tuple[_Atom, ...]) -> str:
    """The fixed text every value starts with ('arn:aws:iam:', 'm-'), if any."""
    start = ""
    for atom in atoms:
        (low, high), *others = atom.chars.ranges
        if others or low != high or atom.min != 1 or atom.max != 1:
            break
        start += chr(low)
    return start


def _clip(text: str, keep: int = 40) -> str:
    return text if len(text) <= keep else "..." + text[-keep:]


_CHAR_NAMES = {" ": "spaces", "\t": "tabs", "\n": "line breaks", "\r": "line breaks"}


def _name_char(char: str) -> str:
    if char in _CHAR_NAMES:
        return _CHAR_NAMES[char]
    if not char.isprintable():
        return f"the invisible character U+{ord(char):04X}"
    return char


_UPPER, _LOWER, _DIGITS = set(range(65, 91)), set(range(97, 123)), set(range(48, 58))
_GROUPS: tuple[tuple[str, set[int]], ...] = (
    ("letters", _UPPER | _LOWER),
    ("uppercase letters", _UPPER),
    ("lowercase letters", _LOWER),
    ("digits", _DIGITS),
)


def _describe_chars(classes: list[_CharClass]) -> str:
    """'letters, digits and ! _ . * ' ( ) / -' for the union of `classes`, in pattern order."""
    ordered: list[int] = []
    for chars in classes:
        for low, high in chars.ranges:
            if high - low > 0x7F:
                return "any character"
            ordered.extend(c for c in range(low, high + 1) if c not in ordered)
    codes = set(ordered)
    if set(range(0x21, 0x7F)) == codes:
        return "printable ASCII characters other than spaces"
    words: list[str] = []
    for word, members in _GROUPS:
        if members <= codes:
            words.append(word)
            codes -= members
    rest = [c for c in ordered if c in codes]
    if rest:
        words.append(" ".join(_runs(rest)))
    if len(words) == 1 and len(rest) == 1 and len(ordered) == 1:
        return f"'{chr(rest[0])}'"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _runs(codes: list[int]) -> list[str]:
    """Characters to list, with runs of 4 or more consecutive ones written as 'a-f'."""
    out: list[str] = []
    start = 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[i - 1] + 1:
            run = codes[start:i]
            if len(run) >= 4:
                out.append(f"{chr(run[0])}-{chr(run[-1])}")
            else:
                out.extend(chr(c) for c in run)
            start = i
    return out
