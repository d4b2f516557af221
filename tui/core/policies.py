"""IAM policies for an export: the exact policies to add (fix hints) and what a role's allow.

Builders return pretty JSON to copy: the trust policy WorkMail's export service needs (the
current form, with aws:SourceAccount and aws:SourceArn naming the organization) and the
permissions policy (the bucket, the key, this Region's kms:ViaService and the bucket/prefix
encryption-context condition), as in the WorkMail Administrator Guide.

Analysis reads policy documents instead of calling iam:SimulatePrincipalPolicy (which the
simulator lacks and which needs more permissions): a small evaluator with IAM's rules -
explicit Deny wins, otherwise an Allow is needed; `*`/`?` wildcards in actions (case
insensitive), resources and String/Arn-Like conditions (case sensitive); NotAction and
NotResource; the String/Arn operators with IfExists, and Null. Condition keys or operators it
does not know are assumed to hold and reported as notes, so they surface as warnings.

A value the service fills at run time (the object key after the prefix) is matched as an
open tail: "every completion" when the typed prefix must be inside a condition, "some
completion" when only the bucket is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

EXPORT_SERVICE = "export.workmail.amazonaws.com"
ASSUME_ROLE = "sts:AssumeRole"
S3_OBJECT_ACTIONS = ("s3:AbortMultipartUpload", "s3:PutObject")
S3_BUCKET_ACTIONS = ("s3:GetBucketPolicyStatus",)
KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
VIA_SERVICE_KEY = "kms:ViaService"
ENCRYPTION_CONTEXT_KEY = "kms:EncryptionContext:aws:s3:arn"
SOURCE_ACCOUNT_KEY = "aws:SourceAccount"
SOURCE_ARN_KEY = "aws:SourceArn"
EXTERNAL_ID_KEY = "sts:ExternalId"
PRINCIPAL_ARN_KEY = "aws:PrincipalArn"  # how a key or bucket policy names a role by pattern
PRINCIPAL_ACCOUNT_KEY = "aws:PrincipalAccount"

PolicyDocument = Mapping[str, Any]


# ---------------------------------------------------------------------------------------
# Builders (fix hints)


def organization_arn(region: str, account: str, organization_id: str) -> str:
    return f"arn:aws:workmail:{region}:{account}:organization/{organization_id}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def via_service(region: str) -> str:
    """The kms:ViaService value of S3 in a Region."""
    return f"s3.{region}.amazonaws.com"


def trust_policy(account: str, region: str, organization_id: str) -> dict[str, Any]:
    """The trust policy that lets WorkMail's export service assume the role for one org."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": EXPORT_SERVICE},
                "Action": ASSUME_ROLE,
                "Condition": {
                    "StringEquals": {SOURCE_ACCOUNT_KEY: account},
                    "ArnLike": {
                        SOURCE_ARN_KEY: organization_arn(region, account, organization_id)
                    },
                },
            }
        ],
    }


