"""The rollup engine: feedback summarised per metric × subject × period, computed in SQL.

How it stays exact and cheap:

* **One scan of raw responses.** Day rollups per touchpoint, for every metric being refreshed, come
  from one ``GROUP BY`` over the responses of the touched local days. Everything else is derived
  from rollups: a journey's or segment's day is the sum of its touchpoints' days; the organization's
  day is the sum of all touchpoint days plus the (few) responses without a touchpoint; weeks and
  months are sums of days. This works because rollups store additive parts (``n``, ``score_sum``,
  ``favourable``, ``unfavourable``) and the value is a function of the parts, as the metric's method
  defines it. Medians are not additive: a median metric's values are selected from its responses
  (``percentile_cont`` with grouping sets on PostgreSQL, a window function elsewhere).
* **Incremental by construction.** A refresh recomputes exactly the periods that contain a touched
  day: those days, their weeks and their months, for the metrics touched. A full recompute is the
  same code with every day touched, so an incremental refresh always equals a full one.
* **Idempotent.** Affected rows are deleted and rebuilt in one transaction, under row locks on the
  metrics (taken in id order, so concurrent refreshes serialise without deadlocks): a retried or
  duplicated task produces the same rows and never doubles them.
* **Days are local.** Day, week (ISO, from Monday) and month boundaries are midnight in the
  organization's time zone.

Rows are written with ``INSERT … SELECT`` built from ORM querysets, so the same code runs on
PostgreSQL and SQLite and no response is ever loaded into Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
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
_DATE = Rollup._meta.get_field("period_start")


@dataclass
class RefreshStats:
    """What a refresh did: metrics, days, weeks and months recomputed, and rows written."""

    metrics: int = 0
    days: int = 0
    weeks: int = 0
    months: int = 0
    rows: int = 0


def local_day(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The organization-local calendar day of an aware datetime (the day a response counts on)."""
    return moment.astimezone(tz).date()


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_end(period: str, start: dt.date) -> dt.date:
    """The last day of the period that starts on ``start``."""
    if period == Period.DAY:
        return start
    if period == Period.WEEK:
        return start + dt.timedelta(days=6)
    next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


def day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted, merged runs of consecutive days, as inclusive (first, last) pairs."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _submitted_in(runs: list[tuple[dt.date, dt.date]], tz: ZoneInfo) -> Q:
    condition = Q(pk__in=[])
    for first, last in runs:
        start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        condition |= Q(submitted_at__gte=start, submitted_at__lt=end)
    return condition


def _period_start_in(runs: list[tuple[dt.date, dt.date]]) -> Q:
    condition = Q(pk__in=[])
    for first, last in runs:
        condition |= Q(period_start__gte=first, period_start__lte=last)
    return condition


def _parts(metrics: list[Metric]) -> dict:
    """Aggregates of the additive parts over responses of several metrics at once.

    Each metric counts its own favourable / unfavourable boxes, so the filters name the metric.
    """
    favourable, unfavourable = Q(pk__in=[]), Q(pk__in=[])
    for metric in metrics:
        bounds = metric.favourable_bounds()
        if bounds:
            favourable |= Q(metric_id=metric.pk, score__gte=bounds[0])
            unfavourable |= Q(metric_id=metric.pk, score__lte=bounds[1])
    zero = Value(0, output_field=IntegerField())
    counted = any(m.favourable_bounds() for m in metrics)
    return {
        "n": Count("pk"),
        "score_sum": Cast(Sum("score"), DecimalField(max_digits=20, decimal_places=4)),
        "favourable": Count("pk", filter=favourable) if counted else zero,
        "unfavourable": Count("pk", filter=unfavourable) if counted else zero,
    }


def _summed_parts() -> dict:
    return {column: Sum(column) for column in _PART_COLUMNS}


def _execute(sql: str, params: Iterable) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return max(cursor.rowcount, 0)


def _insert(qs: QuerySet, value_sql: str) -> int:
    """Insert the rows of ``qs`` (whose values() follow key and part columns) with their value.

    The value is computed from the parts in the same statement (``value_sql``, a CASE on the
    metric), so no second pass updates the rows just written.
    """
    sql, params = qs.query.sql_with_params()
    return _execute(_insert_sql(sql, value_sql), params)


