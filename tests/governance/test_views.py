"""Governance pages: the org chart and a body with its members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("governance:body-list")


def test_pages_per_role(org_a, users_a):
    body = populate(org_a, users_a)["bodies"][0]
    check_roles(LIST, users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("governance:body-detail", args=[body.pk]), users_a, Op.PROGRAMME_VIEW)


def test_anonymous_redirected(client, org_a, users_a):
    body = populate(org_a, users_a, n=1)["bodies"][0]
    check_anonymous(client, LIST)
    check_anonymous(client, reverse("governance:body-detail", args=[body.pk]))


def test_other_organization_body_is_404(users_a, org_b, users_b):
    body = populate(org_b, users_b, n=1)["bodies"][0]
    check_other_org_404(reverse("governance:body-detail", args=[body.pk]), users_a["cx_lead"])


def test_org_chart_shows_levels_and_bodies(org_a, users_a):
    bodies = populate(org_a, users_a)["bodies"]
    html = signed_in(users_a["ambassador"]).get(LIST).content.decode()
    for label in ("Strategic", "Tactical", "Operational"):
        assert label in html
    for body in bodies:
        assert body.name in html


def test_body_detail_lists_members(org_a, users_a):
    body = populate(org_a, users_a, n=1)["bodies"][0]
    html = signed_in(users_a["cx_lead"]).get(reverse("governance:body-detail", args=[body.pk])).content.decode()
    for member in body.members.all():
        assert member.display_name in html


def test_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), LIST, django_assert_num_queries, 8,
                         grow=lambda: populate(org_a, users_a, n=5))
