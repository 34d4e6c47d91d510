"""CX governance: the five bodies on their three levels, and their members."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


# A RACI row is about exactly one lever, journey or initiative; a column is exactly one body, one
# member (a person, possibly without a login) or one user. Three nullable foreign keys per side, with
# check constraints, keep real foreign keys (cascades, joins, tenant checks) instead of generic ids.
RACI_SUBJECTS = ("lever", "journey", "initiative")
RACI_PARTIES = ("body", "member", "user")


def _exactly_one(fields: tuple[str, ...]) -> Q:
    condition = Q()
    for chosen in fields:
        term = Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                term &= Q(**{f"{other}__isnull": True})
        condition |= term
    return condition


class RaciAssignment(TenantScoped):
    """One cell of the RACI matrix: who is Responsible, Accountable, Consulted or Informed for a
    lever, a journey or an initiative. Exactly one Accountable per row is a service rule."""

    lever = models.ForeignKey(
        "cem_levers.Lever", on_delete=models.CASCADE, null=True, blank=True, related_name="raci_assignments",
        verbose_name=_("lever"),
    )
    journey = models.ForeignKey(
        "voc.Journey", on_delete=models.CASCADE, null=True, blank=True, related_name="raci_assignments",
        verbose_name=_("journey"),
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.CASCADE, null=True, blank=True, related_name="raci_assignments",
        verbose_name=_("initiative"),
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, null=True, blank=True, related_name="raci_assignments", verbose_name=_("body")
    )
    member = models.ForeignKey(
        BodyMember, on_delete=models.CASCADE, null=True, blank=True, related_name="raci_assignments",
        verbose_name=_("person"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=1, choices=RaciRole.choices)

    # Foreign keys of which exactly one per group is set (checked by the database); generic code
    # that sets one of them must clear the others of its group.
    exclusive_fk_groups = (RACI_SUBJECTS, RACI_PARTIES)

    class Meta:
        ordering = ["id"]
        verbose_name = _("RACI assignment")
        verbose_name_plural = _("RACI assignments")
        constraints = [
            models.CheckConstraint(condition=_exactly_one(RACI_SUBJECTS), name="governance_raciassignment_one_subject"),
            models.CheckConstraint(condition=_exactly_one(RACI_PARTIES), name="governance_raciassignment_one_party"),
            models.CheckConstraint(condition=Q(role__in=RaciRole.values), name="governance_raciassignment_role_valid"),
            *[
                models.UniqueConstraint(
                    fields=["organization", subject, party],
                    condition=Q(**{f"{subject}__isnull": False, f"{party}__isnull": False}),
                    name=f"governance_raciassignment_unique_{subject}_{party}",
                )
                for subject in RACI_SUBJECTS
                for party in RACI_PARTIES
            ],
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.party} → {self.subject}"

    @property
    def subject(self):  # noqa: ANN201 - a Lever, Journey or Initiative
        return self.lever or self.journey or self.initiative

    @property
    def party(self):  # noqa: ANN201 - a Body, BodyMember or User
        return self.body or self.member or self.user


class Meeting(TenantScoped):
    """A meeting of a body: when, who attended (members of that body), the agenda and the minutes."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("body"))
    date = models.DateField(_("date"))
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(BodyMember, blank=True, related_name="meetings", verbose_name=_("attendees"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["organization", "body", "date"], name="governance_meeting_body_date")]

    def __str__(self) -> str:
        return f"{self.body} · {self.date:%Y-%m-%d}"


