"""S3 object requests, before moto answers them: exports written on first touch, reads served
from moto's storage by range, GetObject refused without kms:Decrypt, reads counted.

Both request paths (the in-process botocore hook in `plug` and the HTTP server) describe a
request as an `S3Request` and call `S3Objects.before(request)`:
- any request naming a key, and any listing, first has the exports of COMPLETED jobs that
  lie there written (`ExportWriter.materialize`), so what a reader sees is what it would see
  after the job ended;
- GetObject of an object encrypted with a KMS key is refused with S3's AccessDenied while
  `faults.deny("kms", "Decrypt")` is in force. ASSUMPTION (unverified): S3's message is the
  long-standing "The ciphertext refers to a customer master key..." one; HeadObject needs no
  kms:Decrypt (it returns metadata only);
- GetObject with a single byte range (or of any object over 1 MiB) is answered here from the
  object moto stores, reading only the bytes asked for; moto itself reads the whole object
  into memory for every request, which would make a ranged download of a 300 MB export cost
  gigabytes. Headers come from moto's own object, so HeadObject and GetObject agree;
- every GetObject answered (here or by moto) is recorded in `reads` (bucket, key, range), so
  tests can count which parts a download fetched.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from .directory import ACCOUNT_ID
from .faults import HttpReply

if TYPE_CHECKING:
    from .simulated_aws import SimulatedAws

FAST_PATH_FROM = 1024 * 1024  # a GetObject without Range is served here above this size
CHUNK = 1024 * 1024
KMS_REFUSAL = ("The ciphertext refers to a customer master key that does not exist, does not "
               "exist in this region, or you are not allowed to access.")
_SUBRESOURCES = ("acl", "tagging", "uploadId", "uploads", "attributes", "legal-hold",
                 "retention", "torrent", "restore", "select", "versionId", "partNumber")
_LIST_PARAMETERS = {"list-type", "prefix", "delimiter", "marker", "max-keys", "encoding-type",
                    "continuation-token", "start-after", "fetch-owner"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+)\.s3[.-]")


@dataclass(frozen=True)
class S3Request:
    """One S3 request as both request paths see it."""

    method: str
    bucket: str
    key: str  # "" for a request on the bucket itself
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # lower-case names

    @property
    def operation(self) -> str:
        return operation_of(self)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class ObjectRead:
    """One GetObject answered: which object, and the byte range (None: all of it)."""

    bucket: str
    key: str
    first: int | None
    last: int | None


@dataclass
class Served:
    """A reply whose body comes in chunks (an HTTP server streams them)."""

    status: int
    headers: dict[str, str]
    chunks: Iterator[bytes] = field(default_factory=lambda: iter(()))

    def whole(self) -> HttpReply:
        return HttpReply(self.status, self.headers, b"".join(self.chunks))


def request_from_url(method: str, host: str, path: str, query: str,
                     headers: Mapping[str, Any]) -> S3Request | None:
    """An S3Request from the parts of a URL (path already percent-decoded), or None when it
    names no bucket."""
    virtual = _VIRTUAL_HOST.match(host or "")
    path = path.lstrip("/")
    if virtual:
        bucket, key = virtual.group("bucket"), path
    else:
        bucket, _, key = path.partition("/")
    if not bucket:
        return None
    lowered = {str(name).lower(): value.decode() if isinstance(value, bytes) else str(value)
               for name, value in headers.items()}
    return S3Request(method.upper(), bucket, key, parse_qs(query, keep_blank_values=True),
                     lowered)


def request_from_url_string(method: str, url: str, headers: Mapping[str, Any]
                            ) -> S3Request | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return request_from_url(method, parts.hostname or "", unquote(parts.path), parts.query,
                            headers)


def operation_of(request: S3Request) -> str:
    """The S3 API operation of an object or listing request ("" for any other)."""
    subresource = any(name in request.query for name in _SUBRESOURCES)
    if request.key:
        if subresource:
            return ""
        return {"HEAD": "HeadObject", "GET": "GetObject", "PUT": "PutObject",
                "DELETE": "DeleteObject"}.get(request.method, "")
    if request.method == "GET" and set(request.query) <= _LIST_PARAMETERS:
        return "ListObjectsV2" if request.query.get("list-type") == ["2"] else "ListObjects"
    return ""


def _error(status: int, code: str, message: str) -> HttpReply:
    request_id = str(uuid.uuid4())
    body = (f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    return HttpReply(status, {"Content-Type": "application/xml", "x-amz-request-id": request_id,
                              "Content-Length": str(len(body))}, body)


class S3Objects:
    """The simulator's layer in front of moto's S3 object calls."""

    def __init__(self, sim: SimulatedAws) -> None:
        self.sim = sim
        self.reads: list[ObjectRead] = []
        self._lock = threading.Lock()

    def reads_of(self, key: str) -> list[ObjectRead]:
        with self._lock:
            return [read for read in self.reads if read.key == key]

    def before(self, request: S3Request) -> Served | HttpReply | None:
        """Prepare or answer `request`: a reply to send instead of moto's, or None to let
        moto answer (after exports lying there were written)."""
        operation = request.operation
        if not operation:
            return None
        if request.key:
            self.sim.exports.materialize(request.bucket, key=request.key)
        else:
            prefix = request.query.get("prefix", [""])[0]
            self.sim.exports.materialize(request.bucket, prefix=prefix)
        if operation != "GetObject":
            return None
        stored = self._stored(request.bucket, request.key)
        if stored is None:
            return None  # moto says NoSuchKey / NoSuchBucket in its own words
        if stored.encryption == "aws:kms" and self.sim.faults.denies("kms", "Decrypt"):
            return _error(403, "AccessDenied", KMS_REFUSAL)
        return self._read(request, stored)

    @staticmethod
    def _stored(bucket: str, key: str) -> Any | None:
        from moto.s3.models import s3_backends

        found = s3_backends[ACCOUNT_ID]["aws"].buckets.get(bucket)
        if found is None:
            return None
        try:
            return found.keys[key]
        except KeyError:
            return None

    def _record(self, request: S3Request, first: int | None, last: int | None) -> None:
        with self._lock:
            self.reads.append(ObjectRead(request.bucket, request.key, first, last))

    def _read(self, request: S3Request, stored: Any) -> Served | None:
        size = int(stored.size)
        byte_range = request.header("range")
        conditional = any(request.header(name) for name in (
            "if-none-match", "if-modified-since", "if-unmodified-since",
            "x-amz-server-side-encryption-customer-algorithm"))
        match = _RANGE.match(byte_range) if byte_range else None
        if conditional or (byte_range and not match) or (not byte_range and
                                                         size <= FAST_PATH_FROM):
            self._record(request, None, None)
            return None  # moto answers (and reads the whole object), as before
        if request.header("if-match") and request.header("if-match") != stored.etag:
            return Served(412, *self._failed("PreconditionFailed",
                                             "At least one of the preconditions you specified "
                                             "did not hold."))
        first, last = 0, size - 1
        status = 200
        if match:
            start, end = match.groups()
            if start:
                first, last = int(start), min(int(end), size - 1) if end else size - 1
            elif end:
                first = max(0, size - int(end))
            if first >= size or first > last:
                return Served(416, *self._failed("InvalidRange",
                                                 "The requested range is not satisfiable"))
            status = 206
        headers = {name: str(value) for name, value in stored.response_dict.items()}
        headers.update({name: str(value) for name, value in stored.metadata.items()})
        headers["Accept-Ranges"] = "bytes"
        headers["content-length"] = str(last - first + 1)
        if status == 206:
            headers["content-range"] = f"bytes {first}-{last}/{size}"
        self._record(request, first if match else None, last if match else None)
        return Served(status, headers, _chunks(stored, first, last))

    @staticmethod
    def _failed(code: str, message: str) -> tuple[dict[str, str], Iterator[bytes]]:
        reply = _error(412 if code == "PreconditionFailed" else 416, code, message)
        return reply.headers, iter((reply.body,))


def _chunks(stored: Any, first: int, last: int) -> Iterator[bytes]:
    """The bytes first..last of a moto object, read from its storage a chunk at a time."""
    position = first
    while position <= last:
        with stored.lock:
            stored._value_buffer.seek(position)
            chunk = stored._value_buffer.read(min(CHUNK, last - position + 1))
        if not chunk:
            return
        position += len(chunk)
        yield chunk
