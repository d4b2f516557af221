"""A fake OAuth 2 provider's token info endpoint on 127.0.0.1, for Dovecot's XOAUTH2 logins:
GET /tokeninfo?access_token=T answers {"email": user} for a token it issued, 401 else."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class TokenInfo:
    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens  # access token -> the user it was issued to
        self.asked: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                token = parse_qs(urlparse(self.path).query).get("access_token", [""])[0]
                owner.asked.append(token)
                user = owner.tokens.get(token)
                body = json.dumps({"email": user} if user else {"error": "invalid_token"})
                self.send_response(200 if user else 401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tokeninfo?access_token="
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TokenInfo:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
