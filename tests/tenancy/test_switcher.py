"""The organization switcher in the site chrome: the user's active organizations, the current one
selected, from the same single membership read that picks the organization the user acts in."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxgov.tenancy.services import membership_set
from tests.dashboards.pages import signed_in


def options(html: str) -> list[tuple[str, bool]]:
    """The switcher's options: (organization name, selected)."""
    select = re.search(r'<select id="org-switch-select".*?</select>', html, re.S)
    assert select, "no organization switcher on the page"
    return [(name, " selected" in attrs)
            for attrs, name in re.findall(r"<option value=\"\d+\"([^>]*)>([^<]*)</option>", select.group(0))]


def membership_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "tenancy_membership"' in q["sql"]]


def test_a_member_of_two_organizations_sees_both_and_the_current_one_selected(org_a, org_b, users_a):
    user = users_a["cx_lead"]
    membership_set(org=org_b, user=user, role="executive")
    client = signed_in(user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("home")).content.decode()
    assert options(html) == [("Org A", True), ("Org B", False)]
    # The middleware's read serves the switcher too: one membership query per page.
    assert len(membership_reads(queries.captured_queries)) == 1

    response = client.post(reverse("organization-switch"), {"organization": org_b.pk}, follow=True)
    assert options(response.content.decode()) == [("Org A", False), ("Org B", True)]


def test_an_inactive_organization_is_not_offered(org_a, org_b, users_a):
    user = users_a["cx_lead"]
    membership_set(org=org_b, user=user, role="executive")
    org_b.is_active = False
    org_b.save()
    html = signed_in(user).get(reverse("home")).content.decode()
    assert 'id="org-switch-select"' not in html
    assert '<span class="org-name">Org A</span>' in html


def test_a_member_of_one_organization_gets_its_name_and_no_form(org_a, users_a):
    html = signed_in(users_a["executive"]).get(reverse("home")).content.decode()
    assert 'id="org-switch-select"' not in html
    assert '<span class="org-name">Org A</span>' in html
