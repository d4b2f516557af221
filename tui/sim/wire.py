"""WorkMail's JSON 1.1 wire format: one HTTP request in, one HTTP reply out.

Shared by the in-process botocore hook and the HTTP server, so both speak exactly the same
protocol to the same backend.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .backend import WorkMailBackend
from .faults import HttpReply
from .service_error import WorkMailError

TARGET_PREFIX = "WorkMailService."
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


def credential_scope(authorization: str | None) -> tuple[str, str]:
    """(region, service) from a SigV4 Authorization header; ('us-east-1', '') if unsigned."""
    match = _SCOPE.search(authorization or "")
    return (match.group(1), match.group(2)) if match else ("us-east-1", "")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # JSON 1.1 timestamps are epoch seconds
    raise TypeError(f"cannot encode {type(value).__name__}")


def _reply(status: int, payload: Mapping[str, Any]) -> HttpReply:
    body = json.dumps(payload, default=_encode).encode()
    return HttpReply(status, {"Content-Type": "application/x-amz-json-1.1",
                              "x-amzn-RequestId": str(uuid.uuid4()),
                              "Content-Length": str(len(body))}, body)


def handle(backend: WorkMailBackend, target: str, authorization: str | None,
           body: bytes | str | None) -> HttpReply:
    """Serve one WorkMail request, given its X-Amz-Target and Authorization headers."""
    operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else ""
    region, _ = credential_scope(authorization)
    try:
        params = json.loads(body or b"{}")
        if not isinstance(params, dict):
            raise ValueError("not an object")
    except ValueError:
        return _reply(400, {"__type": "SerializationException", "Message": "Malformed JSON."})
    try:
        return _reply(200, backend.call(operation, params, region))
    except WorkMailError as error:
        return _reply(error.status, {"__type": error.code, "Message": error.message})
