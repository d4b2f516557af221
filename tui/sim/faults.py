"""Fault injection for tests and benchmarks: latency, throttling, 5xx, lost and held responses.

One `Faults` object is consulted before every call of the five services, in-process and over
HTTP. Rates are drawn from a seeded RNG, so a run with the same seed fails the same calls.
Error bodies are written in each service's own protocol, so botocore parses them as the real
service's ThrottlingException / SlowDown / ServiceUnavailable.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass

THROTTLE = "throttle"
SERVER_ERROR = "server_error"
DENIED = "denied"
CALLER_ARN = "arn:aws:iam::123456789012:user/moto"  # who moto says the caller is

# botocore protocol of each simulated service.
PROTOCOLS = {"workmail": "json", "kms": "json", "iam": "query", "sts": "query", "s3": "rest-xml"}
_CODES = {  # (protocol, fault) -> (HTTP status, error code, message)
    ("json", THROTTLE): (400, "ThrottlingException", "Rate exceeded"),
    ("query", THROTTLE): (400, "Throttling", "Rate exceeded"),
    ("rest-xml", THROTTLE): (503, "SlowDown", "Please reduce your request rate."),
    ("json", SERVER_ERROR): (503, "ServiceUnavailableException", "Service unavailable"),
    ("query", SERVER_ERROR): (503, "ServiceUnavailable", "Service unavailable"),
    ("rest-xml", SERVER_ERROR): (503, "ServiceUnavailable", "Service unavailable"),
    ("json", DENIED): (400, "AccessDeniedException", "User: {caller} is not authorized to "
                       "perform: {action} because no identity-based policy allows the {action} "
                       "action"),
    ("query", DENIED): (403, "AccessDenied", "User: {caller} is not authorized to perform: "
                        "{action} because no identity-based policy allows the {action} action"),
    ("rest-xml", DENIED): (403, "AccessDenied", "Access Denied"),
}


@dataclass(frozen=True)
class ServiceError:
    """An error a test makes a service answer with (`Faults.fail`), in its own words."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class HttpReply:
    """A complete HTTP response, independent of how it travels (botocore hook or WSGI)."""

    status: int
    headers: dict[str, str]
    body: bytes


def error_reply(service: str, fault: str | ServiceError, operation: str = "") -> HttpReply:
    """The response a service sends for a throttle, server error, denial or a given error,
    in its protocol."""
    protocol = PROTOCOLS.get(service, "json")
    if isinstance(fault, ServiceError):
        status, code, message = fault.status, fault.code, fault.message
    else:
        status, code, template = _CODES[(protocol, fault)]
        message = template.format(caller=CALLER_ARN, action=f"{service}:{operation}")
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.1"
    elif protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>").encode()
        content_type = "text/xml"
    else:
        body = (f"<Error><Code>{code}</Code><Message>{message}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>").encode()
        content_type = "application/xml"
    return HttpReply(status, {"Content-Type": content_type, "x-amzn-RequestId": request_id,
                              "Content-Length": str(len(body))}, body)


class HeldResponse:
    """The answer to one call, kept back: `reached` is set once the service has acted on the
    request; the answer goes out when `release()` is called (or after `limit` seconds)."""

    def __init__(self, operation: str, limit: float = 60.0) -> None:
        self.operation = operation
        self.limit = limit
        self.reached = threading.Event()
        self._released = threading.Event()

    def wait_for_release(self) -> None:
        """Called by the server with the answer ready: say so, then wait."""
        self.reached.set()
        self._released.wait(self.limit)

    def release(self) -> None:
        self._released.set()


