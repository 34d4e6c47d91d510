"""The outside boundary of webhooks: checking a URL against SSRF and POSTing to it.

SSRF guard: a subscriber chooses the URL, and our worker makes the request from inside our network,
so a URL pointing at ``localhost``, a private range (10/8, 172.16/12, 192.168/16, fc00::/7) or a
link-local address (169.254.169.254 is a cloud metadata service) would let a tenant probe or attack
internal services. Unless ``WEBHOOKS_ALLOW_LOOPBACK`` is on (development and tests), only https URLs
are accepted and every address the host resolves to must be public. The check runs when the URL is
saved and again before each attempt, and the connection is made to the very address that was checked
(no second DNS lookup an attacker could answer differently: DNS rebinding). Redirects are never
followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from . import conf

MAX_ERROR_BODY = 300


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why, for the user."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _address_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return True  # never useful, even in development (cloud metadata lives at 169.254.169.254)
    if allow_loopback:
        return False
    return ip.is_loopback or ip.is_private or ip.is_reserved or not ip.is_global


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_url(url: str, *, allow_loopback: bool | None = None) -> Target:
    """The checked target of ``url``, or ``UnsafeUrl`` saying why it may not receive webhooks."""
    allow = conf.allow_loopback() if allow_loopback is None else allow_loopback
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl(_("Enter a full URL starting with https://."))
    if scheme == "http" and not allow:
        raise UnsafeUrl(_("Use an https:// URL: deliveries carry your organization's data."))
    if parts.username or parts.password:
        raise UnsafeUrl(_("Do not put credentials in the URL; verify the signature instead."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl(_("The port in the URL is not valid.")) from exc
    host = parts.hostname.rstrip(".").lower()
    if not allow and (host == "localhost" or host.endswith(".localhost")):
        raise UnsafeUrl(_("This address is not reachable from the internet; use a public host."))
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeUrl(_("The host name “%(host)s” could not be resolved.") % {"host": host}) from exc
    if not addresses:
        raise UnsafeUrl(_("The host name “%(host)s” could not be resolved.") % {"host": host})
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if _address_refused(ip, allow_loopback=allow):
            raise UnsafeUrl(_("This address is not reachable from the internet; use a public host."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


@dataclass(frozen=True)
class PostResult:
    status: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None) -> PostResult:
    """POST ``body`` to ``url`` after the SSRF check, connecting to the checked address only.

    Never raises for the outside world's failures: an unsafe URL, a refused connection, a timeout or
    a TLS error is a result with ``status=None`` and the reason in ``error``.
    """
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url)
    except UnsafeUrl as exc:
        return PostResult(status=None, duration_ms=elapsed(), error=str(exc))
    limit = conf.timeout() if timeout is None else timeout
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=limit, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=limit)
    pinned = target.address

    def connect_pinned(address, timeout=limit, source_address=None):  # noqa: ANN001, ANN202
        # The Host header and TLS server name stay the URL's host; the socket goes to the checked IP.
        return socket.create_connection((pinned, address[1]), timeout, source_address)

    conn._create_connection = connect_pinned  # type: ignore[attr-defined]
    try:
        conn.request("POST", target.path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = conn.getresponse()
        excerpt = response.read(MAX_ERROR_BODY) if not 200 <= response.status < 300 else b""
        status = response.status
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        return PostResult(status=None, duration_ms=elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        conn.close()
    error = ""
    if not 200 <= status < 300:
        text = excerpt.decode("utf-8", errors="replace").strip()
        error = f"HTTP {status}" + (f": {text}" if text else "")
    return PostResult(status=status, duration_ms=elapsed(), error=error[:500])
