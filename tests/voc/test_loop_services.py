"""The inner loop: which responses open a follow-up case, and the case workflow's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxgov.tenancy.roles import Role
from cxgov.tenancy.services import membership_set
from tests import factories as f
from voc import services
from voc.models import CaseEvent, FollowUpCase, RootCause
from voc.services import case_due_date, responses_record

from .test_loop_support import make_loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(org_a, users_a):
    return make_loop(org_a, users_a)


def cases(loop):
    return FollowUpCase.objects.for_org(loop.org)


# --- opening rules ------------------------------------------------------------------------------

def test_nps_6_is_a_detractor_and_opens_a_case_7_does_not(loop):
    assert loop.record(loop.nps, 6).cases_opened == 1
    assert loop.record(loop.nps, 7).cases_opened == 0
    assert loop.record(loop.nps, 0).cases_opened == 1
    assert cases(loop).count() == 2
    case = cases(loop).select_related("response").get(response__score=Decimal(6))
    assert (case.status, case.metric_id, case.touchpoint_id) == ("open", loop.nps.pk, loop.touchpoint.pk)
    assert list(CaseEvent.objects.for_org(loop.org).filter(case=case).values_list("kind", flat=True)) == ["opened"]


def test_csat_at_or_below_the_threshold_opens_a_case(loop):
    assert loop.record(loop.csat, 2).cases_opened == 1
    assert loop.record(loop.csat, 1).cases_opened == 1
    assert loop.record(loop.csat, 3).cases_opened == 0


def test_lower_is_better_metric_opens_at_or_above_the_threshold(loop):
    assert loop.record(loop.wait, 20).cases_opened == 1
    assert loop.record(loop.wait, 45).cases_opened == 1
    assert loop.record(loop.wait, "19.5").cases_opened == 0


def test_a_metric_without_threshold_never_opens_a_case(loop):
    loop.csat.follow_up_threshold = None
    loop.csat.save()
    assert loop.record(loop.csat, 1).cases_opened == 0


def test_duplicates_open_nothing(loop):
    assert loop.record(loop.nps, 3, external_id="same").cases_opened == 1
    again = loop.record(loop.nps, 3, external_id="same")
    assert (again.created, again.duplicates, again.cases_opened) == (0, 1, 0)
    assert cases(loop).count() == 1


def test_a_historical_response_opens_no_case(loop):
    old = timezone.now() - services.FOLLOW_UP_MAX_AGE - dt.timedelta(days=1)
    assert loop.record(loop.nps, 1, submitted_at=old).cases_opened == 0


def test_owner_is_the_touchpoint_owner(loop, users_a):
    assert loop.case().owner == users_a["ambassador"]


def test_owner_falls_back_to_the_first_cx_lead_by_email(loop, users_a, django_user_model):
    earlier = django_user_model.objects.create_user(email="aaa-lead@a.example", password="x" * 12)
    membership_set(org=loop.org, user=earlier, role=Role.CX_LEAD)
    assert loop.case(touchpoint=loop.other_touchpoint).owner == earlier  # no touchpoint owner


def test_an_owner_who_left_the_organization_is_replaced_by_the_cx_lead(loop, users_a, org_b):
    outsider = f.UserFactory()
    membership_set(org=org_b, user=outsider, role=Role.CX_LEAD)
    loop.touchpoint.owner = outsider
    loop.touchpoint.save()
    assert loop.case().owner == users_a["cx_lead"]


def test_due_date_counts_business_days():
    assert case_due_date(opened_on=dt.date(2025, 3, 3)) == dt.date(2025, 3, 10)   # Monday → Monday
    assert case_due_date(opened_on=dt.date(2025, 3, 6)) == dt.date(2025, 3, 13)   # Thursday → Thursday
    assert case_due_date(opened_on=dt.date(2025, 3, 8)) == dt.date(2025, 3, 14)   # Saturday → Friday
    assert case_due_date(opened_on=dt.date(2025, 3, 3), business_days=1) == dt.date(2025, 3, 4)


def test_due_date_of_an_opened_case(loop, monkeypatch):
    fixed = dt.datetime(2025, 3, 7, 15, 0, tzinfo=dt.UTC)  # a Friday
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    case = loop.case(submitted_at=fixed - dt.timedelta(hours=1))
    assert case.opened_at == fixed
    assert case.due_date == dt.date(2025, 3, 14)


def _rows(loop, n, prefix):
    now = timezone.now() - dt.timedelta(minutes=5)
    tps = [loop.touchpoint, loop.other_touchpoint]
    return [
        {"source": loop.source.code, "external_id": f"{prefix}-{i}", "metric": loop.nps.code,
         "touchpoint": tps[i % 2].pk, "score": str(i % 11), "submitted_at": now.isoformat()}
        for i in range(n)
    ]


def test_case_opening_is_bulk_query_count_independent_of_rows(loop):
    """Opening cases costs one owners query and two inserts, for 7 cases as for 70 (the response
    insert itself may be split in batches by the database's parameter limit: not ours to count)."""
    loop_tables = ("tenancy_membership", "voc_followupcase", "voc_caseevent")

    def queries(n, prefix):
        with CaptureQueriesContext(connection) as captured:
            result = responses_record(org=loop.org, rows=_rows(loop, n, prefix))
        assert result.created == n
        ours = [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in loop_tables)]
        return len(ours), result.cases_opened

    few, opened_few = queries(11, "few")
    many, opened_many = queries(110, "many")
    assert (opened_few, opened_many) == (7, 70)  # scores 0–6 of every 11
    assert few == many == 3
    assert cases(loop).count() == 77


