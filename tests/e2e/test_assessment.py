"""A CX lead runs a maturity assessment in the browser: an assessor's answers, the consensus (one
lever at a time, radio buttons with the stage descriptors), the submission; the executive
dashboard's maturity chart then shows the new scores."""

from __future__ import annotations

import pytest

from cxgov.tenancy.models import Organization, User
from cxgov.tenancy.services import membership_set
from maturity.catalogue import STAGE_DESCRIPTORS, STAGES
from maturity.models import MaturitySettings, MaturitySnapshot, Stage
from tests import factories as f

pytestmark = [pytest.mark.e2e]

PASSWORD = "aurora-e2e-password-7"


@pytest.fixture
def small_org(transactional_db):
    """Two levers with two practices and one practice: a short questionnaire."""
    org = Organization.objects.create(name="Small Bank", slug="small-bank")
    MaturitySettings.objects.create(organization=org)
    for level, text in STAGES:
        Stage.objects.create(organization=org, level=level, descriptor_en=STAGE_DESCRIPTORS[level][0],
                             descriptor_es=STAGE_DESCRIPTORS[level][1], **text.fields())
    group = f.LeverGroupFactory(organization=org, name_en="Strategy")
    listening = f.LeverFactory(organization=org, group=group, name_en="Listening", position=1)
    f.PracticeFactory(organization=org, lever=listening, name_en="Surveys at moments of truth", position=1)
    f.PracticeFactory(organization=org, lever=listening, name_en="Closing the loop", position=2)
    design = f.LeverFactory(organization=org, group=group, name_en="Design", position=2)
    f.PracticeFactory(organization=org, lever=design, name_en="Journey maps", position=1)
    users = {}
    for role, email, name in (("cx_lead", "lead@small.example", "Marta Ríos"),
                              ("executive", "exec@small.example", "Javier Ortega")):
        users[role] = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
        membership_set(org=org, user=users[role], role=role)
    return org, users


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def maturity_rows(page):
    return {
        row.locator(".mchart__lever").inner_text().strip(): row.locator(".mchart__score").inner_text().strip()
        for row in page.locator(".mchart__row:not(.mchart__row--head)").all()
    }


def test_cx_lead_fills_and_submits_an_assessment(live_server, browser, small_org, screenshot_dir):
    org, users = small_org
    executive_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(executive_page, live_server, users["executive"])
    before = maturity_rows(executive_page)
    assert before == {"Listening": "Not scored", "Design": "Not scored"}

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server, users["cx_lead"])
    page.goto(f"{live_server.url}/maturity/assessments/")
    page.get_by_label("Title").fill("Spring maturity review")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/maturity/assessments/*/")

    # The CX lead answers as an assessor first: the descriptors guide each stage.
    page.get_by_role("link", name="Start answering").click()
    assert page.get_by_text(STAGE_DESCRIPTORS[3][0]).first.is_visible()
    fieldset = page.locator("fieldset", has_text="Surveys at moments of truth")
    fieldset.get_by_role("radio", name="Extend").check()
    page.locator("fieldset", has_text="Closing the loop").get_by_role("radio", name="Consolidate").check()
    page.locator("[data-autosave-status]").get_by_text("Saved").wait_for()  # saved as you go
    page.get_by_role("button", name="Save and continue").click()
    page.locator("fieldset", has_text="Journey maps").get_by_role("radio", name="Define").check()
    page.get_by_role("button", name="Save and finish").click()
    page.get_by_role("button", name="Hand in my answers").click()
    assert page.get_by_text("Your answers are handed in").is_visible()

    # The consensus: prefilled with the assessors' median; the lead keeps two and changes one.
    page.get_by_role("link", name="Review and agree").click()
    assert page.locator("fieldset", has_text="Surveys at moments of truth").locator(
        "input[value='3']").is_checked()
    page.locator("fieldset", has_text="Closing the loop").get_by_role("radio", name="Optimize").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and finish").click()
    page.screenshot(path=str(screenshot_dir / "assessment_detail.png"), full_page=True)
    page.get_by_role("button", name="Submit the assessment").click()
    page.wait_for_url(f"{live_server.url}/maturity/")
    assert page.get_by_text("Assessment submitted").is_visible()
    page.screenshot(path=str(screenshot_dir / "maturity_map_after_submit.png"), full_page=True)

    snapshot = MaturitySnapshot.objects.for_org(org).get()
    assert snapshot.overall is not None

    executive_page.reload()
    after = maturity_rows(executive_page)
    # Listening: (3 + 5) / 2 = 4.0 (Consolidate); Design: 2.0 (Define).
    assert after["Listening"].startswith("4.0") and "Consolidate" in after["Listening"]
    assert after["Design"].startswith("2.0") and "Define" in after["Design"]
    assert after != before
    executive_page.screenshot(path=str(screenshot_dir / "executive_home_after_assessment.png"), full_page=True)
