"""The rollup engine: feedback summarised per metric × subject × period, computed in SQL.

How it stays exact and cheap:

* **One scan of raw responses.** Day rollups per touchpoint are computed from the responses of the
  touched local days with one ``GROUP BY``; every other rollup is derived from rollups: the journey,
  segment and organization days are sums of touchpoint days (plus responses without a touchpoint for
  the organization), weeks and months are sums of days. This works because rollups store additive
  parts (``n``, ``score_sum``, ``favourable``, ``unfavourable``) and the value is a function of the
  parts. Medians are not additive: a median metric's coarser rollups read its responses again.
* **Incremental by construction.** A refresh recomputes exactly the periods that contain a touched
  day: those days, their weeks and their months, for the metrics touched. A full recompute is the
  same code with every day touched, so an incremental refresh always equals a full one.
* **Idempotent.** Affected rows are deleted and rebuilt inside one transaction, under a row lock on
  the metric (PostgreSQL), so a retried or duplicated task produces the same rows, never doubles.
* **Days are local.** Day, week (ISO, starting Monday) and month boundaries are midnight in the
  organization's time zone.

Rows are written with ``INSERT … SELECT`` built from ORM querysets, so the same code runs on
PostgreSQL and SQLite and no response is ever loaded into Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from cxgov.tenancy.models import Organization

from .models import Metric, Response, Rollup, Touchpoint

Grain = Rollup.Grain
Period = Rollup.Period
_PART_COLUMNS = ["n", "score_sum", "favourable", "unfavourable"]
_KEY_COLUMNS = ["organization_id", "metric_id", "grain", "subject_id", "period", "period_start", "computed_at"]


@dataclass
class RefreshStats:
    """What a refresh did: metrics, days, weeks and months recomputed, and rows written."""

    metrics: int = 0
    days: int = 0
    weeks: int = 0
    months: int = 0
    rows: int = 0
    per_metric: dict[int, int] = field(default_factory=dict)


def local_day(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The organization-local calendar day of an aware datetime (the day a response counts on)."""
    return moment.astimezone(tz).date()


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted, merged runs of consecutive days, as inclusive (first, last) pairs."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _utc_bounds(first: dt.date, last: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _submitted_in(runs: list[tuple[dt.date, dt.date]], tz: ZoneInfo) -> Q:
    condition = Q(pk__in=[])
    for first, last in runs:
        start, end = _utc_bounds(first, last, tz)
        condition |= Q(submitted_at__gte=start, submitted_at__lt=end)
    return condition


def _period_start_in(runs: list[tuple[dt.date, dt.date]]) -> Q:
    condition = Q(pk__in=[])
    for first, last in runs:
        condition |= Q(period_start__gte=first, period_start__lte=last)
    return condition


def _parts(metric: Metric, score: str = "score") -> dict:
    """Aggregates of the additive parts over responses (``score`` names the score column)."""
    bounds = metric.favourable_bounds()
    zero = Value(0, output_field=IntegerField())
    return {
        "n": Count("pk"),
        "score_sum": Cast(Sum(score), DecimalField(max_digits=20, decimal_places=4)),
        "favourable": Count("pk", filter=Q(**{f"{score}__gte": bounds[0]})) if bounds else zero,
        "unfavourable": Count("pk", filter=Q(**{f"{score}__lte": bounds[1]})) if bounds else zero,
    }


def _summed_parts() -> dict:
    return {
        "n": Sum("n"),
        "score_sum": Sum("score_sum"),
        "favourable": Sum("favourable"),
        "unfavourable": Sum("unfavourable"),
    }


def _insert(qs: QuerySet, columns: list[str]) -> int:
    """``INSERT INTO voc_rollup (columns) <qs>``; the queryset's values() must follow ``columns``."""
    sql, params = qs.query.sql_with_params()
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Rollup._meta.db_table)} ({cols}) {sql}", params)  # noqa: S608
        return max(cursor.rowcount, 0)


def _constants(org: Organization, metric: Metric, grain: str, period: str, now: dt.datetime) -> dict:
    return {
        "c_org": Value(org.pk),
        "c_metric": Value(metric.pk),
        "c_grain": Value(grain),
        "c_period": Value(period),
        "c_now": Value(now, output_field=DateTimeField()),
    }


def _value_sql(metric: Metric) -> str | None:
    """SQL for a rollup's value from its parts, as the metric's method defines it (None: median)."""
    method = metric.method
    if method in (Metric.Method.NPS, Metric.Method.AGREE_MINUS_DISAGREE):
        return "100.0 * (favourable - unfavourable) / n"
    if method == Metric.Method.TOP2BOX:
        return "100.0 * favourable / n"
    if method == Metric.Method.MEAN:
        return "1.0 * score_sum / n"
    if method == Metric.Method.SHARE:
        return "100.0 * score_sum / n"
    if method == Metric.Method.SUM:
        return "score_sum"
    return None


