"""Sign in as the CX lead through the form, land on the home page, switch to Spanish."""

from __future__ import annotations

import pytest

from cxgov.tenancy.models import User
from cxgov.tenancy.services import membership_set, organization_create

pytestmark = [pytest.mark.e2e]

PASSWORD = "aurora-e2e-password-7"


@pytest.fixture
def cx_lead(transactional_db) -> User:
    org = organization_create(name="Banco Aurora E2E", slug="aurora-e2e")
    user = User.objects.create_user(email="lead@aurora-e2e.example", password=PASSWORD, full_name="Marta Ríos")
    membership_set(org=org, user=user, role="cx_lead")
    return user


def test_cx_lead_signs_in_and_switches_to_spanish(live_server, page, cx_lead, screenshot_dir):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url

    page.get_by_label("Email").fill(cx_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "CX lead dashboard"
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Panel del responsable de CX"
    assert page.get_by_role("link", name="Iniciativas", exact=True).first.is_visible()
    page.screenshot(path=str(screenshot_dir / "login_language_es.png"), full_page=True)
    cx_lead.refresh_from_db()
    assert cx_lead.language == "es"
