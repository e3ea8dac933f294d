"""Who may use the lab: same-origin pages only (any site the teacher visits could otherwise
drive ws://127.0.0.1:8000/ws), a token when the lab listens beyond this machine, and strict
response headers (the page loads only its own files and cannot be framed)."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

TOKEN_COOKIE = "ganlab_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(16)


def origin_allowed(headers: Mapping[str, str], allowed: Iterable[str]) -> bool:
    """A websocket without Origin (a script, not a browser) is fine; a browser's Origin must
    be this server's own host (scheme aside) or one allowed with --allow-origin ('*': any)."""
    origin = headers.get("origin")
    if origin is None:
        return True
    allowed = list(allowed)
    if "*" in allowed or origin.rstrip("/") in (a.rstrip("/") for a in allowed):
        return True
    host = headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


def token_matches(expected: str | None, given: str | None) -> bool:
    if expected is None:
        return True
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())