def permissions_policy(bucket: str, prefix: str, key_arn: str, region: str) -> dict[str, Any]:
    """The permissions the role needs to write the export of `prefix` into `bucket`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [*S3_OBJECT_ACTIONS, *S3_BUCKET_ACTIONS],
                "Resource": [bucket_arn(bucket), f"{bucket_arn(bucket)}/*"],
            },
            {
                "Effect": "Allow",
                "Action": list(KMS_ACTIONS),
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {VIA_SERVICE_KEY: via_service(region)},
                    "StringLike": {ENCRYPTION_CONTEXT_KEY: f"{bucket_arn(bucket)}/{prefix}*"},
                },
            },
        ],
    }


def as_json(policy: PolicyDocument) -> str:
    """Pretty JSON for copying into the console or `aws iam put-role-policy`."""
    return json.dumps(policy, indent=2)


def trust_policy_json(account: str, region: str, organization_id: str) -> str:
    return as_json(trust_policy(account, region, organization_id))


def permissions_policy_json(bucket: str, prefix: str, key_arn: str, region: str) -> str:
    return as_json(permissions_policy(bucket, prefix, key_arn, region))


def public_access_block_json() -> str:
    """The S3 Block Public Access configuration that closes every public path."""
    return as_json({
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    })


# ---------------------------------------------------------------------------------------
# Wildcard matching with open tails


class Tail(Enum):
    """How a value ends. EXACT: as written. EVERY: the service appends something we do not
    know, and the match must hold for every continuation. SOME: it must hold for at least
    one. ANY: the value itself is unknown (listing without an organization): always holds."""

    EXACT = "exact"
    EVERY = "every"
    SOME = "some"
    ANY = "any"


@dataclass(frozen=True)
class Value:
    text: str
    tail: Tail = Tail.EXACT


def _glob_states(pattern: str, text: str, ignore_case: bool) -> set[int]:
    """Positions in `pattern` reachable after consuming all of `text` (`*` and `?`)."""
    if ignore_case:
        pattern, text = pattern.lower(), text.lower()

    def close(states: set[int]) -> set[int]:
        closed = set(states)
        todo = list(states)
        while todo:
            position = todo.pop()
            if position < len(pattern) and pattern[position] == "*" and position + 1 not in closed:
                closed.add(position + 1)
                todo.append(position + 1)
        return closed

    states = close({0})
    for char in text:
        following: set[int] = set()
        for position in states:
            if position >= len(pattern):
                continue
            symbol = pattern[position]
            if symbol == "*":
                following.add(position)
            elif symbol == "?" or symbol == char:
                following.add(position + 1)
        states = close(following)
        if not states:
            break
    return states


def glob_match(pattern: str, value: Value, ignore_case: bool = False) -> bool:
    """IAM wildcard matching of one pattern against a value with its tail semantics."""
    if value.tail is Tail.ANY:
        return True
    states = _glob_states(pattern, value.text, ignore_case)
    if value.tail is Tail.EXACT:
        return len(pattern) in states
    if value.tail is Tail.SOME:
        return bool(states)
    # EVERY continuation matches when the rest of the pattern is only stars.
    return any(position < len(pattern) and set(pattern[position:]) == {"*"}
               for position in states)


# ---------------------------------------------------------------------------------------
# Statements and conditions


def statements(document: PolicyDocument) -> list[Mapping[str, Any]]:
    """The statements of a policy document (Statement may be one object or a list)."""
    raw = document.get("Statement", [])
    return [raw] if isinstance(raw, Mapping) else [s for s in raw if isinstance(s, Mapping)]


def parse_document(document: str | PolicyDocument) -> PolicyDocument:
    """A policy as a dict: boto3 decodes most documents, some arrive URL-quoted JSON."""
    if isinstance(document, str):
        from urllib.parse import unquote

        text = document if document.lstrip().startswith("{") else unquote(document)
        parsed = json.loads(text)
        return parsed if isinstance(parsed, Mapping) else {}
    return document


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _matches_any(patterns: Iterable[str], value: Value, ignore_case: bool = False) -> bool:
    return any(glob_match(p, value, ignore_case) for p in patterns)


def _covers_action(statement: Mapping[str, Any], action: str) -> bool:
    exact = Value(action)
    if "NotAction" in statement:
        return not _matches_any(_as_list(statement["NotAction"]), exact, ignore_case=True)
    return _matches_any(_as_list(statement.get("Action")), exact, ignore_case=True)


def _covers_resource(statement: Mapping[str, Any], resource: Value) -> bool:
    if "NotResource" in statement:
        return not _matches_any(_as_list(statement["NotResource"]), resource)
    return _matches_any(_as_list(statement.get("Resource")), resource)


_POSITIVE = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals",
            "ArnNotLike"}


@dataclass
class ConditionResult:
    """Whether a statement's conditions hold, which keys failed, what could not be read."""

    holds: bool = True
    failed: dict[str, list[str]] = field(default_factory=dict)  # key -> wanted values
    unknown: list[str] = field(default_factory=list)


def _operator_holds(operator: str, wanted: list[str], value: Value) -> bool:
    ignore_case = operator.endswith("IgnoreCase")
    globbing = operator.endswith("Like") or operator.startswith("Arn")
    if globbing:
        matched = _matches_any(wanted, value)
    elif value.tail is Tail.ANY:
        matched = True
    elif value.tail is Tail.SOME:
        matched = any(w.lower().startswith(value.text.lower()) if ignore_case
                      else w.startswith(value.text) for w in wanted)
    elif value.tail is Tail.EVERY:
        matched = False
    else:
        matched = any((w.lower() == value.text.lower()) if ignore_case else w == value.text
                      for w in wanted)
    if operator in _NEGATED:
        return value.tail is Tail.ANY or not matched
    return matched


