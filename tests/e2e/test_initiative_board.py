"""A CX lead creates an initiative, adds a milestone and a risk, and moves it to in progress on the
board by dragging its card (the fallback form is covered by tests/initiatives/test_views.py)."""

from __future__ import annotations

import pytest

from cxgov.tenancy.models import User
from cxgov.tenancy.services import membership_set, organization_create
from initiatives.models import Initiative, Milestone, Risk

pytestmark = [pytest.mark.e2e]

PASSWORD = "aurora-e2e-password-7"


@pytest.fixture
def cx_lead(transactional_db) -> User:
    org = organization_create(name="Banco Aurora PMO", slug="aurora-pmo")
    user = User.objects.create_user(email="lead@aurora-pmo.example", password=PASSWORD, full_name="Marta Ríos")
    membership_set(org=org, user=user, role="cx_lead")
    return user


def test_cx_lead_runs_an_initiative_from_idea_to_in_progress(live_server, page, cx_lead, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(cx_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/initiatives/board/")
    page.get_by_role("link", name="New initiative").click()
    page.get_by_label("Title").fill("Welcome call for new customers")
    page.get_by_label("Problem statement").fill("New customers feel lost in their first month.")
    page.get_by_label("Voice of the customer and measurement").check()
    page.get_by_label("Start date").fill("2030-01-10")
    page.get_by_label("Due date").fill("2030-04-30")
    page.get_by_role("button", name="Create initiative").click()
    page.wait_for_url("**/initiatives/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome call for new customers"
    initiative = Initiative.objects.unscoped().get(title="Welcome call for new customers")  # test inspection

    page.get_by_role("link", name="Add a milestone or task").click()
    page.get_by_label("Title").fill("Call script agreed")
    page.get_by_label("Start date").fill("2030-01-10")
    page.get_by_label("Due date").fill("2030-02-15")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(f"**/initiatives/{initiative.pk}/#schedule")
    assert page.get_by_text("Call script agreed").first.is_visible()

    page.get_by_role("link", name="Register a risk or issue").click()
    page.get_by_label("Description").fill("Contact centre too busy in January")
    page.get_by_label("Probability (1–5)").select_option("4")
    page.get_by_label("Impact (1–5)").select_option("4")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(f"**/initiatives/{initiative.pk}/#risks")
    assert page.locator(".exposure--high", has_text="16").is_visible()

    # Idea → planned with the card's own control, then drag it to "In progress".
    page.goto(f"{live_server.url}/initiatives/board/")
    card = page.locator(f'[data-card="{initiative.pk}"]')
    assert page.locator('[data-column="idea"]').locator(f'[data-card="{initiative.pk}"]').count() == 1
    card.locator("select[name=status]").select_option("planned")
    card.get_by_role("button", name="Move").click()
    planned = page.locator('[data-column="planned"]')
    planned.locator(f'[data-card="{initiative.pk}"]').wait_for()
    assert "Planned" in page.locator("#board-status").inner_text()

    card.drag_to(page.locator('[data-column="in_progress"] [data-cards]'))
    page.locator('[data-column="in_progress"]').locator(f'[data-card="{initiative.pk}"]').wait_for()
    page.wait_for_function("document.getElementById('board-status').textContent.includes('In progress')")
    page.screenshot(path=str(screenshot_dir / "initiative_board.png"), full_page=True)

    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.IN_PROGRESS
    assert Milestone.objects.unscoped().filter(initiative=initiative).count() == 1  # test inspection
    assert Risk.objects.unscoped().get(initiative=initiative).exposure == 16  # test inspection

    page.reload()  # the move was saved, not only drawn
    assert page.locator('[data-column="in_progress"]').locator(f'[data-card="{initiative.pk}"]').count() == 1
