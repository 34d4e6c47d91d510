"""factory_boy factories for domain objects. Pass ``organization=`` explicitly: nothing guesses a tenant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from cem_levers.models import Lever, LeverGroup, Practice
from cxgov.inbox.models import Notification
from governance.models import Body, BodyMember
from initiatives.models import Initiative, InitiativeKpi, Milestone, Risk
from maturity.models import Answer, Assessment, LeverScore, MaturitySnapshot, Stage
from voc.models import (
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tenancy.User"

    email = factory.Sequence(lambda n: f"user{n}@factory.example")


# One factory per concrete TenantScoped model: the generic isolation tests look them up here, and
# a test fails when a model has none, so a new model cannot escape those tests.
FACTORIES = {
    f._meta.model: f
    for f in [
        LeverGroupFactory, LeverFactory, PracticeFactory, StageFactory, SegmentFactory, ProductFactory,
        JourneyFactory, JourneyStageFactory, TouchpointFactory, MetricFactory, DataSourceFactory,
        ResponseFactory, RollupFactory, BodyFactory, BodyMemberFactory, InitiativeFactory, MilestoneFactory,
        RiskFactory, InitiativeKpiFactory, AssessmentFactory, AnswerFactory, MaturitySnapshotFactory,
        LeverScoreFactory, RootCauseFactory, FollowUpCaseFactory, InsightFactory, InsightEvidenceFactory,
        InsightRecipientFactory, ImportJobFactory, NotificationFactory,
    ]
}
