"""Assessments, answers, submission and the snapshot computed from consensus answers."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cem_levers.models import Lever, Practice
from maturity.models import Answer, Assessment, LeverScore
from maturity.services import (
    answer_set,
    assessment_create,
    assessment_submit,
    maturity_snapshot_from_assessment,
)
from tests.factories import AssessmentFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def answer_all(org, assessment, level_for=lambda practice: 3):
    for practice in Practice.objects.for_org(org):
        answer_set(org=org, assessment=assessment, practice=practice, stage_level=level_for(practice))


def test_answer_set_creates_then_updates_one_answer_per_assessor(org_a, users_a):
    assessment = assessment_create(org=org_a, title="2025", created_by=users_a["cx_lead"])
    practice = Practice.objects.for_org(org_a).first()
    answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=2, assessor=users_a["cx_lead"])
    answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=4, assessor=users_a["cx_lead"])
    answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=3, evidence="Workshop")
    answers = Answer.objects.for_org(org_a).filter(assessment=assessment)
    assert answers.count() == 2
    assert answers.get(is_consensus=False).stage_level == 4
    consensus = answers.get(is_consensus=True)
    assert (consensus.stage_level, consensus.assessor_id, consensus.evidence) == (3, None, "Workshop")


@pytest.mark.parametrize("level", [0, 6, "3", True])
def test_answer_stage_must_be_1_to_5(org_a, level):
    assessment = assessment_create(org=org_a, title="A")
    with pytest.raises(ValidationError) as exc:
        answer_set(org=org_a, assessment=assessment, practice=Practice.objects.for_org(org_a).first(),
                   stage_level=level)
    assert "stage_level" in exc.value.message_dict


def test_answer_refuses_objects_of_another_organization(org_a, org_b, users_b):
    assessment = assessment_create(org=org_a, title="A")
    with pytest.raises(ValidationError) as exc:
        answer_set(org=org_a, assessment=assessment, practice=Practice.objects.for_org(org_b).first(),
                   stage_level=3)
    assert "practice" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        answer_set(org=org_a, assessment=AssessmentFactory(organization=org_b),
                   practice=Practice.objects.for_org(org_a).first(), stage_level=3)
    assert "assessment" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        answer_set(org=org_a, assessment=assessment, practice=Practice.objects.for_org(org_a).first(),
                   stage_level=3, assessor=users_b["cx_lead"])
    assert "assessor" in exc.value.message_dict


def test_submit_needs_a_consensus_for_every_practice_and_happens_once(org_a):
    assessment = assessment_create(org=org_a, title="A")
    practices = list(Practice.objects.for_org(org_a))
    for practice in practices[:-1]:
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=2)
    with pytest.raises(ValidationError) as exc:
        assessment_submit(org=org_a, assessment=assessment)
    assert "answers" in exc.value.message_dict
    answer_set(org=org_a, assessment=assessment, practice=practices[-1], stage_level=2)
    submitted = assessment_submit(org=org_a, assessment=assessment)
    assert submitted.status == Assessment.Status.SUBMITTED and submitted.submitted_at is not None
    with pytest.raises(ValidationError) as exc:
        assessment_submit(org=org_a, assessment=submitted)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        answer_set(org=org_a, assessment=submitted, practice=practices[0], stage_level=5)


def test_snapshot_is_the_mean_of_consensus_stages(org_a, users_a):
    assessment = assessment_create(org=org_a, title="A")
    levels = {"cx_strategy.vision": 1, "cx_strategy.business_case": 2, "cx_strategy.roadmap": 2}
    answer_all(org_a, assessment, lambda p: levels.get(p.code, 4))
    # An assessor's own answer does not count; only the consensus does.
    vision = Practice.objects.for_org(org_a).get(code="cx_strategy.vision")
    answer_set(org=org_a, assessment=assessment, practice=vision, stage_level=5, assessor=users_a["executive"])
    assessment = assessment_submit(org=org_a, assessment=assessment)
    snapshot = maturity_snapshot_from_assessment(org=org_a, assessment=assessment)
    scores = {s.lever.code: s for s in snapshot.lever_scores.select_related("lever")}
    assert len(scores) == 10
    assert scores["cx_strategy"].score == Decimal("1.67") == scores["cx_strategy"].assessment_score
    assert scores["cx_strategy"].evidence_score is None
    assert scores["technology_data"].score == Decimal("4.00")
    # Overall from unrounded lever means: (5/3 + 9 * 4) / 10 = 3.7667.
    assert snapshot.overall == Decimal("3.77")


def test_snapshot_of_a_lever_without_answers_is_empty(org_a):
    assessment = assessment_create(org=org_a, title="A")
    answer_all(org_a, assessment)
    extra = PracticeFactory(organization=org_a, lever=Lever.objects.for_org(org_a).get(code="brand_promise"))
    Lever.objects.for_org(org_a).filter(code="technology_data").update(is_active=False)
    # The new practice has no consensus yet: submitting is refused until it does.
    with pytest.raises(ValidationError):
        assessment_submit(org=org_a, assessment=assessment)
    answer_set(org=org_a, assessment=assessment, practice=extra, stage_level=1)
    assessment = assessment_submit(org=org_a, assessment=assessment)
    # Now a brand-new lever with no practices answered.
    new_lever = Lever.objects.create(
        organization=org_a, group=Lever.objects.for_org(org_a).first().group, code="partners", name_en="Partners"
    )
    snapshot = maturity_snapshot_from_assessment(org=org_a, assessment=assessment)
    scores = {s.lever_id: s.score for s in LeverScore.objects.for_org(org_a).filter(snapshot=snapshot)}
    assert scores[new_lever.pk] is None
    assert scores[Lever.objects.for_org(org_a).get(code="brand_promise").pk] == Decimal("2.50")
    assert Lever.objects.for_org(org_a).get(code="technology_data").pk not in scores  # inactive
    assert snapshot.overall == Decimal("2.94")  # (8 levers at 3 + 2.5) / 9


def test_snapshot_needs_a_submitted_assessment(org_a):
    with pytest.raises(ValidationError):
        maturity_snapshot_from_assessment(org=org_a, assessment=assessment_create(org=org_a, title="A"))
