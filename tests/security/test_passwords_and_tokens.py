"""Passwords: Argon2 in production, validators, the change page. API tokens: only a hash is stored."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.utils import get_random_secret_key
from django.test import override_settings
from django.urls import reverse

from cxgov.tenancy.models import ApiToken, User
from cxgov.tenancy.services import api_token_create
from tests.conftest import PASSWORD
from tests.dashboards.pages import signed_in
from tests.test_project import BASE_DIR, _env, _passthrough_services

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def _production_settings(*names: str) -> dict:
    """Settings of a fresh production process (DEBUG=false), not of this test run (which swaps the
    hasher for speed in tests/conftest.py)."""
    script = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    env = _env(DEBUG="false", SECRET_KEY=get_random_secret_key(), ALLOWED_HOSTS="cx.example.com",
               **_passthrough_services())
    done = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_hashes_passwords_with_argon2():
    hashers = _production_settings("PASSWORD_HASHERS")["PASSWORD_HASHERS"]
    assert hashers[0] == ARGON2


@pytest.mark.django_db
def test_a_user_created_with_the_production_hasher_stores_an_argon2_hash():
    with override_settings(PASSWORD_HASHERS=[ARGON2]):
        user = User.objects.create_user(email="argon@example.com", password="a long passphrase 42")
        user.refresh_from_db()
        assert user.password.startswith("argon2$argon2id$")
        assert "a long passphrase 42" not in user.password
        assert user.check_password("a long passphrase 42")
        assert check_password("a long passphrase 42", make_password("a long passphrase 42"))


def test_production_cookies_hsts_and_https():
    s = _production_settings(
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER", "DEBUG",
    )
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize("password", ["short1A!", "password123", "1234567890123", "qwertyuiop"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("river-lantern-orbit-73")


@pytest.mark.django_db
def test_the_password_change_page(users_a):
    user = users_a["executive"]
    client = signed_in(user)
    url = reverse("password-change")
    assert url in client.get(reverse("home")).content.decode(), "linked from the user menu"
    assert client.get(url).status_code == 200

    response = client.post(url, {"old_password": PASSWORD, "new_password1": "password123",
                                 "new_password2": "password123"})
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    response = client.post(url, {"old_password": "not-my-password", "new_password1": "river-lantern-orbit-73",
                                 "new_password2": "river-lantern-orbit-73"})
    assert response.status_code == 400

    other_session = signed_in(user)
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "river-lantern-orbit-73",
                                 "new_password2": "river-lantern-orbit-73"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("river-lantern-orbit-73")
    assert client.get(reverse("home")).status_code == 200, "this session stays signed in"
    assert other_session.get(reverse("home")).status_code == 302, "other sessions end"
    assert signed_in(user).get(url).status_code == 200


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("password-change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_api_tokens_are_stored_hashed(org_a, users_a):
    token, raw = api_token_create(org=org_a, user=users_a["integrator"], name="crm")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in json.dumps(row, default=str)
    secret = raw.rsplit("_", 1)[1]
    assert all(secret not in str(v) for v in row.values())
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    # The raw token still authenticates: the hash is what is looked up.
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/levers/").status_code == 200
