"""Meetings and decisions: attendees from the body only, owners from the organization only, and the
overdue logic on a fixed clock."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance import selectors
from governance.models import Decision
from governance.services import decision_create, decision_status_set, meeting_create, meeting_update
from tests.factories import BodyFactory, BodyMemberFactory, DecisionFactory, MeetingFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def fixed_clock(monkeypatch):
    """Noon UTC on 10 March 2026: the organizations' today (UTC) is TODAY."""
    moment = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def test_attendees_are_members_of_the_body(org_a, org_b):
    body = BodyFactory(organization=org_a, name="Steering")
    member = BodyMemberFactory(organization=org_a, body=body)
    stranger = BodyMemberFactory(organization=org_a, name="Pat Other")
    meeting = meeting_create(org=org_a, body=body, date=TODAY, agenda="Q1", attendees=[member])
    assert list(meeting.attendees.all()) == [member]
    with pytest.raises(ValidationError) as exc:
        meeting_update(org=org_a, meeting=meeting, date=TODAY, attendees=[member, stranger])
    assert "Pat Other" in exc.value.message_dict["attendees"][0]
    with pytest.raises(ValidationError) as exc:
        meeting_create(org=org_a, body=body, date=TODAY, attendees=[BodyMemberFactory(organization=org_b)])
    assert exc.value.message_dict == {"attendees": ["Not found in this organization."]}
    assert list(meeting.attendees.all()) == [member]


def test_decision_owner_and_meeting_must_be_of_the_organization_and_body(org_a, org_b, users_a, users_b):
    body = BodyFactory(organization=org_a)
    with pytest.raises(ValidationError) as exc:
        decision_create(org=org_a, body=body, text="Fund the app redesign", owner=users_b["cx_lead"])
    assert exc.value.message_dict == {"owner": ["Not found in this organization."]}
    with pytest.raises(ValidationError) as exc:
        decision_create(org=org_a, body=body, text="X", meeting=MeetingFactory(organization=org_a))
    assert "meeting" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        decision_create(org=org_a, body=BodyFactory(organization=org_b), text="X")
    assert exc.value.message_dict == {"body": ["Not found in this organization."]}
    with pytest.raises(ValidationError) as exc:
        decision_create(org=org_a, body=body, text="   ")
    assert "text" in exc.value.message_dict
    assert not Decision.objects.for_org(org_a).exists()


def test_closing_stamps_and_reopening_clears(org_a, users_a, fixed_clock):
    decision = decision_create(org=org_a, body=BodyFactory(organization=org_a), text="Publish the charter",
                               owner=users_a["cx_lead"], due_date=TODAY)
    assert decision.closed_at is None
    decision_status_set(org=org_a, decision=decision, status="done")
    assert decision.closed_at == fixed_clock
    decision_status_set(org=org_a, decision=decision, status="open")
    assert decision.closed_at is None
    with pytest.raises(ValidationError):
        decision_status_set(org=org_a, decision=decision, status="postponed")


def test_overdue_is_open_and_due_before_today(org_a, users_a, fixed_clock):
    body = BodyFactory(organization=org_a)
    mine = users_a["cx_lead"]
    late = DecisionFactory(organization=org_a, body=body, owner=mine, due_date=TODAY - dt.timedelta(days=1))
    due_today = DecisionFactory(organization=org_a, body=body, owner=mine, due_date=TODAY)
    no_date = DecisionFactory(organization=org_a, body=body, owner=mine, due_date=None)
    DecisionFactory(organization=org_a, body=body, owner=mine, due_date=TODAY - dt.timedelta(days=9), status="done")
    DecisionFactory(organization=org_a, body=body, owner=mine, due_date=TODAY - dt.timedelta(days=9),
                    status="dropped")
    other_late = DecisionFactory(organization=org_a, body=BodyFactory(organization=org_a),
                                 owner=users_a["executive"], due_date=TODAY - dt.timedelta(days=30))

    assert selectors.today_for(org_a) == TODAY
    summary = selectors.decisions_open(org=org_a, owner=mine)
    assert summary.overdue == [late]
    assert summary.upcoming == [due_today, no_date]
    assert list(selectors.decision_list(org=org_a, overdue_only=True)) == [other_late, late]
    by_body = dict(selectors.decisions_by_body(org=org_a))
    assert by_body[body].open_count == 3 and by_body[body].overdue == [late]
    # A day later, what was due today is overdue too.
    tomorrow = selectors.decisions_open(org=org_a, owner=mine, today=TODAY + dt.timedelta(days=1))
    assert tomorrow.overdue == [late, due_today]


def test_today_follows_the_organization_time_zone(org_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC))
    org_a.timezone = "Europe/Madrid"
    assert selectors.today_for(org_a) == dt.date(2026, 3, 11)
