"""The home page: one dashboard per role, real content, fixed query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.models import User
from tests.dashboards.pages import ALL_ROLES, populate, signed_in

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_gets_a_home_page(org_a, users_a, role):
    populate(org_a, users_a)
    response = signed_in(users_a[role]).get(HOME)
    assert response.status_code == 200
    assert org_a.name in response.content.decode()


def test_programme_overview_shows_the_programme(org_a, users_a):
    created = populate(org_a, users_a)
    html = signed_in(users_a["admin"]).get(HOME).content.decode()
    assert "Programme overview" in html
    assert created["journeys"][0].name in html
    assert created["levers"][0].name_en in html
    assert "2.8" in html  # the latest lever score, 2.75, with one decimal


def test_executive_sees_maturity_and_volume(org_a, users_a):
    populate(org_a, users_a)
    html = signed_in(users_a["executive"]).get(HOME).content.decode()
    assert "Executive dashboard" in html
    assert "Response volume" in html


def test_ambassador_sees_touchpoints_and_own_entries(org_a, users_a):
    from voc.services import touchpoint_ambassadors_set

    created = populate(org_a, users_a)
    # The ambassador's home lists only the touchpoints granted to them.
    for touchpoint in created["journeys"][0].touchpoints.all():
        touchpoint_ambassadors_set(org=org_a, touchpoint=touchpoint, users=[users_a["ambassador"]])
    html = signed_in(users_a["ambassador"]).get(HOME).content.decode()
    assert "Your recent entries" in html
    assert "Quick and friendly" in html
    assert created["journeys"][0].name in html
    assert created["journeys"][1].name not in html


def test_integrator_gets_api_pointers(org_a, users_a):
    html = signed_in(users_a["integrator"]).get(HOME).content.decode()
    assert reverse("api-tokens") in html
    assert reverse("api-docs") in html
    assert "curl -H" in html


def test_other_organization_data_never_shows(org_a, users_a, org_b, users_b):
    created_b = populate(org_b, users_b)
    html = signed_in(users_a["cx_lead"]).get(HOME).content.decode()
    assert created_b["journeys"][0].name not in html


def test_user_without_membership_gets_explanation(db):
    user = User.objects.create_user(email="lonely@example.com", password="x-long-password-1")
    response = signed_in(user).get(HOME)
    assert response.status_code == 403
    assert "not a member" in response.content.decode()


def test_navigation_follows_the_role(org_a, users_a):
    lead_html = signed_in(users_a["cx_lead"]).get(HOME).content.decode()
    integrator_html = signed_in(users_a["integrator"]).get(HOME).content.decode()
    assert reverse("api-tokens") not in lead_html
    assert reverse("api-tokens") in integrator_html
    assert reverse("cem_levers:lever-list") in lead_html


def test_spanish_is_served_with_a_decimal_comma(org_a, users_a):
    populate(org_a, users_a)
    user = users_a["executive"]
    user.language = "es"
    user.save()
    html = signed_in(user).get(HOME).content.decode()
    assert "Panel ejecutivo" in html
    assert "2,8" in html


@pytest.mark.parametrize("role", ["cx_lead", "executive", "ambassador"])
def test_home_query_count_does_not_grow_with_rows(org_a, users_a, role, django_assert_max_num_queries):
    populate(org_a, users_a, n=2)
    client = signed_in(users_a[role])
    client.get(HOME)  # warm caches (session, content types)
    from django.core.cache import cache
    from django.db import connection

    cache.clear()  # measure the page rendered from the database, not a cached dashboard body
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(HOME)
    populate(org_a, users_a, n=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(HOME).status_code == 200


def test_api_tokens_page_creates_and_shows_a_token_once(org_a, users_a):
    client = signed_in(users_a["integrator"])
    page = client.get(reverse("api-tokens"))
    assert page.status_code == 200
    assert "You have no tokens" in page.content.decode()
    created = client.post(reverse("api-tokens"), {"name": "Survey tool"})
    html = created.content.decode()
    assert created.status_code == 200
    assert 'id="new-token">cxg_' in html
    assert "Survey tool" in html
    again = client.get(reverse("api-tokens")).content.decode()
    assert 'id="new-token"' not in again


def test_api_tokens_page_refused_to_roles_without_tokens(org_a, users_a):
    assert signed_in(users_a["executive"]).get(reverse("api-tokens")).status_code == 403


def test_language_switch_keeps_the_page_and_speaks_spanish(org_a, users_a):
    client = signed_in(users_a["cx_lead"])
    url = reverse("cem_levers:lever-list")
    response = client.post(reverse("language-switch"), {"language": "es", "next": url})
    assert response.status_code == 302
    assert response.url == url
    assert "Marco CEM" in client.get(url).content.decode()


def test_error_and_lockout_pages_render():
    import datetime as dt

    from django.template.loader import render_to_string
    from django.utils import translation

    for name in ("404.html", "403.html", "500.html", "tenancy/no_organization.html"):
        assert "cxgov" in render_to_string(name)
    with translation.override("en"):
        locked = render_to_string(
            "registration/locked_out.html", {"failure_limit": 5, "cooloff_timedelta": dt.timedelta(minutes=15)}
        )
    assert "after 5 failed sign-in attempts" in locked
    assert "Try again in 15 minutes." in locked
