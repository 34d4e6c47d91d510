"""Voice of the Customer: who the customers are, their journeys and touchpoints, what is measured,
where feedback comes from, the feedback itself and the rollups computed from it."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from cxgov.bilingual import Bilingual
from cxgov.tenancy.models import Organization, TenantScoped


class Segment(TenantScoped):
    """A customer segment or buyer persona."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_persona = models.BooleanField(_("persona"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="voc_segment_unique_name")]

    def __str__(self) -> str:
        return self.name


class Product(TenantScoped):
    """A product or service the customers use."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="voc_product_unique_name")]

    def __str__(self) -> str:
        return self.name


class Journey(TenantScoped):
    """A customer journey for a segment and product, as it is (as-is) or as it should be (to-be)."""

    class Version(models.TextChoices):
        AS_IS = "as_is", _("As-is")
        TO_BE = "to_be", _("To-be")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="journeys", verbose_name=_("segment")
    )
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="journeys", verbose_name=_("product")
    )
    version = models.CharField(_("version"), max_length=8, choices=Version.choices, default=Version.AS_IS)
    counterpart = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("as-is / to-be counterpart"),
    )
    stakeholders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("stakeholders"),
        help_text=_("Who receives the insights distributed for this journey."),
    )

    class Meta:
        ordering = ["name", "version"]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name", "version"], name="voc_journey_unique_name_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_version_display()})"


class JourneyStage(TenantScoped):
    """A stage of a journey (a column of the journey map)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages", verbose_name=_("journey"))
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["journey", "position", "id"]
        verbose_name = _("journey stage")
        verbose_name_plural = _("journey stages")
        constraints = [
            models.UniqueConstraint(fields=["organization", "journey", "name"], name="voc_journeystage_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    BRANCH = "branch", _("Branch / in person")
    WEB = "web", _("Website")
    APP = "app", _("Mobile app")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    SELF_SERVICE = "self_service", _("Self-service (ATM, kiosk)")
    MAIL = "mail", _("Post")
    OTHER = "other", _("Other")


class Touchpoint(TenantScoped):
    """A point of contact within a journey stage; moments of truth are flagged."""

    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="touchpoints", verbose_name=_("journey")
    )
    stage = models.ForeignKey(
        JourneyStage, on_delete=models.SET_NULL, null=True, blank=True, related_name="touchpoints",
        verbose_name=_("stage"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    is_moment_of_truth = models.BooleanField(_("moment of truth"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["journey", "position", "id"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.UniqueConstraint(fields=["organization", "journey", "name"], name="voc_touchpoint_unique_name"),
        ]
        indexes = [models.Index(fields=["organization", "journey"], name="voc_touchpoint_org_journey")]
        permissions = [("log_feedback", "Can log feedback on this touchpoint")]

    def __str__(self) -> str:
        return self.name


class Metric(Bilingual, TenantScoped):
    """What is measured and how it is computed. The scale and the method are stored with it, so
    a figure is always computed as the metric defines it (never mixed)."""

    class Kind(models.TextChoices):
        NPS = "nps", _("Net Promoter Score")
        CSAT = "csat", _("Customer satisfaction (top-2-box %)")
        CES = "ces", _("Customer effort score")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")
        RATE = "rate", _("Rate (share of responses)")
        DURATION = "duration", _("Duration")
        COUNT = "count", _("Count")

    class Method(models.TextChoices):
        NPS = "nps", _("% promoters − % detractors")
        TOP2BOX = "top2box", _("% in the top two boxes")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")
        AGREE_MINUS_DISAGREE = "agree_minus_disagree", _("% agree − % disagree")
        SHARE = "share", _("Share of responses (0–1 values), as %")
        SUM = "sum", _("Sum")

    class Unit(models.TextChoices):
        NONE = "", _("None")
        PERCENT = "percent", _("Percent")
        SECONDS = "seconds", _("Seconds")
        MINUTES = "minutes", _("Minutes")
        HOURS = "hours", _("Hours")
        DAYS = "days", _("Days")

    code = models.SlugField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    method = models.CharField(_("calculation method"), max_length=24, choices=Method.choices)
    scale_min = models.DecimalField(_("scale minimum"), max_digits=12, decimal_places=4, null=True, blank=True)
    scale_max = models.DecimalField(_("scale maximum"), max_digits=12, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, blank=True, default="")
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=4, null=True, blank=True)
    min_n = models.PositiveIntegerField(_("minimum responses to show"), default=30)
    follow_up_threshold = models.DecimalField(
        _("follow-up threshold"), max_digits=12, decimal_places=4, null=True, blank=True,
        help_text=_("A response scoring at or below this opens a follow-up case."),
    )
    lever = models.ForeignKey(
        "cem_levers.Lever", on_delete=models.SET_NULL, null=True, blank=True, related_name="metrics",
        verbose_name=_("lever"),
    )
    pack = models.SlugField(_("pack"), max_length=30, blank=True, help_text=_("Optional metric pack, e.g. omb_a11."))
    is_active = models.BooleanField(_("active"), default=True)

    # The favourable / unfavourable boxes each method counts; None where the method counts none.
    def favourable_bounds(self) -> tuple[Decimal, Decimal] | None:
        """(lowest favourable score, highest unfavourable score) as this metric's method defines them.

        NPS: promoters 9–10, detractors 0–6. Top-two-box: the two highest and two lowest points of
        the scale. % agree − % disagree: above and below the scale's midpoint (5–7 vs 1–3 on 1–7).
        """
        if self.method == self.Method.NPS:
            return Decimal(9), Decimal(6)
        if self.scale_min is None or self.scale_max is None:
            return None
        if self.method == self.Method.TOP2BOX:
            return self.scale_max - 1, self.scale_min + 1
        if self.method == self.Method.AGREE_MINUS_DISAGREE:
            mid = (self.scale_min + self.scale_max) / 2
            # Scores are whole points on an agreement scale: strictly above / below the midpoint.
            return mid + Decimal("0.5"), mid - Decimal("0.5")
        return None

    class Meta:
        ordering = ["code"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="voc_metric_unique_code"),
            models.CheckConstraint(
                condition=(
                    Q(scale_min__isnull=True) | Q(scale_max__isnull=True) | Q(scale_min__lt=models.F("scale_max"))
                ),
                name="voc_metric_scale_ordered",
            ),
        ]


class DataSource(TenantScoped):
    """Where feedback comes from; external ids are unique per source."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey")
        COMPLAINT = "complaint", _("Complaint")
        COMPLIMENT = "compliment", _("Compliment")
        CRM = "crm", _("CRM")
        ERP = "erp", _("ERP")
        SOCIAL = "social", _("Social network")
        CALL_RECORDING = "call_recording", _("Call recording")
        MANUAL = "manual", _("Manual entry")
        API = "api", _("API")

    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="voc_datasource_unique_code")]

    def __str__(self) -> str:
        return self.name


class Response(TenantScoped):
    """One piece of feedback: a score on a metric at a touchpoint, from a source.

    ``external_id`` is the source's own id; (organization, source, external_id) is unique, which is
    what makes every ingest path idempotent. Responses are never edited after they are recorded.
    """

    id = models.BigAutoField(primary_key=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="responses", verbose_name=_("source"))
    external_id = models.CharField(_("external id"), max_length=200)
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="responses", verbose_name=_("metric"))
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="responses",
        verbose_name=_("touchpoint"),
    )
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=4)
    submitted_at = models.DateTimeField(_("submitted at"))
    comment = models.TextField(_("comment"), blank=True)
    customer_ref = models.CharField(_("customer reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"], name="voc_response_unique_external_id"
            ),
        ]
        indexes = [
            # Covering (PostgreSQL): a rollup refresh reads a metric's responses of some days with an
            # index-only scan, never visiting the table (replaces the plain index on the same key).
            models.Index(
                fields=["organization", "metric", "submitted_at"], include=["touchpoint", "score"],
                name="voc_response_org_metric_cover",
            ),
            models.Index(fields=["organization", "touchpoint", "submitted_at"], name="voc_response_org_tp_time"),
            models.Index(fields=["organization", "submitted_at"], name="voc_response_org_time"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}:{self.score} @ {self.submitted_at:%Y-%m-%d}"


class Rollup(TenantScoped):
    """A metric summarised over one subject and one period. Derived data, upserted idempotently.

    The subject is the whole organization (``subject_id`` 0) or one touchpoint, journey or segment
    (its id); keeping it a plain integer keeps the upsert key NOT NULL and therefore unique on every
    database. ``n`` is always stored, so a figure below the metric's minimum n is shown as such.
    """

    class Grain(models.TextChoices):
        ORGANIZATION = "organization", _("Whole organization")
        SEGMENT = "segment", _("Segment")
        JOURNEY = "journey", _("Journey")
        TOUCHPOINT = "touchpoint", _("Touchpoint")

    class Period(models.TextChoices):
        DAY = "day", _("Day")
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    id = models.BigAutoField(primary_key=True)
    # As TenantScoped's, without the single-column index: the rollup key starts with the organization,
    # so that index served no query and only slowed every rollup write.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False, editable=False,
        verbose_name=_("organization"),
    )
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="rollups", verbose_name=_("metric"))
    grain = models.CharField(_("grain"), max_length=12, choices=Grain.choices)
    subject_id = models.BigIntegerField(_("subject id"), default=0)
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    period_start = models.DateField(_("period start"))
    n = models.PositiveIntegerField(_("responses"), default=0)
    # Additive parts: a week, a month, a journey or the whole organization is the sum of its days
    # or touchpoints, so coarser rollups never rescan responses (medians excepted).
    score_sum = models.DecimalField(_("sum of scores"), max_digits=20, decimal_places=4, default=0)
    favourable = models.PositiveIntegerField(
        _("favourable"), default=0, help_text=_("Promoters (NPS), top-two-box (CSAT), agree (CES).")
    )
    unfavourable = models.PositiveIntegerField(
        _("unfavourable"), default=0, help_text=_("Detractors (NPS), bottom-two-box (CSAT), disagree (CES).")
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    # Median metrics' day rows only (PostgreSQL): the day's scores in ascending order. Medians are not
    # additive, so this is what lets a week's or a month's median be computed from its day rows, like
    # every other figure, instead of re-reading the period's responses.
    scores = models.JSONField(_("scores of the day"), null=True, blank=True, editable=False)
    # When the row's figures were last written: a refresh that finds the same figures leaves it alone.
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["metric", "grain", "subject_id", "period", "period_start"]
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        indexes = [
            models.Index(
                fields=["organization", "metric", "period", "period_start"], name="voc_rollup_org_metric_period"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "metric", "grain", "subject_id", "period", "period_start"],
                name="voc_rollup_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(grain="organization", subject_id=0) | (~Q(grain="organization") & Q(subject_id__gt=0)),
                name="voc_rollup_subject_matches_grain",
            ),
            models.CheckConstraint(
                condition=Q(favourable__lte=models.F("n")) & Q(unfavourable__lte=models.F("n")),
                name="voc_rollup_parts_within_n",
            ),
        ]

    @property
    def promoters(self) -> int:
        return self.favourable

    @property
    def detractors(self) -> int:
        return self.unfavourable

    @property
    def passives(self) -> int:
        return self.n - self.favourable - self.unfavourable


class TouchpointUserObjectPermission(UserObjectPermissionBase):
    """A django-guardian grant on one touchpoint (e.g. an ambassador's assignment to log feedback).

    Direct foreign key rather than guardian's generic key: one indexed join when filtering lists.
    Scoped through its touchpoint; grants are made only by voc services, which check membership.
    """

    content_object = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        verbose_name = _("touchpoint grant")
        verbose_name_plural = _("touchpoint grants")


class RootCause(TenantScoped):
    """An entry of the organization's list of root causes, chosen when a follow-up case is closed."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="voc_rootcause_unique_name")]

    def __str__(self) -> str:
        return self.name


class FollowUpCase(TenantScoped):
    """The inner loop: one unhappy customer followed up by an owner before a due date.

    Opened automatically from a detractor response (or a score at or below the metric's follow-up
    threshold); closing it records a root cause, which the outer loop counts per touchpoint.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONTACTED = "contacted", _("Contacted")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed without resolution")

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up_case")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_up_cases"
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="follow_up_cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(_("due date"))
    opened_at = models.DateTimeField(_("opened at"))
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    root_cause = models.ForeignKey(
        RootCause, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("root cause")
    )
    resolution = models.TextField(_("resolution / reason"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="voc_case_org_status_due"),
            models.Index(fields=["organization", "touchpoint", "closed_at"], name="voc_case_org_tp_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "contacted"], closed_at__isnull=True)
                | (Q(status__in=["resolved", "closed"]) & Q(closed_at__isnull=False) & Q(root_cause__isnull=False)),
                name="voc_followupcase_closed_has_root_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class Insight(TenantScoped):
    """The Distribute step: a finding with its evidence, shared with a journey's stakeholders."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("insight"))
    journey = models.ForeignKey(
        Journey, on_delete=models.SET_NULL, null=True, blank=True, related_name="insights", verbose_name=_("journey")
    )
    touchpoints = models.ManyToManyField(Touchpoint, blank=True, related_name="insights", verbose_name=_("touchpoints"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    distributed_at = models.DateTimeField(_("distributed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")

    def __str__(self) -> str:
        return self.title


class InsightEvidence(TenantScoped):
    """One piece of evidence behind an insight: a response (comment), a rollup figure or a link.

    A rollup is referenced by its key (metric, grain, subject, period, start), not its row id,
    because refreshes rebuild rollup rows.
    """

    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="evidence")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    grain = models.CharField(max_length=12, choices=Rollup.Grain.choices, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    period = models.CharField(max_length=5, choices=Rollup.Period.choices, blank=True)
    period_start = models.DateField(null=True, blank=True)
    url = models.URLField(_("link"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["insight", "id"]
        verbose_name = _("insight evidence")
        verbose_name_plural = _("insight evidence")


class InsightRecipient(TenantScoped):
    """A stakeholder an insight was distributed to, and when they were told and read it."""

    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notified_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["insight", "id"]
        verbose_name = _("insight recipient")
        verbose_name_plural = _("insight recipients")
        constraints = [
            models.UniqueConstraint(fields=["organization", "insight", "user"], name="voc_insightrecipient_unique"),
        ]


class ImportJob(TenantScoped):
    """A CSV or Excel feedback import: upload, column mapping, preview, then a Celery task.

    Progress is stored on the job so the page can poll it; rejected rows go to a downloadable
    report. Rows land through ``responses_record``, so importing the same file twice adds nothing.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=[("csv", "CSV"), ("xlsx", "Excel")])
    file_sha256 = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    defaults = models.JSONField(_("default values"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.FileField(_("rejected rows report"), upload_to="imports/reports/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(TenantScoped):
    """One step in a follow-up case's history: who did what, when (opened, contacted, resolved,
    closed, reassigned, due date changed), with an optional note."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        CONTACTED = "contacted", _("Customer contacted")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed without resolution")
        ASSIGNED = "assigned", _("Reassigned")
        DUE_CHANGED = "due_changed", _("Due date changed")

    case = models.ForeignKey(FollowUpCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["case", "at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["organization", "case", "at"], name="voc_caseevent_org_case_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"
