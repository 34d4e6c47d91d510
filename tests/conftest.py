"""Shared fixtures: two organizations (A and B) with a user of every role each, and API clients.

Named like Zulip's fixture realms: ``org_a`` / ``org_b``; ``users_a["cx_lead"]`` is A's CX lead.
Organizations are created through the real service, so they carry the default catalogue.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from cxgov.tenancy.models import Organization, User
from cxgov.tenancy.roles import Role
from cxgov.tenancy.services import api_token_create, membership_set, organization_create

# When set (CI), a test that needs Redis, a worker or Chromium fails instead of skipping.
REQUIRE_SERVICES = os.environ.get("CXGOV_REQUIRE_SERVICES", "") not in ("", "0", "false")


def need(condition: bool, why: str) -> None:
    """Skip locally, fail in CI, when a required service or browser is missing."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required by CXGOV_REQUIRE_SERVICES but missing: {why}")
    pytest.skip(why)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Argon2 is what production uses (see settings); tests that create hundreds of users use a
    # fast hasher. tests/security checks the production hasher explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "correct-horse-battery-9"


def _org_with_users(slug: str) -> tuple[Organization, dict[str, User]]:
    org = organization_create(name=f"Org {slug.upper()}", slug=f"org-{slug}")
    users: dict[str, User] = {}
    for role in Role:
        user = User.objects.create_user(
            email=f"{role.value}@{slug}.example", password=PASSWORD, full_name=f"{role.label} {slug.upper()}"
        )
        membership_set(org=org, user=user, role=role.value)
        users[role.value] = user
    return org, users


@pytest.fixture
def org_a_users(db) -> tuple[Organization, dict[str, User]]:
    return _org_with_users("a")


@pytest.fixture
def org_b_users(db) -> tuple[Organization, dict[str, User]]:
    return _org_with_users("b")


@pytest.fixture
def org_a(org_a_users) -> Organization:
    return org_a_users[0]


@pytest.fixture
def org_b(org_b_users) -> Organization:
    return org_b_users[0]


@pytest.fixture
def users_a(org_a_users) -> dict[str, User]:
    return org_a_users[1]


@pytest.fixture
def users_b(org_b_users) -> dict[str, User]:
    return org_b_users[1]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def token_client() -> Callable[[Organization, User], APIClient]:
    """An API client authenticated with a fresh bearer token of ``user`` in ``org``.

    Tokens may only be held by admins and integrators; for other roles the token row is created
    directly, to test what the API does with such a role.
    """

    def make(org: Organization, user: User) -> APIClient:
        from cxgov.tenancy.models import ApiToken, Membership

        role = Membership.objects.get(organization=org, user=user).role
        if role in (Role.ADMIN, Role.INTEGRATOR):
            _token, raw = api_token_create(org=org, user=user, name="test")
        else:
            raw, prefix, key_hash = ApiToken.generate()
            ApiToken.objects.create(organization=org, user=user, name="test", prefix=prefix, key_hash=key_hash)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest):
    """Tasks run in-process for every test except those marked ``redis``.

    With REDIS_URL set (CI) the app is configured for the real broker. The suite's tests assert what
    a task does, not how it travels, so they run it eagerly; the tests marked ``redis`` start a real
    worker and prove delivery, acknowledgement and retries through the broker.
    """
    from cxgov.celery import app

    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts and ends in the default language.

    A request through LocaleMiddleware activates its language in the test's thread and leaves it
    there; without this, a test that switches to Spanish changes the messages later tests read.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_join_guard_reset():
    """Each test starts with Celery's "a task may not wait for a result" guard off.

    ``Task.apply`` (eager tasks) raises that module-level flag for the task's duration and puts back
    the value it found. Eager tasks running at the same time in several threads (the concurrency tests
    of tests/reliability and tests/voc) interleave those saves and restores and can leave it raised,
    after which a later test's ``result.get()`` refuses with "Never call result.get() within a task!".
    """
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)