# --- transitions --------------------------------------------------------------------------------

def test_contact_then_resolve(loop, users_a):
    lead = users_a["cx_lead"]
    case = services.case_contact(org=loop.org, by=lead, case=loop.case(), note="Left a voicemail")
    assert case.status == "contacted" and case.contacted_at is not None
    case = services.case_close(org=loop.org, by=lead, case=case, root_cause=loop.cause, resolution="Refunded")
    case.refresh_from_db()
    assert (case.status, case.root_cause, case.resolution) == ("resolved", loop.cause, "Refunded")
    assert case.closed_at is not None
    events = CaseEvent.objects.for_org(loop.org).filter(case=case).order_by("at", "id")
    assert [(e.kind, e.by_id) for e in events] == [("opened", None), ("contacted", lead.pk), ("resolved", lead.pk)]


def test_open_may_be_closed_directly_and_closed_is_final(loop, users_a):
    lead = users_a["cx_lead"]
    case = services.case_close(org=loop.org, by=lead, case=loop.case(), root_cause=loop.cause,
                               resolution="Customer unreachable", status="closed")
    assert case.status == "closed"
    for attempt in (
        lambda: services.case_contact(org=loop.org, by=lead, case=case),
        lambda: services.case_close(org=loop.org, by=lead, case=case, root_cause=loop.cause, resolution="x"),
        lambda: services.case_assign(org=loop.org, by=lead, case=case, owner=users_a["admin"]),
        lambda: services.case_due_date_set(org=loop.org, by=lead, case=case, due_date=dt.date.today()),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "final" in str(exc.value.message_dict["status"])


def test_contacting_twice_is_refused(loop, users_a):
    case = services.case_contact(org=loop.org, by=users_a["cx_lead"], case=loop.case())
    with pytest.raises(ValidationError) as exc:
        services.case_contact(org=loop.org, by=users_a["cx_lead"], case=case)
    assert "status" in exc.value.message_dict


def test_closing_without_root_cause_gives_a_clear_error_and_changes_nothing(loop, users_a):
    case = loop.case()
    with pytest.raises(ValidationError) as exc:
        services.case_close(org=loop.org, by=users_a["cx_lead"], case=case, root_cause=None, resolution="")
    assert exc.value.message_dict["root_cause"] == [
        "Choose the root cause from your organization's list before closing."
    ]
    assert "resolution" in exc.value.message_dict
    case.refresh_from_db()
    assert (case.status, case.closed_at, case.root_cause_id) == ("open", None, None)


def test_root_cause_of_another_organization_is_refused(loop, users_a, org_b):
    foreign = f.RootCauseFactory(organization=org_b)
    with pytest.raises(ValidationError) as exc:
        services.case_close(org=loop.org, by=users_a["cx_lead"], case=loop.case(), root_cause=foreign,
                            resolution="x")
    assert exc.value.message_dict["root_cause"] == ["Not found in this organization."]


def test_inactive_root_cause_is_refused(loop, users_a):
    services.root_cause_update(org=loop.org, root_cause=loop.cause, is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.case_close(org=loop.org, by=users_a["cx_lead"], case=loop.case(), root_cause=loop.cause,
                            resolution="x")
    assert "no longer in use" in exc.value.message_dict["root_cause"][0]


def test_unknown_outcome_is_refused(loop, users_a):
    with pytest.raises(ValidationError) as exc:
        services.case_close(org=loop.org, by=users_a["cx_lead"], case=loop.case(), root_cause=loop.cause,
                            resolution="x", status="contacted")
    assert "status" in exc.value.message_dict


def test_assign_to_a_member_only(loop, users_a, users_b):
    case = loop.case()
    services.case_assign(org=loop.org, by=users_a["cx_lead"], case=case, owner=users_a["executive"])
    case.refresh_from_db()
    assert case.owner == users_a["executive"]
    with pytest.raises(ValidationError) as exc:
        services.case_assign(org=loop.org, by=users_a["cx_lead"], case=case, owner=users_b["cx_lead"])
    assert exc.value.message_dict == {"owner": ["Not a member of this organization."]}


def test_due_date_cannot_precede_opening(loop, users_a):
    case = loop.case()
    with pytest.raises(ValidationError):
        services.case_due_date_set(org=loop.org, by=users_a["cx_lead"], case=case,
                                   due_date=case.opened_at.date() - dt.timedelta(days=2))
    later = case.due_date + dt.timedelta(days=3)
    services.case_due_date_set(org=loop.org, by=users_a["cx_lead"], case=case, due_date=later)
    case.refresh_from_db()
    assert case.due_date == later
    assert CaseEvent.objects.for_org(loop.org).filter(case=case, kind="due_changed").count() == 1


# --- who may work a case -------------------------------------------------------------------------

def test_owner_without_the_op_may_work_their_own_case(loop, users_a):
    ambassador = users_a["ambassador"]
    case = loop.case()
    assert case.owner == ambassador
    assert services.case_can_work(org=loop.org, user=ambassador, case=case)
    services.case_contact(org=loop.org, by=ambassador, case=case)
    services.case_close(org=loop.org, by=ambassador, case=case, root_cause=loop.cause, resolution="Apologised")


def test_ambassador_and_executive_cannot_work_others_cases(loop, users_a):
    case = loop.case(touchpoint=loop.other_touchpoint)  # owned by the CX lead
    for role in ("ambassador", "executive", "integrator"):
        assert not services.case_can_work(org=loop.org, user=users_a[role], case=case)
        with pytest.raises(PermissionDenied):
            services.case_contact(org=loop.org, by=users_a[role], case=case)
    for role in ("admin", "cx_lead"):
        assert services.case_can_work(org=loop.org, user=users_a[role], case=case)


def test_a_member_of_another_organization_cannot_work_it(loop, users_b):
    assert not services.case_can_work(org=loop.org, user=users_b["admin"], case=loop.case())


# --- root causes ----------------------------------------------------------------------------------

def test_root_cause_list_management(loop, users_a):
    cause = services.root_cause_create(org=loop.org, name="  Billing error ")
    assert cause.name == "Billing error"
    with pytest.raises(ValidationError):
        services.root_cause_create(org=loop.org, name="billing ERROR")
    services.root_cause_update(org=loop.org, root_cause=cause, name="Billing mistake")
    with pytest.raises(ValidationError):
        services.root_cause_update(org=loop.org, root_cause=cause, name=loop.cause.name)
    services.root_cause_delete(org=loop.org, root_cause=cause)
    assert not RootCause.objects.for_org(loop.org).filter(pk=cause.pk).exists()


def test_a_root_cause_used_by_a_case_is_never_deleted(loop, users_a):
    loop.closed_case()
    with pytest.raises(ValidationError) as exc:
        services.root_cause_delete(org=loop.org, root_cause=loop.cause)
    assert "deactivate" in exc.value.message_dict["root_cause"][0]
    assert RootCause.objects.for_org(loop.org).filter(pk=loop.cause.pk).exists()
