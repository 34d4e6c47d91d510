"""Maturity pages: the map, settings and templates, targets, and the assessment flow in HTML."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cem_levers.models import Lever, Practice
from cxgov.tenancy.roles import Op
from maturity.models import Answer, Assessment, LeverTarget, MaturitySettings, MaturitySnapshot, Stage
from maturity.services import answer_set, assessment_create, lever_target_set
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import populate, signed_in

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("maturity:overview")
ASSESSMENTS = reverse("maturity:assessment-list")
SETTINGS = reverse("maturity:settings")


def _open(org, users):
    return assessment_create(org=org, title="Spring review", created_by=users["cx_lead"])


def test_pages_per_role(org_a, users_a):
    assessment = populate(org_a, users_a)["assessments"][0]
    lever = Lever.objects.for_org(org_a).first()
    for url in (OVERVIEW, ASSESSMENTS, SETTINGS, reverse("maturity:assessment-detail", args=[assessment.pk])):
        check_roles(url, users_a, Op.PROGRAMME_VIEW)
    check_roles(reverse("maturity:assessment-answer", args=[assessment.pk]), users_a, Op.MATURITY_ASSESS)
    for url in (reverse("maturity:assessment-consensus", args=[assessment.pk]),
                reverse("maturity:lever-target", args=[lever.pk]),
                reverse("maturity:template-switch", args=["xmi"])):
        check_roles(url, users_a, Op.PROGRAMME_MANAGE)


def test_anonymous_redirected(client, org_a, users_a):
    assessment = populate(org_a, users_a, n=1)["assessments"][0]
    for url in (OVERVIEW, ASSESSMENTS, SETTINGS, reverse("maturity:assessment-detail", args=[assessment.pk]),
                reverse("maturity:assessment-answer", args=[assessment.pk])):
        check_anonymous(client, url)


def test_other_organization_objects_are_404(users_a, org_b, users_b):
    assessment = populate(org_b, users_b, n=1)["assessments"][0]
    for name in ("assessment-detail", "assessment-answer", "assessment-consensus"):
        check_other_org_404(reverse(f"maturity:{name}", args=[assessment.pk]), users_a["cx_lead"])
    check_other_org_404(reverse("maturity:lever-target", args=[Lever.objects.for_org(org_b).first().pk]),
                        users_a["cx_lead"])
    client = signed_in(users_a["cx_lead"])
    assert client.post(reverse("maturity:assessment-submit", args=[assessment.pk])).status_code == 404


def test_overview_shows_stages_scores_targets_and_charts(org_a, users_a):
    created = populate(org_a, users_a, n=1)
    lever = created["levers"][0]
    lever_target_set(org=org_a, lever=lever, target_level=4)
    html = signed_in(users_a["executive"]).get(OVERVIEW).content.decode()
    for stage in Stage.objects.for_org(org_a):
        assert stage.name_en in html
    assert "2.75" in html
    assert "1.25" in html  # gap: 4 − 2.75
    assert created["initiatives"][0].title in html  # open initiative planned on the lever
    assert 'id="trend-data" type="application/json"' in html
    assert 'id="radar-data" type="application/json"' in html
    assert "plotly.min.js" in html
    assert "<script>" not in html  # no inline script: data islands only
    assert "Set a target" not in html  # executives read only


def test_overview_without_snapshot_explains(org_a, users_a):
    html = signed_in(users_a["executive"]).get(OVERVIEW).content.decode()
    assert "No maturity scores have been computed yet" in html
    assert "plotly.min.js" not in html


def test_overview_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)

    def grow():
        created = populate(org_a, users_a, n=5)
        for lever in created["levers"]:
            lever_target_set(org=org_a, lever=lever, target_level=5)

    check_pinned_queries(signed_in(users_a["cx_lead"]), OVERVIEW, django_assert_num_queries, 12, grow=grow)


def test_assessment_list_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    populate(org_a, users_a, n=1)
    check_pinned_queries(signed_in(users_a["cx_lead"]), ASSESSMENTS, django_assert_num_queries, 7,
                         grow=lambda: populate(org_a, users_a, n=5))


def test_create_assessment_from_the_list(org_a, users_a):
    client = signed_in(users_a["cx_lead"])
    response = client.post(reverse("maturity:assessment-create"), {"title": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(reverse("maturity:assessment-create"), {"title": "Autumn"})
    assessment = Assessment.objects.for_org(org_a).get(title="Autumn")
    assert response.url == reverse("maturity:assessment-detail", args=[assessment.pk])
    assert signed_in(users_a["executive"]).post(reverse("maturity:assessment-create"),
                                                {"title": "X"}).status_code == 403


def _practice_fields(practice, stage, **extra):
    data = {f"p{practice.pk}-stage": str(stage) if stage else ""}
    data.update({f"p{practice.pk}-{k}": v for k, v in extra.items()})
    return data


def test_questionnaire_saves_per_lever_and_keeps_input_on_errors(org_a, users_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = _open(org_a, users_a)
    executive = users_a["executive"]
    client = signed_in(executive)
    url = reverse("maturity:assessment-answer", args=[assessment.pk])
    lever = Lever.objects.for_org(org_a).order_by("position").first()
    first, second, third = Practice.objects.for_org(org_a).filter(lever=lever).order_by("position")
    page = client.get(url).content.decode()
    assert first.name_en in page and "Explore" in page
    assert "Not in place, or done ad hoc" in page  # the stage descriptor

    data = {"lever": str(lever.pk), "go": "next",
            **_practice_fields(first, 2, evidence="Vision workshop minutes"),
            **_practice_fields(second, None, comment="no stage chosen"),
            **_practice_fields(third, 4, evidence_url="not-a-link")}
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a stage to save this answer." in html
    assert "Enter a full web address" in html
    assert "no stage chosen" in html and "not-a-link" in html  # nothing typed is lost
    # The valid answer was saved nevertheless.
    assert Answer.objects.for_org(org_a).get(practice=first, assessor=executive).evidence == "Vision workshop minutes"

    data.update(_practice_fields(second, 3))
    data.update(_practice_fields(third, 4, evidence_url="https://wiki.example/roadmap"))
    data[f"p{first.pk}-evidence_file"] = SimpleUploadedFile("minutes.pdf", b"%PDF", content_type="application/pdf")
    response = client.post(url, data)
    next_lever = Lever.objects.for_org(org_a).order_by("position")[1]
    assert response.status_code == 302 and response.url.endswith(f"?lever={next_lever.pk}")
    answers = {a.practice_id: a for a in Answer.objects.for_org(org_a).filter(assessor=executive)}
    assert (answers[second.pk].stage_level, answers[third.pk].evidence_url) == (3, "https://wiki.example/roadmap")
    assert answers[first.pk].evidence_file.name.endswith(".pdf")
    # The evidence file downloads for its author, and for the CX lead.
    download = reverse("maturity:answer-evidence", args=[answers[first.pk].pk])
    assert client.get(download).status_code == 200
    assert signed_in(users_a["cx_lead"]).get(download).status_code == 200
    # An executive who did not write it and has not handed in their own answers may not.
    other = users_a["executive"].__class__.objects.create_user(email="exec2@a.example", password="x" * 12)
    from cxgov.tenancy.services import membership_set

    membership_set(org=org_a, user=other, role="executive")
    assert signed_in(other).get(download).status_code == 403


def test_autosave_answers_in_json(org_a, users_a):
    assessment = _open(org_a, users_a)
    client = signed_in(users_a["executive"])
    url = reverse("maturity:assessment-answer", args=[assessment.pk])
    lever = Lever.objects.for_org(org_a).order_by("position").first()
    practice = Practice.objects.for_org(org_a).filter(lever=lever).order_by("position").first()
    response = client.post(url, {"lever": lever.pk, **_practice_fields(practice, 3)}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    assert response.json() == {"saved": 1, "errors": {}, "answered": 1}
    response = client.post(url, {"lever": lever.pk, **_practice_fields(practice, 9)}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [str(practice.pk)]


def test_independence_and_consensus_flow(org_a, users_a, django_capture_on_commit_callbacks):
    assessment = _open(org_a, users_a)
    executive, admin, lead = users_a["executive"], users_a["admin"], users_a["cx_lead"]
    practices = list(Practice.objects.for_org(org_a).order_by("lever__position", "position"))
    for practice in practices:
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=1, assessor=executive,
                   evidence="executive-evidence-text")
        answer_set(org=org_a, assessment=assessment, practice=practice, stage_level=3, assessor=admin)
    detail = reverse("maturity:assessment-detail", args=[assessment.pk])
    # The admin (programme.manage) sees every answer; executives see the others only after handing in.
    assert "The other assessors' answers appear here" in signed_in(executive).get(detail).content.decode()
    assert "Admin" not in signed_in(executive).get(reverse(
        "maturity:assessment-answer", args=[assessment.pk])).content.decode().split("<main")[1].split("Your answers")[0]
    response = signed_in(executive).post(reverse("maturity:assessment-hand-in", args=[assessment.pk]))
    assert response.status_code == 302
    html = signed_in(executive).get(detail).content.decode()
    assert "The other assessors' answers appear here" not in html
    assert "spread 2 stages" in html

    consensus = reverse("maturity:assessment-consensus", args=[assessment.pk])
    page = signed_in(lead).get(consensus).content.decode()
    assert "they disagree: 2 stages apart" in page
    assert "executive-evidence-text" in page
    assert 'value="2" checked' in page  # median of 1 and 3, preselected

    submit = reverse("maturity:assessment-submit", args=[assessment.pk])
    response = signed_in(lead).post(submit, follow=True)
    assert "practices have no consensus answer yet" in response.content.decode()
    assert Assessment.objects.for_org(org_a).get(pk=assessment.pk).status != Assessment.Status.SUBMITTED

    client = signed_in(lead)
    for lever in Lever.objects.for_org(org_a).filter(is_active=True):
        rows = Practice.objects.for_org(org_a).filter(lever=lever)
        data = {"lever": lever.pk}
        for practice in rows:
            data.update(_practice_fields(practice, 2))
        assert client.post(consensus, data).status_code == 302
    assert signed_in(executive).post(submit).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit)
    assert response.url == OVERVIEW
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    # Scores were recomputed after the request's commit.
    snapshot = MaturitySnapshot.objects.for_org(org_a).get()
    assert snapshot.assessment_id == assessment.pk
    # The answer pages are now read-only.
    assert "submitted; its answers can no longer change" in client.get(consensus).content.decode()


def test_lever_target_form(org_a, users_a):
    lever = Lever.objects.for_org(org_a).first()
    url = reverse("maturity:lever-target", args=[lever.pk])
    client = signed_in(users_a["cx_lead"])
    assert client.post(url, {"target_level": "7"}).status_code == 400
    response = client.post(url, {"target_level": "4", "target_date": "2027-06-30"})
    assert response.status_code == 302
    target = LeverTarget.objects.for_org(org_a).get(lever=lever)
    assert (target.target_level, str(target.target_date)) == (4, "2027-06-30")
    client.post(url, {"target_level": ""})
    assert not LeverTarget.objects.for_org(org_a).filter(lever=lever).exists()


def test_settings_weights_form(org_a, users_a):
    client = signed_in(users_a["cx_lead"])
    response = client.post(SETTINGS, {"weight_assessment": "0.6", "weight_evidence": "0.3"})
    assert response.status_code == 400
    assert "must add up to 1" in response.content.decode()
    assert client.post(SETTINGS, {"weight_assessment": "0.6", "weight_evidence": "0.4"}).status_code == 302
    assert MaturitySettings.objects.for_org(org_a).get().weight_assessment == Decimal("0.60")
    assert signed_in(users_a["executive"]).post(SETTINGS, {"weight_assessment": "1",
                                                           "weight_evidence": "0"}).status_code == 403


def test_template_switch_confirmation_then_switch(org_a, users_a):
    client = signed_in(users_a["cx_lead"])
    url = reverse("maturity:template-switch", args=["forrester"])
    page = client.get(url).content.decode()
    assert "Nothing is deleted" in page and "Customer understanding" in page
    assert client.get(reverse("maturity:template-switch", args=["nope"])).status_code == 404
    response = client.post(url)
    assert response.url == reverse("cem_levers:lever-list")
    assert MaturitySettings.objects.for_org(org_a).get().template == "forrester"
    html = client.get(reverse("cem_levers:lever-list")).content.decode()
    assert "Customer understanding" in html and "CX strategy and vision" not in html
