"""Endpoints that misbehave, on 127.0.0.1: a hung AWS (STS answers, every other service
accepts the connection and never answers) and servers that answer what AWS never would
(HTML, a 200 with garbage, a JSON 503 where XML is expected, a JSON array).

`FakeEndpoint(behaviour)` is a context manager; `.url` goes to --endpoint-url or
AWS_ENDPOINT_URL; `.requests` counts what arrived, by service and operation.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

HANG = "hang"  # STS answers; everything else is accepted and never answered
HTML = "html"  # an HTML page, status 200, for every call
GARBAGE = "garbage"  # status 200 and bytes that are no format at all
JSON_503 = "json-503"  # a JSON error body with status 503, for every call
JSON_LIST = "json-list"  # status 200 and a JSON array, for every call

ACCOUNT = "123456789012"
CALLER_IDENTITY = f"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::{ACCOUNT}:user/tester</Arn>
    <UserId>AIDAEXAMPLEUSERID</UserId>
    <Account>{ACCOUNT}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>fake-1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        found = _SCOPE.search(self.headers.get("Authorization") or "")
        service = found.group(1) if found else "?"
        target = self.headers.get("X-Amz-Target") or ""
        action = parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
        operation = target.split(".", 1)[-1] if target else action or self.command
        with self.server.lock:
            self.server.requests[f"{service}:{operation}"] += 1
        behaviour = self.server.behaviour
        if behaviour == HANG:
            if service == "sts":
                self._reply(200, "text/xml", CALLER_IDENTITY.encode())
            else:
                self.server.released.wait()  # accepted, never answered
                self.close_connection = True
            return
        if behaviour == HTML:
            self._reply(200, "text/html", b"<!DOCTYPE html><html><head><title>Sign in"
                        b"</title></head><body><h1>Welcome to the guest network</h1>"
                        b"</body></html>")
        elif behaviour == GARBAGE:
            self._reply(200, "application/octet-stream", b"\x00\xffnot\x01an answer\x7f<<")
        elif behaviour == JSON_LIST:
            self._reply(200, "application/x-amz-json-1.1", b'["not", "an", "answer"]')
        else:
            self._reply(503, "application/json",
                        b'{"message": "upstream unavailable", "code": 503}')

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.released = threading.Event()


class FakeEndpoint:
    """A misbehaving AWS endpoint served from a thread while the context is open."""

    def __init__(self, behaviour: str) -> None:
        self._server = _Server(behaviour)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def requests(self) -> Counter[str]:
        with self._server.lock:
            return Counter(self._server.requests)

    def __enter__(self) -> FakeEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
