"""responses_record, the single ingest path for feedback, and the VoC map services."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.factories import JourneyFactory, JourneyStageFactory, SegmentFactory, TouchpointFactory
from voc.models import CaseEvent, DataSource, FollowUpCase, Metric, Response
from voc.services import (
    journey_create,
    journey_stage_create,
    responses_record,
    segment_create,
    touchpoint_create,
)

pytestmark = pytest.mark.django_db


def row(**overrides):
    base = {
        "source": "survey", "external_id": "r-1", "metric": "nps", "score": 9,
        "submitted_at": timezone.now() - dt.timedelta(days=1),
    }
    base.update(overrides)
    return base


def stored(org):
    return Response.objects.for_org(org).count()


def test_valid_rows_are_stored(org_a, users_a):
    touchpoint = TouchpointFactory(organization=org_a)
    metric = Metric.objects.for_org(org_a).get(code="csat")
    result = responses_record(org=org_a, recorded_by=users_a["ambassador"], rows=[
        row(external_id="a", comment="  Great  ", customer_ref="C1", touchpoint=touchpoint),
        row(external_id="b", metric=metric, score="4.5", submitted_at="2025-01-10T10:00:00Z"),
        row(external_id="c", touchpoint=touchpoint.pk, score=Decimal("0")),
    ])
    assert (result.created, result.duplicates, result.errors) == (3, 0, [])
    first = Response.objects.for_org(org_a).get(external_id="a")
    assert (first.score, first.comment, first.customer_ref, first.touchpoint_id) == (
        Decimal(9), "Great", "C1", touchpoint.pk
    )
    assert first.recorded_by == users_a["ambassador"]
    assert Response.objects.for_org(org_a).get(external_id="b").metric.code == "csat"
    assert Response.objects.for_org(org_a).get(external_id="c").touchpoint_id == touchpoint.pk
    assert result.first_submitted_at == dt.datetime(2025, 1, 10, 10, tzinfo=dt.UTC)


def test_duplicate_within_the_batch_is_skipped(org_a):
    result = responses_record(org=org_a, rows=[row(external_id="x", score=10), row(external_id="x", score=1)])
    assert (result.created, result.duplicates, result.errors) == (1, 1, [])
    assert Response.objects.for_org(org_a).get(external_id="x").score == Decimal(10)


def test_duplicate_of_a_stored_row_is_skipped(org_a):
    responses_record(org=org_a, rows=[row(external_id="x")])
    result = responses_record(org=org_a, rows=[row(external_id="x"), row(external_id="y")])
    assert (result.created, result.duplicates) == (1, 1)
    assert stored(org_a) == 2


def test_same_external_id_from_another_source_is_a_different_response(org_a):
    result = responses_record(org=org_a, rows=[row(external_id="x"), row(external_id="x", source="api")])
    assert (result.created, result.duplicates) == (2, 0)


def test_same_external_id_in_another_organization_is_not_a_duplicate(org_a, org_b):
    responses_record(org=org_a, rows=[row(external_id="x")])
    result = responses_record(org=org_b, rows=[row(external_id="x")])
    assert result.created == 1
    assert stored(org_a) == stored(org_b) == 1


@pytest.mark.parametrize(("metric", "score"), [("nps", 11), ("nps", -1), ("nps", "8.5"), ("csat", 0), ("ces", 8)])
def test_score_outside_the_metric_scale_is_refused(org_a, metric, score):
    result = responses_record(org=org_a, rows=[row(metric=metric, score=score)])
    assert result.created == 0
    assert [(e["index"], list(e["errors"])) for e in result.errors] == [(0, ["score"])]
    assert stored(org_a) == 0


def test_score_at_the_scale_bounds_is_accepted(org_a):
    result = responses_record(org=org_a, rows=[
        row(external_id="1", metric="nps", score=0), row(external_id="2", metric="nps", score=10),
        row(external_id="3", metric="ces", score=7), row(external_id="4", metric="csat", score=1),
    ])
    assert result.created == 4


@pytest.mark.parametrize("score", [None, "", "abc", "NaN", "Infinity", True])
def test_score_must_be_a_number(org_a, score):
    result = responses_record(org=org_a, rows=[row(score=score)])
    assert list(result.errors[0]["errors"]) == ["score"]


def test_unknown_metric_code_is_reported_per_row(org_a):
    result = responses_record(org=org_a, rows=[row(external_id="ok"), row(external_id="bad", metric="nope")])
    assert result.created == 1
    assert result.errors[0]["index"] == 1
    assert list(result.errors[0]["errors"]) == ["metric"]
    assert "nope" in result.errors[0]["errors"]["metric"][0]


def test_row_errors_are_keyed_by_field(org_a):
    future = timezone.now() + dt.timedelta(minutes=10)
    result = responses_record(org=org_a, rows=[
        row(external_id="", source="nowhere"),
        row(external_id="a" * 201),
        row(submitted_at=future),
        row(submitted_at=dt.datetime(2025, 1, 1, 12, 0)),  # naive
        row(customer_ref="c" * 201, colour="blue"),
        "not a mapping",
    ])
    by_index = {e["index"]: set(e["errors"]) for e in result.errors}
    assert by_index == {
        0: {"external_id", "source"}, 1: {"external_id"}, 2: {"submitted_at"}, 3: {"submitted_at"},
        4: {"customer_ref", "colour"}, 5: {"non_field_errors"},
    }
    assert result.created == 0


def test_a_few_minutes_of_clock_skew_is_tolerated(org_a):
    result = responses_record(org=org_a, rows=[row(submitted_at=timezone.now() + dt.timedelta(minutes=3))])
    assert result.created == 1


def test_touchpoint_of_another_organization_is_refused(org_a, org_b):
    foreign = TouchpointFactory(organization=org_b)
    result = responses_record(org=org_a, rows=[
        row(external_id="obj", touchpoint=foreign), row(external_id="id", touchpoint=foreign.pk),
    ])
    assert result.created == 0
    assert [e["errors"] for e in result.errors] == [
        {"touchpoint": ["Not found in this organization."]}, {"touchpoint": ["Not found in this organization."]},
    ]
    assert stored(org_a) == 0 and stored(org_b) == 0


def test_source_and_metric_objects_of_another_organization_are_refused(org_a, org_b):
    source_b = DataSource.objects.for_org(org_b).get(code="survey")
    metric_b = Metric.objects.for_org(org_b).get(code="nps")
    result = responses_record(org=org_a, rows=[row(source=source_b, metric=metric_b)])
    assert set(result.errors[0]["errors"]) == {"source", "metric"}
    assert stored(org_a) == 0


def test_inactive_source_is_refused(org_a):
    DataSource.objects.for_org(org_a).filter(code="survey").update(is_active=False)
    result = responses_record(org=org_a, rows=[row()])
    assert list(result.errors[0]["errors"]) == ["source"]


def test_atomic_writes_nothing_when_one_row_fails(org_a):
    rows = [row(external_id=str(i)) for i in range(5)] + [row(external_id="bad", score=42)]
    result = responses_record(org=org_a, rows=rows, atomic=True)
    assert result.created == 0
    assert [e["index"] for e in result.errors] == [5]
    assert stored(org_a) == 0
    # Without atomic, the good rows go in.
    assert responses_record(org=org_a, rows=rows).created == 5


def test_recorded_by_must_be_a_member(org_a, users_b):
    with pytest.raises(ValidationError) as exc:
        responses_record(org=org_a, rows=[row()], recorded_by=users_b["ambassador"])
    assert "recorded_by" in exc.value.message_dict
    assert stored(org_a) == 0


def test_query_count_does_not_grow_with_rows(org_a, django_assert_max_num_queries):
    touchpoints = [TouchpointFactory(organization=org_a) for _ in range(3)]
    now = timezone.now()

    def rows(n, prefix):
        return [
            row(external_id=f"{prefix}{i}", touchpoint=touchpoints[i % 3] if i % 2 else touchpoints[i % 3].pk,
                score=i % 11, submitted_at=now - dt.timedelta(minutes=i))
            for i in range(n)
        ]

    def split(captured):
        # The inner loop (follow-up cases for the detractors) has its own pinned cost, proven in
        # tests/voc/test_loop_services.py; here only the ingest itself is counted.
        # Webhook publishing (one subscription read per event, no subscription here) likewise.
        loop_tables = ("tenancy_membership", "voc_followupcase", "voc_caseevent", "webhooks_")
        sql = [q["sql"] for q in captured.captured_queries if not any(t in q["sql"] for t in loop_tables)]
        return [q for q in sql if not q.startswith("INSERT")], [q for q in sql if q.startswith("INSERT")]

    responses_record(org=org_a, rows=rows(5, "warm"))  # stored rows to dedupe against
    # Sources, metrics, touchpoints: one query each; one dedupe read per chunk; the savepoint pair.
    # Inserts: as few statements as the backend's parameter limit allows (one per chunk on
    # PostgreSQL; SQLite caps a statement at 999 parameters), never one per row.
    fields = [f for f in Response._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * 900)
    def loop_cost(n):  # one owners read, then cases and their events in bulk
        cases = [f for f in FollowUpCase._meta.concrete_fields if not f.primary_key]
        events = [f for f in CaseEvent._meta.concrete_fields if not f.primary_key]
        # ... plus the subscription reads of the response.recorded and case.opened events.
        return 3 + math.ceil(n / connection.ops.bulk_batch_size(cases, [None] * n)) + math.ceil(
            n / connection.ops.bulk_batch_size(events, [None] * n))

    with django_assert_max_num_queries(8 + 1 + loop_cost(10)) as small_q:
        small = responses_record(org=org_a, rows=rows(10, "s") + rows(5, "warm"))
    with django_assert_max_num_queries(8 + math.ceil(900 / per_insert) + loop_cost(900)) as big_q:
        big = responses_record(org=org_a, rows=rows(900, "b") + rows(5, "warm"))
    assert (small.created, small.duplicates) == (10, 5)
    assert (big.created, big.duplicates) == (900, 5)
    small_reads, small_inserts = split(small_q)
    big_reads, big_inserts = split(big_q)
    assert len(small_reads) == len(big_reads) == 8  # the reads above, plus SAVEPOINT and RELEASE around the insert
    assert len(small_inserts) == 1
    assert len(big_inserts) == math.ceil(900 / per_insert) < 900 / 50


def test_chunks_dedupe_against_rows_of_earlier_chunks_and_database(org_a):
    responses_record(org=org_a, rows=[row(external_id="7")])
    result = responses_record(org=org_a, rows=[row(external_id=str(i)) for i in range(25)], chunk_size=10)
    assert (result.created, result.duplicates) == (24, 1)
    assert stored(org_a) == 25


def test_journey_touchpoint_services(org_a, org_b, users_a, users_b):
    segment = segment_create(org=org_a, name="Premier")
    journey = journey_create(org=org_a, name="Mortgage", segment=segment)
    to_be = journey_create(org=org_a, name="Mortgage", version="to_be", counterpart=journey)
    journey.refresh_from_db()
    assert journey.counterpart_id == to_be.pk
    stage = journey_stage_create(org=org_a, journey=journey, name="Advice")
    assert journey_stage_create(org=org_a, journey=journey, name="Signing").position == stage.position + 1
    touchpoint = touchpoint_create(
        org=org_a, journey=journey, stage=stage, name="Branch meeting", channel="branch",
        owner=users_a["ambassador"], is_moment_of_truth=True,
    )
    assert touchpoint.is_moment_of_truth and touchpoint.position == 1

    with pytest.raises(ValidationError) as exc:
        journey_create(org=org_a, name="Other", segment=SegmentFactory(organization=org_b))
    assert "segment" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        touchpoint_create(org=org_a, journey=journey, name="X", owner=users_b["ambassador"])
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        touchpoint_create(org=org_a, journey=JourneyFactory(organization=org_b), name="X")
    assert "journey" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        touchpoint_create(org=org_a, journey=journey, name="X",
                          stage=JourneyStageFactory(organization=org_a))
    assert "stage" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        touchpoint_create(org=org_a, journey=journey, name="Branch meeting")
    assert "name" in exc.value.message_dict
