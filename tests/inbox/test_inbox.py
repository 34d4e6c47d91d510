"""Notifications: in-app inbox per user and organization, deduplicated, emailed once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cxgov.inbox.models import Notification
from cxgov.inbox.services import notification_send, notifications_mark_read
from cxgov.inbox.tasks import notification_email

pytestmark = pytest.mark.django_db


def test_send_dedupes_and_refuses_non_members(org_a, org_b, users_a, users_b, django_capture_on_commit_callbacks):
    lead = users_a["cx_lead"]
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(org=org_a, user=lead, kind="milestone-overdue", title="Overdue", dedupe_key="m:1")
    again = notification_send(org=org_a, user=lead, kind="milestone-overdue", title="Overdue", dedupe_key="m:1")
    assert first is not None and again is None
    assert Notification.objects.for_org(org_a).filter(user=lead).count() == 1
    # Someone of another organization is never notified in this one.
    assert notification_send(org=org_a, user=users_b["cx_lead"], kind="x", title="leak") is None
    assert len(mail.outbox) == 1 and "Overdue" in mail.outbox[0].subject


def test_email_task_sends_once(org_a, users_a):
    note = notification_send(org=org_a, user=users_a["executive"], kind="k", title="Report ready", email=False)
    assert notification_email(org_id=org_a.pk, notification_id=note.pk) is True
    assert notification_email(org_id=org_a.pk, notification_id=note.pk) is False
    assert len(mail.outbox) == 1


def test_inbox_page_lists_own_notifications_and_marks_read(client, org_a, org_b, users_a, users_b):
    mine = notification_send(org=org_a, user=users_a["ambassador"], kind="k", title="For me", email=False)
    notification_send(org=org_a, user=users_a["cx_lead"], kind="k", title="For someone else", email=False)
    notification_send(org=org_b, user=users_b["ambassador"], kind="k", title="Other org", email=False)
    client.force_login(users_a["ambassador"])
    page = client.get(reverse("inbox:inbox")).content.decode()
    assert "For me" in page and "For someone else" not in page and "Other org" not in page
    client.post(reverse("inbox:inbox"), {"id": [mine.pk]})
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert notifications_mark_read(org=org_a, user=users_a["ambassador"]) == 0
