"""A small IAM policy evaluator: just enough of IAM to say whether a statement set allows an
action on a resource in a request context.

Covers Effect, Action/NotAction, Resource/NotResource, Principal (for trust and resource
policies) and the condition operators export policies use (String*, Arn*, Bool, Null, the
IfExists suffix, ForAnyValue/ForAllValues on single values). An explicit Deny wins. Anything
it does not understand does not match, so an unknown Allow never grants access.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (0 if case_sensitive else re.IGNORECASE))


def wildcard_match(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM wildcard matching: * is any run of characters, ? is one character."""
    return _wildcard(pattern, case_sensitive).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_policy(document: str | Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The statements of a policy given as JSON text (URL-encoded or not) or a dict."""
    if document is None:
        return []
    if isinstance(document, (str, bytes)):
        text = document.decode() if isinstance(document, bytes) else document
        if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
            text = unquote(text)
        try:
            document = json.loads(text)
        except ValueError:
            return []
    if not isinstance(document, Mapping):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


@dataclass(frozen=True)
class Request:
    """What is being asked: an action on a resource, by a principal, with condition keys."""

    action: str
    resource: str = "*"
    principal_service: str = ""
    principal_arns: tuple[str, ...] = ()
    context: Mapping[str, str] = field(default_factory=dict)


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(wildcard_match(p, action, False) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(wildcard_match(p, action, False) for p in _as_list(statement["NotAction"]))
    return False


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        return any(wildcard_match(p, resource) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(wildcard_match(p, resource) for p in _as_list(statement["NotResource"]))
    return True  # trust policies carry no Resource


def _principal_matches(statement: Mapping[str, Any], request: Request) -> bool:
    if "Principal" not in statement:
        return True  # identity policies carry no Principal
    principal = statement["Principal"]
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    services = _as_list(principal.get("Service"))
    arns = _as_list(principal.get("AWS"))
    if request.principal_service and request.principal_service in services:
        return True
    return any(a == "*" or a in request.principal_arns for a in arns)


def _values_match(operator: str, wanted: list[Any], actual: str) -> bool | None:
    base = operator
    if base.startswith("ForAnyValue:") or base.startswith("ForAllValues:"):
        base = base.split(":", 1)[1]
    negated = "Not" in base
    base = base.replace("Not", "")
    wanted_str = [str(w) for w in wanted]
    if base in ("StringEquals", "ArnEquals"):
        hit = actual in wanted_str
    elif base == "StringEqualsIgnoreCase":
        hit = actual.lower() in (w.lower() for w in wanted_str)
    elif base in ("StringLike", "ArnLike"):
        hit = any(wildcard_match(w, actual) for w in wanted_str)
    elif base == "Bool":
        hit = actual.lower() in (w.lower() for w in wanted_str)
    else:
        return None  # an operator this evaluator does not know
    return not hit if negated else hit


def conditions_hold(conditions: Mapping[str, Any] | None, context: Mapping[str, str]) -> bool:
    """True when every condition of a statement holds in `context` (keys case-insensitive)."""
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, clauses in (conditions or {}).items():
        if not isinstance(clauses, Mapping):
            return False
        if_exists = operator.endswith("IfExists")
        op = operator[: -len("IfExists")] if if_exists else operator
        for key, wanted in clauses.items():
            actual = lowered.get(key.lower())
            if op == "Null":
                is_null = actual is None
                if str(_as_list(wanted)[0]).lower() != str(is_null).lower():
                    return False
                continue
            if actual is None:
                if if_exists or "Not" in op:
                    continue
                return False
            if _values_match(op, _as_list(wanted), actual) is not True:
                return False
    return True


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    return (_action_matches(statement, request.action)
            and _resource_matches(statement, request.resource)
            and _principal_matches(statement, request)
            and conditions_hold(statement.get("Condition"), request.context))


def decide(statements: Iterable[Mapping[str, Any]], request: Request) -> str:
    """'Deny' (explicit), 'Allow', or 'ImplicitDeny' for the request."""
    allowed = False
    for statement in statements:
        if not statement_applies(statement, request):
            continue
        if statement.get("Effect") == "Deny":
            return "Deny"
        if statement.get("Effect") == "Allow":
            allowed = True
    return "Allow" if allowed else "ImplicitDeny"
