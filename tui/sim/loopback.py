"""The loopback socket a simulator serves on, bound before anything serves it (no moto
here: the --demo app process binds it, then hands it to its simulator child)."""

from __future__ import annotations

import socket


def listen_on_loopback(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1 `port` (0: any free one) and listening.

    Bound here, not in werkzeug: werkzeug answers a busy port with sys.exit(1). SO_REUSEADDR
    lets a restarted simulator take its port back while the old one's connections linger in
    TIME_WAIT (a port another process listens on stays refused)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise OSError(error.errno, f"Cannot serve on 127.0.0.1 port {port} "
                      f"({error.strerror or error}); choose another port, or 0 for any "
                      "free one.") from error
    return listener
