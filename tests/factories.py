"""factory_boy factories for domain objects. Pass ``organization=`` explicitly: nothing guesses a tenant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from cem_levers.models import Lever, LeverGroup, Practice
from cxgov.inbox.models import Notification
from cxgov.portability.models import DataExport
from cxgov.tenancy.models import ApiRequestLog
from cxgov.webhooks.models import WebhookDelivery, WebhookSubscription
from governance.models import (
    Body,
    BodyMember,
    BudgetYear,
    ChangeStakeholder,
    Charter,
    Decision,
    Goal,
    Meeting,
    RaciAssignment,
    RoadmapStep,
    SwotItem,
)
from initiatives.models import Initiative, InitiativeKpi, Milestone, Risk, StatusReport
from maturity.models import (
    Answer,
    Assessment,
    AssessorSubmission,
    LeverScore,
    LeverTarget,
    MaturitySettings,
    MaturitySnapshot,
    Stage,
)
from voc.models import (
    CaseEvent,
    DataSource,
    FollowUpCase,
    ImportJob,
    Insight,
    InsightEvidence,
    InsightRecipient,
    Journey,
    JourneyStage,
    Metric,
    Product,
    Response,
    Rollup,
    RootCause,
    Segment,
    Touchpoint,
)


class LeverGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeverGroup

    code = factory.Sequence(lambda n: f"group-{n}")
    name_en = factory.Sequence(lambda n: f"Group {n}")


class LeverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lever

    group = factory.SubFactory(LeverGroupFactory, organization=factory.SelfAttribute("..organization"))
    code = factory.Sequence(lambda n: f"lever-{n}")
    name_en = factory.Sequence(lambda n: f"Lever {n}")


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    lever = factory.SubFactory(LeverFactory, organization=factory.SelfAttribute("..organization"))
    code = factory.Sequence(lambda n: f"practice-{n}")
    name_en = factory.Sequence(lambda n: f"Practice {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    level = 1
    name_en = factory.Sequence(lambda n: f"Stage {n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    name = factory.Sequence(lambda n: f"Journey {n}")


class JourneyStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStage

    journey = factory.SubFactory(JourneyFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Stage {n}")


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    journey = factory.SubFactory(JourneyFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Touchpoint {n}")


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric

    code = factory.Sequence(lambda n: f"metric-{n}")
    name_en = factory.Sequence(lambda n: f"Metric {n}")
    kind = Metric.Kind.MEAN
    method = Metric.Method.MEAN
    scale_min = Decimal("1")
    scale_max = Decimal("5")


class DataSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSource

    code = factory.Sequence(lambda n: f"source-{n}")
    name = factory.Sequence(lambda n: f"Source {n}")
    kind = DataSource.Kind.SURVEY


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    source = factory.SubFactory(DataSourceFactory, organization=factory.SelfAttribute("..organization"))
    metric = factory.SubFactory(MetricFactory, organization=factory.SelfAttribute("..organization"))
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    score = Decimal("4")
    submitted_at = factory.LazyFunction(timezone.now)


class RollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rollup

    metric = factory.SubFactory(MetricFactory, organization=factory.SelfAttribute("..organization"))
    grain = Rollup.Grain.ORGANIZATION
    subject_id = 0
    period = Rollup.Period.MONTH
    period_start = factory.LazyFunction(lambda: dt.date.today().replace(day=1))
    n = 10
    score_sum = Decimal("42")
    value = Decimal("4.2")
    computed_at = factory.LazyFunction(timezone.now)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    kind = Body.Kind.CORE_TEAM
    level = "tactical"
    name = factory.Sequence(lambda n: f"Body {n}")


class BodyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BodyMember

    body = factory.SubFactory(BodyFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Person {n}")


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    title = factory.Sequence(lambda n: f"Initiative {n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    initiative = factory.SubFactory(InitiativeFactory, organization=factory.SelfAttribute("..organization"))
    title = factory.Sequence(lambda n: f"Milestone {n}")


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    initiative = factory.SubFactory(InitiativeFactory, organization=factory.SelfAttribute("..organization"))
    description = factory.Sequence(lambda n: f"Risk {n}")
    probability = 3
    impact = 3


class StatusReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusReport

    initiative = factory.SubFactory(InitiativeFactory, organization=factory.SelfAttribute("..organization"))
    reported_on = factory.LazyFunction(timezone.localdate)
    health = "green"
    summary = factory.Sequence(lambda n: f"Status {n}")


class InitiativeKpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InitiativeKpi

    initiative = factory.SubFactory(InitiativeFactory, organization=factory.SelfAttribute("..organization"))
    metric = factory.SubFactory(MetricFactory, organization=factory.SelfAttribute("..organization"))
    target = Decimal("50")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    title = factory.Sequence(lambda n: f"Assessment {n}")


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    assessment = factory.SubFactory(AssessmentFactory, organization=factory.SelfAttribute("..organization"))
    practice = factory.SubFactory(PracticeFactory, organization=factory.SelfAttribute("..organization"))
    is_consensus = True
    stage_level = 3


class MaturitySnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaturitySnapshot

    computed_at = factory.LazyFunction(timezone.now)
    overall = Decimal("2.5")


class LeverScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeverScore

    snapshot = factory.SubFactory(MaturitySnapshotFactory, organization=factory.SelfAttribute("..organization"))
    lever = factory.SubFactory(LeverFactory, organization=factory.SelfAttribute("..organization"))
    score = Decimal("2.5")


class MaturitySettingsFactory(factory.django.DjangoModelFactory):
    """One per organization: organizations made by ``organization_create`` already have theirs."""

    class Meta:
        model = MaturitySettings


class LeverTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeverTarget

    lever = factory.SubFactory(LeverFactory, organization=factory.SelfAttribute("..organization"))
    target_level = 4


class AssessorSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessorSubmission

    assessment = factory.SubFactory(AssessmentFactory, organization=factory.SelfAttribute("..organization"))
    assessor = factory.SubFactory("tests.factories.UserFactory")


class RootCauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RootCause

    name = factory.Sequence(lambda n: f"Root cause {n}")


class FollowUpCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpCase

    response = factory.SubFactory(ResponseFactory, organization=factory.SelfAttribute("..organization"))
    metric = factory.SelfAttribute("response.metric")
    touchpoint = factory.SelfAttribute("response.touchpoint")
    due_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=3))
    opened_at = factory.LazyFunction(timezone.now)


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(FollowUpCaseFactory, organization=factory.SelfAttribute("..organization"))
    kind = CaseEvent.Kind.OPENED
    at = factory.LazyFunction(timezone.now)


class InsightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insight

    title = factory.Sequence(lambda n: f"Insight {n}")
    body = "Customers abandon the mortgage simulator at the income step."


class InsightEvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsightEvidence

    insight = factory.SubFactory(InsightFactory, organization=factory.SelfAttribute("..organization"))
    note = "Seen in 40 comments this month."


class InsightRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsightRecipient

    insight = factory.SubFactory(InsightFactory, organization=factory.SelfAttribute("..organization"))
    user = factory.SubFactory("tests.factories.UserFactory")


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    file = factory.django.FileField(filename="feedback.csv", data=b"external_id,score\n1,9\n")
    original_name = "feedback.csv"
    file_format = "csv"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory("tests.factories.UserFactory")
    kind = "test"
    title = factory.Sequence(lambda n: f"Notification {n}")


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/cxgov")
    events = factory.LazyFunction(lambda: ["case.opened", "case.closed"])


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory, organization=factory.SelfAttribute("..organization"))
    event = "case.opened"
    payload = factory.LazyFunction(lambda: {"case": 1})


class ApiRequestLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiRequestLog

    method = "GET"
    path = "/api/v1/levers/"
    status_code = 200
    duration_ms = 12


class DataExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataExport

    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tenancy.User"

    email = factory.Sequence(lambda n: f"user{n}@factory.example")


class RaciAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaciAssignment

    # Exactly one subject and one party: a lever and a body unless the caller names another.
    journey = None
    initiative = None
    member = None
    user = None
    lever = factory.Maybe(
        factory.LazyAttribute(lambda o: o.journey is None and o.initiative is None),
        yes_declaration=factory.SubFactory(LeverFactory, organization=factory.SelfAttribute("..organization")),
        no_declaration=None,
    )
    body = factory.Maybe(
        factory.LazyAttribute(lambda o: o.member is None and o.user is None),
        yes_declaration=factory.SubFactory(BodyFactory, organization=factory.SelfAttribute("..organization")),
        no_declaration=None,
    )
    role = "A"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory, organization=factory.SelfAttribute("..organization"))
    date = factory.LazyFunction(dt.date.today)
    agenda = "Review the quarter's NPS"


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    body = factory.SubFactory(BodyFactory, organization=factory.SelfAttribute("..organization"))
    text = factory.Sequence(lambda n: f"Decision {n}")
    due_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=7))


class CharterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charter

    vision = "Customers choose us because we are easy to deal with."
    guidelines = factory.LazyFunction(lambda: ["satisfaction_loyalty"])


class BudgetYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetYear

    year = factory.Sequence(lambda n: 2000 + n % 100)
    planned = Decimal("100000")


class RoadmapStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapStep

    step = factory.Sequence(lambda n: n % 8 + 1)


class SwotItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SwotItem

    quadrant = SwotItem.Quadrant.STRENGTH
    text = factory.Sequence(lambda n: f"Strength {n}")


class ChangeStakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeStakeholder

    name = factory.Sequence(lambda n: f"Stakeholder {n}")
    stance = ChangeStakeholder.Stance.PROMOTER


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    body = factory.SubFactory(BodyFactory, organization=factory.SelfAttribute("..organization"))
    metric = factory.SubFactory(MetricFactory, organization=factory.SelfAttribute("..organization"))
    period_kind = Goal.PeriodKind.MONTH
    period_start = factory.LazyFunction(lambda: dt.date.today().replace(day=1))
    period_end = factory.LazyAttribute(
        lambda o: (o.period_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    )
    target = Decimal("50")


# One factory per concrete TenantScoped model: the generic isolation tests look them up here, and
# a test fails when a model has none, so a new model cannot escape those tests.
FACTORIES = {
    f._meta.model: f
    for f in [
        LeverGroupFactory, LeverFactory, PracticeFactory, StageFactory, SegmentFactory, ProductFactory,
        JourneyFactory, JourneyStageFactory, TouchpointFactory, MetricFactory, DataSourceFactory,
        ResponseFactory, RollupFactory, BodyFactory, BodyMemberFactory, InitiativeFactory, MilestoneFactory,
        RiskFactory, InitiativeKpiFactory, StatusReportFactory, AssessmentFactory, AnswerFactory,
        MaturitySnapshotFactory,
        LeverScoreFactory, MaturitySettingsFactory, LeverTargetFactory, AssessorSubmissionFactory,
        RootCauseFactory, FollowUpCaseFactory, CaseEventFactory, InsightFactory,
        InsightEvidenceFactory, InsightRecipientFactory, ImportJobFactory, NotificationFactory, DataExportFactory,
        WebhookSubscriptionFactory, WebhookDeliveryFactory, ApiRequestLogFactory,
        RaciAssignmentFactory, MeetingFactory, DecisionFactory, CharterFactory, BudgetYearFactory,
        RoadmapStepFactory, SwotItemFactory, ChangeStakeholderFactory, GoalFactory,
    ]
}
