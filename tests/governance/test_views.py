"""Governance pages: roles, anonymous, other organization, pinned query counts, and the editing
flows a CX lead uses (the five bodies, members, the RACI grid, decisions, goals)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cem_levers.models import Lever
from cxgov.tenancy.roles import Op
from governance.models import Body, BodyMember, Decision, RaciAssignment
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in
from tests.factories import BodyFactory, BodyMemberFactory, DecisionFactory, GoalFactory, JourneyFactory

pytestmark = pytest.mark.django_db

LIST = reverse("governance:body-list")
READ_PAGES = ["body-list", "raci", "decision-list", "my-actions", "charter", "roadmap", "goal-list"]
MANAGE_PAGES = ["body-create", "decision-create", "charter-edit", "budget-set", "swot-add", "stakeholder-add",
                "goal-create"]


def test_pages_per_role(org_a, users_a):
    body = populate(org_a, users_a)["bodies"][0]
    for name in READ_PAGES:
        check_roles(reverse(f"governance:{name}"), users_a, Op.PROGRAMME_VIEW)
    for name in MANAGE_PAGES:
        check_roles(reverse(f"governance:{name}"), users_a, Op.PROGRAMME_MANAGE)
    check_roles(reverse("governance:body-detail", args=[body.pk]), users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("governance:body-edit", args=[body.pk]), users_a, Op.PROGRAMME_MANAGE)
    check_roles(reverse("governance:member-add", args=[body.pk]), users_a, Op.PROGRAMME_MANAGE)


def test_anonymous_redirected(client, org_a, users_a):
    body = populate(org_a, users_a, n=1)["bodies"][0]
    check_anonymous(client, LIST)
    check_anonymous(client, reverse("governance:raci"))
    check_anonymous(client, reverse("governance:body-detail", args=[body.pk]))


def test_other_organization_body_is_404(users_a, org_b, users_b):
    body = populate(org_b, users_b, n=1)["bodies"][0]
    check_other_org_404(reverse("governance:body-detail", args=[body.pk]), users_a["cx_lead"])
    check_other_org_404(reverse("governance:member-add", args=[body.pk]), users_a["cx_lead"])


def test_org_chart_shows_levels_bodies_and_member_counts(org_a, users_a):
    bodies = populate(org_a, users_a)["bodies"]
    html = signed_in(users_a["ambassador"]).get(LIST).content.decode()
    for label in ("Strategic", "Tactical", "Operational"):
        assert label in html
    for body in bodies:
        assert body.name in html
    assert '<span class="gov-node__num">2</span>' in html
    assert "Set up the five bodies" not in html  # not for an ambassador


def test_set_up_the_five_bodies(org_a, users_a):
    lead = signed_in(users_a["cx_lead"])
    assert "Set up the five bodies" in lead.get(LIST).content.decode()
    response = lead.post(reverse("governance:bodies-setup"))
    assert response.status_code == 302
    assert sorted(Body.objects.for_org(org_a).values_list("kind", flat=True)) == sorted(Body.Kind.values)
    assert "Set up the five bodies" not in lead.get(LIST).content.decode()
    assert signed_in(users_a["executive"]).post(reverse("governance:bodies-setup")).status_code == 403


def test_body_form_keeps_input_on_error_and_members_can_be_added_and_removed(org_a, users_a):
    BodyFactory(organization=org_a, name="Taken")
    lead = signed_in(users_a["cx_lead"])
    response = lead.post(reverse("governance:body-create"), {"kind": "core_team", "name": "Taken",
                                                             "mandate": "Keep this text"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "A body with this name already exists." in html and "Keep this text" in html
    response = lead.post(reverse("governance:body-create"), {"kind": "core_team", "name": "Core"})
    body = Body.objects.for_org(org_a).get(name="Core")
    assert response.url == reverse("governance:body-detail", args=[body.pk])
    lead.post(reverse("governance:member-add", args=[body.pk]), {"name": "Irene", "role_in_body": "member"})
    member = BodyMember.objects.for_org(org_a).get(body=body)
    assert lead.get(reverse("governance:member-remove", args=[member.pk])).status_code == 200
    assert lead.post(reverse("governance:member-remove", args=[member.pk])).status_code == 302
    assert not BodyMember.objects.for_org(org_a).filter(body=body).exists()


def _grid_post(client, data):
    return client.post(reverse("governance:raci"), data)


def test_raci_grid_saves_once_and_refuses_two_accountables(org_a, users_a):
    lever = Lever.objects.for_org(org_a).order_by("position").first()
    body = BodyFactory(organization=org_a)
    BodyMemberFactory(organization=org_a, body=body, user=users_a["cx_lead"], name="")
    lead = signed_in(users_a["cx_lead"])
    html = lead.get(reverse("governance:raci")).content.decode()
    cell_body = f"cell__lever:{lever.pk}__body:{body.pk}"
    cell_user = f"cell__lever:{lever.pk}__user:{users_a['cx_lead'].pk}"
    assert f'name="{cell_body}"' in html and f'name="{cell_user}"' in html

    refused = _grid_post(lead, {cell_body: "A", cell_user: "A"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Nothing was saved" in text and f"“{lever}” has 2 Accountables" in text
    assert not RaciAssignment.objects.for_org(org_a).exists()

    saved = _grid_post(lead, {cell_body: "A", cell_user: "R"})
    assert saved.status_code == 302
    assert dict(RaciAssignment.objects.for_org(org_a).values_list("role", "body_id")) == {"A": body.pk, "R": None}


def test_executive_reads_the_raci_grid_but_cannot_edit(org_a, users_a):
    lever = Lever.objects.for_org(org_a).order_by("position").first()
    body = BodyFactory(organization=org_a)
    RaciAssignment.objects.create(organization=org_a, lever=lever, body=body, role="A")
    executive = signed_in(users_a["executive"])
    html = executive.get(reverse("governance:raci")).content.decode()
    assert "<select" not in html and 'gov-raci--A">A</span>' in html
    assert _grid_post(executive, {f"cell__lever:{lever.pk}__body:{body.pk}": ""}).status_code == 403
    assert RaciAssignment.objects.for_org(org_a).count() == 1


def test_my_actions_lists_the_persons_open_decisions_overdue_first(org_a, users_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
    me = users_a["ambassador"]
    DecisionFactory(organization=org_a, owner=me, text="Late action", due_date=dt.date(2026, 3, 1))
    DecisionFactory(organization=org_a, owner=me, text="Next action", due_date=dt.date(2026, 3, 20))
    DecisionFactory(organization=org_a, owner=me, text="Closed action", status="done")
    DecisionFactory(organization=org_a, owner=users_a["cx_lead"], text="Someone else's")
    html = signed_in(me).get(reverse("governance:my-actions")).content.decode()
    assert html.index("Late action") < html.index("Next action")
    assert "Closed action" not in html and "Someone else" not in html
    assert "Overdue" in html


def test_owner_may_close_their_action_but_not_anothers(org_a, users_a):
    mine = DecisionFactory(organization=org_a, owner=users_a["ambassador"])
    theirs = DecisionFactory(organization=org_a, owner=users_a["cx_lead"])
    ambassador = signed_in(users_a["ambassador"])
    url = reverse("governance:decision-status", args=[mine.pk])
    assert ambassador.post(url, {"status": "done", "next": reverse("governance:my-actions")}).url == reverse(
        "governance:my-actions")
    assert Decision.objects.for_org(org_a).get(pk=mine.pk).status == "done"
    assert ambassador.post(reverse("governance:decision-status", args=[theirs.pk]), {"status": "done"}).status_code \
        == 403
    assert Decision.objects.for_org(org_a).get(pk=theirs.pk).status == "open"


def test_goal_page_shows_on_off_and_not_enough_data(org_a, users_a):
    GoalFactory(organization=org_a, user=users_a["cx_lead"], body=None)
    html = signed_in(users_a["executive"]).get(reverse("governance:goal-list")).content.decode()
    assert "Not enough data" in html and str(users_a["cx_lead"]) in html


def _grow_governance(org, users, n):
    populate(org, users, n=n)
    lever = Lever.objects.for_org(org).order_by("position").first()
    for _ in range(n):
        body = BodyFactory(organization=org)
        BodyMemberFactory(organization=org, body=body, user=None)
        journey = JourneyFactory(organization=org)
        RaciAssignment.objects.create(organization=org, journey=journey, body=body, role="A")
        DecisionFactory(organization=org, body=body, owner=users["cx_lead"], due_date=dt.date(2020, 1, 1))
        DecisionFactory(organization=org, body=body, owner=users["cx_lead"])
    if not RaciAssignment.objects.for_org(org).filter(lever=lever).exists():
        RaciAssignment.objects.create(organization=org, lever=lever, user=users["cx_lead"], role="A")


def test_org_chart_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), LIST, django_assert_num_queries, 7,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_raci_grid_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    _grow_governance(org_a, users_a, 1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse("governance:raci"), django_assert_num_queries, 12,
                         grow=lambda: _grow_governance(org_a, users_a, 5))


def test_decision_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    _grow_governance(org_a, users_a, 1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), reverse("governance:decision-list"),
                         django_assert_num_queries, 7, grow=lambda: _grow_governance(org_a, users_a, 5))
