"""Webhook settings, each overridable in Django settings (tests change them with the settings fixture).

- ``WEBHOOKS_ALLOW_LOOPBACK`` (settings.py, from the environment; default ``DEBUG``): allow ``http://``
  URLs and loopback or private addresses, for development and tests. Off in production: only https URLs
  whose host resolves to public addresses.
- ``WEBHOOKS_TIMEOUT`` (seconds, 10): connect and read timeout of one attempt.
- ``WEBHOOKS_MAX_ATTEMPTS`` (8): attempts of one delivery before it is given up (about an hour).
- ``WEBHOOKS_RETRY_BASE`` (seconds, 30): the first retry's delay; each next one doubles, ±20 % jitter.
- ``WEBHOOKS_PAUSE_AFTER`` (10): consecutive failed attempts after which a subscription is paused.
"""

from __future__ import annotations

from django.conf import settings


def allow_loopback() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", settings.DEBUG))


def timeout() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT", 10))


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOKS_MAX_ATTEMPTS", 8))


def retry_base() -> float:
    return float(getattr(settings, "WEBHOOKS_RETRY_BASE", 30))


def pause_after() -> int:
    return int(getattr(settings, "WEBHOOKS_PAUSE_AFTER", 10))
