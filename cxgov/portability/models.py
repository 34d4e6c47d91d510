"""An export of one organization's data: requested by an admin, built by a task, kept for 7 days."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import TenantScoped


class DataExport(TenantScoped):
    """One zip of the organization's data. The file lives under ``MEDIA_ROOT/exports/`` and is served
    only through the download view (admins of the organization), never as a public media URL."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(_("file"), max_length=300, blank=True, editable=False)
    size_bytes = models.BigIntegerField(_("size"), default=0, editable=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="portability_export_org_time")]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file_name) and not self.is_expired
