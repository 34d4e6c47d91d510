"""Email delivery for notifications, through Django's email backend (console by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from cxgov.tenancy.models import Organization
from cxgov.tenancy.tasks import org_task

from .models import Notification


@org_task(autoretry_for=(OSError,))
def notification_email(*, org: Organization, notification_id: int) -> bool:
    """Email one notification once; a retry after a successful send does not send it again."""
    notification = (
        Notification.objects.for_org(org).select_related("user").filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    with translation.override(notification.user.language or org.language):
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{settings.CXGOV_BASE_URL.rstrip('/')}{notification.url}"
        send_mail(f"[{org.name}] {notification.title}", body, None, [notification.user.email])
    Notification.objects.for_org(org).filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True