def _insert_sql(select_sql: str, value_sql: str) -> str:
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in _KEY_COLUMNS + _PART_COLUMNS + ["value"])
    return (
        f"INSERT INTO {quote(Rollup._meta.db_table)} ({cols}) "  # noqa: S608
        f"SELECT agg.*, {value_sql} FROM ({select_sql}) AS agg"
    )


def _consts(org: Organization, grain: str | None, period: str | None, now: dt.datetime) -> dict:
    found = {"c_org": Value(org.pk), "c_now": Value(now, output_field=DateTimeField())}
    if grain is not None:
        found["c_grain"] = Value(grain)
    if period is not None:
        found["c_period"] = Value(period)
    return found


class _Refresh:
    """One refresh of some metrics over some days (None: every day) of one organization."""

    def __init__(self, org: Organization, metrics: list[Metric], days: set[dt.date] | None):
        self.org = org
        self.metrics = metrics
        self.metric_ids = [m.pk for m in metrics]
        self.tz = ZoneInfo(org.timezone)
        self.runs = None if days is None else day_runs(days)
        self.weeks = None if days is None else sorted({week_start(d) for d in days})
        self.months = None if days is None else sorted({month_start(d) for d in days})
        self.now = timezone.now()
        self.written = 0
        self.value_sql = _value_case(metrics)

    def responses(self) -> QuerySet:
        qs = Response.objects.for_org(self.org).filter(metric_id__in=self.metric_ids)
        return qs if self.runs is None else qs.filter(_submitted_in(self.runs, self.tz))

    def rollups(self, period: str) -> QuerySet:
        qs = Rollup.objects.for_org(self.org).filter(metric_id__in=self.metric_ids, period=period)
        if self.runs is None:
            return qs
        if period == Period.DAY:
            return qs.filter(_period_start_in(self.runs))
        starts = self.weeks if period == Period.WEEK else self.months
        return qs.filter(period_start__in=starts)

    def run(self) -> None:
        for period in Period.values:
            self.rollups(period).delete()
        self.days()
        self.coarse(Period.WEEK, TruncWeek)
        self.coarse(Period.MONTH, TruncMonth)
        self.values()

    def days(self) -> None:
        day = TruncDate("submitted_at", tzinfo=self.tz)
        # Touchpoint days of every metric: the one scan of raw responses.
        qs = (
            self.responses().filter(touchpoint__isnull=False)
            .annotate(day=day)
            .values("metric_id", "touchpoint_id", "day")
            .annotate(**_parts(self.metrics), **_consts(self.org, Grain.TOUCHPOINT, Period.DAY, self.now))
            .values("c_org", "metric_id", "c_grain", "touchpoint_id", "c_period", "day", "c_now", *_PART_COLUMNS)
            .order_by()
        )
        self.written += _insert(qs, self.value_sql)

        tp_days = self.rollups(Period.DAY).filter(grain=Grain.TOUCHPOINT)
        touchpoints = Touchpoint.objects.for_org(self.org).filter(pk=OuterRef("subject_id"))
        for grain, subject in (
            (Grain.JOURNEY, touchpoints.values("journey_id")[:1]),
            (Grain.SEGMENT, touchpoints.values("journey__segment_id")[:1]),
        ):
            qs = (
                tp_days.annotate(subject=Subquery(subject))
                .filter(subject__isnull=False)
                .values("metric_id", "subject", "period_start")
                .annotate(**_summed_parts(), **_consts(self.org, grain, Period.DAY, self.now))
                .values("c_org", "metric_id", "c_grain", "subject", "c_period", "period_start", "c_now",
                        *_PART_COLUMNS)
                .order_by()
            )
            self.written += _insert(qs, self.value_sql)
        self.organization_days(tp_days, day)

    def organization_days(self, tp_days: QuerySet, day: TruncDate) -> None:
        """The organization's days: touchpoint days plus the responses that have no touchpoint."""
        summed = tp_days.values("metric_id", "period_start").annotate(**_summed_parts()).order_by()
        loose = (
            self.responses().filter(touchpoint__isnull=True)
            .annotate(day=day).values("metric_id", "day").annotate(**_parts(self.metrics)).order_by()
        )
        summed_sql, summed_params = summed.query.sql_with_params()
        loose_sql, loose_params = loose.query.sql_with_params()
        quote = connection.ops.quote_name
        parts = ", ".join(f"SUM({quote(c)}) AS {quote(c)}" for c in _PART_COLUMNS)
        select = (
            f"SELECT %s, {quote('metric_id')} AS metric_id, %s, 0, %s, {quote('period_start')}, %s, {parts} "  # noqa: S608
            f"FROM ({summed_sql} UNION ALL {loose_sql}) AS both_parts "
            f"GROUP BY {quote('metric_id')}, {quote('period_start')}"
        )
        sql = _insert_sql(select, self.value_sql)
        now = connection.ops.adapt_datetimefield_value(self.now)
        params = [self.org.pk, Grain.ORGANIZATION, Period.DAY, now, *summed_params, *loose_params]
        self.written += _execute(sql, params)

    def coarse(self, period: str, trunc: type[TruncWeek] | type[TruncMonth]) -> None:
        """Weeks or months from days: sums of the day rollups of each metric, grain and subject."""
        days = Rollup.objects.for_org(self.org).filter(metric_id__in=self.metric_ids, period=Period.DAY)
        if self.runs is not None:
            starts = self.weeks if period == Period.WEEK else self.months
            days = days.filter(_period_start_in([(s, period_end(period, s)) for s in starts]))
        qs = (
            days.annotate(start=trunc("period_start", output_field=_DATE))
            .values("metric_id", "grain", "subject_id", "start")
            .annotate(**_summed_parts(), **_consts(self.org, None, period, self.now))
            .values("c_org", "metric_id", "grain", "subject_id", "c_period", "start", "c_now", *_PART_COLUMNS)
            .order_by()
        )
        self.written += _insert(qs, self.value_sql)

    def values(self) -> None:
        """Medians, which the inserts could not compute from parts, selected from the responses."""
        for metric in self.metrics:
            if metric.method == Metric.Method.MEDIAN:
                _Medians(self, metric).fill()


