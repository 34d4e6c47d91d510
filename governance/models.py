"""CX governance: the five bodies on their three levels, and their members."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import TenantScoped


class Level(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    TACTICAL = "tactical", _("Tactical")
    OPERATIONAL = "operational", _("Operational")


class Body(TenantScoped):
    """A governance body: executive sponsor, steering committee, core CX team, working group or
    the CX ambassadors."""

    class Kind(models.TextChoices):
        EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
        STEERING_COMMITTEE = "steering_committee", _("Steering committee")
        CORE_TEAM = "core_team", _("Core CX team")
        WORKING_GROUP = "working_group", _("Working group")
        AMBASSADORS = "ambassadors", _("CX ambassadors")

    DEFAULT_LEVEL = {
        Kind.EXECUTIVE_SPONSOR: Level.STRATEGIC,
        Kind.STEERING_COMMITTEE: Level.STRATEGIC,
        Kind.CORE_TEAM: Level.TACTICAL,
        Kind.WORKING_GROUP: Level.TACTICAL,
        Kind.AMBASSADORS: Level.OPERATIONAL,
    }

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    name = models.CharField(_("name"), max_length=200)
    mandate = models.TextField(_("mandate"), blank=True)
    cadence = models.CharField(_("meeting cadence"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("governance body")
        verbose_name_plural = _("governance bodies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="governance_body_unique_name"),
        ]
        indexes = [models.Index(fields=["organization", "kind"], name="governance_body_org_kind")]

    def __str__(self) -> str:
        return self.name


class BodyMember(TenantScoped):
    """A member of a body: a user of the organization, or a person without a login."""

    class RoleInBody(models.TextChoices):
        CHAIR = "chair", _("Chair")
        MEMBER = "member", _("Member")
        SECRETARY = "secretary", _("Secretary")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members", verbose_name=_("body"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    area = models.CharField(_("area"), max_length=200, blank=True)
    role_in_body = models.CharField(_("role"), max_length=10, choices=RoleInBody.choices, default=RoleInBody.MEMBER)

    class Meta:
        ordering = ["body", "role_in_body", "name", "id"]
        verbose_name = _("body member")
        verbose_name_plural = _("body members")
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(name=""), name="governance_bodymember_who"),
            models.UniqueConstraint(
                fields=["organization", "body", "user"], condition=Q(user__isnull=False),
                name="governance_bodymember_unique_user",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id is not None:
            return str(self.user)
        return self.name
