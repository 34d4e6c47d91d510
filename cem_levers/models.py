"""The CEM framework: lever groups, levers and the practices inside each lever."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxgov.bilingual import Bilingual
from cxgov.tenancy.models import TenantScoped


class LeverGroup(Bilingual, TenantScoped):
    """One of the framework's groups (default: strategy; the customer; brand, products and
    interaction; internal management)."""

    code = models.SlugField(_("code"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Switching framework template deactivates the old groups with their levers (never deletes).
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lever group")
        verbose_name_plural = _("lever groups")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="cem_levers_levergroup_unique_code"),
        ]


class Lever(Bilingual, TenantScoped):
    """A lever of the CEM framework: an area that must be managed to transform the experience."""

    group = models.ForeignKey(LeverGroup, on_delete=models.PROTECT, related_name="levers", verbose_name=_("group"))
    code = models.SlugField(_("code"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lever")
        verbose_name_plural = _("levers")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="cem_levers_lever_unique_code"),
        ]
        indexes = [models.Index(fields=["organization", "position"], name="cem_levers_lever_org_pos")]


class Practice(Bilingual, TenantScoped):
    """A practice within a lever; the unit a maturity assessment scores."""

    lever = models.ForeignKey(Lever, on_delete=models.CASCADE, related_name="practices", verbose_name=_("lever"))
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # A deactivated practice leaves the questionnaire; its past answers stay readable.
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["lever__position", "position", "id"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="cem_levers_practice_unique_code"),
        ]
        indexes = [models.Index(fields=["organization", "lever"], name="cem_levers_practice_org_lever")]


