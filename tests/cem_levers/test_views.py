"""Framework pages: lever list by group and lever detail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cem_levers.models import Lever
from cxgov.tenancy.roles import Op
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("cem_levers:lever-list")


def _lever(org) -> Lever:
    return Lever.objects.for_org(org).order_by("position").first()


def test_list_and_detail_per_role(org_a, users_a):
    populate(org_a, users_a)
    check_roles(LIST, users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("cem_levers:lever-detail", args=[_lever(org_a).pk]), users_a, Op.PROGRAMME_VIEW)


def test_anonymous_redirected(client, org_a):
    check_anonymous(client, LIST)
    check_anonymous(client, reverse("cem_levers:lever-detail", args=[_lever(org_a).pk]))


def test_other_organization_lever_is_404(org_a, users_a, org_b):
    check_other_org_404(reverse("cem_levers:lever-detail", args=[_lever(org_b).pk]), users_a["cx_lead"])


def test_list_shows_every_group_and_lever(org_a, users_a):
    html = signed_in(users_a["executive"]).get(LIST).content.decode()
    for lever in Lever.objects.for_org(org_a):
        assert lever.name_en in html


def test_detail_shows_practices_initiatives_metrics_and_score(org_a, users_a):
    created = populate(org_a, users_a)
    lever = created["levers"][0]
    html = signed_in(users_a["executive"]).get(reverse("cem_levers:lever-detail", args=[lever.pk])).content.decode()
    assert lever.practices.first().name_en in html
    assert created["initiatives"][0].title in html
    assert "2.8" in html


def test_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), LIST, django_assert_num_queries, 8,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_detail_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    lever = populate(org_a, users_a, n=1)["levers"][0]
    url = reverse("cem_levers:lever-detail", args=[lever.pk])
    check_pinned_queries(signed_in(users_a["cx_lead"]), url, django_assert_num_queries, 11,
                         grow=lambda: populate(org_a, users_a, n=5))
