"""Initiative pages: the list and one initiative with milestones, risks and KPIs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("initiatives:initiative-list")


def test_pages_per_role(org_a, users_a):
    initiative = populate(org_a, users_a)["initiatives"][0]
    check_roles(LIST, users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("initiatives:initiative-detail", args=[initiative.pk]), users_a, Op.PROGRAMME_VIEW)


def test_anonymous_redirected(client, org_a, users_a):
    initiative = populate(org_a, users_a, n=1)["initiatives"][0]
    check_anonymous(client, LIST)
    check_anonymous(client, reverse("initiatives:initiative-detail", args=[initiative.pk]))


def test_other_organization_initiative_is_404(users_a, org_b, users_b):
    initiative = populate(org_b, users_b, n=1)["initiatives"][0]
    check_other_org_404(reverse("initiatives:initiative-detail", args=[initiative.pk]), users_a["cx_lead"])


def test_list_filters_by_status(org_a, users_a):
    initiatives = populate(org_a, users_a)["initiatives"]
    initiatives[0].status = "done"
    initiatives[0].save()
    html = signed_in(users_a["cx_lead"]).get(LIST, {"status": "done"}).content.decode()
    assert initiatives[0].title in html
    assert initiatives[1].title not in html


def test_detail_shows_risk_exposure_and_kpis(org_a, users_a):
    initiative = populate(org_a, users_a, n=1)["initiatives"][0]
    html = signed_in(users_a["executive"]).get(
        reverse("initiatives:initiative-detail", args=[initiative.pk])
    ).content.decode()
    assert "exposure--high" in html and ">20<" in html  # probability 4 × impact 5
    assert initiative.milestones.first().title in html
    assert initiative.kpis.first().metric.name_en in html


def test_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), LIST, django_assert_num_queries, 9,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_detail_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    initiative = populate(org_a, users_a, n=1)["initiatives"][0]
    url = reverse("initiatives:initiative-detail", args=[initiative.pk])

    def grow():
        from tests import factories as f

        for _ in range(4):
            f.MilestoneFactory(organization=org_a, initiative=initiative, assignee=users_a["cx_lead"])
            f.RiskFactory(organization=org_a, initiative=initiative, owner=users_a["cx_lead"])

    check_pinned_queries(signed_in(users_a["cx_lead"]), url, django_assert_num_queries, 13, grow=grow)
