"""Writes for notifications."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cxgov.tenancy.models import Membership, Organization, User

from .models import Notification


@transaction.atomic
def notification_send(
    *, org: Organization, user: User, kind: str, title: str, body: str = "", url: str = "",
    dedupe_key: str = "", email: bool = True,
) -> Notification | None:
    """Put a notification in ``user``'s inbox in ``org`` and, with ``email``, email it after commit.

    Returns None when the user is not a member of ``org`` (nothing is sent outside an organization)
    or when a notification with the same ``dedupe_key`` already exists for the user.
    """
    if not Membership.objects.filter(organization=org, user=user).exists():
        return None
    if dedupe_key and Notification.objects.for_org(org).filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    notification = Notification.objects.create(
        organization=org, user=user, kind=kind, title=title[:200], body=body, url=url[:500], dedupe_key=dedupe_key[:200]
    )
    if email and user.email:
        from .tasks import notification_email

        notification_id = notification.pk
        transaction.on_commit(lambda: notification_email.delay(org_id=org.pk, notification_id=notification_id))
    return notification


@transaction.atomic
def notifications_mark_read(*, org: Organization, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None). Returns how many."""
    unread = Notification.objects.for_org(org).filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
