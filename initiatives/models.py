"""CX PMO: improvement initiatives run as projects, tied to levers, touchpoints and metrics."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from cxgov.tenancy.models import TenantScoped

# A risk whose exposure (probability × impact) reaches this is "high": red on the heat map, and its
# owner is notified by the daily job while it stays open.
HIGH_EXPOSURE = 15


class Initiative(TenantScoped):
    """An improvement initiative: traceable to the levers it moves, the CEM step it serves and the
    touchpoints and journeys it affects."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class CemStep(models.TextChoices):
        MAP = "map", _("Map")
        ANALYSE = "analyse", _("Analyse")
        DISTRIBUTE = "distribute", _("Distribute")
        ACT = "act", _("Act")
        CONTROL = "control", _("Control")

    class ChangeKind(models.TextChoices):
        GOVERNANCE_CULTURE = "governance_culture", _("Governance and culture")
        ORGANISATION_PEOPLE = "organisation_people", _("Organisation and people")
        INFORMATION_TECHNOLOGY = "information_technology", _("Information and technology")
        PARTNERS_SUPPLIERS = "partners_suppliers", _("Partners and suppliers")
        VALUE_STREAMS_PROCESSES = "value_streams_processes", _("Value streams and processes")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")
        CRITICAL = 4, _("Critical")

    class Health(models.TextChoices):
        GREEN = "green", _("Green")
        AMBER = "amber", _("Amber")
        RED = "red", _("Red")

    class TransformationStep(models.TextChoices):
        """The eight steps of the transformation roadmap (after Kotter) an initiative supports."""

        URGENCY = "urgency", _("Create a sense of urgency")
        COALITION = "coalition", _("Build a guiding coalition")
        VISION = "vision", _("Form a vision")
        COMMUNICATION = "communication", _("Communicate the vision")
        EMPOWERMENT = "empowerment", _("Empower others to act")
        SHORT_TERM_WINS = "short_term_wins", _("Plan short-term wins")
        CONSOLIDATION = "consolidation", _("Consolidate gains")
        INSTITUTIONALISATION = "institutionalisation", _("Institutionalise the new ways")

    class Fidelity(models.TextChoices):
        NONE = "", _("Not applicable")
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    title = models.CharField(_("title"), max_length=200)
    problem_statement = models.TextField(_("problem statement"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IDEA)
    cem_step = models.CharField(_("CEM step"), max_length=12, choices=CemStep.choices, blank=True)
    change_kind = models.CharField(_("kind of change"), max_length=30, choices=ChangeKind.choices, blank=True)
    transformation_step = models.CharField(
        _("transformation step"), max_length=24, choices=TransformationStep.choices, blank=True, default="",
        help_text=_("The step of the transformation roadmap this initiative supports."),
    )
    levers = models.ManyToManyField(
        "cem_levers.Lever", related_name="initiatives", blank=True, verbose_name=_("levers")
    )
    touchpoints = models.ManyToManyField(
        "voc.Touchpoint", related_name="initiatives", blank=True, verbose_name=_("touchpoints")
    )
    journeys = models.ManyToManyField("voc.Journey", related_name="initiatives", blank=True, verbose_name=_("journeys"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    sponsor_body = models.ForeignKey(
        "governance.Body",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored_initiatives",
        verbose_name=_("sponsor body"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="initiative_teams", blank=True, verbose_name=_("team members"),
        help_text=_("Team members may edit this initiative, its schedule, risks, KPIs and status reports."),
    )
    origin_root_cause = models.ForeignKey(
        "voc.RootCause", on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives",
        verbose_name=_("root cause it addresses"),
    )
    origin_touchpoint = models.ForeignKey(
        "voc.Touchpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="originated_initiatives",
        verbose_name=_("touchpoint it came from"),
        help_text=_("Set by the outer loop, so the initiative's impact on this touchpoint can be checked."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    health = models.CharField(_("health"), max_length=5, choices=Health.choices, default=Health.GREEN)
    short_term_win = models.BooleanField(_("short-term win"), default=False)
    prototype_fidelity = models.CharField(
        _("prototype fidelity"), max_length=6, choices=Fidelity.choices, blank=True, default=""
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    planned_cost = models.DecimalField(_("planned cost"), max_digits=14, decimal_places=2, default=0)
    actual_cost = models.DecimalField(_("actual cost"), max_digits=14, decimal_places=2, default=0)
    expected_benefit = models.DecimalField(_("expected benefit"), max_digits=14, decimal_places=2, default=0)
    benefit_metric = models.CharField(
        _("benefit metric"), max_length=200, blank=True,
        help_text=_("How the expected benefit is measured, e.g. retained balances per year."),
    )
    report_every_days = models.PositiveSmallIntegerField(
        _("report every (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Without a status report within this many days the initiative is flagged stale."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "due_date", "id"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        indexes = [
            models.Index(fields=["organization", "status"], name="initiatives_init_org_status"),
            models.Index(fields=["organization", "due_date"], name="initiatives_init_org_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__isnull=True) | Q(due_date__gte=F("start_date")),
                name="initiatives_initiative_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(planned_cost__gte=0) & Q(actual_cost__gte=0), name="initiatives_initiative_costs_positive"
            ),
            models.CheckConstraint(
                condition=Q(report_every_days__gte=1), name="initiatives_initiative_report_cadence_positive"
            ),
        ]
        permissions = [("edit_initiative", "Can edit this initiative (team member)")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED)

    @property
    def roi(self) -> Decimal | None:
        """(expected benefit − actual cost) / actual cost, as a fraction; None while nothing is spent.

        Undefined (None) when the actual cost is 0: a ratio over nothing spent would be infinite.
        """
        if not self.actual_cost:
            return None
        return (Decimal(self.expected_benefit) - Decimal(self.actual_cost)) / Decimal(self.actual_cost)

    @property
    def roi_percent(self) -> Decimal | None:
        roi = self.roi
        return None if roi is None else (roi * 100).quantize(Decimal("0.1"))


class InitiativeUserObjectPermission(UserObjectPermissionBase):
    """A django-guardian grant on one initiative: its team members (and owner) may edit it.

    Direct foreign key rather than guardian's generic key, so "which initiatives may this user edit"
    is one indexed query. Grants are written only by ``initiatives.services`` (team and owner sync),
    which checks membership; never edit them by hand.
    """

    content_object = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        verbose_name = _("initiative grant")
        verbose_name_plural = _("initiative grants")


class Milestone(TenantScoped):
    """A milestone or task of an initiative's schedule, with its dependencies (no cycles)."""

    class Kind(models.TextChoices):
        MILESTONE = "milestone", _("Milestone")
        TASK = "task", _("Task")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MILESTONE)
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, related_name="dependents", blank=True, verbose_name=_("depends on"),
        help_text=_("Work that must be done before this can finish."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["initiative", "due_date", "position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["organization", "due_date"], name="initiatives_ms_org_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__isnull=True) | Q(due_date__gte=F("start_date")),
                name="initiatives_milestone_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:  # noqa: ANN001
        """Not done and its due date has passed (due today is not overdue yet)."""
        return self.done_at is None and self.due_date is not None and self.due_date < today


class Risk(TenantScoped):
    """A risk or issue in an initiative's register, rated by probability and impact (1–5)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATING = "mitigating", _("Mitigating")
        OCCURRED = "occurred", _("Occurred (issue)")
        CLOSED = "closed", _("Closed")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField(_("description"))
    probability = models.PositiveSmallIntegerField(
        _("probability"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(_("impact"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    mitigation = models.TextField(_("mitigation plan"), blank=True)
    contingency = models.TextField(_("contingency plan"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["initiative", "-probability", "-impact", "id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=1, probability__lte=5), name="initiatives_risk_probability_1_5"
            ),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="initiatives_risk_impact_1_5"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def exposure(self) -> int:
        return self.probability * self.impact

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.MITIGATING, self.Status.OCCURRED)

    @property
    def level(self) -> str:
        """low (< 8), medium (8–14) or high (≥ HIGH_EXPOSURE), as the heat map colours it."""
        if self.exposure >= HIGH_EXPOSURE:
            return "high"
        return "medium" if self.exposure >= 8 else "low"


class InitiativeKpi(TenantScoped):
    """A metric the initiative should move: baseline, target and the date to reach it."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="kpis")
    metric = models.ForeignKey("voc.Metric", on_delete=models.PROTECT, related_name="initiative_kpis")
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4)
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Meta:
        ordering = ["initiative", "metric"]
        verbose_name = _("initiative KPI")
        verbose_name_plural = _("initiative KPIs")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "initiative", "metric"], name="initiatives_kpi_unique_metric"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} → {self.target}"


class StatusReport(TenantScoped):
    """A periodic status report: health, summary and next steps. The latest one sets the
    initiative's health; the history shows the trend."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="status_reports")
    reported_on = models.DateField(_("reported on"))
    health = models.CharField(_("health"), max_length=5, choices=Initiative.Health.choices)
    summary = models.TextField(_("summary"))
    next_steps = models.TextField(_("next steps"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["initiative", "-reported_on", "-id"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        indexes = [
            models.Index(fields=["organization", "initiative", "reported_on"], name="initiatives_report_org_init_on"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.reported_on:%Y-%m-%d} {self.health}"
