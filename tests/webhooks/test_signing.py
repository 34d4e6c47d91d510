"""Signing and the receiver's check: a good signature passes; tampering, a wrong secret, a
malformed header and a timestamp outside the tolerance do not."""

from __future__ import annotations

import time

from cxgov.webhooks import signing

SECRET = "whsec_test-secret"
BODY = b'{"id":"1","event":"case.opened","data":{"case":7}}'


def headers_for(body: bytes = BODY, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if at is None else at
    return {"X-Cxgov-Timestamp": str(ts), "X-Cxgov-Signature": signing.signature_header(secret, ts, body)}


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature_header(SECRET, 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_a_fresh_signature_verifies():
    assert signing.verify(SECRET, headers_for(), BODY)


def test_header_names_are_case_insensitive():
    lowered = {k.lower(): v for k, v in headers_for().items()}
    assert signing.verify(SECRET, lowered, BODY)


def test_a_tampered_body_fails():
    assert not signing.verify(SECRET, headers_for(), BODY.replace(b"7", b"8"))


def test_a_tampered_timestamp_fails():
    headers = headers_for(at=int(time.time()))
    ts, sig = signing.parse(headers["X-Cxgov-Signature"])
    headers["X-Cxgov-Signature"] = f"t={ts + 1},v1={sig[0]}"
    assert not signing.verify(SECRET, headers, BODY)


def test_another_secret_fails():
    assert not signing.verify("whsec_other", headers_for(), BODY)


def test_a_replay_outside_the_tolerance_fails():
    now = time.time()
    old = headers_for(at=int(now) - 301)
    assert not signing.verify(SECRET, old, BODY, now=now)
    assert signing.verify(SECRET, headers_for(at=int(now) - 299), BODY, now=now)
    future = headers_for(at=int(now) + 301)
    assert not signing.verify(SECRET, future, BODY, now=now)
    assert signing.verify(SECRET, old, BODY, tolerance=600, now=now)


def test_missing_or_malformed_headers_fail():
    assert not signing.verify(SECRET, {}, BODY)
    assert not signing.verify(SECRET, {"X-Cxgov-Signature": "garbage"}, BODY)
    assert not signing.verify(SECRET, {"X-Cxgov-Signature": "t=abc,v1=00"}, BODY)
    assert not signing.verify(SECRET, {"X-Cxgov-Signature": f"t={int(time.time())}"}, BODY)


def test_any_of_several_v1_signatures_may_match():
    ts = int(time.time())
    good = signing.compute(SECRET, ts, BODY)
    assert signing.verify(SECRET, {"X-Cxgov-Signature": f"t={ts},v1={'0' * 64},v1={good}"}, BODY)
