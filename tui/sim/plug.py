"""In-process plumbing: route every boto3 call of this process to the active simulator.

A `before-send` handler is added to botocore's BUILTIN_HANDLERS (registered first, so it runs
before moto's own stubber), hence every botocore session created after `tui.sim` is imported
carries it. While a SimulatedAws is active the handler applies the faults to all five services,
answers WorkMail from the simulator's backend and leaves IAM/KMS/S3/STS to moto's mock_aws.
Requests to an explicit non-AWS endpoint (e.g. the simulator's own HTTP server) pass through.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore import handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from . import s3_objects, wire
from .faults import HttpReply, error_reply
from .validation import workmail_regions

if TYPE_CHECKING:
    from .simulated_aws import SimulatedAws

_active: SimulatedAws | None = None


class _RawBody(io.BytesIO):
    """The `raw` botocore expects of a response: a stream with `stream()`."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def to_aws_response(url: str, reply: HttpReply) -> AWSResponse:
    return AWSResponse(url, reply.status, reply.headers, _RawBody(reply.body))


def activate(sim: SimulatedAws) -> None:
    global _active
    if _active is not None and _active is not sim:
        raise RuntimeError("Another SimulatedAws is already active in this process; stop it first.")
    _active = sim


def deactivate(sim: SimulatedAws) -> None:
    global _active
    if _active is sim:
        _active = None


def _header(request: AWSPreparedRequest, name: str) -> str:
    value = request.headers.get(name)
    if isinstance(value, bytes):
        return value.decode()
    return value or ""


def _before_send(request: AWSPreparedRequest, event_name: str = "", **kwargs: Any
                 ) -> AWSResponse | None:
    sim = _active
    if sim is None or not (urlsplit(request.url).hostname or "").endswith(".amazonaws.com"):
        return None
    _, service, operation = [*event_name.split(".", 2), "", ""][:3]
    authorization = _header(request, "Authorization")
    if service == "workmail" and wire.credential_scope(authorization)[0] not in workmail_regions():
        # Like AWS: there is no WorkMail endpoint in this Region to connect to.
        raise EndpointConnectionError(endpoint_url=request.url)
    fault = sim.faults.before_call(service, operation)
    if fault:
        return to_aws_response(request.url, error_reply(service, fault, operation))
    lose = sim.faults.take_loss(operation)
    response = None
    if service == "workmail":
        reply = wire.handle(sim.workmail, _header(request, "X-Amz-Target"), authorization,
                            request.body)
        response = to_aws_response(request.url, reply)
        held = sim.faults.take_hold(operation)
        if held is not None:
            held.wait_for_release()
    elif service == "s3":
        response = _s3_reply(sim, request)
    if service != "workmail":  # moto answers after this returns: its call waits before it
        held = sim.faults.take_hold(operation)
        if held is not None:
            held.wait_for_release()
    if response is None and lose:  # let moto act on the request, then lose its answer
        from moto.core.models import botocore_stubber

        botocore_stubber(event_name=event_name, request=request)
    if lose:
        raise ConnectionClosedError(endpoint_url=request.url)
    return response


def _s3_reply(sim: SimulatedAws, request: AWSPreparedRequest) -> AWSResponse | None:
    """The simulator's own answer to an S3 object request (s3_objects), or None for moto's."""
    s3_request = s3_objects.request_from_url_string(request.method or "GET", request.url,
                                                    dict(request.headers.items()))
    if s3_request is None:
        return None
    reply = sim.s3.before(s3_request)
    if reply is None:
        return None
    whole = reply.whole() if isinstance(reply, s3_objects.Served) else reply
    return to_aws_response(request.url, whole)


def install() -> None:
    """Register the handler for all future botocore sessions (once per process)."""
    spec = ("before-send", _before_send, handlers.REGISTER_FIRST)
    if spec not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(spec)
