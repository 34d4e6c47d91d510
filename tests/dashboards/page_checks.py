"""The checks every HTML page of a domain app must pass, shared by the apps' view tests.

A page is allowed for the roles that ``ROLE_OPERATIONS`` grants its operation (read from the same
table the views use), redirects anonymous visitors to the sign-in page, and answers 404 for an
object of another organization, exactly as for a missing one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from cxgov.tenancy.roles import role_allows
from tests.dashboards.pages import ALL_ROLES, signed_in


def check_roles(url: str, users: dict, op: str) -> None:
    for role in ALL_ROLES:
        response = signed_in(users[role]).get(url)
        expected = 200 if role_allows(role, op) else 403
        assert response.status_code == expected, (role, url, response.status_code)


def check_anonymous(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def check_other_org_404(url: str, user) -> None:
    assert signed_in(user).get(url).status_code == 404


def check_pinned_queries(client, url: str, assert_num_queries, expected: int, grow: Callable[[], object]) -> None:
    """The page costs exactly ``expected`` queries, and still does after ``grow()`` adds rows.

    ``assert_num_queries`` is pytest-django's ``django_assert_num_queries`` fixture.
    """
    client.get(url)  # warm per-process caches (content types)
    with assert_num_queries(expected):
        assert client.get(url).status_code == 200
    grow()
    with assert_num_queries(expected):
        assert client.get(url).status_code == 200
