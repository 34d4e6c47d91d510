"""Login throttling (django-axes), proven through the real sign-in form: 5 wrong passwords for one
account from one address lock that pair out for 15 minutes, even for the right password."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LIMIT = settings.AXES_FAILURE_LIMIT


def _sign_in(client: Client, email: str, password: str, ip: str = "203.0.113.7", **extra):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_settings_are_what_the_readme_says():
    assert LIMIT == 5
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_five_failures_lock_the_account_from_that_address_even_for_the_right_password(users_a):
    email = users_a["cx_lead"].email
    client = Client()
    for _attempt in range(LIMIT - 1):
        response = _sign_in(client, email, "wrong-password-1")
        assert response.status_code == 200
        assert "Please enter a correct" in response.content.decode()
    response = _sign_in(client, email, "wrong-password-1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "locked after 5 failed sign-in attempts" in page
    assert "Try again in 15 minutes." in page

    response = _sign_in(Client(), email, PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)

    # Another address, or another account from the same address, is not locked.
    other_ip = Client()
    assert _sign_in(other_ip, email, PASSWORD, ip="198.51.100.9").status_code == 302
    assert _signed_in(other_ip)
    other_account = Client()
    assert _sign_in(other_account, users_a["admin"].email, PASSWORD).status_code == 302


def test_the_lockout_page_is_translated(users_a):
    email = users_a["executive"].email
    for _attempt in range(LIMIT):
        response = _sign_in(Client(), email, "nope-nope-nope", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Demasiados intentos" in page
    assert "Vuelva a intentarlo dentro de 15 minutos." in page
    assert 'lang="es"' in page


def test_the_right_password_works_again_after_the_cool_off(users_a, monkeypatch):
    email = users_a["ambassador"].email
    for _attempt in range(LIMIT):
        _sign_in(Client(), email, "wrong-password-2")
    assert _sign_in(Client(), email, PASSWORD).status_code == 429

    later = timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=5)
    # The clock is the only thing mocked: axes reads it in these two modules.
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
    monkeypatch.setattr("axes.attempts.now", lambda: later)
    client = Client()
    assert _sign_in(client, email, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_a_successful_sign_in_resets_the_count(users_a):
    email = users_a["integrator"].email
    for _attempt in range(LIMIT - 1):
        _sign_in(Client(), email, "wrong-password-3")
    assert _sign_in(Client(), email, PASSWORD).status_code == 302
    for _attempt in range(LIMIT - 1):
        assert _sign_in(Client(), email, "wrong-password-3").status_code == 200
    client = Client()
    assert _sign_in(client, email, PASSWORD).status_code == 302
    assert _signed_in(client)
