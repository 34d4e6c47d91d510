"""Reads of closing the loop: overdue cases against a fixed clock, filters, and the outer-loop
counts of root causes per touchpoint and month, checked against hand-computed values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories as f
from voc import selectors
from voc.models import FollowUpCase

from .test_loop_support import make_loop

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def loop(org_a, users_a):
    return make_loop(org_a, users_a)


def _at(y, m, d, h=12):
    return dt.datetime(y, m, d, h, tzinfo=UTC)


def test_overdue_with_a_fixed_clock(loop, users_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _at(2025, 6, 11))
    today = dt.date(2025, 6, 11)
    late_open = loop.case()
    late_contacted = loop.case()
    due_today = loop.case()
    late_resolved = loop.case()
    FollowUpCase.objects.for_org(loop.org).filter(pk__in=[late_open.pk, late_contacted.pk, late_resolved.pk]).update(
        due_date=today - dt.timedelta(days=1))
    FollowUpCase.objects.for_org(loop.org).filter(pk=due_today.pk).update(due_date=today)
    FollowUpCase.objects.for_org(loop.org).filter(pk=late_contacted.pk).update(status="contacted")
    FollowUpCase.objects.for_org(loop.org).filter(pk=late_resolved.pk).update(
        status="resolved", closed_at=_at(2025, 6, 10), root_cause=loop.cause)

    flags = {c.pk: c.is_overdue for c in selectors.case_list(org=loop.org)}
    assert flags == {late_open.pk: True, late_contacted.pk: True, due_today.pk: False, late_resolved.pk: False}
    assert {c.pk for c in selectors.case_list(org=loop.org, overdue=True)} == {late_open.pk, late_contacted.pk}
    summary = selectors.case_summary(org=loop.org, user=users_a["ambassador"], role="ambassador")
    assert summary == {"open": 3, "overdue": 2, "mine": 3}
    # Unfinished first, by due date.
    assert [c.pk for c in selectors.case_list(org=loop.org)][-1] == late_resolved.pk


def test_overdue_is_measured_in_the_organizations_time_zone(loop, monkeypatch):
    loop.org.timezone = "Pacific/Auckland"  # UTC+12 in June
    loop.org.save()
    case = loop.case()
    FollowUpCase.objects.for_org(loop.org).filter(pk=case.pk).update(due_date=dt.date(2025, 6, 11))
    monkeypatch.setattr(timezone, "now", lambda: _at(2025, 6, 11, 13))  # already 12 June in Auckland
    assert selectors.case_list(org=loop.org).get(pk=case.pk).is_overdue
    monkeypatch.setattr(timezone, "now", lambda: _at(2025, 6, 11, 11))  # still 11 June there
    assert not selectors.case_list(org=loop.org).get(pk=case.pk).is_overdue


def test_filters(loop, users_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _at(2025, 6, 20))
    mine = loop.case()  # owned by the ambassador
    other = loop.case(touchpoint=loop.other_touchpoint)  # owned by the CX lead
    FollowUpCase.objects.for_org(loop.org).filter(pk=mine.pk).update(opened_at=_at(2025, 6, 19))   # 1 day
    FollowUpCase.objects.for_org(loop.org).filter(pk=other.pk).update(opened_at=_at(2025, 6, 10))  # 10 days
    other_journey_tp = f.TouchpointFactory(organization=loop.org)

    def ids(**kw):
        return {c.pk for c in selectors.case_list(org=loop.org, **kw)}

    assert ids(owner=users_a["ambassador"]) == {mine.pk}
    assert ids(touchpoint=loop.other_touchpoint) == {other.pk}
    assert ids(journey=loop.journey) == {mine.pk, other.pk}
    assert ids(journey=other_journey_tp.journey) == set()
    assert ids(status="open") == {mine.pk, other.pk}
    assert ids(status="resolved") == set()
    assert ids(age="0-2") == {mine.pk}
    assert ids(age="3-7") == set()
    assert ids(age="8-30") == {other.pk}
    assert ids(age="31+") == set()
    # An ambassador sees only their own cases; a CX lead or an executive sees all of them.
    assert ids(viewer=users_a["ambassador"], viewer_role="ambassador") == {mine.pk}
    assert ids(viewer=users_a["executive"], viewer_role="executive") == {mine.pk, other.pk}


def _closed(loop, touchpoint, cause, when):
    case = loop.closed_case(touchpoint=touchpoint, cause=cause)
    FollowUpCase.objects.for_org(loop.org).filter(pk=case.pk).update(closed_at=when)
    return case


def test_root_cause_matrix_hand_computed(loop):
    tp, other = loop.touchpoint, loop.other_touchpoint
    wait, wrong = loop.cause, loop.other_cause
    rude = f.RootCauseFactory(organization=loop.org, name="Rude staff")
    for when in (_at(2025, 6, 2), _at(2025, 6, 9), _at(2025, 4, 30)):
        _closed(loop, tp, wait, when)              # tp × wait = 3 (Apr 1, Jun 2)
    for when in (_at(2025, 5, 1), _at(2025, 5, 31)):
        _closed(loop, other, wait, when)           # other × wait = 2 (May)
    for when in (_at(2025, 3, 3), _at(2025, 6, 14)):
        _closed(loop, tp, wrong, when)             # tp × wrong = 2
    _closed(loop, other, wrong, _at(2025, 2, 10))  # other × wrong = 1
    _closed(loop, tp, rude, _at(2025, 1, 1, 0))    # tp × rude = 1 (first instant of the period)
    _closed(loop, other, wrong, _at(2024, 12, 31, 23))  # before the period: not counted
    loop.case()                                      # open: not counted

    counts = selectors.root_cause_counts(org=loop.org, months=6, today=dt.date(2025, 6, 15))
    as_tuples = {(r["touchpoint_id"], r["root_cause_id"], r["month"]): r["n"] for r in counts}
    assert as_tuples == {
        (tp.pk, wait.pk, dt.date(2025, 4, 1)): 1, (tp.pk, wait.pk, dt.date(2025, 6, 1)): 2,
        (other.pk, wait.pk, dt.date(2025, 5, 1)): 2,
        (tp.pk, wrong.pk, dt.date(2025, 3, 1)): 1, (tp.pk, wrong.pk, dt.date(2025, 6, 1)): 1,
        (other.pk, wrong.pk, dt.date(2025, 2, 1)): 1,
        (tp.pk, rude.pk, dt.date(2025, 1, 1)): 1,
    }

    matrix = selectors.root_cause_matrix(org=loop.org, months=6, today=dt.date(2025, 6, 15))
    assert matrix["months"] == [dt.date(2025, m, 1) for m in range(1, 7)]
    assert [c.pk for c in matrix["causes"]] == [wait.pk, wrong.pk, rude.pk]  # 5, 3, 1 cases
    assert [row["touchpoint"].pk for row in matrix["rows"]] == [tp.pk, other.pk]
    assert [row["total"] for row in matrix["rows"]] == [6, 3]
    assert matrix["total"] == 9
    first = {c["root_cause"].pk: c for c in matrix["rows"][0]["cells"]}
    second = {c["root_cause"].pk: c for c in matrix["rows"][1]["cells"]}
    assert first[wait.pk]["by_month"] == [0, 0, 0, 1, 0, 2]
    assert [first[wait.pk]["n"], first[wrong.pk]["n"], first[rude.pk]["n"]] == [3, 2, 1]
    assert [second[wait.pk]["n"], second[wrong.pk]["n"], second[rude.pk]["n"]] == [2, 1, 0]
    # Recurring: 3 or more (tp × wait), plus the top three (tp × wait, other × wait, tp × wrong).
    assert first[wait.pk]["recurring"] and second[wait.pk]["recurring"] and first[wrong.pk]["recurring"]
    assert not first[rude.pk]["recurring"] and not second[wrong.pk]["recurring"]


def test_months_follow_the_organizations_time_zone(loop):
    loop.org.timezone = "America/Mexico_City"  # UTC−6
    loop.org.save()
    _closed(loop, loop.touchpoint, loop.cause, _at(2025, 5, 1, 3))  # 30 April, 21:00 local
    counts = selectors.root_cause_counts(org=loop.org, months=3, today=dt.date(2025, 5, 20))
    assert [(r["month"], r["n"]) for r in counts] == [(dt.date(2025, 4, 1), 1)]


def test_month_starts():
    assert selectors.month_starts(today=dt.date(2025, 2, 28), months=3) == [
        dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
