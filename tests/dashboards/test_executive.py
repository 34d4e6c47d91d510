"""The executive dashboard: who may see it, the figures on known data, the filters, isolation
between organizations, and a query count that does not grow with the organization."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxgov.tenancy.roles import Op, role_allows
from tests import factories as f
from tests.dashboards.executive_data import OCT, build
from tests.dashboards.pages import ALL_ROLES, signed_in

pytestmark = pytest.mark.django_db

URL = reverse("dashboard-executive")
OCTOBER = f"{URL}?period=2026-10"


def html_of(client, url: str = OCTOBER) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def island(html: str, island_id: str) -> dict:
    match = re.search(rf'<script id="{island_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, island_id
    return json.loads(match.group(1))


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</table>", start)] if "<table" in html[start - 40:start + 40] else html[start:]


# --- who may see it --------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_roles(org_a, users_a, role):
    build(org_a, users_a)
    response = signed_in(users_a[role]).get(OCTOBER)
    expected = 200 if role_allows(role, Op.DASHBOARD_EXECUTIVE) else 403
    assert response.status_code == expected
    assert expected == 200 or role in ("ambassador", "integrator")


def test_executive_home_is_the_dashboard(org_a, users_a):
    build(org_a, users_a)
    html = html_of(signed_in(users_a["executive"]), reverse("home"))
    assert "Executive dashboard" in html
    assert 'id="radar-data"' in html
    assert "Moments of truth" in html


# --- the figures -------------------------------------------------------------------------------------

def test_headline_kpis_with_n_target_and_change(org_a, users_a):
    build(org_a, users_a)
    html = html_of(signed_in(users_a["executive"]))
    nps = html[html.index('data-kpi="nps"'):html.index('data-kpi="csat"')]
    assert "+32" in nps
    assert "n = 120" in nps
    assert "target +30" in nps
    assert "+12 vs last month" in nps
    csat = html[html.index('data-kpi="csat"'):html.index('data-kpi="ces"')]
    assert "82 %" in csat and "n = 120" in csat
    ces = html[html.index('data-kpi="ces"'):]
    assert "5.3" in ces and "n = 80" in ces
    trend = island(html, f"kpi-{build_metric_pk(org_a, 'nps')}")
    assert trend["data"][0]["y"][-1] == 32.0
    assert trend["data"][0]["customdata"][-1] == 120
    assert trend["data"][1]["y"] == [30.0, 30.0]  # the target line


def build_metric_pk(org, code: str) -> int:
    from voc.models import Metric

    return Metric.objects.for_org(org).get(code=code).pk


def test_moments_of_truth_ranked_by_score_and_change(org_a, users_a):
    created = build(org_a, users_a)
    branch, app, call, plain = created["touchpoints"][:4]
    html = html_of(signed_in(users_a["executive"]))
    by_score = html[html.index('id="mot-by-score"'):html.index('id="mot-by-change"')]
    # Lowest first; the touchpoint below min n and the plain touchpoint are not ranked.
    assert by_score.index(branch.name) < by_score.index(app.name)
    assert call.name not in by_score
    assert plain.name not in by_score
    assert reverse("voc:touchpoint-detail", args=[branch.pk]) in by_score
    assert reverse("voc:journey-map", args=[branch.journey_id]) in by_score
    by_change = html[html.index('id="mot-by-change"'):]
    by_change = by_change[:by_change.index("</table>")]
    assert by_change.index(branch.name) < by_change.index(app.name)  # drop of 20 before a gain of 5
    assert "1 moment of truth has fewer responses than the minimum" in html


def test_maturity_radar_with_last_period_outline_and_trend(org_a, users_a):
    created = build(org_a, users_a)
    html = html_of(signed_in(users_a["executive"]))
    assert 'id="overall-maturity">2.75<' in html
    assert "last period 2.40" in html
    radar = island(html, "radar-data")
    names = [trace["name"] for trace in radar["data"]]
    assert names == ["Last period", "Target", "This period"]
    levers = len(created["levers"])
    assert radar["data"][2]["r"][:levers] == [3.0] * levers
    assert radar["data"][0]["r"][:levers] == [2.5] * levers
    assert radar["data"][1]["r"][:levers] == [4] * levers
    trend = island(html, "maturity-trend")
    assert trend["data"][0]["y"] == [2.4, 2.75]
    # September shows September's snapshot, with no outline before it.
    september = html_of(signed_in(users_a["executive"]), f"{URL}?period=2026-09")
    assert 'id="overall-maturity">2.40<' in september


def test_portfolio_risks_wins_and_goals(org_a, users_a):
    created = build(org_a, users_a)
    html = html_of(signed_in(users_a["executive"]))
    assert 'id="budget-planned">3,000<' in html or 'id="budget-planned">3000<' in html
    assert 'id="budget-actual">800<' in html
    assert f"{reverse('initiatives:initiative-list')}?status=in_progress" in html
    assert f"{reverse('initiatives:initiative-list')}?health=red" in html
    risks = html[html.index('id="top-risks"'):]
    risks = risks[:risks.index("</ul>")]
    assert risks.index("Vendor delay") < risks.index("Staff turnover")
    assert "Closed-initiative risk" not in risks  # the initiative is cancelled
    assert reverse("initiatives:initiative-detail", args=[created["risks"][0].initiative_id]) in risks
    assert 'id="wins-count">1<' in html
    assert "Queue signage 0" in html
    assert 'id="goals-on">1<' in html
    assert 'id="goals-off">1<' in html
    assert reverse("governance:goal-list") in html
    assert reverse("maturity:overview") in html


def test_spanish_uses_decimal_comma(org_a, users_a):
    build(org_a, users_a)
    user = users_a["executive"]
    user.language = "es"
    user.save()
    html = html_of(signed_in(user))
    assert "Panel ejecutivo" in html
    assert 'id="overall-maturity">2,75<' in html
    ces = html[html.index('data-kpi="ces"'):]
    assert "5,3" in ces
    assert island(html, "radar-data")["layout"]["separators"] == ",."


def test_default_period_is_this_month_in_the_org_time_zone(org_a, users_a):
    build(org_a, users_a)
    html = html_of(signed_in(users_a["executive"]), URL)
    today = timezone.localdate()
    assert f'value="{today:%Y-%m}"' in html


# --- filters -----------------------------------------------------------------------------------------

def test_journey_filter_narrows(org_a, users_a):
    created = build(org_a, users_a)
    journey = created["journeys"][0]
    branch, app = created["touchpoints"][:2]
    html = html_of(signed_in(users_a["executive"]), f"{OCTOBER}&journey={journey.pk}")
    nps = html[html.index('data-kpi="nps"'):html.index('data-kpi="csat"')]
    assert "−12" in nps or "-12" in nps  # the journey's own rollup, not the organization's +32
    assert "n = 45" in nps
    mot = html[html.index('id="mot-by-score"'):]
    assert branch.name in mot
    assert app.name not in mot  # a touchpoint of the other journey
    assert f'<option value="{journey.pk}" selected>' in html


def test_segment_filter_reads_segment_rollups(org_a, users_a):
    created = build(org_a, users_a)
    segment = created["segments"][0]
    html = html_of(signed_in(users_a["executive"]), f"{OCTOBER}&segment={segment.pk}")
    nps = html[html.index('data-kpi="nps"'):html.index('data-kpi="csat"')]
    assert "+7" in nps and "n = 105" in nps


@pytest.mark.parametrize("period", ["2026-13", "october", "2026-1", "1999-12", "2026-10-01"])
def test_bad_period_is_a_clear_400(org_a, users_a, period):
    response = signed_in(users_a["executive"]).get(f"{URL}?period={period}")
    assert response.status_code == 400
    assert "The period must be a month written as YYYY-MM" in response.content.decode()


def test_unknown_or_foreign_journey_is_not_found(org_a, users_a, org_b, users_b):
    build(org_a, users_a)
    created_b = build(org_b, users_b, prefix="B-")
    client = signed_in(users_a["executive"])
    foreign = client.get(f"{OCTOBER}&journey={created_b['journeys'][0].pk}")
    missing = client.get(f"{OCTOBER}&journey=999999")
    assert foreign.status_code == missing.status_code == 404
    assert "That journey was not found." in foreign.content.decode()
    assert created_b["journeys"][0].name not in foreign.content.decode()
    assert client.get(f"{OCTOBER}&segment={created_b['segments'][0].pk}").status_code == 404
    assert client.get(f"{OCTOBER}&journey=abc").status_code == 400


def test_journey_outside_the_segment_is_refused(org_a, users_a):
    created = build(org_a, users_a)
    other_segment = f.SegmentFactory(organization=org_a, name="Corporate")
    response = signed_in(users_a["executive"]).get(
        f"{OCTOBER}&journey={created['journeys'][0].pk}&segment={other_segment.pk}")
    assert response.status_code == 400
    assert "does not belong to the segment" in response.content.decode()


# --- isolation and cost ------------------------------------------------------------------------------

def test_other_organization_never_shows(org_a, users_a, org_b, users_b):
    build(org_a, users_a)
    created_b = build(org_b, users_b, prefix="B-")
    html = html_of(signed_in(users_a["executive"]))
    for obj in created_b["journeys"] + created_b["touchpoints"]:
        assert obj.name not in html
    for obj in created_b["initiatives"]:
        assert obj.title not in html
    assert "B-Vendor delay" not in html
    assert org_b.name not in html


def test_query_count_is_the_same_for_a_small_and_a_large_organization(org_a, users_a):
    build(org_a, users_a, size=1)
    client = signed_in(users_a["executive"])
    client.get(OCTOBER)  # warm per-process caches (content types, session)
    cache.clear()  # measure the page rendered from the database, not the cached body
    with CaptureQueriesContext(connection) as small:
        assert client.get(OCTOBER).status_code == 200
    created = build(org_a, users_a, size=6, prefix="more-")
    for i in range(5):
        f.MaturitySnapshotFactory(organization=org_a, computed_at=timezone.now() - dt.timedelta(days=400 + i),
                                  overall=Decimal("1.5"))
    for journey in created["journeys"]:
        f.JourneyStageFactory(organization=org_a, journey=journey)
    with CaptureQueriesContext(connection) as large:
        response = client.get(OCTOBER)
    assert response.status_code == 200
    assert "more-Branch welcome 0" in response.content.decode()
    assert len(large.captured_queries) == len(small.captured_queries), (
        [q["sql"][:120] for q in large.captured_queries])
    # The journey filter costs no more (one less when no goal is scoped to the journey).
    journey = created["journeys"][0]
    with CaptureQueriesContext(connection) as filtered:
        assert client.get(f"{OCTOBER}&journey={journey.pk}").status_code == 200
    assert len(filtered.captured_queries) <= len(small.captured_queries)


def test_the_page_never_reads_responses(org_a, users_a):
    build(org_a, users_a)
    with CaptureQueriesContext(connection) as queries:
        assert signed_in(users_a["executive"]).get(OCTOBER).status_code == 200
    assert not [q for q in queries.captured_queries if '"voc_response"' in q["sql"]]


def test_figures_link_to_their_sources(org_a, users_a):
    created = build(org_a, users_a)
    html = html_of(signed_in(users_a["executive"]))
    for url in (reverse("maturity:overview"), reverse("initiatives:risk-heatmap"), reverse("initiatives:budget"),
                reverse("governance:goal-list"), reverse("cem_levers:lever-detail", args=[created["levers"][0].pk]),
                reverse("report-executive-month", args=["2026", "10"])):
        assert f'href="{url}' in html, url
    assert OCT.strftime("%Y-%m") in html


# --- the selector shared with the CX lead's dashboard -----------------------------------------------

def test_touchpoint_score_changes_compares_like_with_like(org_a, users_a):
    from voc.selectors import touchpoint_score_changes

    created = build(org_a, users_a)
    branch, app, call, plain = created["touchpoints"][:4]
    rows = {(r.touchpoint.pk, r.metric.code): r for r in touchpoint_score_changes(org=org_a, period_start=OCT)}
    assert rows[(branch.pk, "nps")].change == Decimal("-20")
    assert rows[(branch.pk, "nps")].improvement == Decimal("-20")
    assert rows[(app.pk, "nps")].change == Decimal("5")
    assert rows[(call.pk, "nps")].change is None  # n 5, below the minimum: never compared
    assert rows[(branch.pk, "csat")].change is None  # no September figure
    assert rows[(branch.pk, "csat")].previous_n == 0
    # Narrowed to moments of truth of one journey; lower-is-better metrics invert the improvement.
    only = touchpoint_score_changes(org=org_a, period_start=dt.date(2026, 10, 17), journey=branch.journey,
                                    moments_only=True)
    assert {r.touchpoint.pk for r in only} == {branch.pk, call.pk}
    nps = created["metrics"]["nps"]
    nps.higher_is_better = False
    nps.save()
    again = {(r.touchpoint.pk, r.metric.code): r for r in touchpoint_score_changes(org=org_a, period_start=OCT)}
    assert again[(branch.pk, "nps")].improvement == Decimal("20")
