"""CX PMO pages: who sees and who may change what, the board's moves, forms, export, pinned query
counts with 10 and with 200 initiatives."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from cem_levers.models import Lever
from cxgov.tenancy.roles import Op
from initiatives.models import Initiative, Milestone, Risk, StatusReport
from initiatives.services import initiative_create
from initiatives.views import csv_safe
from tests import factories as f
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("initiatives:initiative-list")
BOARD = reverse("initiatives:initiative-board")
PORTFOLIO_PAGES = [
    LIST, BOARD, reverse("initiatives:initiative-timeline"), reverse("initiatives:risk-heatmap"),
    reverse("initiatives:budget"), reverse("initiatives:portfolio-report"),
]


def detail(initiative):
    return reverse("initiatives:initiative-detail", args=[initiative.pk])


def test_pages_per_role(org_a, users_a):
    initiative = populate(org_a, users_a)["initiatives"][0]
    for url in [*PORTFOLIO_PAGES, detail(initiative), reverse("initiatives:portfolio-csv")]:
        check_roles(url, users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("initiatives:initiative-create"), users_a, Op.PROGRAMME_MANAGE)


def test_anonymous_redirected(client, org_a, users_a):
    initiative = populate(org_a, users_a, n=1)["initiatives"][0]
    for url in [*PORTFOLIO_PAGES, detail(initiative), reverse("initiatives:initiative-edit", args=[initiative.pk])]:
        check_anonymous(client, url)


def test_other_organization_initiative_is_404(users_a, org_b, users_b):
    initiative = populate(org_b, users_b, n=1)["initiatives"][0]
    check_other_org_404(detail(initiative), users_a["cx_lead"])
    check_other_org_404(reverse("initiatives:initiative-edit", args=[initiative.pk]), users_a["cx_lead"])
    response = signed_in(users_a["cx_lead"]).post(
        reverse("initiatives:initiative-transition", args=[initiative.pk]), {"status": "planned"}
    )
    assert response.status_code == 404
    assert Initiative.objects.for_org(org_b).get(pk=initiative.pk).status == "idea"


def test_list_filters_and_sorts(org_a, users_a):
    initiatives = populate(org_a, users_a)["initiatives"]
    Initiative.objects.for_org(org_a).filter(pk=initiatives[0].pk).update(status="done", short_term_win=True)
    client = signed_in(users_a["cx_lead"])
    html = client.get(LIST, {"status": "done"}).content.decode()
    assert initiatives[0].title in html and initiatives[1].title not in html
    html = client.get(LIST, {"short_term_win": "true"}).content.decode()
    assert initiatives[0].title in html and initiatives[1].title not in html
    lever = Lever.objects.for_org(org_a).order_by("-position").first()  # on none of them
    assert "No initiative matches" in client.get(LIST, {"lever": lever.pk}).content.decode()
    html = client.get(LIST, {"ordering": "-title"}).content.decode()
    titles = sorted((i.title for i in initiatives), reverse=True)
    assert html.index(titles[0]) < html.index(titles[-1])
    assert client.get(LIST, {"owner": users_a["cx_lead"].pk}).status_code == 200


def test_owner_filter_refuses_another_organizations_user(org_a, users_a, users_b):
    populate(org_a, users_a, n=1)
    html = signed_in(users_a["cx_lead"]).get(LIST, {"owner": users_b["cx_lead"].pk}).content.decode()
    assert "Select a valid choice" in html
    assert users_b["cx_lead"].email not in html and str(users_b["cx_lead"]) not in html


def test_overdue_and_stale_flags_are_shown(org_a, users_a):
    today = timezone.localdate()
    late = f.InitiativeFactory(organization=org_a, status="in_progress", due_date=today - dt.timedelta(days=3))
    Initiative.objects.for_org(org_a).filter(pk=late.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    html = signed_in(users_a["executive"]).get(LIST).content.decode()
    assert 'class="row-overdue"' in html and "Report due" in html


# --- board and transitions -----------------------------------------------------------------------

def test_board_columns_and_moves_only_for_editors(org_a, users_a):
    mine = initiative_create(org=org_a, title="Mine", team=[users_a["ambassador"]], status="planned")
    other = initiative_create(org=org_a, title="Other", status="planned")
    html = signed_in(users_a["ambassador"]).get(BOARD).content.decode()
    assert f'data-card="{mine.pk}"' in html and f'data-card="{other.pk}"' in html
    assert html.count("data-move>") == 1  # a move form on their card only
    assert reverse("initiatives:initiative-transition", args=[mine.pk]) in html
    assert "data-move>" not in signed_in(users_a["executive"]).get(BOARD).content.decode()
    assert signed_in(users_a["cx_lead"]).get(BOARD).content.decode().count("data-move>") == 2
    for status, _label in Initiative.Status.choices:
        assert f'data-column="{status}"' in html


def test_move_a_card_with_the_plain_form_and_with_json(org_a, users_a):
    initiative = initiative_create(org=org_a, title="Move me", status="planned")
    url = reverse("initiatives:initiative-transition", args=[initiative.pk])
    client = signed_in(users_a["cx_lead"])
    response = client.post(url, {"status": "in_progress", "next": BOARD})
    assert response.status_code == 302 and response.url == BOARD
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).status == "in_progress"

    response = client.post(url, {"status": "on_hold"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "on_hold" and [m[0] for m in body["moves"]] == ["planned", "in_progress", "cancelled"]

    response = client.post(url, {"status": "done"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "cannot move" in response.json()["detail"]
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).status == "on_hold"

    response = client.post(url, {"status": "done"}, follow=True)  # no-JS: the error is a message
    assert "cannot move" in response.content.decode()

    external = client.post(url, {"status": "in_progress", "next": "https://evil.example/"})
    assert external.url == detail(initiative)  # never an open redirect


def test_executive_and_outsiders_cannot_move_or_edit(org_a, users_a):
    initiative = initiative_create(org=org_a, title="Locked", status="planned", team=[users_a["executive"]])
    url = reverse("initiatives:initiative-transition", args=[initiative.pk])
    assert signed_in(users_a["executive"]).post(url, {"status": "in_progress"}).status_code == 403
    assert signed_in(users_a["ambassador"]).post(
        url, {"status": "in_progress"}, HTTP_ACCEPT="application/json").status_code == 403
    for name in ("initiative-edit", "milestone-create", "risk-create", "kpi-create", "report-create"):
        edit = reverse(f"initiatives:{name}", args=[initiative.pk])
        assert signed_in(users_a["executive"]).get(edit).status_code == 403
        assert signed_in(users_a["ambassador"]).get(edit).status_code == 403
        assert signed_in(users_a["cx_lead"]).get(edit).status_code == 200
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).status == "planned"
    html = signed_in(users_a["executive"]).get(detail(initiative)).content.decode()
    assert reverse("initiatives:initiative-edit", args=[initiative.pk]) not in html


def test_team_member_edits_their_initiative_and_no_other(org_a, users_a):
    mine = initiative_create(org=org_a, title="Mine", team=[users_a["ambassador"]], status="planned")
    other = initiative_create(org=org_a, title="Other", status="planned")
    client = signed_in(users_a["ambassador"])
    response = client.post(reverse("initiatives:milestone-create", args=[mine.pk]),
                           {"title": "Pilot", "kind": "milestone", "due_date": "2030-01-10"})
    assert response.status_code == 302
    assert Milestone.objects.for_org(org_a).filter(initiative=mine, title="Pilot").exists()
    response = client.post(reverse("initiatives:milestone-create", args=[other.pk]),
                           {"title": "Sneaky", "kind": "task"})
    assert response.status_code == 403
    assert not Milestone.objects.for_org(org_a).filter(title="Sneaky").exists()
    # The team member edits fields but not the team.
    page = client.get(reverse("initiatives:initiative-edit", args=[mine.pk])).content.decode()
    assert "Only a CX lead or an administrator may change the team." in page


# --- forms ---------------------------------------------------------------------------------------

def test_cx_lead_creates_and_edits_an_initiative(org_a, users_a):
    levers = list(Lever.objects.for_org(org_a).order_by("position")[:2])
    tp = f.TouchpointFactory(organization=org_a)
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("initiatives:initiative-create"), {
        "title": "Welcome call", "problem_statement": "New customers feel lost", "levers": [lv.pk for lv in levers],
        "cem_step": "act", "transformation_step": "short_term_wins", "change_kind": "organisation_people",
        "touchpoints": [tp.pk], "journeys": [tp.journey_id], "owner": users_a["cx_lead"].pk,
        "team": [users_a["ambassador"].pk], "priority": 3, "short_term_win": "on", "prototype_fidelity": "low",
        "start_date": "2030-01-01", "due_date": "2030-03-01", "report_every_days": 7, "planned_cost": "1000",
        "actual_cost": "250", "expected_benefit": "5000", "benefit_metric": "Retained balances",
    })
    assert response.status_code == 302
    initiative = Initiative.objects.for_org(org_a).get(title="Welcome call")
    assert response.url == detail(initiative)
    assert set(initiative.levers.all()) == set(levers) and list(initiative.team.all()) == [users_a["ambassador"]]
    assert initiative.roi_percent == 1900  # (5000 − 250) / 250
    html = client.get(detail(initiative)).content.decode()
    assert "1900 %" in html and "Plan short-term wins" in html

    response = client.post(reverse("initiatives:initiative-edit", args=[initiative.pk]), {
        "title": "Welcome call v2", "priority": 2, "report_every_days": 14, "planned_cost": "1000",
        "actual_cost": "0", "expected_benefit": "5000", "start_date": "2030-01-01", "due_date": "2030-03-01",
    })
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Welcome call v2" and initiative.roi is None and list(initiative.team.all()) == []
    assert "undefined until there is an actual cost" in client.get(detail(initiative)).content.decode()


def test_bad_input_is_refused_with_errors_and_nothing_lost(org_a, users_a, users_b):
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("initiatives:initiative-create"), {
        "title": "Keep my text", "problem_statement": "Long thought", "priority": 2, "report_every_days": 14,
        "planned_cost": "-5", "actual_cost": "0", "expected_benefit": "0", "start_date": "2030-02-01",
        "due_date": "2030-01-01", "owner": users_b["cx_lead"].pk,
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep my text" in html and "Long thought" in html
    assert "The due date cannot be before the start date." in html
    assert "Select a valid choice" in html  # another organization's user is not offered nor accepted
    assert not Initiative.objects.for_org(org_a).filter(title="Keep my text").exists()


def test_milestones_risks_kpis_and_reports_through_the_pages(org_a, users_a):
    from voc.models import Metric

    initiative = initiative_create(org=org_a, title="T", status="in_progress")
    client = signed_in(users_a["cx_lead"])
    client.post(reverse("initiatives:milestone-create", args=[initiative.pk]), {"title": "A", "kind": "milestone"})
    a = Milestone.objects.for_org(org_a).get(title="A")
    client.post(reverse("initiatives:milestone-create", args=[initiative.pk]),
                {"title": "B", "kind": "task", "depends_on": [a.pk]})
    b = Milestone.objects.for_org(org_a).get(title="B")
    response = client.post(reverse("initiatives:milestone-edit", args=[a.pk]),
                           {"title": "A", "kind": "milestone", "depends_on": [b.pk]})
    assert response.status_code == 200 and "cycle" in response.content.decode()
    response = client.post(reverse("initiatives:milestone-done", args=[b.pk]), {"done": "1"}, follow=True)
    assert "Finish what this depends on first" in response.content.decode()
    client.post(reverse("initiatives:milestone-done", args=[a.pk]), {"done": "1"})
    assert Milestone.objects.for_org(org_a).get(pk=a.pk).done_at is not None

    client.post(reverse("initiatives:risk-create", args=[initiative.pk]),
                {"description": "Vendor late", "probability": "5", "impact": "4", "status": "open"})
    risk = Risk.objects.for_org(org_a).get(description="Vendor late")
    assert risk.exposure == 20
    nps = Metric.objects.for_org(org_a).get(code="nps")
    response = client.post(reverse("initiatives:kpi-create", args=[initiative.pk]),
                           {"metric": nps.pk, "baseline": "10", "target": "30"})
    assert response.status_code == 302
    response = client.post(reverse("initiatives:report-create", args=[initiative.pk]),
                           {"health": "red", "summary": "Vendor slipped", "next_steps": "Escalate"})
    assert response.status_code == 302
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).health == "red"
    assert StatusReport.objects.for_org(org_a).filter(initiative=initiative).count() == 1
    html = client.get(detail(initiative)).content.decode()
    assert "Vendor slipped" in html and "exposure--high" in html
    assert "gantt-initiative" not in html  # no milestone has dates yet: no empty chart
    client.post(reverse("initiatives:risk-delete", args=[risk.pk]))
    assert not Risk.objects.for_org(org_a).filter(pk=risk.pk).exists()


def test_heatmap_cells_link_to_their_risks(org_a, users_a):
    initiative = f.InitiativeFactory(organization=org_a, status="in_progress")
    f.RiskFactory(organization=org_a, initiative=initiative, probability=4, impact=5, description="Big one")
    f.RiskFactory(organization=org_a, initiative=initiative, probability=1, impact=1, description="Tiny one")
    client = signed_in(users_a["executive"])
    html = client.get(reverse("initiatives:risk-heatmap")).content.decode()
    assert "?probability=4&amp;impact=5#risk-list" in html
    html = client.get(reverse("initiatives:risk-heatmap"), {"probability": 4, "impact": 5}).content.decode()
    assert "Big one" in html and "Tiny one" not in html


# --- export --------------------------------------------------------------------------------------

def test_csv_safe():
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for bad in ("+1", "-1+2", "@SUM(A1)", "\tx"):
        assert csv_safe(bad).startswith("'")
    assert csv_safe("Plain") == "Plain" and csv_safe(None) == "" and csv_safe(12) == "12"


def test_csv_export_streams_and_defuses_formulas(org_a, users_a):
    initiative_create(org=org_a, title="=cmd|' /C calc'!A0", actual_cost=100, expected_benefit=150)
    initiative_create(org=org_a, title="Normal", status="planned")
    response = signed_in(users_a["executive"]).get(reverse("initiatives:portfolio-csv"), {"status": "idea"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][1] == "title" and len(rows) == 2  # the filter applies
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
    assert rows[1][18] == "50.0"  # ROI %


def test_printable_report(org_a, users_a):
    populate(org_a, users_a, n=2)
    html = signed_in(users_a["executive"]).get(reverse("initiatives:portfolio-report")).content.decode()
    assert "CX portfolio report" in html and "data-print" in html and "High risks" in html


def test_kpi_chart_island_on_the_detail_page(org_a, users_a):
    from voc.models import Metric, Rollup

    nps = Metric.objects.for_org(org_a).get(code="nps")
    month = timezone.localdate().replace(day=1)
    tp = f.TouchpointFactory(organization=org_a)
    initiative = f.InitiativeFactory(organization=org_a, start_date=month)
    initiative.touchpoints.add(tp)
    f.InitiativeKpiFactory(organization=org_a, initiative=initiative, metric=nps, baseline=10, target=30)
    f.RollupFactory(organization=org_a, metric=nps, grain=Rollup.Grain.TOUCHPOINT, subject_id=tp.pk,
                    period_start=month, n=40, value=25)
    html = signed_in(users_a["executive"]).get(detail(initiative)).content.decode()
    start = html.index('id="kpi-')
    island = json.loads(html[html.index(">", start) + 1: html.index("</script>", start)])
    assert island["data"][0]["y"] == [25.0] and island["data"][0]["customdata"] == [40]
    assert "n=40" in html


# --- pinned query counts: 10 and 200 initiatives -------------------------------------------------

def _portfolio(org, users, n):
    """``n`` initiatives (on top of what exists) with levers, journeys, milestones, risks and reports."""
    levers = list(Lever.objects.for_org(org).order_by("position")[:2])
    journey = f.JourneyFactory(organization=org)
    today = timezone.localdate()
    statuses = Initiative.Status.values
    for i in range(n):
        initiative = f.InitiativeFactory(
            organization=org, owner=users["cx_lead"], status=statuses[i % len(statuses)],
            start_date=today - dt.timedelta(days=30), due_date=today + dt.timedelta(days=i % 40 - 10),
        )
        initiative.levers.set(levers)
        initiative.journeys.add(journey)
        f.MilestoneFactory(organization=org, initiative=initiative, due_date=today - dt.timedelta(days=1))
        f.RiskFactory(organization=org, initiative=initiative, probability=1 + i % 5, impact=1 + (i * 3) % 5)
        f.StatusReportFactory(organization=org, initiative=initiative)


PINNED = {
    "initiatives:initiative-list": 12,
    "initiatives:initiative-board": 8,
    "initiatives:initiative-timeline": 6,
    "initiatives:risk-heatmap": 7,
    "initiatives:budget": 9,
    "initiatives:portfolio-report": 12,
}


@pytest.mark.parametrize("name", list(PINNED))
def test_portfolio_pages_cost_the_same_with_10_and_200_initiatives(name, org_a, users_a, django_assert_num_queries):
    _portfolio(org_a, users_a, 10)
    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse(name), django_assert_num_queries, PINNED[name],
                         grow=lambda: _portfolio(org_a, users_a, 190))
    assert Initiative.objects.for_org(org_a).count() == 200


def test_detail_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    initiative = populate(org_a, users_a, n=1)["initiatives"][0]
    initiative.team.add(users_a["ambassador"])

    def grow():
        for _ in range(4):
            f.MilestoneFactory(organization=org_a, initiative=initiative, assignee=users_a["cx_lead"])
            f.RiskFactory(organization=org_a, initiative=initiative, owner=users_a["cx_lead"])
            f.StatusReportFactory(organization=org_a, initiative=initiative)

    check_pinned_queries(signed_in(users_a["cx_lead"]), detail(initiative), django_assert_num_queries, 17, grow=grow)


def test_outer_loop_impact_is_shown_for_an_initiative_from_a_touchpoint(org_a, users_a):
    tp = f.TouchpointFactory(organization=org_a, name="Branch queue")
    initiative = f.InitiativeFactory(organization=org_a, origin_touchpoint=tp, status="in_progress")
    html = signed_in(users_a["executive"]).get(detail(initiative)).content.decode()
    assert "Impact at its touchpoint" in html and "runs once the initiative is done" in html
    plain = f.InitiativeFactory(organization=org_a)
    assert "Impact at its touchpoint" not in signed_in(users_a["executive"]).get(detail(plain)).content.decode()
