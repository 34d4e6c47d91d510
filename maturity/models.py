"""The maturity map: stages, assessments and their answers, and computed scores with snapshots."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxgov.bilingual import Bilingual
from cxgov.tenancy.models import TenantScoped

STAGE_LEVELS = [MinValueValidator(1), MaxValueValidator(5)]


class Stage(Bilingual, TenantScoped):
    """A maturity stage, 1 (lowest) to 5. Default: Explore, Define, Extend, Consolidate, Optimize."""

    level = models.PositiveSmallIntegerField(_("level"), validators=STAGE_LEVELS)

    class Meta:
        ordering = ["level"]
        verbose_name = _("maturity stage")
        verbose_name_plural = _("maturity stages")
        constraints = [
            models.UniqueConstraint(fields=["organization", "level"], name="maturity_stage_unique_level"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="maturity_stage_level_1_5"),
        ]


class Assessment(TenantScoped):
    """A maturity assessment: several assessors answer every practice, then a consensus is submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        SUBMITTED = "submitted", _("Submitted")

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["organization", "status", "submitted_at"], name="maturity_assess_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="maturity_assessment_submitted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(TenantScoped):
    """One assessor's answer for one practice (``assessor`` empty: the agreed consensus answer)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    practice = models.ForeignKey("cem_levers.Practice", on_delete=models.PROTECT, related_name="answers")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_consensus = models.BooleanField(_("consensus"), default=False)
    stage_level = models.PositiveSmallIntegerField(_("stage"), validators=STAGE_LEVELS)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "practice", "is_consensus", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage_level__gte=1, stage_level__lte=5), name="maturity_answer_stage_1_5"
            ),
            models.CheckConstraint(
                condition=Q(is_consensus=True) | Q(assessor__isnull=False), name="maturity_answer_has_assessor"
            ),
            models.UniqueConstraint(
                fields=["organization", "assessment", "practice", "assessor"],
                condition=Q(is_consensus=False),
                name="maturity_answer_unique_per_assessor",
            ),
            models.UniqueConstraint(
                fields=["organization", "assessment", "practice"],
                condition=Q(is_consensus=True),
                name="maturity_answer_unique_consensus",
            ),
        ]


class MaturitySnapshot(TenantScoped):
    """The result of one score recompute: the overall score and one ``LeverScore`` per lever."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    computed_at = models.DateTimeField(_("computed at"))
    overall = models.DecimalField(_("overall score"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        get_latest_by = "computed_at"
        verbose_name = _("maturity snapshot")
        verbose_name_plural = _("maturity snapshots")
        indexes = [models.Index(fields=["organization", "computed_at"], name="maturity_snap_org_time")]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d} {self.overall}"


class LeverScore(TenantScoped):
    """A lever's maturity in one snapshot, on the 1–5 stage scale, with the parts it was blended from."""

    snapshot = models.ForeignKey(MaturitySnapshot, on_delete=models.CASCADE, related_name="lever_scores")
    lever = models.ForeignKey("cem_levers.Lever", on_delete=models.CASCADE, related_name="scores")
    assessment_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    evidence_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["snapshot", "lever__position"]
        verbose_name = _("lever score")
        verbose_name_plural = _("lever scores")
        constraints = [
            models.UniqueConstraint(fields=["organization", "snapshot", "lever"], name="maturity_leverscore_unique"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="maturity_leverscore_score_1_5"
            ),
        ]
