"""Pages of closing the loop: roles, isolation, the case actions, the root-cause pages, and pinned
query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from tests import factories as f
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import signed_in
from voc.models import FollowUpCase, RootCause

from .test_loop_support import make_loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(org_a, users_a):
    return make_loop(org_a, users_a)


def test_roles_and_anonymous(loop, users_a, client):
    case = loop.case()
    for name, op in (("voc:case-list", Op.PROGRAMME_VIEW), ("outer_loop:rootcause-matrix", Op.PROGRAMME_VIEW),
                     ("voc:rootcause-list", Op.PROGRAMME_MANAGE), ("voc:insight-list", Op.PROGRAMME_VIEW),
                     ("voc:insight-mine", Op.PROGRAMME_VIEW), ("voc:insight-create", Op.PROGRAMME_MANAGE)):
        check_roles(reverse(name), users_a, op)
        check_anonymous(client, reverse(name))
    check_anonymous(client, reverse("voc:case-detail", args=[case.pk]))


def test_other_organizations_case_is_404(loop, users_b):
    check_other_org_404(reverse("voc:case-detail", args=[loop.case().pk]), users_b["cx_lead"])


def test_case_page_shows_the_response_and_its_history(loop, users_a):
    case = loop.case(comment="The clerk ignored me")
    page = signed_in(users_a["cx_lead"]).get(reverse("voc:case-detail", args=[case.pk])).content.decode()
    assert "The clerk ignored me" in page and "Branch desk" in page and "Opened" in page
    assert reverse("voc:case-close", args=[case.pk]) in page


def test_ambassador_sees_and_works_only_their_own_cases(loop, users_a):
    own = loop.case()
    others = loop.case(touchpoint=loop.other_touchpoint)
    client = signed_in(users_a["ambassador"])
    listing = client.get(reverse("voc:case-list")).content.decode()
    assert reverse("voc:case-detail", args=[own.pk]) in listing
    assert reverse("voc:case-detail", args=[others.pk]) not in listing
    assert client.get(reverse("voc:case-detail", args=[others.pk])).status_code == 404
    assert client.post(reverse("voc:case-contact", args=[others.pk])).status_code == 404
    response = client.post(reverse("voc:case-contact", args=[own.pk]), {"note": "Called"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == "contacted"


def test_executive_reads_but_cannot_work_others_cases(loop, users_a):
    case = loop.case()
    client = signed_in(users_a["executive"])
    page = client.get(reverse("voc:case-detail", args=[case.pk]))
    assert page.status_code == 200
    assert reverse("voc:case-contact", args=[case.pk]) not in page.content.decode()
    assert client.post(reverse("voc:case-contact", args=[case.pk])).status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


def test_closing_from_the_page_requires_a_root_cause(loop, users_a):
    case = loop.case()
    client = signed_in(users_a["cx_lead"])
    url = reverse("voc:case-close", args=[case.pk])
    bad = client.post(url, {"status": "resolved", "resolution": "Refunded the fee"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Choose the root cause from your organization&#x27;s list before closing." in body
    assert "Refunded the fee" in body  # what was typed is kept
    case.refresh_from_db()
    assert case.status == "open"
    ok = client.post(url, {"status": "resolved", "resolution": "Refunded", "root_cause": loop.cause.pk})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.root_cause) == ("resolved", loop.cause)


def test_foreign_root_cause_on_the_page_is_refused(loop, users_a, org_b):
    case = loop.case()
    foreign = f.RootCauseFactory(organization=org_b)
    response = signed_in(users_a["cx_lead"]).post(
        reverse("voc:case-close", args=[case.pk]), {"status": "closed", "resolution": "x", "root_cause": foreign.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == "open"


def test_assign_and_due_date_from_the_page(loop, users_a, users_b):
    case = loop.case()
    client = signed_in(users_a["cx_lead"])
    assert client.post(reverse("voc:case-assign", args=[case.pk]), {"owner": users_b["cx_lead"].pk}).status_code == 400
    assert client.post(reverse("voc:case-assign", args=[case.pk]), {"owner": users_a["admin"].pk}).status_code == 302
    new_due = case.due_date.replace(day=28)
    assert client.post(reverse("voc:case-due", args=[case.pk]), {"due_date": new_due.isoformat()}).status_code == 302
    case.refresh_from_db()
    assert (case.owner, case.due_date) == (users_a["admin"], new_due)


def test_root_cause_list_page(loop, users_a):
    client = signed_in(users_a["cx_lead"])
    assert client.post(reverse("voc:rootcause-list"), {"name": "Billing error"}).status_code == 302
    cause = RootCause.objects.for_org(loop.org).get(name="Billing error")
    duplicate = client.post(reverse("voc:rootcause-list"), {"name": "billing error"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    update = reverse("voc:rootcause-update", args=[cause.pk])
    client.post(update, {"action": "rename", "name": "Billing mistake"})
    client.post(update, {"action": "deactivate"})
    cause.refresh_from_db()
    assert (cause.name, cause.is_active) == ("Billing mistake", False)
    loop.closed_case()
    page = client.post(reverse("voc:rootcause-update", args=[loop.cause.pk]), {"action": "delete"}, follow=True)
    assert "deactivate it instead" in page.content.decode()
    assert RootCause.objects.for_org(loop.org).filter(pk=loop.cause.pk).exists()
    client.post(update, {"action": "delete"})
    assert not RootCause.objects.for_org(loop.org).filter(pk=cause.pk).exists()
    assert signed_in(users_a["executive"]).post(update, {"action": "delete"}).status_code == 403


def test_root_cause_matrix_page(loop, users_a):
    for _ in range(3):
        loop.closed_case()
    page = signed_in(users_a["cx_lead"]).get(reverse("outer_loop:rootcause-matrix")).content.decode()
    assert "Long wait" in page and "loop-cell--recurring" in page
    assert reverse("outer_loop:rootcause-initiative") in page
    executive_page = signed_in(users_a["executive"]).get(reverse("outer_loop:rootcause-matrix")).content.decode()
    assert reverse("outer_loop:rootcause-initiative") not in executive_page


# --- pinned query counts ----------------------------------------------------------------------------

def test_case_list_queries_are_pinned(loop, users_a, django_assert_num_queries):
    loop.case()
    client = signed_in(users_a["cx_lead"])

    def grow():
        for i in range(12):
            loop.case(touchpoint=loop.other_touchpoint if i % 2 else None)

    check_pinned_queries(client, reverse("voc:case-list"), django_assert_num_queries, 10, grow)


def test_matrix_queries_are_pinned(loop, users_a, django_assert_num_queries):
    loop.closed_case()
    client = signed_in(users_a["cx_lead"])

    def grow():
        for i in range(6):
            loop.closed_case(touchpoint=loop.other_touchpoint if i % 2 else None,
                             cause=loop.other_cause if i % 3 else None)

    check_pinned_queries(client, reverse("outer_loop:rootcause-matrix"), django_assert_num_queries, 9, grow)


def test_insight_list_queries_are_pinned(loop, users_a, django_assert_num_queries):
    f.InsightFactory(organization=loop.org, journey=loop.journey, created_by=users_a["cx_lead"])
    client = signed_in(users_a["cx_lead"])

    def grow():
        for _ in range(8):
            f.InsightFactory(organization=loop.org, journey=loop.journey, created_by=users_a["cx_lead"])

    check_pinned_queries(client, reverse("voc:insight-list"), django_assert_num_queries, 8, grow)


def test_cases_open_without_owner_when_nobody_can_own_them(org_a, users_a):
    """With no touchpoint owner and no CX lead the case still opens, unassigned (never lost)."""
    from cxgov.tenancy.models import Membership

    loop = make_loop(org_a, users_a)
    Membership.objects.filter(organization=org_a, role="cx_lead").delete()
    case = loop.case(touchpoint=loop.other_touchpoint)
    assert case.owner is None
    assert FollowUpCase.objects.for_org(org_a).count() == 1
