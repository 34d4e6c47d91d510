"""Benchmark data: organizations with journeys, touchpoints, metrics and N responses each.

Responses are written with PostgreSQL's COPY (psycopg 3), the fastest way to get a million rows in;
on SQLite it falls back to bulk_create. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from cxgov.tenancy.models import Organization
from cxgov.tenancy.services import organization_create
from voc.models import DataSource, Journey, Metric, Response, Touchpoint

JOURNEYS = 3
TOUCHPOINTS_PER_JOURNEY = 6


def bench_org(slug: str) -> Organization:
    """An organization with the default catalogue, 3 journeys × 6 touchpoints (created once)."""
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        org = organization_create(name=f"Bench {slug}", slug=slug, timezone_name="Europe/Madrid")
    for j in range(JOURNEYS):
        journey, _ = Journey.objects.for_org(org).get_or_create(organization=org, name=f"Journey {j}")
        for t in range(TOUCHPOINTS_PER_JOURNEY):
            Touchpoint.objects.for_org(org).get_or_create(
                organization=org, journey=journey, name=f"Touchpoint {j}.{t}", defaults={"position": t}
            )
    return org


def _score(rng: random.Random, metric: Metric) -> Decimal:
    if metric.code == "nps":
        return Decimal(rng.choices(range(11), weights=[2, 1, 1, 2, 2, 4, 6, 10, 14, 24, 34])[0])
    if metric.code == "csat":
        return Decimal(rng.choices(range(1, 6), weights=[5, 8, 17, 35, 35])[0])
    if metric.code == "ces":
        return Decimal(rng.choices(range(1, 8), weights=[3, 5, 10, 15, 27, 25, 15])[0])
    return Decimal(rng.randint(1, 240))


def response_rows(org: Organization, n: int, *, seed: int, prefix: str, days: int = 365,
                  end: dt.datetime | None = None):
    """n response tuples (source_id, external_id, metric_id, touchpoint_id, score, submitted_at), lazily.

    The lookups run now, before the caller iterates: iterating inside a COPY must not touch the
    connection the COPY holds.
    """
    source = DataSource.objects.for_org(org).get(code="survey")
    metrics = list(Metric.objects.for_org(org).filter(code__in=["nps", "csat", "ces", "first_response_time"]))
    touchpoints = list(Touchpoint.objects.for_org(org).values_list("pk", flat=True))
    return _rows(n, seed, prefix, days, end or timezone.now(), source, metrics, touchpoints)


def _rows(n, seed, prefix, days, end, source, metrics, touchpoints):
    rng = random.Random(seed)
    weights = [{"nps": 6, "csat": 2, "ces": 1, "first_response_time": 1}[m.code] for m in metrics]
    span = days * 86400
    for i in range(n):
        metric = rng.choices(metrics, weights)[0]
        touchpoint = rng.choice(touchpoints) if rng.random() > 0.05 else None
        when = end - dt.timedelta(seconds=rng.randrange(span))
        yield source.pk, f"{prefix}-{i}", metric.pk, touchpoint, _score(rng, metric), when


def load_responses(org: Organization, n: int, *, seed: int = 7, prefix: str = "bench") -> int:
    """Insert n responses as fast as the database allows (COPY on PostgreSQL)."""
    now = timezone.now()
    rows = response_rows(org, n, seed=seed, prefix=prefix)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            columns = ("organization_id, source_id, external_id, metric_id, touchpoint_id, score, submitted_at, "
                       "comment, customer_ref, created_at")
            with cursor.cursor.copy(f"COPY voc_response ({columns}) FROM STDIN") as copy:
                for source_id, ext, metric_id, tp, score, when in rows:
                    copy.write_row((org.pk, source_id, ext, metric_id, tp, score, when, "", "", now))
        return n
    batch: list[Response] = []
    for source_id, ext, metric_id, tp, score, when in rows:
        batch.append(Response(organization=org, source_id=source_id, external_id=ext, metric_id=metric_id,
                              touchpoint_id=tp, score=score, submitted_at=when))
        if len(batch) >= 5000:
            Response.objects.bulk_create(batch)
            batch.clear()
    Response.objects.bulk_create(batch)
    return n
