"""Initiatives and their team, schedule, risks, KPIs, status reports, transitions and reminders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cem_levers.models import Lever
from cxgov.inbox.models import Notification
from initiatives import services
from initiatives.models import Initiative, InitiativeUserObjectPermission
from initiatives.selectors import initiative_can_edit
from initiatives.services import initiative_create, kpi_create, milestone_create, risk_create
from initiatives.signals import initiative_status_changed
from tests.factories import BodyFactory, InitiativeFactory, JourneyFactory, MilestoneFactory, TouchpointFactory
from voc.models import Metric

pytestmark = pytest.mark.django_db
S = Initiative.Status


def test_initiative_create_links_levers_touchpoints_and_journeys(org_a, users_a):
    levers = list(Lever.objects.for_org(org_a).filter(code__in=["voc_measurement", "processes_operations"]))
    touchpoint = TouchpointFactory(organization=org_a)
    initiative = initiative_create(
        org=org_a, title="Callbacks", by=users_a["cx_lead"], owner=users_a["cx_lead"], levers=levers,
        touchpoints=[touchpoint], journeys=[touchpoint.journey], status=Initiative.Status.DONE,
        sponsor_body=BodyFactory(organization=org_a), start_date=dt.date(2025, 1, 1), due_date=dt.date(2025, 3, 1),
        transformation_step=Initiative.TransformationStep.SHORT_TERM_WINS, report_every_days=7,
    )
    assert set(initiative.levers.values_list("code", flat=True)) == {"voc_measurement", "processes_operations"}
    assert list(initiative.touchpoints.all()) == [touchpoint]
    assert list(initiative.journeys.all()) == [touchpoint.journey]
    assert initiative.completed_at is not None
    assert (initiative.transformation_step, initiative.report_every_days) == ("short_term_wins", 7)


@pytest.mark.parametrize("field", ["levers", "touchpoints", "journeys", "sponsor_body"])
def test_initiative_create_refuses_objects_of_another_organization(org_a, org_b, field):
    foreign = {
        "levers": [Lever.objects.for_org(org_b).first()],
        "touchpoints": [TouchpointFactory(organization=org_b)],
        "journeys": [JourneyFactory(organization=org_b)],
        "sponsor_body": BodyFactory(organization=org_b),
    }[field]
    with pytest.raises(ValidationError) as exc:
        initiative_create(org=org_a, title="Leak", **{field: foreign})
    assert field in exc.value.message_dict
    assert Initiative.objects.for_org(org_a).count() == 0


def test_initiative_create_validates_people_dates_and_choices(org_a, users_b):
    cases = [
        ({"owner": users_b["cx_lead"]}, "owner"),
        ({"team": [users_b["cx_lead"]]}, "team"),
        ({"start_date": dt.date(2025, 2, 1), "due_date": dt.date(2025, 1, 1)}, "due_date"),
        ({"status": "finished"}, "status"),
        ({"title": " "}, "title"),
        ({"planned_cost": Decimal("-1")}, "planned_cost"),
        ({"transformation_step": "revolution"}, "transformation_step"),
        ({"report_every_days": 0}, "report_every_days"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            initiative_create(org=org_a, **{"title": "T", **kwargs})
        assert field in exc.value.message_dict
    assert Initiative.objects.for_org(org_a).count() == 0


def test_initiative_update_changes_only_what_is_given(org_a, users_a):
    initiative = initiative_create(org=org_a, title="Old", owner=users_a["cx_lead"], priority=2,
                                   due_date=dt.date(2025, 6, 1))
    services.initiative_update(org=org_a, initiative=initiative, title="New", actual_cost=Decimal("10"))
    initiative.refresh_from_db()
    assert (initiative.title, initiative.actual_cost, initiative.priority) == ("New", Decimal("10.00"), 2)
    with pytest.raises(ValidationError) as exc:
        services.initiative_update(org=org_a, initiative=initiative, start_date=dt.date(2025, 7, 1))
    assert "due_date" in exc.value.message_dict


# --- transitions ---------------------------------------------------------------------------------

def test_transition_graph_is_enforced_with_a_clear_error(org_a, users_a):
    initiative = InitiativeFactory(organization=org_a)
    with pytest.raises(ValidationError) as exc:
        services.initiative_transition(org=org_a, initiative=initiative, status=S.DONE, by=users_a["cx_lead"])
    message = exc.value.message_dict["status"][0]
    assert "“Idea”" in message and "“Done”" in message and "“Planned”" in message
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).status == S.IDEA

    for target in (S.PLANNED, S.IN_PROGRESS, S.ON_HOLD, S.IN_PROGRESS, S.DONE):
        services.initiative_transition(org=org_a, initiative=initiative, status=target, by=users_a["cx_lead"])
    initiative.refresh_from_db()
    assert initiative.status == S.DONE and initiative.completed_at is not None
    assert initiative.start_date == timezone.localdate()  # set on entering in progress

    with pytest.raises(ValidationError, match="already"):
        services.initiative_transition(org=org_a, initiative=initiative, status=S.DONE, by=users_a["cx_lead"])
    with pytest.raises(ValidationError):
        services.initiative_transition(org=org_a, initiative=initiative, status=S.IN_PROGRESS, by=users_a["cx_lead"])
    with pytest.raises(ValidationError):
        services.initiative_transition(org=org_a, initiative=initiative, status="archived", by=users_a["cx_lead"])


def test_every_edge_of_the_graph_and_nothing_else(org_a, users_a):
    for source, targets in services.TRANSITIONS.items():
        for target in S.values:
            if target == source:
                continue
            initiative = InitiativeFactory(organization=org_a, status=source)
            if target in targets:
                services.initiative_transition(org=org_a, initiative=initiative, status=target, by=users_a["admin"])
                assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).status == target
            else:
                with pytest.raises(ValidationError):
                    services.initiative_transition(org=org_a, initiative=initiative, status=target, by=users_a["admin"])


def test_only_programme_manage_may_reopen(org_a, users_a):
    initiative = InitiativeFactory(organization=org_a, status=S.DONE, owner=users_a["ambassador"],
                                   completed_at=timezone.now())
    with pytest.raises(ValidationError, match="reopen"):
        services.initiative_transition(org=org_a, initiative=initiative, status=S.PLANNED, by=users_a["ambassador"])
    services.initiative_transition(org=org_a, initiative=initiative, status=S.PLANNED, by=users_a["cx_lead"])
    initiative.refresh_from_db()
    assert initiative.status == S.PLANNED and initiative.completed_at is None


def test_status_change_signal_is_sent_after_commit(org_a, users_a, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    initiative_status_changed.connect(listener)
    try:
        initiative = InitiativeFactory(organization=org_a, status=S.IN_PROGRESS)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.initiative_transition(org=org_a, initiative=initiative, status=S.DONE, by=users_a["cx_lead"])
        assert received == []  # not inside the transaction
        for callback in callbacks:
            callback()
    finally:
        initiative_status_changed.disconnect(listener)
    assert len(received) == 1
    assert received[0]["org_id"] == org_a.pk and received[0]["initiative_id"] == initiative.pk
    assert (received[0]["old_status"], received[0]["new_status"], received[0]["by_id"]) == (
        "in_progress", "done", users_a["cx_lead"].pk)


# --- team and object permissions -----------------------------------------------------------------

def test_team_and_owner_get_the_edit_grant_executives_never(org_a, users_a):
    initiative = initiative_create(org=org_a, title="T", owner=users_a["ambassador"],
                                   team=[users_a["integrator"], users_a["executive"]])
    granted = set(
        InitiativeUserObjectPermission.objects.filter(content_object=initiative).values_list("user_id", flat=True)
    )
    assert granted == {users_a["ambassador"].pk, users_a["integrator"].pk}
    assert users_a["integrator"].has_perm("initiatives.edit_initiative", initiative)  # through guardian
    assert not initiative_can_edit(org=org_a, user=users_a["executive"], initiative=initiative)

    services.initiative_team_set(org=org_a, initiative=initiative, team=[])
    services.initiative_update(org=org_a, initiative=initiative, owner=users_a["cx_lead"])
    granted = set(
        InitiativeUserObjectPermission.objects.filter(content_object=initiative).values_list("user_id", flat=True)
    )
    assert granted == {users_a["cx_lead"].pk}
    assert not initiative_can_edit(org=org_a, user=users_a["integrator"], initiative=initiative)
    assert not initiative_can_edit(org=org_a, user=users_a["ambassador"], initiative=initiative)


def test_team_member_may_edit_their_initiative_only(org_a, users_a, org_b, users_b):
    mine = initiative_create(org=org_a, title="Mine", team=[users_a["ambassador"]])
    other = initiative_create(org=org_a, title="Other")
    assert initiative_can_edit(org=org_a, user=users_a["ambassador"], initiative=mine)
    assert not initiative_can_edit(org=org_a, user=users_a["ambassador"], initiative=other)
    assert initiative_can_edit(org=org_a, user=users_a["cx_lead"], initiative=other)
    assert not initiative_can_edit(org=org_a, user=users_a["executive"], initiative=mine)
    assert not initiative_can_edit(org=org_b, user=users_b["cx_lead"], initiative=mine)


# --- schedule ------------------------------------------------------------------------------------

def test_milestone_risk_and_kpi(org_a, org_b, users_a):
    initiative = InitiativeFactory(organization=org_a)
    first = milestone_create(org=org_a, initiative=initiative, title="Pilot", assignee=users_a["cx_lead"])
    second = milestone_create(org=org_a, initiative=initiative, title="Rollout", kind="task")
    assert second.position == first.position + 1
    risk = risk_create(org=org_a, initiative=initiative, description="Capacity", probability=4, impact=3)
    assert risk.exposure == 12 and risk.level == "medium"
    nps = Metric.objects.for_org(org_a).get(code="nps")
    kpi = kpi_create(org=org_a, initiative=initiative, metric=nps, baseline=Decimal("10"), target=Decimal("30"))
    assert (kpi.baseline, kpi.target) == (Decimal("10"), Decimal("30"))

    with pytest.raises(ValidationError) as exc:
        kpi_create(org=org_a, initiative=initiative, metric=nps, target=Decimal("40"))
    assert "metric" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        kpi_create(org=org_a, initiative=initiative, metric=Metric.objects.for_org(org_b).get(code="csat"),
                   target=Decimal("80"))
    assert "metric" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        risk_create(org=org_a, initiative=initiative, description="X", probability=6, impact=1)
    assert "probability" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        milestone_create(org=org_a, initiative=InitiativeFactory(organization=org_b), title="X")
    assert "initiative" in exc.value.message_dict
    services.risk_update(org=org_a, risk=risk, impact=5, status="mitigating")
    risk.refresh_from_db()
    assert (risk.exposure, risk.level, risk.status) == (20, "high", "mitigating")
    services.kpi_update(org=org_a, kpi=kpi, target=Decimal("35"))
    kpi.refresh_from_db()
    assert kpi.target == Decimal("35")


def test_dependencies_refuse_cycles_and_self(org_a):
    initiative = InitiativeFactory(organization=org_a)
    a = milestone_create(org=org_a, initiative=initiative, title="A")
    b = milestone_create(org=org_a, initiative=initiative, title="B", depends_on=[a])
    c = milestone_create(org=org_a, initiative=InitiativeFactory(organization=org_a), title="C", depends_on=[b])
    with pytest.raises(ValidationError, match="cycle"):
        services.milestone_update(org=org_a, milestone=a, depends_on=[c])  # A → C → B → A
    with pytest.raises(ValidationError, match="itself"):
        services.milestone_update(org=org_a, milestone=a, depends_on=[a])
    assert list(a.depends_on.all()) == []
    services.milestone_update(org=org_a, milestone=c, depends_on=[a, b])  # a diamond is not a cycle
    assert set(c.depends_on.all()) == {a, b}


def test_cannot_finish_before_dependencies(org_a):
    initiative = InitiativeFactory(organization=org_a)
    a = milestone_create(org=org_a, initiative=initiative, title="Design")
    b = milestone_create(org=org_a, initiative=initiative, title="Build", depends_on=[a])
    with pytest.raises(ValidationError, match="Design"):
        services.milestone_set_done(org=org_a, milestone=b, done=True)
    services.milestone_set_done(org=org_a, milestone=a, done=True)
    services.milestone_set_done(org=org_a, milestone=b, done=True)
    assert b.done_at is not None
    services.milestone_set_done(org=org_a, milestone=b, done=False)
    assert b.done_at is None


def test_overdue_is_strictly_after_the_due_date():
    from initiatives.models import Milestone

    today = dt.date(2025, 5, 10)
    assert Milestone(due_date=dt.date(2025, 5, 9)).is_overdue(today)
    assert not Milestone(due_date=dt.date(2025, 5, 10)).is_overdue(today)  # due today: not yet
    assert not Milestone(due_date=None).is_overdue(today)
    assert not Milestone(due_date=dt.date(2025, 5, 1), done_at=timezone.now()).is_overdue(today)


# --- status reports ------------------------------------------------------------------------------

def test_status_report_sets_health_from_the_latest_report(org_a, users_a):
    initiative = InitiativeFactory(organization=org_a, health="green")
    today = timezone.localdate()
    services.status_report_create(org=org_a, initiative=initiative, health="amber", summary="Slipping",
                                  by=users_a["cx_lead"], reported_on=today - dt.timedelta(days=3))
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).health == "amber"
    # A back-dated report does not override the newer one.
    services.status_report_create(org=org_a, initiative=initiative, health="red", summary="Old news",
                                  reported_on=today - dt.timedelta(days=10))
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).health == "amber"
    services.status_report_create(org=org_a, initiative=initiative, health="green", summary="Back on track")
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).health == "green"
    with pytest.raises(ValidationError) as exc:
        services.status_report_create(org=org_a, initiative=initiative, health="green", summary="x",
                                      reported_on=today + dt.timedelta(days=1))
    assert "reported_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.status_report_create(org=org_a, initiative=initiative, health="blue", summary="x")
    assert "health" in exc.value.message_dict


# --- reminders -----------------------------------------------------------------------------------

def _reminder_world(org, users):
    today = timezone.localdate()
    owner = users["cx_lead"]
    late = InitiativeFactory(organization=org, owner=owner, status=S.IN_PROGRESS, title="Late one")
    overdue = MilestoneFactory(organization=org, initiative=late, due_date=today - dt.timedelta(days=1))
    MilestoneFactory(organization=org, initiative=late, due_date=today)  # due today: not overdue
    MilestoneFactory(organization=org, initiative=late, due_date=today - dt.timedelta(days=5), done_at=timezone.now())
    done = InitiativeFactory(organization=org, owner=owner, status=S.DONE)
    MilestoneFactory(organization=org, initiative=done, due_date=today - dt.timedelta(days=5))  # closed initiative
    services.status_report_create(org=org, initiative=late, health="green", summary="ok", reported_on=today)
    stale = InitiativeFactory(organization=org, owner=users["ambassador"], status=S.PLANNED, report_every_days=14)
    services.status_report_create(org=org, initiative=stale, health="green", summary="ok",
                                  reported_on=today - dt.timedelta(days=15))
    fresh = InitiativeFactory(organization=org, owner=owner, status=S.PLANNED, report_every_days=14)
    services.status_report_create(org=org, initiative=fresh, health="green", summary="ok",
                                  reported_on=today - dt.timedelta(days=14))  # exactly 14: not stale
    high = risk_create(org=org, initiative=late, description="Vendor", probability=3, impact=5)  # 15
    risk_create(org=org, initiative=late, description="Minor", probability=2, impact=5)  # 10
    ownerless = risk_create(org=org, initiative=late, description="Closed", probability=5, impact=5, status="closed")
    return {"overdue": overdue, "stale": stale, "high": high, "closed": ownerless}


def test_reminders_go_to_owners_once_per_day(org_a, users_a, django_capture_on_commit_callbacks):
    world = _reminder_world(org_a, users_a)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.initiative_notifications_send(org=org_a)
    assert sent == {"milestone_overdue": 1, "report_stale": 1, "risk_high": 1}
    notes = Notification.objects.for_org(org_a)
    assert {(n.user_id, n.kind) for n in notes} == {
        (users_a["cx_lead"].pk, "milestone-overdue"), (users_a["ambassador"].pk, "report-stale"),
        (users_a["cx_lead"].pk, "risk-high"),
    }
    assert any(world["overdue"].title in n.title for n in notes)
    assert len(mail.outbox) == 3  # console backend in production; locmem in tests

    with django_capture_on_commit_callbacks(execute=True):
        again = services.initiative_notifications_send(org=org_a)
    assert again == {"milestone_overdue": 0, "report_stale": 0, "risk_high": 0}
    assert Notification.objects.for_org(org_a).count() == 3

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        next_day = services.initiative_notifications_send(org=org_a, today=tomorrow)
    assert next_day["milestone_overdue"] == 2 and next_day["risk_high"] == 1  # the one due today is late now
