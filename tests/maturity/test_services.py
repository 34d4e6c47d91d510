"""Assessments, answers, hand-in, submission, settings, targets and framework templates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cem_levers.models import Lever, LeverGroup, Practice
from cxgov.dashboards.freshness import BumpAfterCommit
from maturity.models import Answer, Assessment, LeverScore, MaturitySettings, MaturitySnapshot, Stage
from maturity.selectors import assessment_answers_by_lever, assessment_sheet, others_visible
from maturity.services import (
    answer_set,
    assessment_create,
    assessment_delete,
    assessment_submit,
    assessor_answers_submit,
    framework_template_switch,
    lever_target_set,
    maturity_scores_compute,
    maturity_settings_update,
)
from tests.factories import AssessmentFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def answer_all(org, assessment, level_for=lambda practice: 3, assessor=None):
    for practice in Practice.objects.for_org(org).filter(is_active=True, lever__is_active=True):
        answer_set(org=org, assessment=assessment, practice=practice, stage_level=level_for(practice),
                   assessor=assessor)


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
    assert assessment.framework == "default"


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


def test_evidence_link_and_file_are_validated(org_a, users_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = assessment_create(org=org_a, title="A")
    practice = Practice.objects.for_org(org_a).first()
    kwargs = {"org": org_a, "assessment": assessment, "practice": practice, "stage_level": 2}
    with pytest.raises(ValidationError) as exc:
        answer_set(**kwargs, evidence_url="not a link")
    assert "evidence_url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        answer_set(**kwargs, evidence_file=SimpleUploadedFile("run.exe", b"MZ"))
    assert "evidence_file" in exc.value.message_dict
    too_big = SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1), content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        answer_set(**kwargs, evidence_file=too_big)
    assert "10 MB" in exc.value.message_dict["evidence_file"][0]
    assert not Answer.objects.for_org(org_a).filter(assessment=assessment).exists()

    answer = answer_set(**kwargs, evidence_url="https://wiki.example/cx", evidence_file=SimpleUploadedFile(
        "minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf"))
    assert answer.evidence_file.name.endswith(".pdf")
    assert answer.evidence_file.read() == b"%PDF-1.4 minutes"
    # No new file keeps the stored one; clearing removes the reference.
    again = answer_set(**{**kwargs, "stage_level": 3})
    assert again.evidence_file
    cleared = answer_set(**kwargs, clear_evidence_file=True)
    assert not cleared.evidence_file


def test_inactive_practices_cannot_be_answered(org_a):
    assessment = assessment_create(org=org_a, title="A")
    practice = Practice.objects.for_org(org_a).first()
    practice.is_active = False
    practice.save()
    with pytest.raises(ValidationError) as exc:
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=3)
    assert "practice" in exc.value.message_dict


def test_submit_lists_the_practices_without_consensus_and_happens_once(org_a):
    assessment = assessment_create(org=org_a, title="A")
    practices = list(Practice.objects.for_org(org_a).select_related("lever").order_by("lever__position", "position"))
    for practice in practices[:-2]:
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=2)
    with pytest.raises(ValidationError) as exc:
        assessment_submit(org=org_a, assessment=assessment)
    message = exc.value.message_dict["answers"][0]
    assert message.startswith("2 practices have no consensus answer yet:")
    for practice in practices[-2:]:
        assert f"{practice.name_en} ({practice.lever.name_en})" in message
    assert practices[0].name_en not in message
    for practice in practices[-2:]:
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=2)
    submitted = assessment_submit(org=org_a, assessment=assessment)
    assert submitted.status == Assessment.Status.SUBMITTED and submitted.submitted_at is not None
    with pytest.raises(ValidationError) as exc:
        assessment_submit(org=org_a, assessment=submitted)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        answer_set(org=org_a, assessment=submitted, practice=practices[0], stage_level=5)
    with pytest.raises(ValidationError):
        assessment_delete(org=org_a, assessment=submitted)


def test_submit_enqueues_the_recompute_after_commit(org_a, django_capture_on_commit_callbacks):
    assessment = assessment_create(org=org_a, title="A")
    answer_all(org_a, assessment, lambda p: 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assessment_submit(org=org_a, assessment=assessment)
    assert len([c for c in callbacks if not isinstance(c, BumpAfterCommit)]) == 1  # the other: the dashboards' cache
    snapshot = MaturitySnapshot.objects.for_org(org_a).get()
    assert snapshot.assessment_id == assessment.pk and snapshot.overall == Decimal("2.00")


def test_hand_in_needs_every_practice_then_freezes_and_reveals(org_a, users_a):
    assessment = assessment_create(org=org_a, title="A")
    executive, lead = users_a["executive"], users_a["cx_lead"]
    practices = list(Practice.objects.for_org(org_a))
    answer_set(org=org_a, assessment=assessment, practice=practices[0], stage_level=1, assessor=lead)
    for practice in practices[:-1]:
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=3, assessor=executive)
    with pytest.raises(ValidationError) as exc:
        assessor_answers_submit(org=org_a, assessment=assessment, assessor=executive)
    assert practices[-1].name_en in exc.value.message_dict["answers"][0]
    # Before handing in, the executive (not a programme manager) sees only their own answers.
    assert not others_visible(org=org_a, assessment=assessment, user=executive, can_manage=False)
    assert others_visible(org=org_a, assessment=assessment, user=lead, can_manage=True)

    answer_set(org=org_a, assessment=assessment, practice=practices[-1], stage_level=3, assessor=executive)
    assessor_answers_submit(org=org_a, assessment=assessment, assessor=executive)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_REVIEW
    assert others_visible(org=org_a, assessment=assessment, user=executive, can_manage=False)
    with pytest.raises(ValidationError) as exc:
        answer_set(org=org_a, assessment=assessment, practice=practices[0], stage_level=5, assessor=executive)
    assert "handed in" in exc.value.message_dict["assessment"][0]
    with pytest.raises(ValidationError):
        assessor_answers_submit(org=org_a, assessment=assessment, assessor=executive)


def test_disagreement_detection_and_median(org_a, users_a):
    assessment = assessment_create(org=org_a, title="A")
    first, second = Practice.objects.for_org(org_a).order_by("lever__position", "position")[:2]
    for role, (a, b) in {"cx_lead": (1, 2), "executive": (3, 3), "admin": (2, None)}.items():
        answer_set(org=org_a, assessment=assessment, practice=first, stage_level=a, assessor=users_a[role])
        if b:
            answer_set(org=org_a, assessment=assessment, practice=second, stage_level=b, assessor=users_a[role])
    sections = assessment_sheet(org=org_a, assessment=assessment, assessor=None, with_individual=True)
    rows = {row.practice.pk: row for section in sections for row in section.practices}
    assert sorted(rows[first.pk].levels) == [1, 2, 3]
    assert (rows[first.pk].spread, rows[first.pk].disagreement, rows[first.pk].median) == (2, True, 2)
    # Two answers 2 and 3: spread 1 (no disagreement), median 2.5 rounded up to 3, prefilled.
    assert (rows[second.pk].spread, rows[second.pk].disagreement, rows[second.pk].selected) == (1, False, 3)
    assert sections[0].disagreements == 1
    # A consensus answer, once set, replaces the median as the preselected stage.
    answer_set(org=org_a, assessment=assessment, practice=second, stage_level=2)
    sections = assessment_sheet(org=org_a, assessment=assessment, assessor=None, with_individual=True)
    assert {r.practice.pk: r for s in sections for r in s.practices}[second.pk].selected == 2
    # The history view flags it too.
    history = assessment_answers_by_lever(org=org_a, assessment=assessment)
    flagged = {p["practice"].pk: p["disagreement"] for lever in history for p in lever["practices"]}
    assert flagged[first.pk] is True and flagged[second.pk] is False


def test_weights_must_be_between_0_and_1_and_add_up_to_1(org_a, django_capture_on_commit_callbacks):
    for bad, field in [(("0.6", "0.3"), "weight_evidence"), (("1.2", "-0.2"), "weight_assessment"),
                       (("abc", "0.3"), "weight_assessment"), (("0.655", "0.345"), "weight_assessment")]:
        with pytest.raises(ValidationError) as exc:
            maturity_settings_update(org=org_a, weight_assessment=bad[0], weight_evidence=bad[1])
        assert field in exc.value.message_dict, bad
    with django_capture_on_commit_callbacks() as callbacks:
        settings = maturity_settings_update(org=org_a, weight_assessment="0.5", weight_evidence="0.5")
    assert (settings.weight_assessment, settings.weight_evidence) == (Decimal("0.5"), Decimal("0.5"))
    assert len([c for c in callbacks if not isinstance(c, BumpAfterCommit)]) == 1  # the recompute
    assert MaturitySettings.objects.for_org(org_a).count() == 1


def test_lever_targets(org_a, org_b):
    lever = Lever.objects.for_org(org_a).first()
    target = lever_target_set(org=org_a, lever=lever, target_level=4)
    assert (target.target_level, target.target_date) == (4, None)

    same = lever_target_set(org=org_a, lever=lever, target_level=5, target_date=dt.date(2027, 6, 30))
    assert same.pk == target.pk and same.target_level == 5
    for bad in (0, 6, "4", 2.5):
        with pytest.raises(ValidationError):
            lever_target_set(org=org_a, lever=lever, target_level=bad)
    with pytest.raises(ValidationError) as exc:
        lever_target_set(org=org_a, lever=Lever.objects.for_org(org_b).first(), target_level=3)
    assert "lever" in exc.value.message_dict
    assert lever_target_set(org=org_a, lever=lever, target_level=None) is None
    assert not lever.maturity_targets.filter(organization=org_a).exists()


def test_template_switch_keeps_past_assessments_and_scores_readable(org_a, users_a):
    assessment = assessment_create(org=org_a, title="Baseline", created_by=users_a["cx_lead"])
    answer_all(org_a, assessment, lambda p: 3)
    assessment_submit(org=org_a, assessment=assessment)
    first = maturity_scores_compute(org=org_a)
    old_levers = set(Lever.objects.for_org(org_a).values_list("pk", flat=True))
    old_scores = {s.lever_id: s.score for s in LeverScore.objects.for_org(org_a).filter(snapshot=first)}
    assert first.overall == Decimal("3.00") and len(old_scores) == 10

    framework_template_switch(org=org_a, template="xmi")

    active = list(Lever.objects.for_org(org_a).filter(is_active=True).order_by("position"))
    assert [lv.code for lv in active] == ["xmi_lead", "xmi_realize", "xmi_activate", "xmi_enlighten",
                                          "xmi_respond", "xmi_disrupt"]
    assert [lv.name_en for lv in active][:2] == ["Lead", "Realize"]
    assert all(2 <= lv.practices.count() <= 3 for lv in active)
    assert not Lever.objects.for_org(org_a).filter(pk__in=old_levers, is_active=True).exists()
    assert Lever.objects.for_org(org_a).filter(pk__in=old_levers).count() == 10  # nothing deleted
    assert not LeverGroup.objects.for_org(org_a).filter(code="strategy", is_active=True).exists()
    assert list(Stage.objects.for_org(org_a).order_by("level").values_list("name_en", flat=True)) == [
        "Investigate", "Initiate", "Mobilize", "Scale", "Embed"]
    assert Stage.objects.for_org(org_a).get(level=1).name_es == "Investigar"
    assert MaturitySettings.objects.for_org(org_a).get().template == "xmi"

    # The past assessment, its answers and its snapshot are all still there and readable.
    assessment.refresh_from_db()
    assert assessment.framework == "default"
    history = assessment_answers_by_lever(org=org_a, assessment=assessment)
    assert {row["lever"].pk for row in history} == old_levers
    assert {s.lever_id: s.score for s in LeverScore.objects.for_org(org_a).filter(snapshot=first)} == old_scores

    second = maturity_scores_compute(org=org_a)
    assert second.pk != first.pk and second.framework == "xmi" and second.assessment is None
    assert second.overall is None
    assert {s.lever.code for s in second.lever_scores.select_related("lever")} == {lv.code for lv in active}

    # An assessment opened now belongs to the new framework and asks its practices.
    new = assessment_create(org=org_a, title="XM")
    assert new.framework == "xmi"
    sheet = assessment_sheet(org=org_a, assessment=new, assessor=users_a["cx_lead"], with_individual=False)
    assert [s.lever.code for s in sheet] == [lv.code for lv in active]
    with pytest.raises(ValidationError) as exc:
        framework_template_switch(org=org_a, template="default")
    assert "open assessments" in exc.value.message_dict["template"][0]
    assessment_delete(org=org_a, assessment=new)

    # Back to the default: its levers return with their history, and the old consensus counts again.
    framework_template_switch(org=org_a, template="default")
    assert set(Lever.objects.for_org(org_a).filter(is_active=True).values_list("pk", flat=True)) == old_levers
    third = maturity_scores_compute(org=org_a)
    assert third.framework == "default" and third.overall == Decimal("3.00")


def test_template_switch_validation(org_a):
    with pytest.raises(ValidationError):
        framework_template_switch(org=org_a, template="default")  # already active
    with pytest.raises(ValidationError):
        framework_template_switch(org=org_a, template="nonsense")


def test_custom_template_starts_empty(org_a):
    framework_template_switch(org=org_a, template="custom")
    assert not Lever.objects.for_org(org_a).filter(is_active=True).exists()
    assert not LeverGroup.objects.for_org(org_a).filter(is_active=True).exists()
    assert Lever.objects.for_org(org_a).count() == 10


@pytest.mark.parametrize("code", ["xmi", "forrester", "omb_a11"])
def test_every_template_is_bilingual_with_two_or_three_practices_per_lever(org_a, code):
    from maturity.catalogue import STAGE_DESCRIPTORS, TEMPLATES

    framework = TEMPLATES[code]
    for group in framework.groups:
        assert group.code.split("_")[0] in ("xmi", "fr", "omb")
        for lever in group.levers:
            assert 2 <= len(lever.practices) <= 3
            for text in [lever.text, *[p.text for p in lever.practices]]:
                assert all(text.fields().values())
                assert text.name_en != text.name_es
            assert all(p.code.startswith(f"{lever.code}.") for p in lever.practices)
    assert set(STAGE_DESCRIPTORS) == {1, 2, 3, 4, 5}
    framework_template_switch(org=org_a, template=code)
    expected = {"forrester": 6, "omb_a11": 5, "xmi": 6}[code]
    assert Lever.objects.for_org(org_a).filter(is_active=True).count() == expected
    assert all(s.descriptor_en and s.descriptor_es for s in Stage.objects.for_org(org_a))


def test_new_practices_extend_the_questionnaire(org_a, users_a):
    assessment = assessment_create(org=org_a, title="A")
    lever = Lever.objects.for_org(org_a).get(code="brand_promise")
    extra = PracticeFactory(organization=org_a, lever=lever)
    sheet = assessment_sheet(org=org_a, assessment=assessment, assessor=users_a["cx_lead"], with_individual=False)
    assert extra.pk in {row.practice.pk for s in sheet for row in s.practices}