def _refresh_days(org: Organization, metric: Metric, runs, tz: ZoneInfo, now: dt.datetime) -> int:
    responses = Response.objects.for_org(org).filter(metric=metric)
    rollups = Rollup.objects.for_org(org).filter(metric=metric, period=Period.DAY)
    if runs is not None:
        responses = responses.filter(_submitted_in(runs, tz))
        rollups = rollups.filter(_period_start_in(runs))
    rollups.delete()
    written = 0
    day = TruncDate("submitted_at", tzinfo=tz)

    # Touchpoint days: the one scan of raw responses.
    qs = (
        responses.filter(touchpoint__isnull=False)
        .annotate(day=day)
        .values("touchpoint_id", "day")
        .annotate(**_parts(metric), **_constants(org, metric, Grain.TOUCHPOINT, Period.DAY, now))
        .values("c_org", "c_metric", "c_grain", "touchpoint_id", "c_period", "day", "c_now", *_PART_COLUMNS)
        .order_by()
    )
    written += _insert(qs, _KEY_COLUMNS + _PART_COLUMNS)

    tp_days = Rollup.objects.for_org(org).filter(metric=metric, period=Period.DAY, grain=Grain.TOUCHPOINT)
    if runs is not None:
        tp_days = tp_days.filter(_period_start_in(runs))
    journey_of = Touchpoint.objects.for_org(org).filter(pk=OuterRef("subject_id")).values("journey_id")[:1]
    segment_of = (
        Touchpoint.objects.for_org(org).filter(pk=OuterRef("subject_id")).values("journey__segment_id")[:1]
    )
    for grain, subject in ((Grain.JOURNEY, journey_of), (Grain.SEGMENT, segment_of)):
        qs = (
            tp_days.annotate(subject=Subquery(subject))
            .filter(subject__isnull=False)
            .values("subject", "period_start")
            .annotate(**_summed_parts(), **_constants(org, metric, grain, Period.DAY, now))
            .values("c_org", "c_metric", "c_grain", "subject", "c_period", "period_start", "c_now", *_PART_COLUMNS)
            .order_by()
        )
        written += _insert(qs, _KEY_COLUMNS + _PART_COLUMNS)

    # The whole organization, including responses not tied to a touchpoint.
    qs = (
        responses.annotate(day=day)
        .values("day")
        .annotate(**_parts(metric), c_subject=Value(0), **_constants(org, metric, Grain.ORGANIZATION, Period.DAY, now))
        .values("c_org", "c_metric", "c_grain", "c_subject", "c_period", "day", "c_now", *_PART_COLUMNS)
        .order_by()
    )
    written += _insert(qs, _KEY_COLUMNS + _PART_COLUMNS)
    return written


def _refresh_coarse(org: Organization, metric: Metric, period: str, starts, now: dt.datetime) -> int:
    """Weeks or months from days: sums of the day rollups of each grain and subject."""
    trunc = TruncWeek if period == Period.WEEK else TruncMonth
    rollups = Rollup.objects.for_org(org).filter(metric=metric, period=period)
    days = Rollup.objects.for_org(org).filter(metric=metric, period=Period.DAY)
    if starts is not None:
        rollups = rollups.filter(period_start__in=starts)
        runs = [(s, _period_end(period, s)) for s in sorted(starts)]
        days = days.filter(_period_start_in(runs))
    rollups.delete()
    qs = (
        days.annotate(start=trunc("period_start", output_field=_DATE))
        .values("grain", "subject_id", "start")
        .annotate(
            **_summed_parts(), c_period=Value(period), c_org=Value(org.pk), c_metric=Value(metric.pk),
            c_now=Value(now, output_field=DateTimeField()),
        )
        .values("c_org", "c_metric", "grain", "subject_id", "c_period", "start", "c_now", *_PART_COLUMNS)
        .order_by()
    )
    return _insert(qs, _KEY_COLUMNS + _PART_COLUMNS)


def _period_end(period: str, start: dt.date) -> dt.date:
    if period == Period.WEEK:
        return start + dt.timedelta(days=6)
    next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


_DATE = Rollup._meta.get_field("period_start")


def _fill_values(org: Organization, metric: Metric, now: dt.datetime, tz: ZoneInfo) -> None:
    rows = Rollup.objects.for_org(org).filter(metric=metric, computed_at=now)
    expression = _value_sql(metric)
    if expression is not None:
        sql, params = rows.values("pk").query.sql_with_params()
        quote = connection.ops.quote_name
        table = quote(Rollup._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET value = {expression} WHERE n > 0 AND id IN ({sql})",  # noqa: S608
                params,
            )
        return
    _fill_medians(org, metric, rows, tz)


