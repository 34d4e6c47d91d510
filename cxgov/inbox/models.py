"""In-app notifications. Low in the dependency chain (only tenancy), so every domain app can notify."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import TenantScoped


class Notification(TenantScoped):
    """A message for one user in one organization, shown in the inbox and optionally emailed.

    ``dedupe_key`` makes a daily job idempotent: notifying the same user twice about the same thing
    (e.g. ``milestone-overdue:42``) creates one notification.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.SlugField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["organization", "user", "read_at"], name="inbox_notif_org_user_read")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                name="inbox_notification_unique_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return self.title
