"""A TCP proxy on 127.0.0.1 that drops connections: each accepted connection is forwarded
to the server and cut (both sides closed) after a random number of bytes, in either
direction, so APPENDs are cut mid-literal and answers are lost after the server acted."""

from __future__ import annotations

import random
import select
import socket
import threading
from contextlib import suppress


class FlakyProxy:
    def __init__(self, upstream: tuple[str, int], cut_after: tuple[int, int],
                 seed: int = 1) -> None:
        self._upstream = upstream
        self._cut_after = cut_after
        self._random = random.Random(seed)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.connections = 0
        self.cuts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            budget = self._random.randint(*self._cut_after)
            threading.Thread(target=self._pipe, args=(client, budget), daemon=True).start()

    def _pipe(self, client: socket.socket, budget: int) -> None:
        server = socket.create_connection(self._upstream)
        ends = {client: server, server: client}
        try:
            while budget > 0 and not self._stop.is_set():
                readable, _w, _x = select.select(list(ends), [], [], 0.5)
                for source in readable:
                    data = source.recv(min(65536, budget))
                    if not data:
                        return
                    ends[source].sendall(data)
                    budget -= len(data)
            self.cuts += budget <= 0
        except OSError:
            return
        finally:
            for end in ends:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
