"""Signing of webhook deliveries, and the check a receiver runs. Standard library only, so a receiver
may copy this file as it is.

A delivery carries ``X-Cxgov-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is the
HMAC-SHA256, keyed with the subscription's secret, of ``"<t>." + <raw request body>``. Signing the
timestamp with the body means a captured request cannot be replayed later with a fresh timestamp; the
receiver refuses a timestamp further than ``tolerance`` seconds (5 minutes) from its own clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

SIGNATURE_HEADER = "X-Cxgov-Signature"
TIMESTAMP_HEADER = "X-Cxgov-Timestamp"
EVENT_HEADER = "X-Cxgov-Event"
DELIVERY_HEADER = "X-Cxgov-Delivery"
DEFAULT_TOLERANCE = 300


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body`` with ``secret``."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of ``X-Cxgov-Signature`` for ``body`` sent at ``timestamp``."""
    return f"t={int(timestamp)},v1={compute(secret, timestamp, body)}"


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        # Plain dicts are case-sensitive; http.server's and Django's header maps are not.
        lowered = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == lowered), None)
    return None if value is None else str(value)


def parse(header: str) -> tuple[int, list[str]] | None:
    """``(timestamp, [v1 signatures])`` from a signature header, or None when malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(
    secret: str, headers: Mapping[str, Any], body: bytes, tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """True when ``body`` was signed with ``secret`` less than ``tolerance`` seconds from ``now``.

    ``headers`` is the request's header mapping (any case); ``body`` the raw bytes as received,
    before any JSON parsing. Compares in constant time. Several ``v1=`` values are accepted, so a
    sender may sign with two secrets while a receiver switches.
    """
    header = _header(headers, SIGNATURE_HEADER)
    if not header:
        return False
    parsed = parse(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = compute(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
