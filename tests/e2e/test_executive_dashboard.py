"""An executive opens the executive dashboard, filters it by journey and drills down to a moment of
truth's touchpoint page; screenshots of the dashboard in English and in Spanish (desktop and phone)."""

from __future__ import annotations

import pytest

from cxgov.tenancy.models import User
from cxgov.tenancy.roles import Role
from cxgov.tenancy.services import membership_set, organization_create
from tests.dashboards.executive_data import build

pytestmark = [pytest.mark.e2e]

PASSWORD = "aurora-e2e-password-7"


@pytest.fixture
def world(transactional_db):
    org = organization_create(name="Banco Aurora Dirección", slug="aurora-exec")
    users = {}
    for role in (Role.EXECUTIVE, Role.CX_LEAD):
        user = User.objects.create_user(email=f"{role.value}@aurora-exec.example", password=PASSWORD,
                                        full_name=f"{role.label} Aurora")
        membership_set(org=org, user=user, role=role.value)
        users[role.value] = user
    created = build(org, users)
    return org, users, created


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def wait_for_charts(page) -> None:
    page.wait_for_function("document.querySelectorAll('.plot--drawn').length >= 5")


def test_executive_filters_by_journey_and_drills_down(live_server, page, world, screenshot_dir):
    org, users, created = world
    journey = created["journeys"][0]
    branch, app = created["touchpoints"][:2]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, users["executive"])

    # The executive's home is the dashboard; open October 2026, where the data is.
    assert page.get_by_role("heading", level=1).inner_text() == "Executive dashboard"
    page.get_by_label("Month", exact=True).fill("2026-10")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboard/executive/?period=2026-10*")
    wait_for_charts(page)
    assert page.locator('[data-kpi="nps"] .kpi__value').inner_text() == "+32"
    assert page.locator("#mot-by-score").get_by_role("link", name=app.name).is_visible()
    page.screenshot(path=str(screenshot_dir / "executive_dashboard_en.png"), full_page=True)

    # Filter by journey: the other journey's moment of truth leaves the ranking.
    page.get_by_label("Journey", exact=True).select_option(str(journey.pk))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**journey={journey.pk}*")
    wait_for_charts(page)
    assert page.locator("#mot-by-score").get_by_role("link", name=app.name).count() == 0
    assert "n = 45" in page.locator('[data-kpi="nps"]').inner_text()

    # Drill down from the ranking to the touchpoint.
    page.locator("#mot-by-score").get_by_role("link", name=branch.name).click()
    page.wait_for_url(f"**/voc/touchpoints/{branch.pk}/")
    assert branch.name in page.get_by_role("heading", level=1).inner_text()

    # The same dashboard in Spanish, on a desktop and on a phone.
    page.goto(f"{live_server.url}/dashboard/executive/?period=2026-10")
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Panel ejecutivo"
    wait_for_charts(page)
    assert page.locator("#overall-maturity").inner_text() == "2,75"
    page.screenshot(path=str(screenshot_dir / "executive_dashboard_es.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    page.screenshot(path=str(screenshot_dir / "executive_dashboard_es_phone.png"), full_page=True)
    # No script was blocked by the CSP (plotly.js's own style-rule injection is refused on every
    # plotly page of the app, the maturity map included; the figures draw regardless).
    assert not [e for e in errors if "script-src" in e or "Refused to execute" in e], errors


def test_executive_opens_the_monthly_report(live_server, page, world, screenshot_dir):
    org, users, created = world
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, live_server, users["executive"])
    page.goto(f"{live_server.url}/dashboard/executive/?period=2026-10")
    page.get_by_role("link", name="Monthly report").click()
    page.wait_for_url("**/reports/executive/2026-10/")
    assert page.get_by_role("heading", level=1).inner_text() == "Executive report — October 2026"
    # The five server-drawn charts (radar, NPS, CSAT, CES, portfolio) load as images.
    page.wait_for_function(
        "[...document.querySelectorAll('.report__chart img')].filter(i => i.complete && i.naturalWidth > 0)"
        ".length === 5"
    )
    page.screenshot(path=str(screenshot_dir / "executive_report_en.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.get_by_role("link", name="Download PDF").is_visible()  # print CSS hides the actions
    pdf = page.request.get(f"{live_server.url}/reports/executive/2026-10.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