def _value_case(metrics: list[Metric]) -> str:
    """A CASE on ``metric_id`` giving each metric's value from the row's parts (NULL for medians)."""
    cases = [
        f"WHEN {int(metric.pk)} THEN {expression}"
        for metric in metrics
        if (expression := _value_sql(metric)) is not None
    ]
    if not cases:
        return "NULL"
    return f"CASE WHEN agg.n > 0 THEN CASE agg.metric_id {' '.join(cases)} END END"


def _value_sql(metric: Metric) -> str | None:
    """SQL for a rollup's value from its parts, as the metric's method defines it (None: median)."""
    method = metric.method
    if method in (Metric.Method.NPS, Metric.Method.AGREE_MINUS_DISAGREE):
        return "100.0 * (agg.favourable - agg.unfavourable) / agg.n"
    if method == Metric.Method.TOP2BOX:
        return "100.0 * agg.favourable / agg.n"
    if method == Metric.Method.MEAN:
        return "1.0 * agg.score_sum / agg.n"
    if method == Metric.Method.SHARE:
        return "100.0 * agg.score_sum / agg.n"
    if method == Metric.Method.SUM:
        return "agg.score_sum"
    return None


class _Medians:
    """Median values for one metric's refreshed rollups, selected in SQL; only group results reach Python."""

    TRUNCS = {Period.DAY: TruncDate, Period.WEEK: TruncWeek, Period.MONTH: TruncMonth}

    def __init__(self, refresh: _Refresh, metric: Metric):
        self.refresh = refresh
        self.metric = metric
        self.org = refresh.org

    def fill(self) -> None:
        if connection.vendor == "postgresql":
            self.fill_in_sql()
            return
        rows = Rollup.objects.for_org(self.org).filter(metric=self.metric, computed_at=self.refresh.now)
        targets = list(rows.only("pk", "grain", "subject_id", "period", "period_start"))
        if not targets:
            return
        by_key = {(r.grain, r.subject_id, r.period, r.period_start): r for r in targets}
        for period, trunc in self.TRUNCS.items():
            starts = sorted({r.period_start for r in targets if r.period == period})
            if not starts:
                continue
            for grain, subject_id, start, median in self.select(period, trunc, starts):
                rollup = by_key.get((grain, subject_id, period, _as_date(start)))
                if rollup is not None:
                    rollup.value = median
        Rollup.objects.for_org(self.org).bulk_update(targets, ["value"], batch_size=500)

    def fill_in_sql(self) -> None:
        """PostgreSQL: one statement computes every refreshed rollup's median and writes it.

        One scan of the metric's responses in the affected periods; ``percentile_cont`` over twelve
        grouping sets (four grains × day, week and month); an ``UPDATE … FROM`` joins the medians
        to the rows this refresh inserted. Nothing passes through Python.
        """
        refresh = self.refresh
        if refresh.runs is None:
            responses = Response.objects.for_org(self.org).filter(metric=self.metric)
        else:
            spans = [(s, period_end(Period.WEEK, s)) for s in refresh.weeks or []]
            spans += [(s, period_end(Period.MONTH, s)) for s in refresh.months or []]
            days = {first + dt.timedelta(days=i) for first, last in spans for i in range((last - first).days + 1)}
            responses = Response.objects.for_org(self.org).filter(metric=self.metric).filter(
                _submitted_in(day_runs(days), refresh.tz)
            )
        tz = refresh.tz
        inner = (
            responses.annotate(
                tp=F("touchpoint_id"), jr=F("touchpoint__journey_id"), sg=F("touchpoint__journey__segment_id"),
                d=TruncDate("submitted_at", tzinfo=tz),
                w=TruncWeek("submitted_at", tzinfo=tz, output_field=_DATE),
                m=TruncMonth("submitted_at", tzinfo=tz, output_field=_DATE),
            )
            .values("tp", "jr", "sg", "d", "w", "m", "score")
            .order_by()
        )
        inner_sql, params = inner.query.sql_with_params()
        sets = ", ".join(f"({g}, {p})" if g else f"({p})" for p in ("d", "w", "m") for g in ("tp", "jr", "sg", None))
        medians = (
            "SELECT CASE WHEN GROUPING(d) = 0 THEN 'day' WHEN GROUPING(w) = 0 THEN 'week' ELSE 'month' END AS period, "  # noqa: S608
            "COALESCE(d, w, m)::date AS start, "
            "CASE WHEN GROUPING(tp) = 0 THEN 'touchpoint' WHEN GROUPING(jr) = 0 THEN 'journey' "
            "WHEN GROUPING(sg) = 0 THEN 'segment' ELSE 'organization' END AS grain, "
            "CASE WHEN GROUPING(tp) = 0 THEN tp WHEN GROUPING(jr) = 0 THEN jr WHEN GROUPING(sg) = 0 THEN sg "
            "ELSE 0 END AS subject, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY score) AS median "
            f"FROM ({inner_sql}) AS x GROUP BY GROUPING SETS ({sets})"
        )
        table = connection.ops.quote_name(Rollup._meta.db_table)
        sql = (
            f"UPDATE {table} AS r SET value = med.median FROM ({medians}) AS med "  # noqa: S608
            "WHERE r.organization_id = %s AND r.metric_id = %s AND r.computed_at = %s "
            "AND r.period = med.period AND r.period_start = med.start AND r.grain = med.grain "
            "AND r.subject_id = med.subject"
        )
        _execute(sql, [*params, self.org.pk, self.metric.pk, refresh.now])

    def source(self, period: str, trunc, starts: list[dt.date]) -> QuerySet:
        days = [start + dt.timedelta(days=i) for start in starts
                for i in range((period_end(period, start) - start).days + 1)]
        tz = self.refresh.tz
        start_expr = trunc("submitted_at", tzinfo=tz) if trunc is TruncDate else trunc(
            "submitted_at", tzinfo=tz, output_field=_DATE
        )
        return (
            Response.objects.for_org(self.org).filter(metric=self.metric)
            .filter(_submitted_in(day_runs(days), tz))
            .annotate(tp=F("touchpoint_id"), jr=F("touchpoint__journey_id"), sg=F("touchpoint__journey__segment_id"),
                      p=start_expr)
            .values("tp", "jr", "sg", "p", "score")
            .order_by()
        )

    def select(self, period: str, trunc, starts: list[dt.date]):
        inner_sql, params = self.source(period, trunc, starts).query.sql_with_params()
        if connection.vendor == "postgresql":
            yield from self._grouping_sets(inner_sql, params)
            return
        for grain, column in ((Grain.TOUCHPOINT, "tp"), (Grain.JOURNEY, "jr"), (Grain.SEGMENT, "sg"),
                              (Grain.ORGANIZATION, None)):
            yield from self._windowed(inner_sql, params, grain, column)

    def _grouping_sets(self, inner_sql: str, params):
        sql = (
            "SELECT tp, jr, sg, p, GROUPING(tp), GROUPING(jr), GROUPING(sg), "  # noqa: S608
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY score) "
            f"FROM ({inner_sql}) AS x GROUP BY GROUPING SETS ((tp, p), (jr, p), (sg, p), (p))"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for tp, jr, sg, p, g_tp, g_jr, g_sg, median in cursor.fetchall():
                if not g_tp:
                    grain, subject = Grain.TOUCHPOINT, tp
                elif not g_jr:
                    grain, subject = Grain.JOURNEY, jr
                elif not g_sg:
                    grain, subject = Grain.SEGMENT, sg
                else:
                    grain, subject = Grain.ORGANIZATION, 0
                if subject is not None:
                    yield grain, int(subject), p, median

    def _windowed(self, inner_sql: str, params, grain: str, column: str | None):
        group = f"{column}, p" if column else "p"
        subject = column or "0"
        sql = (
            f"SELECT {subject}, p, AVG(score) FROM ("  # noqa: S608
            f"SELECT {subject} AS {column or 's0'}, p, score, "
            f"ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY score) AS rn, "
            f"COUNT(*) OVER (PARTITION BY {group}) AS cnt FROM ({inner_sql}) AS x"
            f"{f' WHERE {column} IS NOT NULL' if column else ''}) AS y "
            f"WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY {group}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for subject_id, p, median in cursor.fetchall():
                yield grain, int(subject_id), p, median


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def rollups_refresh(
    *, org: Organization, touched: Mapping[int, Iterable[dt.date]] | None = None
) -> RefreshStats:
    """Recompute rollups of ``org``: for ``touched`` {metric id: local days} only, or everything.

    The touched metrics are refreshed together over the union of their touched days (one scan of
    responses). Idempotent and safe to run concurrently with itself; the result equals a full
    recompute for the periods it covers.
    """
    metrics_qs = Metric.objects.for_org(org).order_by("pk")
    days: set[dt.date] | None = None
    if touched is not None:
        wanted = {int(metric) for metric, metric_days in touched.items() if metric_days}
        days = {day for metric_days in touched.values() for day in metric_days}
        if not wanted:
            return RefreshStats()
        metrics_qs = metrics_qs.filter(pk__in=wanted)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The GROUP BY and the median sorts of a full recompute spill to disk with the default
            # 4 MB; this transaction alone gets more (sized by settings.ROLLUP_WORK_MEM).
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.ROLLUP_WORK_MEM])
        # Row locks in id order serialise refreshes of the same metrics (SQLite locks the database).
        metrics = list(metrics_qs.select_for_update())
        if not metrics:
            return RefreshStats()
        refresh = _Refresh(org, metrics, days)
        refresh.run()
    return RefreshStats(
        metrics=len(metrics),
        days=len(days) if days is not None else 0,
        weeks=len(refresh.weeks or []),
        months=len(refresh.months or []),
        rows=refresh.written,
    )


__all__ = ["RefreshStats", "rollups_refresh", "local_day", "week_start", "month_start", "period_end", "day_runs"]