def evaluate_conditions(condition: Mapping[str, Any] | None,
                        context: Mapping[str, Value]) -> ConditionResult:
    """Evaluate a Condition block against the context a request would carry."""
    result = ConditionResult()
    lowered = {key.lower(): value for key, value in context.items()}
    for raw_operator, block in (condition or {}).items():
        if not isinstance(block, Mapping):
            continue
        operator = raw_operator.split(":", 1)[-1]  # ForAnyValue:/ForAllValues: as single-valued
        if_exists = operator.endswith("IfExists")
        operator = operator.removesuffix("IfExists")
        for key, raw_wanted in block.items():
            wanted = _as_list(raw_wanted)
            value = lowered.get(key.lower())
            if operator == "Null":
                holds = (value is None) == (wanted[:1] == ["true"])
            elif operator not in _POSITIVE | _NEGATED:
                result.unknown.append(f"{raw_operator} on {key}")
                continue
            elif value is None:
                if key.lower() not in _KNOWN_KEYS:
                    result.unknown.append(key)
                    continue
                holds = if_exists or operator in _NEGATED
            else:
                holds = _operator_holds(operator, wanted, value)
            if not holds:
                result.holds = False
                result.failed[key] = wanted
    return result


_KNOWN_KEYS = {k.lower() for k in (VIA_SERVICE_KEY, ENCRYPTION_CONTEXT_KEY, SOURCE_ACCOUNT_KEY,
                                    SOURCE_ARN_KEY, EXTERNAL_ID_KEY, PRINCIPAL_ARN_KEY,
                                    PRINCIPAL_ACCOUNT_KEY)}


# ---------------------------------------------------------------------------------------
# Trust policy analysis


class TrustForm(str, Enum):
    CURRENT = "aws:SourceAccount/aws:SourceArn"
    EXTERNAL_ID = "sts:ExternalId (older guide)"
    UNCONDITIONED = "no conditions"


@dataclass(frozen=True)
class TrustVerdict:
    """Whether WorkMail's export service may assume the role for this organization."""

    trusted: bool
    form: TrustForm | None = None
    problems: tuple[str, ...] = ()  # why not, or which statement names something else
    notes: tuple[str, ...] = ()  # conditions this analysis could not evaluate
    names_organization: bool = False  # an aws:SourceArn condition held for the given org_arn
    # Trusted only if the service sends sts:ExternalId = the account id (unverified), so
    # whether the export may assume the role is not known.
    needs_external_id: bool = False
    denied: bool = False  # an explicit Deny stops the export service (no Allow can undo it)


