"""A real Dovecot IMAP server on 127.0.0.1 for the delivery tests: a throw-away
configuration, a self-signed certificate, two accounts, Maildir storage in a temporary
folder, stopped (and its folder removed) when the context ends.

Dovecot comes from Debian's `dovecot-imapd` (installed by .ci/run). When it is missing the
tests fail with that sentence: they never skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
INSTALL = "apt-get install -y dovecot-imapd"
ACCOUNTS = {"alice@new.example": "alice-secret", "bob@new.example": "bob-secret"}

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanism}
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u:LAYOUT=fs
mail_max_userip_connections = 100
imap_max_line_length = 1M
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
"""


OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {root}/oauth2.conf.ext
}}
"""
OAUTH_CONFIG = """\
tokeninfo_url = {tokeninfo_url}
username_attribute = email
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class DovecotServer:
    """A started Dovecot: connect to `host` on `imaps_port` (TLS, trust `ca_file`) or
    `imap_port` (plain, STARTTLS offered) as one of `accounts` (address -> password)."""

    root: Path
    imap_port: int
    imaps_port: int
    accounts: dict[str, str] = field(default_factory=lambda: dict(ACCOUNTS))
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_dovecot(accounts: dict[str, str] | None = None,
                  tokeninfo_url: str = "") -> DovecotServer:
    """Configure and start a Dovecot of its own; returns once it accepts IMAPS connections.
    With `tokeninfo_url`, XOAUTH2 logins are accepted when that URL, with the token
    appended, answers {"email": <the user>} (an OAuth provider's token info endpoint)."""
    if not Path(DOVECOT).exists():
        raise RuntimeError(f"Dovecot is not installed ({DOVECOT} missing): {INSTALL}")
    owner = pwd.getpwnam("dovecot")
    # Not under pytest's tmp_path: that is 0700 root, and Dovecot's processes run as the
    # dovecot user, which must reach the mail folders.
    root = Path(tempfile.mkdtemp(prefix="workmail-export-dovecot-"))
    root.chmod(0o755)
    server = DovecotServer(root, _free_port(), _free_port(),
                           dict(accounts if accounts is not None else ACCOUNTS))
    try:
        _write_files(server, owner.pw_uid, owner.pw_gid, tokeninfo_url)
        server.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_until_listening(server)
    except BaseException:
        server.stop()
        raise
    return server


def _write_files(server: DovecotServer, uid: int, gid: int, tokeninfo_url: str) -> None:
    root = server.root
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True)
    (root / "users").write_text(
        "".join(f"{user}:{{PLAIN}}{password}::::::\n"
                for user, password in server.accounts.items()))
    for folder in ("mail", "home", "run", "state"):
        (root / folder).mkdir()
    for folder in ("mail", "home"):
        os.chown(root / folder, uid, gid)
    if tokeninfo_url:
        (root / "oauth2.conf.ext").write_text(OAUTH_CONFIG.format(tokeninfo_url=tokeninfo_url))
    (root / "dovecot.conf").write_text(CONFIG.format(
        root=root, uid=uid, gid=gid, imap_port=server.imap_port,
        imaps_port=server.imaps_port,
        oauth_mechanism=" xoauth2" if tokeninfo_url else "",
        oauth_passdb=OAUTH_PASSDB.format(root=root) if tokeninfo_url else ""))


def _wait_until_listening(server: DovecotServer, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            error = server.process.stderr.read().decode(errors="replace") if (
                server.process.stderr) else ""
            raise RuntimeError(f"Dovecot exited at start: {error}{server.log()}")
        try:
            with socket.create_connection((server.host, server.imaps_port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not listen within {seconds:.0f} s: {server.log()}")
