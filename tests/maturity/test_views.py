"""Maturity pages: stages with the latest scores, assessments."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from maturity.models import Stage
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("maturity:overview")
ASSESSMENTS = reverse("maturity:assessment-list")


def test_pages_per_role(org_a, users_a):
    assessment = populate(org_a, users_a)["assessments"][0]
    for url in (OVERVIEW, ASSESSMENTS, reverse("maturity:assessment-detail", args=[assessment.pk])):
        check_roles(url, users_a, Op.PROGRAMME_VIEW)


def test_anonymous_redirected(client, org_a, users_a):
    assessment = populate(org_a, users_a, n=1)["assessments"][0]
    for url in (OVERVIEW, ASSESSMENTS, reverse("maturity:assessment-detail", args=[assessment.pk])):
        check_anonymous(client, url)


def test_other_organization_assessment_is_404(users_a, org_b, users_b):
    assessment = populate(org_b, users_b, n=1)["assessments"][0]
    check_other_org_404(reverse("maturity:assessment-detail", args=[assessment.pk]), users_a["cx_lead"])


def test_overview_shows_stages_and_scores(org_a, users_a):
    populate(org_a, users_a, n=1)
    html = signed_in(users_a["executive"]).get(OVERVIEW).content.decode()
    for stage in Stage.objects.for_org(org_a):
        assert stage.name_en in html
    assert "2.75" in html


def test_overview_without_snapshot_explains(org_a, users_a):
    html = signed_in(users_a["executive"]).get(OVERVIEW).content.decode()
    assert "No maturity scores have been computed yet" in html


def test_assessment_detail_shows_answers(org_a, users_a):
    created = populate(org_a, users_a, n=1)
    url = reverse("maturity:assessment-detail", args=[created["assessments"][0].pk])
    html = signed_in(users_a["cx_lead"]).get(url).content.decode()
    assert created["levers"][0].practices.first().name_en in html
    assert str(users_a["cx_lead"]) in html


def test_overview_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), OVERVIEW, django_assert_num_queries, 10,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_assessment_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), ASSESSMENTS, django_assert_num_queries, 8,
                         grow=lambda: populate(org_a, users_a, n=5))
