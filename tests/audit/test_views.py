"""The audit trail page: admins only, this organization's entries only, filters, pinned queries."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from cxgov.audit.selectors import entry_changes
from cxgov.tenancy.roles import Op
from governance.models import Body
from tests.dashboards.page_checks import check_anonymous, check_pinned_queries, check_roles
from tests.dashboards.pages import signed_in
from tests.factories import BodyFactory, InitiativeFactory, LeverFactory

pytestmark = pytest.mark.django_db

URL = reverse("audit:trail")


def test_only_admins_read_the_trail(client, users_a):
    check_roles(URL, users_a, Op.AUDIT_VIEW)
    check_anonymous(client, URL)


def test_the_trail_never_shows_another_organizations_changes(org_a, org_b, users_a, users_b):
    with set_actor(users_a["cx_lead"]):
        BodyFactory(organization=org_a, name="Alpha steering committee")
    with set_actor(users_b["cx_lead"]):
        BodyFactory(organization=org_b, name="Bravo secret council")
    page = signed_in(users_a["admin"]).get(URL).content.decode()
    assert "Alpha steering committee" in page
    assert "Bravo secret council" not in page
    assert users_b["cx_lead"].email not in page
    page_b = signed_in(users_b["admin"]).get(URL).content.decode()
    assert "Bravo secret council" in page_b and "Alpha steering committee" not in page_b
    # Filtering on B's member from A finds nothing (the choice is refused: not a member of A).
    response = signed_in(users_a["admin"]).get(URL, {"actor": users_b["cx_lead"].pk})
    assert response.status_code == 400
    assert "Bravo secret council" not in response.content.decode()


def test_entries_without_an_organization_are_never_shown(org_a, users_a):
    BodyFactory(organization=org_a, name="Visible body")
    LogEntry.objects.filter(object_repr="Visible body").update(additional_data=None)
    assert "Visible body" not in signed_in(users_a["admin"]).get(URL).content.decode()


def test_filters_by_model_actor_and_dates(org_a, users_a):
    with set_actor(users_a["cx_lead"]):
        BodyFactory(organization=org_a, name="Body by the lead")
    with set_actor(users_a["admin"]):
        InitiativeFactory(organization=org_a, title="Initiative by the admin")
    client = signed_in(users_a["admin"])
    body_type = ContentType.objects.get_for_model(Body).pk

    page = client.get(URL, {"model": body_type}).content.decode()
    assert "Body by the lead" in page and "Initiative by the admin" not in page
    page = client.get(URL, {"actor": users_a["admin"].pk}).content.decode()
    assert "Initiative by the admin" in page and "Body by the lead" not in page
    today = timezone.now().date()
    page = client.get(URL, {"date_from": today.isoformat(), "date_to": today.isoformat()}).content.decode()
    assert "Body by the lead" in page
    page = client.get(URL, {"date_to": (today - dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "Body by the lead" not in page and "No change matches these filters." in page

    bad = client.get(URL, {"date_from": today.isoformat(), "date_to": (today - dt.timedelta(days=3)).isoformat()})
    assert bad.status_code == 400
    assert "The end date is before the start date." in bad.content.decode()
    assert client.get(URL, {"model": "not-a-number"}).status_code == 400
    assert client.get(URL, {"date_from": "31/02/2026"}).status_code == 400


def test_the_diff_is_readable(org_a, users_a):
    with set_actor(users_a["cx_lead"]):
        body = BodyFactory(organization=org_a, name="Core team", kind=Body.Kind.CORE_TEAM)
        body.kind = Body.Kind.STEERING_COMMITTEE
        body.save()
    entry = LogEntry.objects.get_for_object(body).order_by("pk").last()
    rows = {c.field: (c.old, c.new) for c in entry_changes(entry)}
    kind_label = str(Body._meta.get_field("kind").verbose_name)
    assert rows[kind_label[:1].upper() + kind_label[1:]] == (str(Body.Kind.CORE_TEAM.label),
                                                             str(Body.Kind.STEERING_COMMITTEE.label))
    page = signed_in(users_a["admin"]).get(URL).content.decode()
    assert str(Body.Kind.STEERING_COMMITTEE.label) in page


def test_many_to_many_changes_read_as_added_and_removed(org_a):
    lever = LeverFactory(organization=org_a, name_en="Journeys")
    initiative = InitiativeFactory(organization=org_a)
    initiative.levers.add(lever)
    initiative.levers.remove(lever)
    added, removed = LogEntry.objects.get_for_object(initiative).order_by("pk")[1:3]
    assert entry_changes(added)[0].new.endswith(str(lever))
    assert entry_changes(removed)[0].old.endswith(str(lever))


def test_query_count_is_pinned_and_pages_are_fifty_entries(org_a, users_a, django_assert_num_queries):
    for i in range(3):
        with set_actor(users_a["cx_lead"]):
            BodyFactory(organization=org_a, name=f"First {i}")
    client = signed_in(users_a["admin"])

    def grow():
        for i in range(60):
            with set_actor(users_a["admin"] if i % 2 else users_a["cx_lead"]):
                BodyFactory(organization=org_a, name=f"More {i}")

    check_pinned_queries(client, URL, django_assert_num_queries, 8, grow)
    first = client.get(URL).content.decode()
    assert first.count('class="card audit-entry"') == 50
    second = client.get(URL, {"page": 2}).content.decode()
    assert "First 0" in second
