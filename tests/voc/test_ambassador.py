"""Ambassadors: grants per touchpoint (guardian, direct FK), who may log where (one query), the
one-tap form (granted only, double submit = one response), the grants page and the home page."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cxgov.tenancy.roles import Op
from tests import factories as f
from tests.dashboards.page_checks import check_anonymous, check_roles
from tests.dashboards.pages import signed_in
from voc.models import Response, TouchpointUserObjectPermission
from voc.selectors import touchpoints_loggable_by
from voc.services import feedback_log, touchpoint_ambassadors_set

pytestmark = pytest.mark.django_db

LOG = reverse("voc:feedback-log")
GRANTS = reverse("voc:feedback-ambassadors")


@pytest.fixture
def tps(org_a):
    journey = f.JourneyFactory(organization=org_a, name="Branch banking")
    return [f.TouchpointFactory(organization=org_a, journey=journey, name=f"Desk {i}") for i in range(3)]


def test_grants_are_set_exactly_and_only_for_members(org_a, org_b, users_a, users_b, tps):
    ambassador, lead = users_a["ambassador"], users_a["cx_lead"]
    touchpoint_ambassadors_set(org=org_a, touchpoint=tps[0], users=[ambassador, lead])
    assert ambassador.has_perm("voc.log_feedback", tps[0])
    stored = TouchpointUserObjectPermission.objects.filter(content_object=tps[0])
    assert set(stored.values_list("user_id", flat=True)) == {ambassador.pk, lead.pk}

    touchpoint_ambassadors_set(org=org_a, touchpoint=tps[0], users=[lead])
    assert set(stored.values_list("user_id", flat=True)) == {lead.pk}

    with pytest.raises(ValidationError) as exc:
        touchpoint_ambassadors_set(org=org_a, touchpoint=tps[0], users=[users_b["ambassador"]])
    assert "users" in exc.value.message_dict
    foreign = f.TouchpointFactory(organization=org_b)
    with pytest.raises(ValidationError) as exc:
        touchpoint_ambassadors_set(org=org_a, touchpoint=foreign, users=[ambassador])
    assert exc.value.message_dict == {"touchpoint": ["Not found in this organization."]}
    assert not TouchpointUserObjectPermission.objects.filter(content_object=foreign).exists()


def test_loggable_touchpoints_per_role_in_one_query(org_a, org_b, users_a, users_b, tps, django_assert_num_queries):
    ambassador = users_a["ambassador"]
    touchpoint_ambassadors_set(org=org_a, touchpoint=tps[1], users=[ambassador])
    # A grant in another organization's touchpoint never shows in A.
    touchpoint_ambassadors_set(org=org_b, touchpoint=f.TouchpointFactory(organization=org_b),
                               users=[users_b["ambassador"]])
    with django_assert_num_queries(1):
        assert [tp.pk for tp in touchpoints_loggable_by(org=org_a, user=ambassador)] == [tps[1].pk]
    for journey_tp in [f.TouchpointFactory(organization=org_a) for _ in range(10)]:
        touchpoint_ambassadors_set(org=org_a, touchpoint=journey_tp, users=[ambassador])
    with django_assert_num_queries(1):
        assert len(list(touchpoints_loggable_by(org=org_a, user=ambassador))) == 11
    all_ids = set(f.TouchpointFactory._meta.model.objects.for_org(org_a).values_list("pk", flat=True))
    for role in ("admin", "cx_lead", "integrator"):
        assert {tp.pk for tp in touchpoints_loggable_by(org=org_a, user=users_a[role])} == all_ids
    assert list(touchpoints_loggable_by(org=org_a, user=users_a["executive"])) == []
    assert list(touchpoints_loggable_by(org=org_a, user=users_b["cx_lead"])) == []  # not a member of A


def test_the_form_page_per_role(org_a, users_a, client):
    check_roles(LOG, users_a, Op.FEEDBACK_LOG)
    check_anonymous(client, LOG)


def test_an_ambassador_sees_only_granted_touchpoints_and_logs_in_one_post(org_a, users_a, tps):
    ambassador = users_a["ambassador"]
    touchpoint_ambassadors_set(org=org_a, touchpoint=tps[0], users=[ambassador])
    client = signed_in(ambassador)
    page = client.get(LOG).content.decode()
    assert "Desk 0" in page and "Desk 1" not in page
    assert 'name="external_id"' in page
    for point in range(11):
        assert f'value="nps:{point}"' in page
    assert 'value="csat:5"' in page and 'value="csat:0"' not in page
    assert 'name="score_first_response_time"' in page  # an open scale: a number input

    external_id = str(uuid.uuid4())
    post = {"touchpoint": tps[0].pk, "tap": "nps:9", "comment": "Kind staff", "customer_ref": "C-77",
            "external_id": external_id}
    response = client.post(LOG, post)
    assert response.status_code == 302
    stored = Response.objects.for_org(org_a).get(external_id=external_id)
    assert (stored.source.code, stored.metric.code, stored.score, stored.touchpoint, stored.recorded_by) == (
        "manual", "nps", 9, tps[0], ambassador)
    assert (stored.comment, stored.customer_ref) == ("Kind staff", "C-77")

    # The same form sent twice (double tap, reload): one response.
    assert client.post(LOG, post).status_code == 302
    assert Response.objects.for_org(org_a).filter(external_id=external_id).count() == 1

    follow = client.get(LOG).content.decode()
    assert "Kind staff" in follow  # recent entries
    assert f'value="{tps[0].pk}" selected' in follow  # the last touchpoint is remembered


def test_number_input_metrics_and_bad_scores(org_a, users_a, tps):
    client = signed_in(users_a["cx_lead"])
    ok = {"touchpoint": tps[2].pk, "tap": "first_response_time:", "score_first_response_time": "12.5",
          "external_id": str(uuid.uuid4())}
    assert client.post(LOG, ok).status_code == 302
    assert Response.objects.for_org(org_a).get(external_id=ok["external_id"]).score == 12.5
    bad = {"touchpoint": tps[2].pk, "tap": "csat:9", "external_id": str(uuid.uuid4())}
    response = client.post(LOG, bad)
    assert response.status_code == 400
    assert "scale" in response.content.decode()
    assert not Response.objects.for_org(org_a).filter(external_id=bad["external_id"]).exists()


def test_logging_outside_the_grants_is_refused_even_by_tampering(org_a, org_b, users_a, tps):
    ambassador = users_a["ambassador"]
    touchpoint_ambassadors_set(org=org_a, touchpoint=tps[0], users=[ambassador])
    client = signed_in(ambassador)
    foreign = f.TouchpointFactory(organization=org_b)
    for touchpoint in (tps[1].pk, foreign.pk, 999999):
        external_id = str(uuid.uuid4())
        response = client.post(LOG, {"touchpoint": touchpoint, "tap": "nps:3", "external_id": external_id})
        assert response.status_code == 403
        assert "You may not log feedback on this touchpoint." in response.content.decode()
        assert not Response.objects.unscoped().filter(external_id=external_id).exists()  # any organization
    with pytest.raises(Exception, match="may not log"):
        feedback_log(org=org_a, user=ambassador, touchpoint=tps[1], metric="nps", score=9,
                     external_id=str(uuid.uuid4()))
    # Executives have no feedback.log at all.
    assert signed_in(users_a["executive"]).post(LOG, {"touchpoint": tps[0].pk, "tap": "nps:3",
                                                      "external_id": str(uuid.uuid4())}).status_code == 403


def test_grants_page_sets_every_touchpoint_in_one_save(org_a, users_a, tps, client):
    check_roles(GRANTS, users_a, Op.PROGRAMME_MANAGE)
    check_anonymous(client, GRANTS)
    ambassador = users_a["ambassador"]
    lead = signed_in(users_a["cx_lead"])
    page = lead.get(GRANTS).content.decode()
    assert f'name="tp-{tps[0].pk}"' in page and str(ambassador) in page

    response = lead.post(GRANTS, {f"tp-{tps[0].pk}": [ambassador.pk], f"tp-{tps[2].pk}": [ambassador.pk]})
    assert response.status_code == 302
    assert {tp.pk for tp in touchpoints_loggable_by(org=org_a, user=ambassador)} == {tps[0].pk, tps[2].pk}
    assert 'checked' in lead.get(GRANTS).content.decode()

    lead.post(GRANTS, {f"tp-{tps[2].pk}": [ambassador.pk]})
    assert {tp.pk for tp in touchpoints_loggable_by(org=org_a, user=ambassador)} == {tps[2].pk}

    # Someone who is not an ambassador of this organization: refused, nothing changed.
    lead.post(GRANTS, {f"tp-{tps[0].pk}": [users_a["executive"].pk], f"tp-{tps[1].pk}": [ambassador.pk]})
    assert {tp.pk for tp in touchpoints_loggable_by(org=org_a, user=ambassador)} == {tps[2].pk}


def test_the_ambassador_home_lists_granted_touchpoints_and_links_to_the_form(org_a, users_a, tps):
    ambassador = users_a["ambassador"]
    touchpoint_ambassadors_set(org=org_a, touchpoint=tps[1], users=[ambassador])
    page = signed_in(ambassador).get(reverse("home")).content.decode()
    assert "Desk 1" in page and "Desk 0" not in page and "Desk 2" not in page
    assert f'href="{LOG}"' in page