def _fill_medians(org: Organization, metric: Metric, rows: QuerySet, tz: ZoneInfo) -> None:
    """Medians are not additive: per grain and period, one windowed query over the responses of the
    affected periods picks the middle score(s) of every group; only those group results reach Python."""
    targets = list(rows.only("pk", "grain", "subject_id", "period", "period_start"))
    if not targets:
        return
    by_key = {(r.grain, r.subject_id, r.period, r.period_start): r for r in targets}
    subjects = {
        Grain.TOUCHPOINT: F("touchpoint_id"),
        Grain.JOURNEY: F("touchpoint__journey_id"),
        Grain.SEGMENT: F("touchpoint__journey__segment_id"),
        Grain.ORGANIZATION: Value(0),
    }
    truncs = {Period.DAY: TruncDate, Period.WEEK: TruncWeek, Period.MONTH: TruncMonth}
    quote = connection.ops.quote_name
    for period, trunc in truncs.items():
        starts = sorted({r.period_start for r in targets if r.period == period})
        if not starts:
            continue
        runs = day_runs(d for s in starts for d in _days_of(period, s))
        responses = Response.objects.for_org(org).filter(metric=metric).filter(_submitted_in(runs, tz))
        for grain, subject in subjects.items():
            start_expr = (
                trunc("submitted_at", tzinfo=tz)
                if trunc is TruncDate
                else trunc("submitted_at", tzinfo=tz, output_field=_DATE)
            )
            inner = (
                responses.annotate(g=subject, p=start_expr)
                .filter(g__isnull=False)
                .values("g", "p", "score")
                .order_by()
            )
            inner_sql, params = inner.query.sql_with_params()
            g, p_, score = quote("g"), quote("p"), quote("score")
            sql = (
                f"SELECT {g}, {p_}, AVG({score}) FROM ("  # noqa: S608
                f"SELECT {g}, {p_}, {score}, ROW_NUMBER() OVER (PARTITION BY {g}, {p_} ORDER BY {score}) AS rn, "
                f"COUNT(*) OVER (PARTITION BY {g}, {p_}) AS cnt FROM ({inner_sql}) AS x) AS y "
                f"WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY {g}, {p_}"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                found = cursor.fetchall()
            for subject_id, start, median in found:
                if isinstance(start, dt.datetime):
                    start = start.date()
                elif isinstance(start, str):
                    start = dt.date.fromisoformat(start[:10])
                rollup = by_key.get((grain, int(subject_id), period, start))
                if rollup is not None:
                    rollup.value = median
    Rollup.objects.for_org(org).bulk_update(targets, ["value"], batch_size=500)


def _days_of(period: str, start: dt.date) -> list[dt.date]:
    last = start if period == Period.DAY else _period_end(period, start)
    return [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]


def rollups_refresh(
    *, org: Organization, touched: Mapping[int, Iterable[dt.date]] | None = None
) -> RefreshStats:
    """Recompute rollups of ``org``: for ``touched`` {metric id: local days} only, or everything.

    Idempotent and safe to run concurrently with itself (per-metric lock, one transaction per
    metric); the result equals a full recompute for the periods it covers.
    """
    tz = ZoneInfo(org.timezone)
    stats = RefreshStats()
    metrics = Metric.objects.for_org(org)
    if touched is not None:
        metrics = metrics.filter(pk__in=[int(m) for m in touched])
    for metric_id in metrics.order_by("pk").values_list("pk", flat=True):
        days = None if touched is None else set(touched.get(metric_id, touched.get(str(metric_id), ())))
        if days is not None and not days:
            continue
        with transaction.atomic():
            # Serialise refreshes of one metric (PostgreSQL row lock; SQLite locks the database).
            metric = Metric.objects.for_org(org).select_for_update().get(pk=metric_id)
            now = timezone.now()
            runs = None if days is None else day_runs(days)
            written = _refresh_days(org, metric, runs, tz, now)
            weeks = None if days is None else {week_start(d) for d in days}
            months = None if days is None else {month_start(d) for d in days}
            written += _refresh_coarse(org, metric, Period.WEEK, weeks, now)
            written += _refresh_coarse(org, metric, Period.MONTH, months, now)
            _fill_values(org, metric, now, tz)
        stats.metrics += 1
        stats.days += len(days) if days is not None else 0
        stats.weeks += len(weeks) if weeks is not None else 0
        stats.months += len(months) if months is not None else 0
        stats.rows += written
        stats.per_metric[metric_id] = written
    return stats


__all__ = ["RefreshStats", "rollups_refresh", "local_day", "week_start", "month_start", "day_runs"]
