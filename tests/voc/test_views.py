"""VoC pages: journeys, the journey map, metrics and data sources."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

JOURNEYS = reverse("voc:journey-list")
METRICS = reverse("voc:metric-list")
SOURCES = reverse("voc:datasource-list")


def test_pages_per_role(org_a, users_a):
    journey = populate(org_a, users_a)["journeys"][0]
    for url in (JOURNEYS, METRICS, SOURCES, reverse("voc:journey-map", args=[journey.pk])):
        check_roles(url, users_a, Op.PROGRAMME_VIEW)


def test_anonymous_redirected(client, org_a, users_a):
    journey = populate(org_a, users_a, n=1)["journeys"][0]
    for url in (JOURNEYS, METRICS, SOURCES, reverse("voc:journey-map", args=[journey.pk])):
        check_anonymous(client, url)


def test_other_organization_journey_is_404(users_a, org_b, users_b):
    journey = populate(org_b, users_b, n=1)["journeys"][0]
    check_other_org_404(reverse("voc:journey-map", args=[journey.pk]), users_a["cx_lead"])


def test_journey_map_places_touchpoints_and_marks_moments_of_truth(org_a, users_a):
    journey = populate(org_a, users_a, n=1)["journeys"][0]
    html = signed_in(users_a["ambassador"]).get(reverse("voc:journey-map", args=[journey.pk])).content.decode()
    assert journey.stages.first().name in html
    for tp in journey.touchpoints.all():
        assert tp.name in html
    assert "tp--mot" in html
    assert "Not placed in a stage" in html


def test_metrics_and_sources_list_the_catalogue(org_a, users_a):
    client = signed_in(users_a["executive"])
    assert "nps" in client.get(METRICS).content.decode()
    assert "Surveys" in client.get(SOURCES).content.decode()


@pytest.mark.parametrize("url", [JOURNEYS, METRICS, SOURCES])
def test_list_query_count_is_pinned(org_a, users_a, url, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), url, django_assert_num_queries, 7,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_journey_map_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    journey = populate(org_a, users_a, n=1)["journeys"][0]

    def grow():
        from tests import factories as f

        for _ in range(5):
            stage = f.JourneyStageFactory(organization=org_a, journey=journey)
            f.TouchpointFactory(organization=org_a, journey=journey, stage=stage, owner=users_a["ambassador"])

    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse("voc:journey-map", args=[journey.pk]),
                         django_assert_num_queries, 9, grow=grow)
