"""An ambassador on a phone (390 px wide) signs in, opens the form from the home page, logs a score
in one tap and sees it among their recent entries."""

from __future__ import annotations

import pytest

from cxgov.tenancy.models import User
from cxgov.tenancy.services import membership_set, organization_create
from tests import factories as f
from voc.models import Response
from voc.services import touchpoint_ambassadors_set

pytestmark = [pytest.mark.e2e]

PASSWORD = "aurora-e2e-password-7"


@pytest.fixture
def ambassador(transactional_db) -> User:
    org = organization_create(name="Banco Aurora E2E", slug="aurora-amb-e2e")
    user = User.objects.create_user(email="amb@aurora-e2e.example", password=PASSWORD, full_name="Lucía Gómez")
    membership_set(org=org, user=user, role="ambassador")
    journey = f.JourneyFactory(organization=org, name="Branch banking")
    granted = f.TouchpointFactory(organization=org, journey=journey, name="Front desk")
    f.TouchpointFactory(organization=org, journey=journey, name="Back office")
    touchpoint_ambassadors_set(org=org, touchpoint=granted, users=[user])
    return user


def test_ambassador_logs_a_score_in_one_tap_on_a_phone(live_server, browser, ambassador, screenshot_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill(ambassador.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Front desk").is_visible()
    assert page.get_by_text("Back office").count() == 0

    page.get_by_role("link", name="Log feedback").first.click()
    page.wait_for_url("**/voc/feedback/log/")
    assert page.locator("#fb-touchpoint option").all_inner_texts() == ["Front desk"]
    page.get_by_label("Comment").fill("Friendly and quick")
    nine = page.locator("button[value=\"nps:9\"]")
    assert nine.get_attribute("aria-label") == "Net Promoter Score: 9"
    box = nine.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 28  # a thumb-sized target
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.screenshot(path=str(screenshot_dir / "ambassador_form_390.png"), full_page=True)
    nine.tap()
    page.wait_for_selector(".message--success")
    recent = page.locator("[data-fb-recent] li").first
    assert "Friendly and quick" in recent.inner_text()
    assert "9" in recent.locator(".fb-recent__score").inner_text()
    page.screenshot(path=str(screenshot_dir / "ambassador_saved_390.png"), full_page=True)
    assert Response.objects.unscoped().filter(recorded_by=ambassador, comment="Friendly and quick").count() == 1
    context.close()
