"""The daily reminders job: scheduled in beat, one task per organization, idempotent per day."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from cxgov.inbox.models import Notification
from initiatives.tasks import initiative_reminders_all, initiative_reminders_send
from tests.factories import InitiativeFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def test_reminders_are_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["initiatives-daily-reminders"]
    assert entry["task"] == "initiatives.tasks.initiative_reminders_all"
    assert initiative_reminders_all.name == entry["task"]


def test_daily_job_notifies_every_organization_once(org_a, users_a, org_b, users_b,
                                                    django_capture_on_commit_callbacks):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for org, users in ((org_a, users_a), (org_b, users_b)):
        initiative = InitiativeFactory(organization=org, owner=users["cx_lead"], status="in_progress")
        MilestoneFactory(organization=org, initiative=initiative, due_date=yesterday, title=f"Late in {org.slug}")
    with django_capture_on_commit_callbacks(execute=True):
        assert initiative_reminders_all() >= 2  # eager: each organization's task runs now
    for org, users in ((org_a, users_a), (org_b, users_b)):
        notes = list(Notification.objects.for_org(org).filter(kind="milestone-overdue"))
        assert [(n.user_id, f"Late in {org.slug}" in n.title) for n in notes] == [(users["cx_lead"].pk, True)]
    assert {m.to[0] for m in mail.outbox} == {users_a["cx_lead"].email, users_b["cx_lead"].email}
    with django_capture_on_commit_callbacks(execute=True):
        result = initiative_reminders_send(org_id=org_a.pk)
    assert result["milestone_overdue"] == 0
    assert initiative_reminders_send(org_id=999_999) is None  # a missing organization is a no-op


def test_reminders_speak_the_organization_language(org_a, users_a, django_capture_on_commit_callbacks):
    org_a.language = "es"
    org_a.save()
    initiative = InitiativeFactory(organization=org_a, owner=users_a["cx_lead"], status="in_progress")
    MilestoneFactory(organization=org_a, initiative=initiative, due_date=timezone.localdate() - dt.timedelta(days=2),
                     title="Piloto")
    with django_capture_on_commit_callbacks(execute=True):
        initiative_reminders_send(org_id=org_a.pk)
    assert Notification.objects.for_org(org_a).get().title.startswith("Vencido")
