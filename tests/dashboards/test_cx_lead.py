"""The CX lead's dashboard (the CX lead's home) and the programme overview it links to: content on
known data, who may see them, a query count that does not depend on the organization's size, and
another organization's data never shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cxgov.dashboards.cx_lead import change_display, localized, score_drops
from cxgov.tenancy.models import Organization, User
from initiatives.models import Initiative
from tests import factories as f
from tests.dashboards.pages import ALL_ROLES, signed_in
from voc.models import FollowUpCase, Metric, Rollup
from voc.selectors import TouchpointScoreChange, map_period, org_today, previous_month_start

pytestmark = pytest.mark.django_db

HOME = reverse("home")
PROGRAMME = reverse("programme")


def _metric(org: Organization, code: str) -> Metric:
    return Metric.objects.for_org(org).get(code=code)


def _midnight(org: Organization, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(org.timezone))


def _rollup(org: Organization, metric: Metric, touchpoint, start: dt.date, value: str, n: int) -> None:
    f.RollupFactory(organization=org, metric=metric, grain=Rollup.Grain.TOUCHPOINT, subject_id=touchpoint.pk,
                    period=Rollup.Period.MONTH, period_start=start, n=n, value=Decimal(value),
                    score_sum=Decimal(value) * n)


def build(org: Organization, users: dict[str, User], *, k: int = 1, tag: str = "") -> dict:
    """``k`` of everything the dashboard shows, with names prefixed by ``tag``.

    Per round: an initiative the CX lead owns (red), one they are on the team of (amber), one done
    (never shown), one of someone else with an overdue milestone; open cases aged 0, 5 and 40 days
    (the last overdue), a resolved one; touchpoints whose NPS falls 40 → 10 and CSAT 80 → 75, one
    whose NPS rises and one that falls below the minimum n; responses in the period from two
    sources and one after it; an insight.
    """
    lead = users["cx_lead"]
    today = org_today(org=org)
    period_start, _end = map_period(org=org)
    previous = previous_month_start(period_start)
    nps, csat = _metric(org, "nps"), _metric(org, "csat")
    created: dict[str, list] = {"owned": [], "team": [], "done": [], "other": [], "milestones": [],
                                "falls": [], "insights": [], "sources": []}
    for i in range(k):
        owned = f.InitiativeFactory(organization=org, title=f"{tag}Owned {i}", owner=lead, health="red",
                                    status=Initiative.Status.IN_PROGRESS)
        team = f.InitiativeFactory(organization=org, title=f"{tag}Team {i}", owner=users["admin"], health="amber",
                                   status=Initiative.Status.PLANNED)
        team.team.add(lead)
        done = f.InitiativeFactory(organization=org, title=f"{tag}Done {i}", owner=lead, status=Initiative.Status.DONE)
        other = f.InitiativeFactory(organization=org, title=f"{tag}Other {i}", owner=users["admin"],
                                    status=Initiative.Status.IN_PROGRESS)
        late = f.MilestoneFactory(organization=org, initiative=other, title=f"{tag}Late milestone {i}",
                                  due_date=today - dt.timedelta(days=4), assignee=users["admin"])
        f.MilestoneFactory(organization=org, initiative=done, title=f"{tag}Milestone of a done one {i}",
                           due_date=today - dt.timedelta(days=4))
        f.MilestoneFactory(organization=org, initiative=other, title=f"{tag}Finished milestone {i}",
                           due_date=today - dt.timedelta(days=4), done_at=timezone.now())
        created["owned"].append(owned)
        created["team"].append(team)
        created["done"].append(done)
        created["other"].append(other)
        created["milestones"].append(late)

        journey = f.JourneyFactory(organization=org, name=f"{tag}Journey {i}")
        tp_fall = f.TouchpointFactory(organization=org, journey=journey, name=f"{tag}Falling NPS {i}")
        tp_csat = f.TouchpointFactory(organization=org, journey=journey, name=f"{tag}Falling CSAT {i}")
        tp_rise = f.TouchpointFactory(organization=org, journey=journey, name=f"{tag}Rising {i}")
        tp_few = f.TouchpointFactory(organization=org, journey=journey, name=f"{tag}Too few {i}")
        _rollup(org, nps, tp_fall, previous, "40", 50)
        _rollup(org, nps, tp_fall, period_start, "10", 60)
        _rollup(org, csat, tp_csat, previous, "80", 50)
        _rollup(org, csat, tp_csat, period_start, "75", 50)
        _rollup(org, nps, tp_rise, previous, "10", 50)
        _rollup(org, nps, tp_rise, period_start, "20", 50)
        _rollup(org, nps, tp_few, previous, "50", 50)
        _rollup(org, nps, tp_few, period_start, "-50", 5)
        created["falls"] += [tp_fall, tp_csat]

        now = timezone.now()
        for age in (0, 5, 40):
            f.FollowUpCaseFactory(
                organization=org, response__touchpoint=tp_fall, response__metric=nps,
                opened_at=now - dt.timedelta(days=age),
                status=FollowUpCase.Status.CONTACTED if age == 5 else FollowUpCase.Status.OPEN,
                due_date=today - dt.timedelta(days=1) if age == 40 else today + dt.timedelta(days=3),
            )
        f.FollowUpCaseFactory(organization=org, response__touchpoint=tp_fall, response__metric=nps,
                              opened_at=now - dt.timedelta(days=1), status=FollowUpCase.Status.RESOLVED,
                              closed_at=now, root_cause=f.RootCauseFactory(organization=org))

        surveys = f.DataSourceFactory(organization=org, name=f"{tag}Surveys {i}")
        calls = f.DataSourceFactory(organization=org, name=f"{tag}Calls {i}")
        inside = _midnight(org, period_start) + dt.timedelta(days=2, hours=10)
        for source, count in ((surveys, 3), (calls, 1)):
            for _ in range(count):
                f.ResponseFactory(organization=org, source=source, metric=nps, touchpoint=tp_fall, submitted_at=inside,
                                  score=Decimal(9))
        f.ResponseFactory(organization=org, source=calls, metric=nps, touchpoint=tp_fall,
                          submitted_at=_midnight(org, previous) + dt.timedelta(hours=12))
        created["sources"] += [surveys, calls]
        created["insights"].append(f.InsightFactory(organization=org, title=f"{tag}Insight {i}", journey=journey))
    return created


def test_cx_lead_home_is_the_cx_lead_dashboard_with_known_content(org_a, users_a):
    created = build(org_a, users_a)
    response = signed_in(users_a["cx_lead"]).get(HOME)
    assert response.status_code == 200
    assert "dashboards/home_cx_lead.html" in [t.name for t in response.templates]
    html = response.content.decode()
    ctx = response.context

    # My initiatives: owned and team, not the done one nor someone else's; worst health first.
    mine = ctx["my_initiatives"]
    assert [i.title for i in mine["rows"]] == ["Owned 0", "Team 0"]
    assert mine["total"] == 2
    assert {row["value"]: row["n"] for row in mine["by_health"]} == {"green": 0, "amber": 1, "red": 1}
    assert reverse("initiatives:initiative-detail", args=[created["owned"][0].pk]) in html
    assert reverse("initiatives:initiative-detail", args=[created["team"][0].pk]) in html
    assert "Done 0" not in html

    # Overdue milestones of the programme: the open one of a running initiative only.
    overdue = ctx["overdue_milestones"]
    assert [m.title for m in overdue["rows"]] == ["Late milestone 0"] and overdue["total"] == 1
    assert overdue["rows"][0].days_overdue == 4
    assert "Milestone of a done one" not in html and "Finished milestone" not in html
    assert reverse("initiatives:initiative-detail", args=[created["other"][0].pk]) in html

    # Cases by age: each count links to exactly the cases it counts.
    cases = ctx["cases"]
    by_age = {b["age"]: (b["open"], b["contacted"]) for b in cases["buckets"]}
    assert by_age == {"0-2": (1, 0), "3-7": (0, 1), "8-30": (0, 0), "31+": (1, 0)}
    assert cases["total"] == 3 and cases["overdue"] == 1
    case_list = reverse("voc:case-list")
    assert f'href="{case_list}?status=open&amp;age=0-2"' in html
    assert f'href="{case_list}?status=contacted&amp;age=3-7"' in html
    assert f'href="{case_list}?status=open&amp;age=31%2B"' in html
    assert f'href="{case_list}?overdue=on"' in html

    # Score drops: NPS −30 of 200 ranks above CSAT −5 of 100; no rise, nothing below min n.
    drops = ctx["score_drops"]
    assert [(d.touchpoint.name, d.label) for d in drops] == [("Falling NPS 0", "NPS"), ("Falling CSAT 0", "CSAT")]
    assert drops[0].change_display == "−30" and drops[0].row.n == 60 and drops[0].row.previous_n == 50
    assert "+40 → +10" in html and "80% → 75%" in html and "n=60 (before: 50)" in html
    assert "Rising 0" not in html and "Too few 0" not in html
    assert reverse("voc:touchpoint-detail", args=[created["falls"][0].pk]) in html
    assert reverse("voc:journey-map", args=[created["falls"][0].journey_id]) in html

    # Feedback volume by source in the period only (the previous month's response is not counted).
    assert [(row["name"], row["n"]) for row in ctx["sources"]] == [("Surveys 0", 3), ("Calls 0", 1)]
    assert ctx["sources_total"] == 4
    assert reverse("voc:datasource-update", args=[created["sources"][0].pk]) in html

    # Recent insights link to their page; the programme overview is one click away.
    assert reverse("voc:insight-detail", args=[created["insights"][0].pk]) in html
    assert f'href="{PROGRAMME}"' in html


def test_each_case_count_opens_a_list_of_exactly_those_cases(org_a, users_a):
    build(org_a, users_a, k=2)
    client = signed_in(users_a["cx_lead"])
    cases = client.get(HOME).context["cases"]
    case_list = reverse("voc:case-list")
    for bucket in cases["buckets"]:
        for status in ("open", "contacted"):
            query = urlencode({"status": status, "age": bucket["age"]})  # "31+" travels as 31%2B
            listed = client.get(f"{case_list}?{query}").context["paginator"].count
            assert listed == bucket[status], (bucket["age"], status)
    assert client.get(f"{case_list}?overdue=on").context["paginator"].count == cases["overdue"] == 2


def test_empty_organization_renders_with_explanations(org_a, users_a):
    html = signed_in(users_a["cx_lead"]).get(HOME).content.decode()
    assert "You own no open initiative" in html
    assert "No milestone is overdue." in html
    assert "Not enough feedback in both months to compare any touchpoint." in html
    assert "No feedback was received in this month." in html


@pytest.mark.parametrize("role", ALL_ROLES)
def test_cx_lead_dashboard_only_for_cx_leads(org_a, users_a, role):
    build(org_a, users_a)
    response = signed_in(users_a[role]).get(HOME)
    assert response.status_code == 200
    used = [t.name for t in response.templates]
    assert ("dashboards/home_cx_lead.html" in used) == (role == "cx_lead")
    assert ("CX lead dashboard" in response.content.decode()) == (role == "cx_lead")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_programme_overview_for_those_who_run_the_programme(org_a, users_a, role):
    response = signed_in(users_a[role]).get(PROGRAMME)
    if role in ("admin", "cx_lead"):
        assert response.status_code == 200
        assert "Programme overview" in response.content.decode()
    else:
        assert response.status_code == 403


def test_admin_home_stays_the_programme_overview(org_a, users_a):
    response = signed_in(users_a["admin"]).get(HOME)
    assert "dashboards/home_programme.html" in [t.name for t in response.templates]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (HOME, PROGRAMME):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _home_queries(user: User) -> int:
    client = signed_in(user)
    assert client.get(HOME).status_code == 200  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured.captured_queries)


def test_query_count_is_identical_for_a_small_and_a_larger_organization(org_a, users_a, org_b, users_b):
    build(org_a, users_a, k=1)
    build(org_b, users_b, k=6, tag="B ")
    small = _home_queries(users_a["cx_lead"])
    large = _home_queries(users_b["cx_lead"])
    assert small == large
    # And the larger one really is larger on every list the page shows.
    response = signed_in(users_b["cx_lead"]).get(HOME)
    assert response.context["my_initiatives"]["total"] == 12
    assert response.context["cases"]["total"] == 18
    assert len(response.context["sources"]) == 12


def test_other_organizations_data_never_shows(org_a, users_a, org_b, users_b):
    build(org_a, users_a)
    # Org B's initiative even lists A's CX lead on its team: still not theirs to see in A.
    created_b = build(org_b, users_b, tag="Zeta ")
    created_b["team"][0].team.add(users_a["cx_lead"])
    response = signed_in(users_a["cx_lead"]).get(HOME)
    html = response.content.decode()
    assert "Zeta" not in html
    assert response.context["my_initiatives"]["total"] == 2
    assert response.context["overdue_milestones"]["total"] == 1
    assert response.context["cases"]["total"] == 3
    assert response.context["sources_total"] == 4
    assert len(response.context["score_drops"]) == 2


def test_spanish_dashboard_has_decimal_commas(org_a, users_a):
    ces = _metric(org_a, "ces")
    period_start, _end = map_period(org=org_a)
    tp = f.TouchpointFactory(organization=org_a, name="Oficina")
    _rollup(org_a, ces, tp, previous_month_start(period_start), "5.6", 40)
    _rollup(org_a, ces, tp, period_start, "5.1", 40)
    user = users_a["cx_lead"]
    user.language = "es"
    user.save()
    html = signed_in(user).get(HOME).content.decode()
    assert "Panel del responsable de CX" in html
    assert "5,6 → 5,1" in html
    assert "−0,5" in html


# --- pure functions ----------------------------------------------------------------------------

def _change(metric: Metric, before: str, now: str, n: int = 50, touchpoint_pk: int = 1) -> TouchpointScoreChange:
    touchpoint = type("Tp", (), {"pk": touchpoint_pk})()
    return TouchpointScoreChange(touchpoint=touchpoint, metric=metric, value=Decimal(now), n=n,
                                 previous_value=Decimal(before), previous_n=n, status="bad")


def test_score_drops_rank_on_each_metrics_range_and_respect_direction():
    nps = Metric(code="nps", kind="nps", method="nps", min_n=30, higher_is_better=True)
    ces = Metric(code="ces", kind="ces", method="mean", scale_min=Decimal(1), scale_max=Decimal(7), min_n=30)
    time = Metric(code="wait", kind="duration", method="median", scale_min=Decimal(0), scale_max=Decimal(60),
                  min_n=30, higher_is_better=False)
    rows = [
        _change(nps, "30", "10", touchpoint_pk=1),   # −20 of 200 = −0.10
        _change(ces, "5.5", "4.5", touchpoint_pk=2),  # −1 of 6 ≈ −0.17
        _change(nps, "10", "30", touchpoint_pk=3),   # a rise
        _change(time, "10", "25", touchpoint_pk=4),  # waiting longer: −15 of 60 = −0.25
        _change(time, "25", "10", touchpoint_pk=5),  # waiting less: a gain
        _change(nps, "60", "0", n=10, touchpoint_pk=6),  # below min n: not compared
    ]
    assert [d.row.touchpoint.pk for d in score_drops(rows)] == [4, 2, 1]
    assert len(score_drops(rows, limit=2)) == 2


def test_changes_and_figures_follow_the_language():
    with translation.override("es"):
        assert localized("4.2") == "4,2"
        assert change_display(method="mean", change=Decimal("-0.46")) == "−0,5"
        assert change_display(method="nps", change=Decimal("-12.4")) == "−12"
    with translation.override("en"):
        assert localized("4.2") == "4.2"
        assert change_display(method="top2box", change=Decimal("3.6")) == "+4"
        assert change_display(method="mean", change=Decimal("0.04")) == "0.0"
