"""Server mode: all five simulated services over HTTP on 127.0.0.1.

A WSGI app sends WorkMail requests (X-Amz-Target: WorkMailService.*) to the simulator's
backend and everything else to moto's server app, after applying the faults. Run it with
`python -m tui.sim.server --port N [--world demo|large]` (or `workmail-export simulate`).
"""

from __future__ import annotations

import argparse
import io
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qs

from werkzeug.serving import WSGIRequestHandler, make_server

from . import s3_objects, wire
from .clock import RealClock
from .export_content import LAYOUTS
from .faults import HttpReply, error_reply
from .loopback import listen_on_loopback

if TYPE_CHECKING:
    from .simulated_aws import SimulatedAws

StartResponse = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    """No access log on the terminal."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


def _operation(environ: dict[str, Any], body: bytes) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if "." in target:
        return target.split(".", 1)[1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
    return ""  # S3 (REST): no operation name on the wire


def _s3_request(environ: dict[str, Any]) -> s3_objects.S3Request | None:
    """The S3 request a WSGI environ carries (PATH_INFO is latin-1 decoded by WSGI's rule)."""
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    headers = {name[5:].replace("_", "-"): value for name, value in environ.items()
               if name.startswith("HTTP_")}
    return s3_objects.request_from_url(environ.get("REQUEST_METHOD", "GET"),
                                       environ.get("HTTP_HOST", ""), path,
                                       environ.get("QUERY_STRING", ""), headers)


class SimulatorApp:
    """The WSGI app: faults first, then WorkMail or moto."""

    def __init__(self, sim: SimulatedAws) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.sim = sim
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.requests = 0  # requests served, for tests and benchmarks

    def _moto_reply(self, environ: dict[str, Any]) -> HttpReply:
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            captured["status"], captured["headers"] = status, headers

        chunks: Iterable[bytes] = self.moto_app(environ, start_response)
        body = b"".join(chunks)
        headers = {k: v for k, v in captured["headers"] if k.lower() != "content-length"}
        # A HEAD answer has no body; its Content-Length is the object's (HeadObject's size).
        given = [v for k, v in captured["headers"] if k.lower() == "content-length"]
        head = environ.get("REQUEST_METHOD") == "HEAD" and given
        headers["Content-Length"] = given[0] if head else str(len(body))
        return HttpReply(int(captured["status"].split()[0]), headers, body)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self.requests += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        target = environ.get("HTTP_X_AMZ_TARGET") or ""
        _, service = wire.credential_scope(environ.get("HTTP_AUTHORIZATION"))
        if target.startswith(wire.TARGET_PREFIX):
            service = "workmail"
        s3_request = _s3_request(environ) if service == "s3" else None
        operation = s3_request.operation if s3_request else _operation(environ, body)
        fault = self.sim.faults.before_call(service, operation)
        lose = False
        reply: HttpReply | s3_objects.Served
        if fault:
            reply = error_reply(service, fault, operation)
        else:
            lose = bool(operation) and self.sim.faults.take_loss(operation)
            if service == "workmail":
                reply = wire.handle(self.sim.workmail, target,
                                    environ.get("HTTP_AUTHORIZATION"), body)
            else:
                answered = self.sim.s3.before(s3_request) if s3_request else None
                reply = answered or self._moto_reply(environ)
            held = self.sim.faults.take_hold(operation) if operation else None
            if held is not None:
                held.wait_for_release()
        if isinstance(reply, s3_objects.Served) and lose:
            reply = reply.whole()
        start_response(f"{reply.status} {'OK' if reply.status < 400 else 'Error'}",
                       list(reply.headers.items()))
        if isinstance(reply, s3_objects.Served):
            return reply.chunks  # streamed: a ranged read of a big export is never whole
        if lose:
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
        return [reply.body]


class SimulatorServer:
    """A threaded werkzeug server on 127.0.0.1 (loopback only) in a daemon thread."""

    def __init__(self, sim: SimulatedAws, port: int = 0,
                 listener: socket.socket | None = None) -> None:
        """Serve on `port` (0: any free one), or on `listener`, a socket already bound to
        127.0.0.1 and listening (a parent process made it, so its URL was known before this
        process started; requests sent meanwhile wait in its backlog)."""
        self.app = SimulatorApp(sim)
        if listener is None:
            listener = listen_on_loopback(port)
        with listener:  # the server works on its own duplicate of the socket
            self._server = make_server("127.0.0.1", listener.getsockname()[1], self.app,
                                       threaded=True, request_handler=_QuietHandler,
                                       fd=listener.fileno())
        self.url = f"http://127.0.0.1:{self._server.socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="simulated-aws", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_forever(port: int = 0, world: str = "demo", speed: float = 1.0,
                  out: TextIO = sys.stdout, listen_fd: int | None = None,
                  until_stdin_closes: bool = False, export_layout: str = "",
                  export_bytes_per_mb: int = 0) -> None:
    """Serve a simulated AWS until Ctrl-C; print the endpoint and how to use it.

    `listen_fd`: serve on this inherited listening socket instead of binding `port`.
    `until_stdin_closes`: also stop when standard input reaches its end, which is how a
    parent that started this process as a pipe's reader stops it, even when the parent was
    killed (the pipe closes with it). `export_layout` and `export_bytes_per_mb` set how the
    exports of completed jobs are written (see export_writer)."""
    from .simulated_aws import SimulatedAws

    with SimulatedAws(world=world, clock=RealClock(speed=speed)) as sim:
        if export_layout:
            sim.exports.layout = export_layout
        if export_bytes_per_mb:
            sim.exports.bytes_per_mb = export_bytes_per_mb
        if listen_fd is None:
            url = sim.serve(port)
            server = None
        else:
            server = SimulatorServer(sim, listener=socket.socket(fileno=listen_fd))
            url = server.url
        try:
            _announce(sim, url, out)
            _wait(until_stdin_closes)
        finally:
            if server is not None:
                server.stop()
        print("Stopped.", file=out)


