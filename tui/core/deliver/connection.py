"""Opening an IMAP session to a destination account, and telling apart the failures worth
a reconnect (a dropped connection, a server asking to slow down) from the ones that end the
delivery (login refused, certificate not trusted, quota full): those become a DeliveryError
with a sentence.

imapclient (a maintained library over Python's imaplib) speaks the protocol; nothing here
writes IMAP by hand. Every socket gets `ImapTarget.timeout`.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from tui.core.deliver.folders import ServerFolders, server_folders
from tui.core.deliver.model import Auth, DeliveryError, ImapTarget, Security

# A NO answer with one of these response codes (RFC 5530) or words is the server asking
# for a pause, not refusing the message.
_SLOW_DOWN = ("[UNAVAILABLE]", "[LIMIT]", "[INUSE]", "SERVER UNAVAILABLE", "THROTTL",
              "TRY AGAIN", "TOO MANY")


def open_session(target: ImapTarget, secret: str) -> IMAPClient:
    """A logged-in session. Raises DeliveryError for what no retry would fix, and lets
    OSError through for what a retry might (refused or dropped connections, timeouts)."""
    client = _connect(target)
    try:
        _log_in(client, target, secret)
    except BaseException:
        _close(client)
        raise
    return client


def _connect(target: ImapTarget) -> IMAPClient:
    context = _tls_context(target)
    try:
        client = IMAPClient(target.host, port=target.port,
                            ssl=target.security is Security.IMAPS,
                            ssl_context=context, timeout=target.timeout)
        if target.security is Security.STARTTLS:
            client.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            "ImapCertificateNotTrusted",
            f"The certificate of {target.host}:{target.port} is not trusted "
            f"({exc.verify_message}).",
            "Check the host name, or give the certificate of the server's authority with "
            "--ca-file.") from exc
    except ssl.SSLError as exc:
        raise DeliveryError(
            "ImapTlsFailed", f"TLS with {target.host}:{target.port} failed ({exc.reason}).",
            "Check the port: IMAPS is usually 993; with --starttls, 143.") from exc
    except socket.gaierror as exc:
        raise DeliveryError(
            "ImapHostUnknown", f"The host name {target.host} cannot be resolved.",
            "Check --imap-host.") from exc
    except IMAPClientError as exc:
        raise DeliveryError(
            "ImapConnectFailed", f"{target.host}:{target.port} did not accept the session "
            f"({exc}).", "Check --imap-port and whether the server offers STARTTLS.") from exc
    return client


def _tls_context(target: ImapTarget) -> ssl.SSLContext | None:
    if target.security is Security.PLAIN:
        return None
    context = ssl.create_default_context(cafile=target.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _log_in(client: IMAPClient, target: ImapTarget, secret: str) -> None:
    try:
        if target.auth is Auth.XOAUTH2:
            client.oauth2_login(target.user, secret)
        elif target.auth is Auth.PLAIN:
            client.plain_login(target.user, secret)
        else:
            client.login(target.user, secret)
    except LoginError as exc:
        raise DeliveryError(
            "ImapLoginRefused",
            f"{target.host} refused the login of {target.user} ({_text(exc)}).",
            _login_hint(target)) from exc
    except IMAPClientError as exc:
        raise DeliveryError(
            "ImapLoginRefused",
            f"{target.host} refused the login of {target.user} ({_text(exc)}).",
            _login_hint(target)) from exc


def _login_hint(target: ImapTarget) -> str:
    if target.auth is Auth.XOAUTH2:
        return ("Check that the OAuth 2 access token is current and was issued for IMAP "
                "(Microsoft 365: scope https://outlook.office.com/IMAP.AccessAsUser.All; "
                "Google: https://mail.google.com/).")
    return ("Check the user name and password. Providers that use two-step sign-in need an "
            "app password, and IMAP must be enabled for the account.")


def read_folders(client: IMAPClient) -> ServerFolders:
    """The server's delimiter, personal namespace prefix, special-use folders and folders."""
    prefix = ""
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal
        if personal:
            prefix = personal[0][0] or ""
    return server_folders(client.list_folders(), prefix=prefix)


def append_limit(client: IMAPClient) -> int | None:
    """The largest message the server takes (RFC 7889 APPENDLIMIT=n), when it says."""
    for capability in client.capabilities():
        text = capability.decode() if isinstance(capability, bytes) else str(capability)
        if text.upper().startswith("APPENDLIMIT="):
            value = text.split("=", 1)[1]
            return int(value) if value.isdigit() else None
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether a reconnect (after a pause) may get past `exc`."""
    if isinstance(exc, DeliveryError):
        return False
    if isinstance(exc, (OSError, EOFError, IMAPClient.AbortError)):
        return True
    return isinstance(exc, IMAPClient.Error) and asks_to_slow_down(exc)


def asks_to_slow_down(exc: BaseException) -> bool:
    text = _text(exc).upper()
    return any(word in text for word in _SLOW_DOWN)


def _text(exc: BaseException) -> str:
    value: Any = exc.args[0] if exc.args else exc
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # already gone: close the socket, which may be closed as well
        with contextlib.suppress(Exception):
            client.shutdown()