class Faults:
    """What goes wrong, and how often. All zero by default.

    `latency` seconds are added to every call of all five services; `throttle_rate` and
    `server_error_rate` (0..1) fail that share of calls; `services` limits the rates (not the
    latency) to some services. `lose_next_response(op)` lets the next call of `op` reach the
    service and then drops the connection before the client sees the answer.
    `deny(service, operation)` refuses that call with the service's AccessDenied, as AWS
    refuses a caller whose policies lack the action. `fail(service, operation, code, message)`
    answers every call of `operation` with that error (e.g. a message holding terminal
    sequences). Over HTTP, S3 requests carry no operation name; the object calls
    (HeadObject, GetObject, PutObject, DeleteObject, ListObjects, ListObjectsV2) are named by
    `s3_objects.operation_of`, the others can be delayed, throttled and failed there but not
    lost, denied or failed by `fail`. `deny("kms", "Decrypt")` also makes S3 refuse GetObject
    of an object encrypted with a KMS key, as S3 does for a caller who may not decrypt with
    that key.
    `fail_next(op, count)` fails the next `count` calls of `op` (a 5xx by default), whatever
    the rates say; `hold_next_response(op)` lets the next call of `op` act and then keeps its
    answer until the test releases it (a client killed while its request is in flight).
    `fired` counts the faults that happened, by kind ("throttle", "server_error", "denied",
    "lost <op>", "held <op>", "<fault> <op>" for fail_next).
    `rate_limit(operation, per_second)` throttles the calls of `operation` beyond that rate,
    as a service's request quota does (a token bucket on the real clock; `throttled` counts
    them by operation).
    """

    def __init__(self, seed: int = 0) -> None:
        self.latency = 0.0
        self.throttle_rate = 0.0
        self.server_error_rate = 0.0
        self.services: frozenset[str] | None = None
        self._rng = random.Random(seed)
        self._losses: list[str | None] = []
        self._denied: set[tuple[str, str]] = set()
        self._errors: dict[tuple[str, str], ServiceError] = {}
        self._failing: list[tuple[str, str]] = []  # (operation, fault), one per call to fail
        self._holds: list[HeldResponse] = []
        self.fired: Counter[str] = Counter()
        self._limits: dict[str, _TokenBucket] = {}
        self.throttled: dict[str, int] = {}  # calls the rate limits refused, by operation
        self._lock = threading.Lock()

    def rate_limit(self, operation: str, per_second: float, burst: float | None = None
                   ) -> None:
        """Throttle calls of `operation` beyond `per_second` (bursts of up to `burst`,
        default one second's worth)."""
        with self._lock:
            self._limits[operation] = _TokenBucket(per_second, burst or per_second)

    def lose_next_response(self, operation: str | None = "StartMailboxExportJob") -> None:
        """Drop the response of the next call of `operation` (None: of any operation)."""
        with self._lock:
            self._losses.append(operation)

    def deny(self, service: str, operation: str) -> None:
        """Refuse every call of `operation` (e.g. "iam", "GetRole") with AccessDenied."""
        with self._lock:
            self._denied.add((service, operation))

    def denies(self, service: str, operation: str) -> bool:
        """Whether `deny(service, operation)` is in force (S3 asks it of kms Decrypt before it
        serves an object encrypted with a KMS key)."""
        with self._lock:
            return (service, operation) in self._denied

    def fail(self, service: str, operation: str, code: str, message: str,
             status: int = 400) -> None:
        """Answer every call of `operation` with the error `code` saying `message`."""
        with self._lock:
            self._errors[(service, operation)] = ServiceError(status, code, message)

    def fail_next(self, operation: str, count: int = 1, fault: str = SERVER_ERROR) -> None:
        """Fail the next `count` calls of `operation` with `fault` (SERVER_ERROR, THROTTLE)."""
        with self._lock:
            self._failing.extend([(operation, fault)] * count)

    def hold_next_response(self, operation: str = "StartMailboxExportJob") -> HeldResponse:
        """Carry out the next call of `operation`, then keep its answer until released (a
        call moto answers in-process, e.g. STS's, waits before it is carried out)."""
        held = HeldResponse(operation)
        with self._lock:
            self._holds.append(held)
        return held

    def clear(self) -> None:
        with self._lock:
            self.latency = self.throttle_rate = self.server_error_rate = 0.0
            self.services = None
            self._losses.clear()
            self._denied.clear()
            self._errors.clear()
            self._failing.clear()
            self._limits.clear()
            holds, self._holds = self._holds, []
        for held in holds:
            held.release()

    def before_call(self, service: str, operation: str = "") -> str | ServiceError | None:
        """Sleep the latency, then say whether this call fails (DENIED, THROTTLE,
        SERVER_ERROR, or the ServiceError given to `fail`) or None."""
        if self.latency > 0:
            time.sleep(self.latency)
        if (service, operation) in self._errors:
            return self._errors[(service, operation)]
        with self._lock:
            if (service, operation) in self._denied:
                self.fired[DENIED] += 1
                return DENIED
            for i, (wanted, fault) in enumerate(self._failing):
                if wanted == operation:
                    del self._failing[i]
                    self.fired[f"{fault} {operation}"] += 1
                    return fault
            bucket = self._limits.get(operation)
            if bucket is not None and not bucket.take():
                self.throttled[operation] = self.throttled.get(operation, 0) + 1
                self.fired[THROTTLE] += 1
                return THROTTLE
        if self.services is not None and service not in self.services:
            return None
        with self._lock:
            if self.throttle_rate and self._rng.random() < self.throttle_rate:
                self.fired[THROTTLE] += 1
                return THROTTLE
            if self.server_error_rate and self._rng.random() < self.server_error_rate:
                self.fired[SERVER_ERROR] += 1
                return SERVER_ERROR
        return None

    def take_hold(self, operation: str) -> HeldResponse | None:
        """The hold waiting for this call (once), or None."""
        with self._lock:
            for i, held in enumerate(self._holds):
                if held.operation == operation:
                    self.fired[f"held {operation}"] += 1
                    return self._holds.pop(i)
        return None

    def take_loss(self, operation: str) -> bool:
        """True (once) when the response of this call is to be lost."""
        with self._lock:
            for i, wanted in enumerate(self._losses):
                if wanted is None or wanted == operation:
                    del self._losses[i]
                    self.fired[f"lost {operation}"] += 1
                    return True
        return False


class _TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; a call takes one or is refused."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