def _announce(sim: SimulatedAws, url: str, out: TextIO) -> None:
    """Print the endpoint, how to try it, and what the world holds."""
    w = sim.world
    print(f"Simulated AWS (WorkMail, IAM, KMS, S3, STS) at {url}", file=out)
    print(f"Try: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url "
          f"{url} --region us-east-1 workmail list-organizations", file=out)
    if w.org_id and w.good_role_arn:
        print(f"Organization {w.org_alias} {w.org_id}; role {w.good_role_arn}; key "
              f"{w.good_key_arn}; bucket {w.good_bucket}; prefix {w.good_prefix}", file=out)
    elif w.org_id:
        print(f"Organization {w.org_alias} {w.org_id}; no role, key or bucket yet", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)


def _wait(until_stdin_closes: bool) -> None:
    """Block until Ctrl-C, or (with `until_stdin_closes`) until standard input ends."""
    try:
        if until_stdin_closes:
            while sys.stdin.buffer.read(4096):
                pass
            return
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.sim.server",
                                     description="Serve a simulated AWS on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--world", choices=("demo", "large", "empty", "fresh"),
                        default="demo")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="how much faster than real time export jobs run")
    parser.add_argument("--listen-fd", type=int, default=None,
                        help="serve on this inherited listening socket (--port is ignored)")
    parser.add_argument("--until-stdin-closes", action="store_true",
                        help="also stop when standard input ends (the parent is gone)")
    parser.add_argument("--export-layout", choices=sorted(LAYOUTS), default="",
                        help="how exports of completed jobs are laid out (default: folders)")
    parser.add_argument("--export-bytes-per-mb", type=int, default=0,
                        help="export bytes per MB of mailbox (default 256; the large world's "
                             "three big mailboxes keep 262144)")
    args = parser.parse_args(argv)
    try:
        serve_forever(args.port, args.world, args.speed, listen_fd=args.listen_fd,
                      until_stdin_closes=args.until_stdin_closes,
                      export_layout=args.export_layout,
                      export_bytes_per_mb=args.export_bytes_per_mb)
    except OSError as error:
        print(error.strerror or error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