class Decision(TenantScoped):
    """A decision taken by a body, with the action it implies: an owner, a due date and a status."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("body"))
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions", verbose_name=_("meeting")
    )
    text = models.TextField(_("decision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="governance_decision_status_due"),
            models.Index(fields=["organization", "owner", "status"], name="governance_decision_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "dropped"]), name="governance_decision_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Guideline(models.TextChoices):
    SATISFACTION_LOYALTY = "satisfaction_loyalty", _("Improve satisfaction or loyalty")
    CUSTOMER_RISK = "customer_risk", _("Reduce customer risk")
    CUSTOMER_COST = "customer_cost", _("Reduce customer cost")
    INNOVATE = "innovate", _("Innovate")
    SPEND_FREQUENCY = "spend_frequency", _("Raise spend frequency")
    LIFETIME_VALUE = "lifetime_value", _("Raise customer lifetime value")


class RoiIndicator(models.TextChoices):
    RETENTION = "retention", _("Customer retention / churn avoided")
    LIFETIME_VALUE = "lifetime_value", _("Customer lifetime value")
    CROSS_SELL = "cross_sell", _("Cross-sell and share of wallet")
    COST_TO_SERVE = "cost_to_serve", _("Cost to serve")
    COMPLAINTS = "complaints", _("Complaints and their handling cost")
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution", _("First-contact resolution")
    REFERRALS = "referrals", _("Customers acquired by referral")
    EMPLOYEE_ENGAGEMENT = "employee_engagement", _("Employee engagement")


class Charter(TenantScoped):
    """The programme charter: guidelines, vision, budget (per year) and the ROI indicators followed.
    One per organization."""

    vision = models.TextField(_("vision statement"), blank=True)
    guidelines = models.JSONField(_("guidelines"), default=list, blank=True)
    custom_guidelines = models.JSONField(_("guidelines of our own"), default=list, blank=True)
    roi_indicators = models.JSONField(_("ROI indicators"), default=list, blank=True)
    custom_roi_indicators = models.JSONField(_("ROI indicators of our own"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("programme charter")
        verbose_name_plural = _("programme charters")
        constraints = [models.UniqueConstraint(fields=["organization"], name="governance_charter_one_per_org")]

    def __str__(self) -> str:
        return str(_("Programme charter"))

    def guideline_labels(self) -> list[str]:
        known = dict(Guideline.choices)
        return [str(known[c]) for c in self.guidelines if c in known] + list(self.custom_guidelines)

    def roi_indicator_labels(self) -> list[str]:
        known = dict(RoiIndicator.choices)
        return [str(known[c]) for c in self.roi_indicators if c in known] + list(self.custom_roi_indicators)


class BudgetYear(TenantScoped):
    """The programme's planned budget for one year; what was spent is summed from initiatives."""

    year = models.PositiveSmallIntegerField(_("year"))
    planned = models.DecimalField(_("planned budget"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("budget year")
        verbose_name_plural = _("budget years")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="governance_budgetyear_unique_year"),
            models.CheckConstraint(condition=Q(planned__gte=0), name="governance_budgetyear_planned_positive"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="governance_budgetyear_year_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class RoadmapStep(TenantScoped):
    """One of the eight steps of the transformation (after Kotter), with status, evidence and dates."""

    class Step(models.IntegerChoices):
        URGENCY = 1, _("Create a sense of urgency")
        COALITION = 2, _("Build a guiding coalition")
        VISION = 3, _("Form a strategic vision")
        COMMUNICATE = 4, _("Communicate the vision")
        EMPOWER = 5, _("Empower others to act")
        SHORT_TERM_WINS = 6, _("Plan short-term wins")
        CONSOLIDATE = 7, _("Consolidate gains")
        INSTITUTIONALISE = 8, _("Institutionalise the new ways")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["step"]
        verbose_name = _("roadmap step")
        verbose_name_plural = _("roadmap steps")
        constraints = [
            models.UniqueConstraint(fields=["organization", "step"], name="governance_roadmapstep_unique_step"),
            models.CheckConstraint(condition=Q(step__gte=1, step__lte=8), name="governance_roadmapstep_step_range"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="governance_roadmapstep_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step}. {self.get_step_display()}"


class SwotItem(TenantScoped):
    """One line of the CX SWOT that builds the sense of urgency (roadmap step 1)."""

    class Quadrant(models.TextChoices):
        STRENGTH = "strength", _("Strengths")
        WEAKNESS = "weakness", _("Weaknesses")
        OPPORTUNITY = "opportunity", _("Opportunities")
        THREAT = "threat", _("Threats")

    quadrant = models.CharField(_("quadrant"), max_length=12, choices=Quadrant.choices)
    text = models.CharField(_("text"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["quadrant", "position", "id"]
        verbose_name = _("SWOT item")
        verbose_name_plural = _("SWOT items")

    def __str__(self) -> str:
        return self.text


class ChangeStakeholder(TenantScoped):
    """A person on the map of promoters and detractors of the change (roadmap step 5)."""

    class Stance(models.TextChoices):
        PROMOTER = "promoter", _("Promoter")
        NEUTRAL = "neutral", _("Neutral")
        DETRACTOR = "detractor", _("Detractor")

    class Influence(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    name = models.CharField(_("name"), max_length=200)
    area = models.CharField(_("area"), max_length=200, blank=True)
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices)
    influence = models.CharField(_("influence"), max_length=6, choices=Influence.choices, default=Influence.MEDIUM)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["stance", "name", "id"]
        verbose_name = _("change stakeholder")
        verbose_name_plural = _("change stakeholders")

    def __str__(self) -> str:
        return self.name


class Goal(TenantScoped):
    """A CX performance goal of a person (user) or a body for a period: a metric and its target,
    optionally on one touchpoint or journey. Attainment is computed from VoC rollups, never stored."""

    class PeriodKind(models.TextChoices):
        YEAR = "year", _("Year")
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("person"),
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, null=True, blank=True, related_name="goals", verbose_name=_("body")
    )
    metric = models.ForeignKey("voc.Metric", on_delete=models.CASCADE, related_name="+", verbose_name=_("metric"))
    touchpoint = models.ForeignKey(
        "voc.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("touchpoint"),
    )
    journey = models.ForeignKey(
        "voc.Journey", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("journey")
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=4)

    exclusive_fk_groups = (("user", "body"), ("touchpoint", "journey"))

    class Meta:
        ordering = ["-period_start", "id"]
        verbose_name = _("CX goal")
        verbose_name_plural = _("CX goals")
        constraints = [
            models.CheckConstraint(condition=_exactly_one(("user", "body")), name="governance_goal_one_owner"),
            models.CheckConstraint(
                condition=Q(touchpoint__isnull=True) | Q(journey__isnull=True), name="governance_goal_one_scope"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="governance_goal_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} ≥ {self.target}"

    @property
    def owner(self):  # noqa: ANN201 - a User or a Body
        return self.user or self.body