def _names_export_service(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return EXPORT_SERVICE in _as_list(principal.get("Service")) or "*" in _as_list(
        principal.get("AWS"))


def _condition_keys(condition: Mapping[str, Any] | None) -> set[str]:
    return {key.lower() for block in (condition or {}).values() if isinstance(block, Mapping)
            for key in block}


def _trust_form(condition: Mapping[str, Any] | None) -> TrustForm:
    keys = _condition_keys(condition)
    if keys & {SOURCE_ARN_KEY.lower(), SOURCE_ACCOUNT_KEY.lower()}:
        return TrustForm.CURRENT
    if EXTERNAL_ID_KEY.lower() in keys:
        return TrustForm.EXTERNAL_ID
    return TrustForm.UNCONDITIONED


_ORG_IN_ARN = re.compile(r"organization/(m-[0-9a-f*?]+)")


def _explain_trust_failure(failed: Mapping[str, list[str]], account: str | None,
                           org_arn: str | None) -> str:
    parts = []
    for key, wanted in failed.items():
        if key.lower() == SOURCE_ARN_KEY.lower():
            orgs = [m.group(1) for w in wanted for m in [_ORG_IN_ARN.search(w)] if m]
            named = ", ".join(orgs) if orgs else ", ".join(wanted)
            parts.append(f"its aws:SourceArn condition names {named}, not {org_arn}")
        elif key.lower() in (SOURCE_ACCOUNT_KEY.lower(), EXTERNAL_ID_KEY.lower()):
            parts.append(f"its {key} condition names {', '.join(wanted)}, not account {account}")
        else:
            parts.append(f"its {key} condition ({', '.join(wanted)}) does not hold")
    return "; ".join(parts)


@dataclass
class _TrustReading:
    """What the statements of a trust policy say in one request context."""

    form: TrustForm | None = None  # of the first Allow that holds
    denied: bool = False
    names_organization: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.form is not None and not self.denied


def _read_trust(document: PolicyDocument, context: Mapping[str, Value], account: str | None,
                org_arn: str | None) -> _TrustReading:
    reading = _TrustReading()
    for statement in statements(document):
        if not (_names_export_service(statement) and _covers_action(statement, ASSUME_ROLE)):
            continue
        conditions = evaluate_conditions(statement.get("Condition"), context)
        reading.notes.extend(conditions.unknown)
        if statement.get("Effect") == "Deny":
            if conditions.holds:
                reading.denied = True
                reading.problems.append("a Deny statement stops the export service assuming it")
        elif conditions.holds:
            reading.form = reading.form or _trust_form(statement.get("Condition"))
            reading.names_organization = reading.names_organization or bool(
                org_arn and SOURCE_ARN_KEY.lower() in _condition_keys(statement.get("Condition")))
        else:
            reading.problems.append(_explain_trust_failure(conditions.failed, account, org_arn))
    if reading.form is None and not reading.problems:
        reading.problems.append(f"no statement lets {EXPORT_SERVICE} call {ASSUME_ROLE}")
    return reading


def analyse_trust(document: str | PolicyDocument, account: str | None = None,
                  org_arn: str | None = None) -> TrustVerdict:
    """Does this trust policy let export.workmail.amazonaws.com assume the role?

    With no account/organization the conditions are taken as satisfiable. Given the
    organization's ARN, `names_organization` says an allowing statement's aws:SourceArn
    condition held for it: the role was made for this organization.
    WorkMail's request carries aws:SourceAccount and aws:SourceArn (current guide). Whether it
    also carries sts:ExternalId = the account id (the older guide's trust tests that) is an
    ASSUMPTION (unverified; the simulator's Assumptions.external_id), so the policy is read
    both ways: trusted in one only, the verdict is trusted with `needs_external_id`.
    """
    context = {
        SOURCE_ACCOUNT_KEY: Value(account) if account else Value("", Tail.ANY),
        SOURCE_ARN_KEY: Value(org_arn) if org_arn else Value("", Tail.ANY),
    }
    external_id = Value(account) if account else Value("", Tail.ANY)
    document = parse_document(document)
    without = _read_trust(document, context, account, org_arn)
    with_id = _read_trust(document, {**context, EXTERNAL_ID_KEY: external_id}, account, org_arn)
    reading = without if without.trusted else with_id
    trusted = without.trusted or with_id.trusted
    return TrustVerdict(trusted, reading.form if trusted else None,
                        tuple(reading.problems) if not trusted else (),
                        tuple(dict.fromkeys(without.notes + with_id.notes)),
                        names_organization=trusted and reading.names_organization,
                        needs_external_id=with_id.trusted != without.trusted,
                        denied=not trusted and (without.denied or with_id.denied))


# ---------------------------------------------------------------------------------------
# Permissions analysis


@dataclass(frozen=True)
class AccessRequest:
    """One call WorkMail makes as the role: an action on a resource with its context."""

    action: str
    resource: Value
    context: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class AccessVerdict:
    request: AccessRequest
    allowed: bool
    reason: str = ""  # why not, for a person; the action and resource are said elsewhere
    failed_keys: tuple[str, ...] = ()  # condition keys that stopped an otherwise fitting Allow
    notes: tuple[str, ...] = ()
    denied: bool = False  # an explicit Deny, which no Allow elsewhere can undo


def export_requests(bucket: str | None, key_arn: str | None, region: str,
                    prefix: str | None, joined: bool = True) -> list[AccessRequest]:
    """The calls an export makes as the role. `prefix=None`: the prefix is not known yet, so
    object keys only need to be allowed somewhere in the bucket. A bucket or key not chosen
    yet (None) leaves out its calls (and an unknown bucket matches any encryption context).
    `joined`: the object key's form (see object_key_start)."""
    if bucket is None:
        object_value = Value("", Tail.ANY)
    elif prefix is None:
        object_value = Value(f"{bucket_arn(bucket)}/", Tail.SOME)
    else:
        object_value = Value(f"{bucket_arn(bucket)}/{object_key_start(prefix, joined)}",
                             Tail.EVERY)
    kms_context = {VIA_SERVICE_KEY: Value(via_service(region)),
                   ENCRYPTION_CONTEXT_KEY: object_value}
    requests: list[AccessRequest] = []
    if bucket is not None:
        requests += [AccessRequest(a, object_value) for a in S3_OBJECT_ACTIONS]
        requests += [AccessRequest(a, Value(bucket_arn(bucket))) for a in S3_BUCKET_ACTIONS]
    if key_arn is not None:
        requests += [AccessRequest(a, Value(key_arn), kms_context) for a in KMS_ACTIONS]
    return requests


def bucket_key_requests(bucket: str, key_arn: str, region: str) -> list[AccessRequest]:
    """The KMS calls of an export into a bucket that uses an S3 Bucket Key: S3 then asks KMS
    with the bucket's ARN as the encryption context, not the object's (S3 user guide, "Using
    Amazon S3 Bucket Keys"). ASSUMPTION (unverified, shared with the simulator): WorkMail's
    writer follows the bucket's default Bucket Key setting."""
    context = {VIA_SERVICE_KEY: Value(via_service(region)),
               ENCRYPTION_CONTEXT_KEY: Value(bucket_arn(bucket))}
    return [AccessRequest(a, Value(key_arn), context) for a in KMS_ACTIONS]




def object_key_start(prefix: str, joined: bool = True) -> str:
    """How the export object's key begins. ASSUMPTION (unverified; the simulator's
    Assumptions.object_key): the key is <prefix>/<JobId>.zip (`joined`), with no second slash
    after a prefix that ends in one; the other plausible form is <prefix><JobId>.zip
    (`joined=False`), which differs only for a prefix without a trailing slash."""
    return prefix if prefix.endswith("/") or not joined else f"{prefix}/"


def evaluate(documents: Sequence[PolicyDocument], request: AccessRequest,
             principals: Sequence[str] | None = None, caller: str = "") -> AccessVerdict:
    """IAM's rule for one request over a role's identity policies, or - given the
    `principals` asking - over resource policies (key and bucket policies), where only
    statements naming one of them (or everyone) count. `caller`: the role's ARN, which
    conditions on aws:PrincipalArn test (a policy names a role by pattern only that way).

    A Deny refuses only what it surely covers: every object key a prefix may lead to (a
    bucket-wide question asks whether some key is left), and under conditions that hold; one
    whose conditions cannot be evaluated is a note, like such an Allow."""
    context = dict(request.context)
    if caller:
        context[PRINCIPAL_ARN_KEY] = Value(caller)
        context[PRINCIPAL_ACCOUNT_KEY] = Value(caller.split(":")[4] if caller.count(":") >= 5
                                               else "")
    allowed = surely_allowed = False
    failed: dict[str, list[str]] = {}
    notes: list[str] = []  # of Denies, and of Allows unless one Allow needs none
    allow_notes: list[str] = []
    for document in documents:
        for statement in statements(document):
            if principals is not None and not _names_principal(statement, principals):
                continue
            deny = statement.get("Effect") == "Deny"
            resource = request.resource
            if deny and resource.tail is Tail.SOME:
                resource = Value(resource.text, Tail.EVERY)
            if not (_covers_action(statement, request.action)
                    and _covers_resource(statement, resource)):
                continue
            conditions = evaluate_conditions(statement.get("Condition"), context)
            (notes if deny else allow_notes).extend(conditions.unknown)
            if not conditions.holds:
                if not deny:
                    failed.update(conditions.failed)
                continue
            if deny and not conditions.unknown:
                return AccessVerdict(request, False, "refused by a Deny statement",
                                     notes=tuple(notes + allow_notes), denied=True)
            if not deny:
                allowed = True
                surely_allowed = surely_allowed or not conditions.unknown
    if not surely_allowed:
        notes += allow_notes
    if allowed:
        return AccessVerdict(request, True, notes=tuple(notes))
    if failed:
        wanted = " and ".join(f"{key} is {' or '.join(v)}" for key, v in failed.items())
        return AccessVerdict(request, False, f"allowed only when {wanted}", tuple(failed),
                             tuple(notes))
    return AccessVerdict(request, False, "not allowed by any statement", notes=tuple(notes))


def _names_principal(statement: Mapping[str, Any], principals: Sequence[str]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    named = _as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
    return any(p == "*" or p in principals for p in named)


def account_principals(account: str) -> list[str]:
    """How a key policy names the whole account (the IAM delegation statement)."""
    return [f"arn:aws:iam::{account}:root", account]


@dataclass(frozen=True)
class KeyPolicyVerdict:
    """What a key policy says of one KMS call of the export by the role: through a statement
    naming the role (`direct`), and through one leaving it to IAM policies (`delegated`)."""

    direct: AccessVerdict
    delegated: AccessVerdict

    @property
    def allowed(self) -> bool:
        return self.direct.allowed or self.delegated.allowed

    @property
    def notes(self) -> tuple[str, ...]:
        """Conditions the tool cannot read that the answer depends on (none when a way in
        needs none)."""
        if any(v.allowed and not v.notes for v in (self.direct, self.delegated)):
            return ()
        return self.direct.notes + self.delegated.notes


def key_policy_verdicts(key_policy: PolicyDocument, key_arn: str, role_arn: str,
                        region: str) -> list[KeyPolicyVerdict]:
    """The key policy's verdict on each KMS call of an export by the role."""
    account = key_arn.split(":")[4]
    return [KeyPolicyVerdict(
        evaluate([key_policy], wanted, principals=[role_arn], caller=role_arn),
        evaluate([key_policy], wanted, principals=account_principals(account), caller=role_arn))
        for wanted in export_requests(None, key_arn, region, None)]


def key_policy_statement(role_arn: str, region: str) -> str:
    """The key policy statement that lets the export role use the key through S3."""
    return as_json({
        "Sid": "AllowWorkMailExportRole",
        "Effect": "Allow",
        "Principal": {"AWS": role_arn},
        "Action": list(KMS_ACTIONS),
        "Resource": "*",
        "Condition": {"StringEquals": {VIA_SERVICE_KEY: via_service(region)}},
    })


def describe_refusals(verdicts: Iterable[AccessVerdict]) -> str:
    """Refused requests grouped by resource and reason, as one sentence part:
    "kms:Decrypt, kms:GenerateDataKey on arn:...:key/1: no statement allows it"."""
    groups: dict[tuple[str, str], list[str]] = {}
    for verdict in verdicts:
        if not verdict.allowed:
            resource = verdict.request.resource
            shown = resource.text + ("*" if resource.tail is not Tail.EXACT else "")
            groups.setdefault((shown, verdict.reason), []).append(verdict.request.action)
    return "; ".join(f"{', '.join(actions)} on {resource}: {reason}"
                     for (resource, reason), actions in groups.items())


def evaluate_export(documents: Sequence[PolicyDocument], bucket: str | None,
                    key_arn: str | None, region: str,
                    prefix: str | None, joined: bool = True,
                    caller: str = "") -> list[AccessVerdict]:
    """The verdict on each call of an export (`export_requests`) over a role's identity
    policies; `caller`: the role's ARN (see `evaluate`)."""
    return [evaluate(documents, r, caller=caller)
            for r in export_requests(bucket, key_arn, region, prefix, joined)]


def encryption_context_patterns(documents: Sequence[PolicyDocument], key_arn: str) -> list[str]:
    """The kms:EncryptionContext:aws:s3:arn values the Allow statements on this key name."""
    patterns: list[str] = []
    for document in documents:
        for statement in statements(document):
            if statement.get("Effect") != "Allow" or not _covers_resource(
                    statement, Value(key_arn)):
                continue
            for block in (statement.get("Condition") or {}).values():
                if isinstance(block, Mapping):
                    for key, wanted in block.items():
                        if key.lower() == ENCRYPTION_CONTEXT_KEY.lower():
                            patterns.extend(_as_list(wanted))
    return patterns


def prefixes_allowed(patterns: Iterable[str], bucket: str) -> list[str]:
    """The prefixes a person can read off the condition: `arn:aws:s3:::b/exports/*` ->
    `exports/`. Patterns for other buckets are left out."""
    head = f"{bucket_arn(bucket)}/"
    return [p[len(head):].rstrip("*") for p in patterns if p.startswith(head)]
