"""VoC pages: journeys, the journey map (figures from rollups, as-is and to-be), a touchpoint's
page, segments and products, metrics, data sources, and the CX lead's edit pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from tests import factories as f
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in
from voc import selectors, services
from voc.models import DataSource, Journey, JourneyStage, Metric, Rollup, Segment, Touchpoint

pytestmark = pytest.mark.django_db

JOURNEYS = reverse("voc:journey-list")
METRICS = reverse("voc:metric-list")
SOURCES = reverse("voc:datasource-list")
SEGMENTS = reverse("voc:segment-list")
MANAGE_PAGES_WITHOUT_ID = ["voc:journey-create", "voc:segment-create", "voc:product-create", "voc:metric-create",
                           "voc:datasource-create"]


def _journey_pages(journey: Journey) -> list[str]:
    return [reverse(name, args=[journey.pk]) for name in (
        "voc:journey-update", "voc:journey-delete", "voc:journey-to-be", "voc:stage-create", "voc:touchpoint-create")]


def test_pages_per_role(org_a, users_a):
    journey = populate(org_a, users_a)["journeys"][0]
    tp = journey.touchpoints.first()
    for url in (JOURNEYS, METRICS, SOURCES, SEGMENTS, reverse("voc:journey-map", args=[journey.pk]),
                reverse("voc:touchpoint-detail", args=[tp.pk])):
        check_roles(url, users_a, Op.PROGRAMME_VIEW)


def test_edit_pages_are_for_programme_managers(org_a, users_a):
    journey = populate(org_a, users_a, n=1)["journeys"][0]
    stage = journey.stages.first()
    tp = journey.touchpoints.first()
    metric = Metric.objects.for_org(org_a).get(code="nps")
    source = DataSource.objects.for_org(org_a).first()
    segment = f.SegmentFactory(organization=org_a)
    product = f.ProductFactory(organization=org_a)
    urls = [reverse(name) for name in MANAGE_PAGES_WITHOUT_ID] + _journey_pages(journey) + [
        reverse("voc:stage-update", args=[stage.pk]), reverse("voc:stage-delete", args=[stage.pk]),
        reverse("voc:touchpoint-update", args=[tp.pk]), reverse("voc:touchpoint-delete", args=[tp.pk]),
        reverse("voc:metric-update", args=[metric.pk]), reverse("voc:metric-delete", args=[metric.pk]),
        reverse("voc:datasource-update", args=[source.pk]), reverse("voc:datasource-delete", args=[source.pk]),
        reverse("voc:segment-update", args=[segment.pk]), reverse("voc:segment-delete", args=[segment.pk]),
        reverse("voc:product-update", args=[product.pk]), reverse("voc:product-delete", args=[product.pk]),
    ]
    for url in urls:
        check_roles(url, users_a, Op.PROGRAMME_MANAGE)


def test_anonymous_redirected(client, org_a, users_a):
    journey = populate(org_a, users_a, n=1)["journeys"][0]
    for url in (JOURNEYS, METRICS, SOURCES, SEGMENTS, reverse("voc:journey-map", args=[journey.pk]),
                reverse("voc:touchpoint-detail", args=[journey.touchpoints.first().pk]),
                reverse("voc:metric-create"), *_journey_pages(journey)):
        check_anonymous(client, url)


def test_other_organization_objects_are_404(users_a, org_b, users_b):
    journey = populate(org_b, users_b, n=1)["journeys"][0]
    for url in (reverse("voc:journey-map", args=[journey.pk]),
                reverse("voc:touchpoint-detail", args=[journey.touchpoints.first().pk]), *_journey_pages(journey)):
        check_other_org_404(url, users_a["cx_lead"])
    stage = journey.stages.first()
    response = signed_in(users_a["cx_lead"]).post(reverse("voc:stage-move", args=[stage.pk]), {"direction": "left"})
    assert response.status_code == 404


def test_journey_map_places_touchpoints_and_marks_moments_of_truth(org_a, users_a):
    journey = populate(org_a, users_a, n=1)["journeys"][0]
    html = signed_in(users_a["ambassador"]).get(reverse("voc:journey-map", args=[journey.pk])).content.decode()
    assert journey.stages.first().name in html
    for tp in journey.touchpoints.all():
        assert tp.name in html
    assert "tp--mot" in html
    assert "Not placed in a stage" in html
    # Ambassadors read the map but get no editing controls.
    assert reverse("voc:journey-update", args=[journey.pk]) not in html


def _month_rollup(org, metric, tp, **kwargs):
    start, _end = selectors.map_period(org=org)
    return f.RollupFactory(organization=org, metric=metric, grain=Rollup.Grain.TOUCHPOINT, subject_id=tp.pk,
                           period=Rollup.Period.MONTH, period_start=start, **kwargs)


def test_journey_map_colours_each_figure_against_its_target(org_a, users_a):
    journey = f.JourneyFactory(organization=org_a)
    stage = f.JourneyStageFactory(organization=org_a, journey=journey)
    good = f.TouchpointFactory(organization=org_a, journey=journey, stage=stage, name="Good one")
    thin = f.TouchpointFactory(organization=org_a, journey=journey, stage=stage, name="Thin one")
    metrics = {m.code: m for m in Metric.objects.for_org(org_a).filter(code__in=["nps", "csat", "ces"])}
    _month_rollup(org_a, metrics["nps"], good, n=120, favourable=60, unfavourable=12, value=Decimal("40"))
    _month_rollup(org_a, metrics["csat"], good, n=80, favourable=60, unfavourable=5, value=Decimal("76"))
    _month_rollup(org_a, metrics["ces"], good, n=80, value=Decimal("3.2"), score_sum=Decimal("256"))
    _month_rollup(org_a, metrics["nps"], thin, n=7, favourable=7, unfavourable=0, value=Decimal("100"))

    response = signed_in(users_a["executive"]).get(reverse("voc:journey-map", args=[journey.pk]))
    html = response.content.decode()
    start, _end = selectors.map_period(org=org_a)
    assert f"Figures: {start:%B %Y}, the last full month" in html
    assert 'score score--good' in html and "+40" in html
    assert 'score score--near' in html and "76%" in html
    assert 'score score--bad' in html and "3.2" in html
    # Seven responses: shown greyed with a warning, never as a clean figure.
    assert 'score score--below-min' in html
    assert "⚠ +100" in html
    assert "n=7, below the minimum of 30" in html


def test_as_is_and_to_be_side_by_side(org_a, users_a):
    as_is = services.journey_create(org=org_a, name="Claims")
    stage = services.journey_stage_create(org=org_a, journey=as_is, name="Report")
    services.touchpoint_create(org=org_a, journey=as_is, stage=stage, name="Phone report")
    to_be = services.journey_to_be_create(org=org_a, journey=as_is)
    services.touchpoint_create(org=org_a, journey=to_be, name="App report")
    client = signed_in(users_a["executive"])
    single = client.get(reverse("voc:journey-map", args=[as_is.pk])).content.decode()
    assert "App report" not in single
    assert "?compare=1" in single
    both = client.get(reverse("voc:journey-map", args=[to_be.pk]) + "?compare=1").content.decode()
    assert both.count('class="jmap-pair__col"') == 2
    assert both.index("Phone report") < both.index("App report")  # as-is first, whichever was opened


def test_touchpoint_page_shows_trend_and_comments_to_feedback_readers(org_a, users_a):
    tp = f.TouchpointFactory(organization=org_a, name="Branch desk")
    nps = Metric.objects.for_org(org_a).get(code="nps")
    _month_rollup(org_a, nps, tp, n=40, favourable=20, unfavourable=5, value=Decimal("37.5"))
    f.ResponseFactory(organization=org_a, touchpoint=tp, metric=nps, score=9, comment="Lovely staff")
    f.ResponseFactory(organization=org_a, touchpoint=tp, metric=nps, score=3, comment="")
    url = reverse("voc:touchpoint-detail", args=[tp.pk])
    html = signed_in(users_a["executive"]).get(url).content.decode()
    assert 'type="application/json"' in html and 'data-plotly="trend-' in html
    assert "vendor/plotly/plotly.min.js" in html
    assert "Lovely staff" in html
    assert "+38" in html  # 37.5 rounded, in the figures table
    ambassador = signed_in(users_a["ambassador"]).get(url).content.decode()
    assert "Lovely staff" not in ambassador
    assert "does not give access to individual feedback" in ambassador


def test_touchpoint_page_without_feedback_loads_no_chart_library(org_a, users_a):
    tp = f.TouchpointFactory(organization=org_a)
    html = signed_in(users_a["cx_lead"]).get(reverse("voc:touchpoint-detail", args=[tp.pk])).content.decode()
    assert "plotly.min.js" not in html
    assert "No feedback recorded at this touchpoint" in html


def test_metrics_and_sources_list_the_catalogue(org_a, users_a):
    client = signed_in(users_a["executive"])
    assert "nps" in client.get(METRICS).content.decode()
    assert "Surveys" in client.get(SOURCES).content.decode()


# --- editing through the services -------------------------------------------------------------

def test_create_segment_then_a_duplicate_shows_the_services_error(org_a, users_a):
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("voc:segment-create"), {"name": "Families", "is_persona": "on"})
    assert response.status_code == 302 and response.url == SEGMENTS
    assert Segment.objects.for_org(org_a).get(name="Families").is_persona is True
    again = client.post(reverse("voc:segment-create"), {"name": "Families", "description": "kept"})
    assert again.status_code == 200
    html = again.content.decode()
    assert "A segment with this name already exists." in html
    assert "kept" in html  # nothing the user typed is lost
    assert Segment.objects.for_org(org_a).filter(name="Families").count() == 1


def test_edit_form_starts_from_the_current_values_and_saves(org_a, users_a):
    metric = Metric.objects.for_org(org_a).get(code="csat")
    client = signed_in(users_a["cx_lead"])
    url = reverse("voc:metric-update", args=[metric.pk])
    form = client.get(url).context["form"]
    assert form.initial["code"] == "csat" and form.initial["target"] == metric.target
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data["lever"] = metric.lever_id or ""
    data.update(target="85", is_active="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    metric.refresh_from_db()
    assert metric.target == Decimal("85")


def test_metric_form_reports_a_kind_method_mismatch(org_a, users_a):
    response = signed_in(users_a["cx_lead"]).post(reverse("voc:metric-create"), {
        "code": "effort", "name_en": "Effort", "kind": "ces", "method": "top2box", "scale_min": "1", "scale_max": "7",
        "higher_is_better": "1", "min_n": "30", "is_active": "on",
    })
    assert response.status_code == 200
    assert "method" in response.context["form"].errors
    assert not Metric.objects.for_org(org_a).filter(code="effort").exists()


def test_delete_refusal_is_explained_and_nothing_is_lost(org_a, users_a):
    tp = f.TouchpointFactory(organization=org_a)
    f.ResponseFactory(organization=org_a, touchpoint=tp)
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("voc:touchpoint-delete", args=[tp.pk]), follow=True)
    assert "it cannot be deleted" in response.content.decode()
    assert Touchpoint.objects.for_org(org_a).filter(pk=tp.pk).exists()
    empty = f.TouchpointFactory(organization=org_a)
    response = client.post(reverse("voc:touchpoint-delete", args=[empty.pk]))
    assert response.status_code == 302
    assert not Touchpoint.objects.for_org(org_a).filter(pk=empty.pk).exists()


def test_create_the_to_be_version_and_reorder_stages(org_a, users_a):
    journey = services.journey_create(org=org_a, name="Claims")
    first = services.journey_stage_create(org=org_a, journey=journey, name="Report")
    second = services.journey_stage_create(org=org_a, journey=journey, name="Resolve")
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("voc:journey-to-be", args=[journey.pk]), {"name": "Claims"})
    to_be = Journey.objects.for_org(org_a).get(version=Journey.Version.TO_BE)
    assert response.url == reverse("voc:journey-map", args=[to_be.pk]) + "?compare=1"
    assert JourneyStage.objects.for_org(org_a).filter(journey=to_be).count() == 2
    client.post(reverse("voc:stage-move", args=[second.pk]), {"direction": "left"})
    assert list(JourneyStage.objects.for_org(org_a).filter(journey=journey).order_by("position")
                .values_list("pk", flat=True)) == [second.pk, first.pk]
    assert client.post(reverse("voc:stage-move", args=[second.pk]), {"direction": "up"}).status_code == 302
    assert client.get(reverse("voc:stage-move", args=[second.pk])).status_code == 302


def test_touchpoint_form_offers_only_the_journeys_stages_and_the_organizations_members(org_a, users_a, users_b):
    journey = f.JourneyFactory(organization=org_a)
    own = f.JourneyStageFactory(organization=org_a, journey=journey)
    other = f.JourneyStageFactory(organization=org_a)
    form = signed_in(users_a["cx_lead"]).get(reverse("voc:touchpoint-create", args=[journey.pk])).context["form"]
    assert list(form.fields["stage"].queryset) == [own]
    assert other not in form.fields["stage"].queryset
    members = set(form.fields["owner"].queryset)
    assert users_a["ambassador"] in members and users_b["ambassador"] not in members
    response = signed_in(users_a["cx_lead"]).post(reverse("voc:touchpoint-create", args=[journey.pk]), {
        "name": "Kiosk", "stage": own.pk, "channel": "self_service", "owner": users_b["admin"].pk,
    })
    assert response.status_code == 200 and "owner" in response.context["form"].errors


def test_omb_a11_button_installs_the_pack_once(org_a, users_a):
    client = signed_in(users_a["cx_lead"])
    url = reverse("voc:metric-pack-omb-a11")
    first = client.post(url, follow=True)
    assert "Installed 7 OMB A-11 metrics." in first.content.decode()
    second = client.post(url, follow=True)
    assert "already installed" in second.content.decode()
    assert Metric.objects.for_org(org_a).filter(pack="omb_a11").count() == 7
    assert signed_in(users_a["executive"]).post(url).status_code == 403


# --- pinned query counts ----------------------------------------------------------------------

@pytest.mark.parametrize("url", [JOURNEYS, METRICS, SOURCES, SEGMENTS])
def test_list_query_count_is_pinned(org_a, users_a, url, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    expected = 7 if url == SEGMENTS else 6
    check_pinned_queries(signed_in(users_a["cx_lead"]), url, django_assert_num_queries, expected,
                         grow=lambda: populate(org_a, users_a, n=5))


def _grow_map(org, users, journey):
    metrics = list(Metric.objects.for_org(org).filter(code__in=["nps", "csat", "ces"]))

    def grow():
        for _ in range(5):
            stage = f.JourneyStageFactory(organization=org, journey=journey)
            tp = f.TouchpointFactory(organization=org, journey=journey, stage=stage, owner=users["ambassador"])
            for metric in metrics:
                _month_rollup(org, metric, tp, n=50, favourable=20, unfavourable=10, value=Decimal("10"))
            for _ in range(3):
                f.ResponseFactory(organization=org, touchpoint=tp, metric=metrics[0])

    return grow


def test_journey_map_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    journey = populate(org_a, users_a, n=1)["journeys"][0]
    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse("voc:journey-map", args=[journey.pk]),
                         django_assert_num_queries, 9, grow=_grow_map(org_a, users_a, journey))


def test_side_by_side_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    as_is = populate(org_a, users_a, n=1)["journeys"][0]
    to_be = services.journey_to_be_create(org=org_a, journey=as_is)
    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse("voc:journey-map", args=[to_be.pk]) + "?compare=1",
                         django_assert_num_queries, 12, grow=_grow_map(org_a, users_a, to_be))


def test_touchpoint_page_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    tp = f.TouchpointFactory(organization=org_a, owner=users_a["ambassador"])
    metrics = list(Metric.objects.for_org(org_a).filter(code__in=["nps", "csat"]))

    def grow():
        month = selectors.map_period(org=org_a)[0]  # already has a rollup: start the month before
        for _ in range(5):
            month = (month - dt.timedelta(days=1)).replace(day=1)
            for metric in metrics:
                f.RollupFactory(organization=org_a, metric=metric, grain="touchpoint", subject_id=tp.pk,
                                period="month", period_start=month, n=40, favourable=10, unfavourable=5)
        for i in range(25):
            f.ResponseFactory(organization=org_a, touchpoint=tp, metric=metrics[0], comment=f"Comment {i}")

    _month_rollup(org_a, metrics[0], tp, n=40, favourable=10, unfavourable=5)
    f.ResponseFactory(organization=org_a, touchpoint=tp, metric=metrics[0], comment="First")
    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse("voc:touchpoint-detail", args=[tp.pk]),
                         django_assert_num_queries, 8, grow=grow)
