"""Scores blended from the latest submitted assessment and evidence, checked against values
computed by hand for a small organization (formula in maturity.services and the README)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cxgov.tenancy.models import Organization
from initiatives.models import Initiative
from maturity.models import LeverScore, MaturitySnapshot
from maturity.services import (
    answer_set,
    assessment_create,
    assessment_submit,
    maturity_evidence,
    maturity_scores_compute,
    maturity_settings_update,
)
from maturity.tasks import recompute_all_scores, recompute_scores
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = timezone.now()
THIS_MONTH = NOW.date().replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def small():
    """Three active levers and one inactive:

    * L1: practices 2 and 3 agreed → A = 2.5. Evidence: one initiative delivered 30 days ago
      (another done 400 days ago is too old; a cancelled one does not count) with two KPIs: metric M
      (higher is better, target 50, latest month 60 — met; the month before was 40) and metric N
      (lower is better, target 10, latest 12 — missed). E = 1 + 4 × mean(1/3, 1/2) = 2.6667.
    * L2: one practice agreed at 4, no evidence → score = A = 4.
    * L3: created after the assessment (no answer); three initiatives delivered → E = 5.
    * L4: inactive, never scored.
    """
    org = Organization.objects.create(name="Small", slug="small")
    group = f.LeverGroupFactory(organization=org)
    l1, l2, l4 = (f.LeverFactory(organization=org, group=group, position=i) for i in (1, 2, 4))
    l4.is_active = False
    l4.save()
    p1a, p1b = f.PracticeFactory(organization=org, lever=l1), f.PracticeFactory(organization=org, lever=l1)
    p2 = f.PracticeFactory(organization=org, lever=l2)
    lead = f.UserFactory()
    from cxgov.tenancy.services import membership_set

    membership_set(org=org, user=lead, role="cx_lead")
    assessment = assessment_create(org=org, title="Small", created_by=lead)
    for practice, level in ((p1a, 2), (p1b, 3), (p2, 4)):
        answer_set(org=org, assessment=assessment, practice=practice, stage_level=level)
        answer_set(org=org, assessment=assessment, practice=practice, stage_level=1, assessor=lead)  # ignored
    assessment_submit(org=org, assessment=assessment)
    l3 = f.LeverFactory(organization=org, group=group, position=3)
    f.PracticeFactory(organization=org, lever=l3)

    def initiative(levers, status=Initiative.Status.DONE, days_ago=30):
        item = f.InitiativeFactory(organization=org, status=status,
                                   completed_at=NOW - dt.timedelta(days=days_ago) if status == "done" else None)
        item.levers.set(levers)
        return item

    delivered = initiative([l1])
    initiative([l1], days_ago=400)
    cancelled = initiative([l1], status=Initiative.Status.CANCELLED)
    initiative([l1], status=Initiative.Status.IN_PROGRESS)
    for _ in range(3):
        initiative([l3], days_ago=10)
    initiative([l4], days_ago=5)
    m = f.MetricFactory(organization=org, higher_is_better=True)
    n = f.MetricFactory(organization=org, higher_is_better=False)
    f.InitiativeKpiFactory(organization=org, initiative=delivered, metric=m, target=Decimal("50"))
    f.InitiativeKpiFactory(organization=org, initiative=delivered, metric=n, target=Decimal("10"))
    f.InitiativeKpiFactory(organization=org, initiative=cancelled, metric=n, target=Decimal("100"))
    f.RollupFactory(organization=org, metric=m, period_start=THIS_MONTH, value=Decimal("60"))
    f.RollupFactory(organization=org, metric=m, period_start=LAST_MONTH, value=Decimal("40"))
    f.RollupFactory(organization=org, metric=n, period_start=THIS_MONTH, value=Decimal("12"))
    # A touchpoint-grain rollup that would meet N's target must be ignored: organization grain only.
    f.RollupFactory(organization=org, metric=n, grain="touchpoint", subject_id=7, period_start=THIS_MONTH,
                    value=Decimal("5"))
    return {"org": org, "levers": (l1, l2, l3, l4), "assessment": assessment}


def scores(snapshot):
    return {s.lever_id: s for s in LeverScore.objects.for_org(snapshot.organization_id).filter(snapshot=snapshot)}


def test_evidence_counts(small):
    l1, l2, l3, l4 = small["levers"]
    evidence = maturity_evidence(org=small["org"], now=NOW)
    assert evidence == {
        l1.pk: {"done": 1, "met": 1, "measured": 2},
        l2.pk: {"done": 0, "met": 0, "measured": 0},
        l3.pk: {"done": 3, "met": 0, "measured": 0},
    }


def test_hand_computed_scores_with_default_weights(small):
    l1, l2, l3, l4 = small["levers"]
    snapshot = maturity_scores_compute(org=small["org"], now=NOW)
    rows = scores(snapshot)
    assert set(rows) == {l1.pk, l2.pk, l3.pk}  # the inactive lever is not scored
    # L1: 0.7 × 2.5 + 0.3 × 2.6667 = 1.75 + 0.8 = 2.55
    assert (rows[l1.pk].assessment_score, rows[l1.pk].evidence_score, rows[l1.pk].score) == (
        Decimal("2.50"), Decimal("2.67"), Decimal("2.55"))
    assert (rows[l1.pk].initiatives_done, rows[l1.pk].kpis_met, rows[l1.pk].kpis_measured) == (1, 1, 2)
    # L2 has no evidence: the assessment alone.
    assert (rows[l2.pk].assessment_score, rows[l2.pk].evidence_score, rows[l2.pk].score) == (
        Decimal("4.00"), None, Decimal("4.00"))
    # L3 has no assessment answer: the evidence alone.
    assert (rows[l3.pk].assessment_score, rows[l3.pk].evidence_score, rows[l3.pk].score) == (
        None, Decimal("5.00"), Decimal("5.00"))
    # Overall = (2.55 + 4 + 5) / 3 = 3.85
    assert snapshot.overall == Decimal("3.85")
    assert snapshot.assessment_id == small["assessment"].pk
    assert (snapshot.weight_assessment, snapshot.weight_evidence) == (Decimal("0.70"), Decimal("0.30"))


def test_weight_changes(small):
    org = small["org"]
    l1, l2, l3, _l4 = small["levers"]
    maturity_settings_update(org=org, weight_assessment="0.5", weight_evidence="0.5")
    snapshot = maturity_scores_compute(org=org, now=NOW)
    # L1: 0.5 × 2.5 + 0.5 × 2.6667 = 2.5833; overall (2.5833 + 4 + 5) / 3 = 3.8611
    assert scores(snapshot)[l1.pk].score == Decimal("2.58")
    assert snapshot.overall == Decimal("3.86")
    maturity_settings_update(org=org, weight_assessment="1", weight_evidence="0")
    snapshot = maturity_scores_compute(org=org, now=NOW)
    rows = scores(snapshot)
    # Weight 0 on evidence: L1 is its assessment; L3 (evidence only) still uses its evidence alone.
    assert (rows[l1.pk].score, rows[l2.pk].score, rows[l3.pk].score) == (Decimal("2.50"), Decimal("4.00"),
                                                                          Decimal("5.00"))
    assert snapshot.overall == Decimal("3.83")


def test_recompute_is_idempotent_and_stores_only_changes(small):
    org = small["org"]
    first = maturity_scores_compute(org=org, now=NOW)
    again = maturity_scores_compute(org=org, now=NOW + dt.timedelta(hours=1))
    assert again.pk == first.pk
    assert MaturitySnapshot.objects.for_org(org).count() == 1
    assert LeverScore.objects.for_org(org).count() == 3
    # The task is the same service: still one snapshot.
    assert recompute_scores(org_id=org.pk) == first.pk
    assert MaturitySnapshot.objects.for_org(org).count() == 1
    # New evidence changes L2: a second snapshot.
    item = f.InitiativeFactory(organization=org, status="done", completed_at=NOW)
    item.levers.set([small["levers"][1]])
    changed = maturity_scores_compute(org=org, now=NOW + dt.timedelta(hours=2))
    assert changed.pk != first.pk
    assert MaturitySnapshot.objects.for_org(org).count() == 2
    # L2: 0.7 × 4 + 0.3 × (1 + 4 × 1/3) = 2.8 + 0.7 = 3.5
    assert scores(changed)[small["levers"][1].pk].score == Decimal("3.50")


def test_nothing_to_score_stores_nothing():
    org = Organization.objects.create(name="Empty", slug="empty")
    lever = f.LeverFactory(organization=org)
    f.PracticeFactory(organization=org, lever=lever)
    assert maturity_scores_compute(org=org) is None
    assert not MaturitySnapshot.objects.for_org(org).exists()


def test_nightly_job_enqueues_one_recompute_per_active_organization(small):
    Organization.objects.create(name="Gone", slug="gone", is_active=False)
    count = recompute_all_scores()
    assert count == Organization.objects.filter(is_active=True).count()
    assert MaturitySnapshot.objects.for_org(small["org"]).count() == 1


def test_beat_schedule_has_the_nightly_recompute(settings):
    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "maturity.tasks.recompute_all_scores" in entries
