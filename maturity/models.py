"""The maturity map: stages, assessments and their answers, and computed scores with snapshots."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxgov.bilingual import Bilingual
from cxgov.tenancy.models import TenantScoped

STAGE_LEVELS = [MinValueValidator(1), MaxValueValidator(5)]

# Evidence files attached to an answer: documents and images only, at most 10 MB.
EVIDENCE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "gif", "txt", "csv", "docx", "xlsx", "pptx", "odt", "ods", "odp"]
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


class FrameworkTemplate(models.TextChoices):
    """The framework models an organization can start from (content in ``maturity.catalogue``)."""

    DEFAULT = "default", _("cxgov 10-lever CEM framework")
    XMI = "xmi", _("Qualtrics XM Institute: six competencies")
    FORRESTER = "forrester", _("Forrester: six CX disciplines")
    OMB_A11 = "omb_a11", _("US federal OMB A-11 §280 CX capacity")
    CUSTOM = "custom", _("Our own framework (start empty)")


class MaturitySettings(TenantScoped):
    """One per organization: the active framework template and the scoring weights."""

    template = models.CharField(
        _("framework template"), max_length=12, choices=FrameworkTemplate.choices, default=FrameworkTemplate.DEFAULT
    )
    weight_assessment = models.DecimalField(
        _("weight of the assessment"), max_digits=3, decimal_places=2, default=Decimal("0.70"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    weight_evidence = models.DecimalField(
        _("weight of the evidence"), max_digits=3, decimal_places=2, default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    template_changed_at = models.DateTimeField(_("template changed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("maturity settings")
        verbose_name_plural = _("maturity settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="maturity_maturitysettings_one_per_org"),
            models.CheckConstraint(
                condition=Q(weight_assessment__gte=0, weight_assessment__lte=1,
                            weight_evidence__gte=0, weight_evidence__lte=1)
                & Q(weight_assessment=Decimal("1") - models.F("weight_evidence")),
                name="maturity_maturitysettings_weights_sum_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_template_display()} ({self.weight_assessment}/{self.weight_evidence})"


class Stage(Bilingual, TenantScoped):
    """A maturity stage, 1 (lowest) to 5. Default: Explore, Define, Extend, Consolidate, Optimize.

    ``descriptor_*`` says how a *practice* looks at this stage; the questionnaire shows it under
    each stage's radio button, next to the practice's own description.
    """

    level = models.PositiveSmallIntegerField(_("level"), validators=STAGE_LEVELS)
    descriptor_en = models.TextField(_("practice at this stage (English)"), blank=True)
    descriptor_es = models.TextField(_("practice at this stage (Spanish)"), blank=True)

    @property
    def descriptor(self) -> str:
        return self._pick("descriptor")

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
    framework = models.CharField(
        _("framework"), max_length=12, choices=FrameworkTemplate.choices, default=FrameworkTemplate.DEFAULT,
        help_text=_("The framework template active when the assessment was opened."),
    )
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
    evidence_file = models.FileField(
        _("evidence file"), upload_to="maturity/evidence/%Y/%m/", blank=True, max_length=255,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
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


class AssessorSubmission(TenantScoped):
    """An assessor has handed in their own answers: from then on they are frozen, and the assessor
    may see the other assessors' answers (before, nobody but the CX lead sees them)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assessor_submissions")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["assessment", "submitted_at", "id"]
        verbose_name = _("assessor submission")
        verbose_name_plural = _("assessor submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "assessment", "assessor"], name="maturity_assessorsubmission_unique"
            ),
        ]


class LeverTarget(TenantScoped):
    """Where the organization wants a lever to be (stage 1–5) and by when."""

    lever = models.ForeignKey("cem_levers.Lever", on_delete=models.CASCADE, related_name="maturity_targets")
    target_level = models.PositiveSmallIntegerField(_("target stage"), validators=STAGE_LEVELS)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lever__position", "id"]
        verbose_name = _("lever target")
        verbose_name_plural = _("lever targets")
        constraints = [
            models.UniqueConstraint(fields=["organization", "lever"], name="maturity_levertarget_unique_lever"),
            models.CheckConstraint(
                condition=Q(target_level__gte=1, target_level__lte=5), name="maturity_levertarget_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lever} → {self.target_level}"


class MaturitySnapshot(TenantScoped):
    """The result of one score recompute: the overall score and one ``LeverScore`` per lever.

    A recompute whose result equals the latest snapshot's (same ``fingerprint``) stores nothing,
    so the trend shows changes only.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    computed_at = models.DateTimeField(_("computed at"))
    overall = models.DecimalField(_("overall score"), max_digits=5, decimal_places=2, null=True, blank=True)
    framework = models.CharField(
        _("framework"), max_length=12, choices=FrameworkTemplate.choices, default=FrameworkTemplate.DEFAULT
    )
    weight_assessment = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    weight_evidence = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)

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
    initiatives_done = models.PositiveIntegerField(_("initiatives delivered (12 months)"), default=0)
    kpis_met = models.PositiveIntegerField(_("KPI targets met"), default=0)
    kpis_measured = models.PositiveIntegerField(_("KPIs measured"), default=0)

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
