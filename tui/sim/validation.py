"""Server-side checks of request values against the botocore workmail model.

botocore checks only types, required members and minimum lengths before sending; the service
also enforces maximum lengths, patterns and enums. The simulator does the same from the model,
so no rule is copied by hand.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape

from .assumptions import PATTERN_AS_WRITTEN, PATTERN_WHOLE
from .service_error import invalid_parameter


@functools.lru_cache(maxsize=1)
def workmail_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("workmail")


@functools.lru_cache(maxsize=1)
def workmail_regions() -> frozenset[str]:
    """The Regions where AWS offers WorkMail, from botocore's endpoint data."""
    return frozenset(botocore.session.get_session().get_available_regions("workmail"))


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _check(name: str, shape: Shape, value: Any, pattern_match: str) -> None:
    meta = shape.metadata
    if shape.type_name == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            raise invalid_parameter(f"{name} must be at most {meta['max']} characters long.")
        if "min" in meta and len(value) < meta["min"]:
            raise invalid_parameter(f"{name} must be at least {meta['min']} characters long.")
        if "pattern" in meta and not _matches(meta["pattern"], value, pattern_match):
            # ASSUMPTION (unverified): the service answers a pattern violation with
            # InvalidParameterException (the modeled error), not ValidationException.
            raise invalid_parameter(f"{name} does not match the pattern {meta['pattern']}.")
        if shape.enum and value not in shape.enum:
            raise invalid_parameter(f"{name} must be one of {', '.join(shape.enum)}.")
    elif shape.type_name == "integer" and isinstance(value, int):
        if ("min" in meta and value < meta["min"]) or ("max" in meta and value > meta["max"]):
            raise invalid_parameter(
                f"{name} must be between {meta.get('min')} and {meta.get('max')}.")
    elif shape.type_name == "structure" and isinstance(value, dict):
        for member, member_shape in shape.members.items():
            if member in value:
                _check(f"{name}.{member}", member_shape, value[member], pattern_match)


def _matches(pattern: str, value: str, pattern_match: str) -> bool:
    """Whether `value` passes `pattern`, applied as Assumptions.pattern_match says: the whole
    value (PATTERN_WHOLE) or, where the model leaves a pattern unanchored, any part of it."""
    if pattern_match == PATTERN_AS_WRITTEN:
        return _compiled(pattern).search(value) is not None
    return _compiled(pattern).fullmatch(value) is not None


def validate(operation: str, params: dict[str, Any],
             pattern_match: str = PATTERN_WHOLE) -> None:
    """Raise InvalidParameterException for the first value the model does not allow."""
    shape = workmail_model().operation_model(operation).input_shape
    if shape is None:
        return
    for member in shape.required_members:
        if member not in params:
            raise invalid_parameter(f"{member} is required.")
    for member, member_shape in shape.members.items():
        if member in params:
            _check(member, member_shape, params[member], pattern_match)
