"""The rollup engine: feedback summarised per metric × subject × period, computed in SQL.

How it stays exact and cheap:

* **One scan of raw responses.** Day rollups per touchpoint, for every metric being refreshed, come
  from one ``GROUP BY`` over the responses of the touched local days. Everything else is derived
  from rollups: a journey's or segment's day is the sum of its touchpoints' days; the organization's
  day is the sum of all touchpoint days plus the (few) responses without a touchpoint; weeks and
  months are sums of days. This works because rollups store additive parts (``n``, ``score_sum``,
  ``favourable``, ``unfavourable``) and the value is a function of the parts, as the metric's method
  defines it. Medians are not additive: a median metric's day values are selected from its
  responses (``percentile_cont`` with grouping sets on PostgreSQL, a window function elsewhere); on
  PostgreSQL its day rows also keep their sorted scores, from which weeks and months take theirs.
* **Incremental by construction.** A refresh recomputes exactly the periods that contain a touched
  day: those days, their weeks and their months, for the metrics touched. A full recompute is the
  same code with every day touched, so an incremental refresh always equals a full one.
* **Idempotent.** Affected rows are rebuilt in one transaction (on PostgreSQL: compared with the
  stored ones, and only new, changed or vanished rows written), under row locks on the metrics
  (taken in id order, so concurrent refreshes serialise without deadlocks): a retried or
  duplicated task produces the same rows and never doubles them.
* **Days are local.** Day, week (ISO, from Monday) and month boundaries are midnight in the
  organization's time zone.

Two implementations of the same rules, checked against the same hand-computed tests and the same
incremental == full property: on PostgreSQL (production) the whole refresh is one SQL statement
(``_PgRefresh``: grouping sets, medians of weeks and months from the day rows' sorted ``scores``,
and only changed rows written); elsewhere (SQLite in tests and development) ``_Refresh`` writes rows
with ``INSERT … SELECT`` built from ORM querysets. Either way no response is loaded into Python.
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


class _PgRefresh:
    """PostgreSQL: the whole refresh is one statement (CTEs), and it writes only what changed.

    * One scan of the touched days' responses groups them by metric, touchpoint (or none) and local
      day; ``GROUPING SETS`` over those few thousand groups give the touchpoint, journey, segment and
      organization days in memory (the journey and segment of a touchpoint come from one hash join).
    * Weeks and months are sums of days: the fresh days plus, for an incremental refresh, the stored
      days of the touched weeks and months that were not touched. Nothing else is re-read.
    * Medians (not additive) are selected from the median metrics' responses of the affected
      periods with ``percentile_cont`` over grouping sets (written nested, organization ⊂ segment ⊂
      journey ⊂ touchpoint, so one sort per period serves every grain), and joined to the rows before
      they are written: no second pass updates rows just written.
    * The rows are upserted on the rollup key and an upsert whose figures are unchanged does not
      write; rows of the refreshed periods that no longer have data are deleted. A nightly full
      recompute of unchanged data therefore writes (and WAL-logs, and re-indexes) nothing.

    ``computed_at`` is the time a row's figures were last written (created or changed).
    """

    def __init__(self, org: Organization, metrics: list[Metric], days: set[dt.date] | None):
        self.org = org
        self.metrics = metrics
        self.metric_ids = [m.pk for m in metrics]
        self.median_ids = [m.pk for m in metrics if m.method == Metric.Method.MEDIAN]
        self.tz = ZoneInfo(org.timezone)
        self.days = None if days is None else sorted(set(days))
        self.weeks = None if days is None else sorted({week_start(d) for d in days})
        self.months = None if days is None else sorted({month_start(d) for d in days})
        self.now = timezone.now()
        self.params: dict = {"org": org.pk, "metrics": self.metric_ids, "medians": self.median_ids,
                             "tz": org.timezone, "now": self.now}

    def _param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def _time_filter(self, days: Iterable[dt.date]) -> str:
        """Responses submitted on the given local days (index-friendly half-open ranges)."""
        ranges = []
        for first, last in day_runs(days):
            start = dt.datetime.combine(first, dt.time.min, tzinfo=self.tz)
            end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)
            ranges.append(f"(r.submitted_at >= {self._param(start)} AND r.submitted_at < {self._param(end)})")
        return f" AND ({' OR '.join(ranges)})"

    def _span_days(self) -> list[dt.date]:
        """Every day of the touched weeks and months."""
        spans = [(s, period_end(Period.WEEK, s)) for s in self.weeks or []]
        spans += [(s, period_end(Period.MONTH, s)) for s in self.months or []]
        return sorted({first + dt.timedelta(days=i) for first, last in spans for i in range((last - first).days + 1)})

    def _boxes(self) -> tuple[str, str]:
        """FILTER conditions counting each metric's favourable and unfavourable boxes."""
        favourable, unfavourable = [], []
        for metric in self.metrics:
            bounds = metric.favourable_bounds()
            if bounds:
                favourable.append(f"WHEN {int(metric.pk)} THEN r.score >= {self._param(bounds[0])}")
                unfavourable.append(f"WHEN {int(metric.pk)} THEN r.score <= {self._param(bounds[1])}")
        if not favourable:
            return "false", "false"
        return (f"CASE r.metric_id {' '.join(favourable)} END", f"CASE r.metric_id {' '.join(unfavourable)} END")

    def _value(self) -> str:
        cases = []
        for metric in self.metrics:
            expression = "agg.mv::numeric" if metric.method == Metric.Method.MEDIAN else _value_sql(metric)
            if expression is not None:
                cases.append(f"WHEN {int(metric.pk)} THEN {expression}")
        if not cases:
            return "NULL"
        return f"CASE WHEN agg.n > 0 THEN CASE agg.metric_id {' '.join(cases)} END END"

    def sql(self) -> str:
        full = self.days is None
        table = connection.ops.quote_name(Rollup._meta.db_table)
        grains = {g: f"'{g}'" for g in (Grain.TOUCHPOINT, Grain.JOURNEY, Grain.SEGMENT, Grain.ORGANIZATION)}
        day, week, month = f"'{Period.DAY}'", f"'{Period.WEEK}'", f"'{Period.MONTH}'"
        favourable, unfavourable = self._boxes()
        local = "(r.submitted_at AT TIME ZONE %(tz)s)::date"
        # A full refresh reads every response of the organization (the same rows as the floor's GROUP BY,
        # and the same plan); metrics created meanwhile are dropped in ``days``.
        responses_scope = "" if full else " AND r.metric_id = ANY(%(metrics)s)" + self._time_filter(self.days)

        def grain_of(tp: str, jr: str, sg: str) -> tuple[str, str]:
            grain = (f"CASE WHEN GROUPING({tp}) = 0 THEN {grains[Grain.TOUCHPOINT]} "
                     f"WHEN GROUPING({jr}) = 0 THEN {grains[Grain.JOURNEY]} "
                     f"WHEN GROUPING({sg}) = 0 THEN {grains[Grain.SEGMENT]} ELSE {grains[Grain.ORGANIZATION]} END")
            subject = (f"CASE WHEN GROUPING({tp}) = 0 THEN {tp} WHEN GROUPING({jr}) = 0 THEN {jr} "
                       f"WHEN GROUPING({sg}) = 0 THEN {sg} ELSE 0 END")
            return grain, subject

        grain, subject = grain_of("x.tp", "m.jr", "m.sg")
        parts = [
            # Journey and segment of every touchpoint of the organization (a small hash table).
            "tpmap AS (SELECT t.id AS tp, t.journey_id AS jr, j.segment_id AS sg FROM voc_touchpoint t "
            "JOIN voc_journey j ON j.id = t.journey_id WHERE t.organization_id = %(org)s)",
        ]
        if full:
            source = "voc_response"
        else:
            # The touched days' responses, read once for the parts and the medians.
            source = "touched"
            parts.append(
                f"touched AS MATERIALIZED (SELECT r.metric_id, r.touchpoint_id, r.submitted_at, r.score "  # noqa: S608
                f"FROM voc_response r WHERE r.organization_id = %(org)s{responses_scope})"
            )
        parts += [
            # The one scan of raw responses: every metric's touchpoint days (touchpoint NULL: loose rows).
            f"tpday AS (SELECT r.metric_id AS mt, r.touchpoint_id AS tp, {local} AS d, count(*) AS n, "  # noqa: S608
            f"sum(r.score) AS s, count(*) FILTER (WHERE {favourable}) AS f, "
            f"count(*) FILTER (WHERE {unfavourable}) AS u FROM {source} r "
            f"{'WHERE r.organization_id = %(org)s ' if full else ''}GROUP BY 1, 2, 3)",
            # Every grain's days from the touchpoint days, in memory.
            f"grouped AS (SELECT x.mt, {grain} AS grain, {subject} AS subject, x.d, sum(x.n) AS n, sum(x.s) AS s, "  # noqa: S608
            "sum(x.f) AS f, sum(x.u) AS u FROM tpday x LEFT JOIN tpmap m ON m.tp = x.tp "
            "GROUP BY GROUPING SETS ((x.mt, x.d, x.tp), (x.mt, x.d, m.jr), (x.mt, x.d, m.sg), (x.mt, x.d)))",
        ]
        tp_label, org_label = grains[Grain.TOUCHPOINT], grains[Grain.ORGANIZATION]
        if self.median_ids:
            parts += [
                # Median metrics' responses on the touched days (a second, narrower read).
                f"medsrc AS (SELECT r.metric_id AS mt, r.touchpoint_id AS tp, m.jr, m.sg, {local} AS d, r.score "  # noqa: S608
                f"FROM {source} r LEFT JOIN tpmap m ON m.tp = r.touchpoint_id "
                f"WHERE {'r.organization_id = %(org)s AND ' if full else ''}r.metric_id = ANY(%(medians)s))",
                # Day medians of journeys, segments and the organization (a touchpoint day's comes
                # from its sorted scores below). The sets are nested (a journey has one segment), so
                # the three groupings come from one sort of the responses (ROLLUP-like chain).
                f"medday AS (SELECT mt, CASE WHEN GROUPING(jr) = 0 THEN {grains[Grain.JOURNEY]} "  # noqa: S608
                f"WHEN GROUPING(sg) = 0 THEN {grains[Grain.SEGMENT]} ELSE {org_label} END AS grain, "
                "CASE WHEN GROUPING(jr) = 0 THEN jr WHEN GROUPING(sg) = 0 THEN sg ELSE 0 END AS subject, d, "
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY score) AS v FROM medsrc "
                "GROUP BY GROUPING SETS ((mt, d), (mt, d, sg), (mt, d, sg, jr)))",
                # The sorted scores a day row keeps: a touchpoint day's own; on the organization's day,
                # those of responses without a touchpoint (the only ones no touchpoint day holds).
                f"medarr AS (SELECT mt, CASE WHEN tp IS NULL THEN {org_label} ELSE {tp_label} END AS grain, "  # noqa: S608
                "COALESCE(tp, 0) AS subject, d, array_agg(score ORDER BY score) AS a FROM medsrc "
                "GROUP BY mt, tp, d)",
                f"days AS (SELECT g.*, to_jsonb(ma.a) AS sc, CASE WHEN g.grain = {tp_label} "  # noqa: S608
                "THEN (ma.a[(cardinality(ma.a) + 1) / 2] + ma.a[(cardinality(ma.a) + 2) / 2]) / 2 "
                "ELSE md.v::numeric END AS mv FROM grouped g "
                "LEFT JOIN medday md ON md.mt = g.mt AND md.grain = g.grain AND md.subject = g.subject AND md.d = g.d "
                "LEFT JOIN medarr ma ON ma.mt = g.mt AND ma.grain = g.grain AND ma.subject = g.subject AND ma.d = g.d "
                "WHERE g.subject IS NOT NULL AND g.mt = ANY(%(metrics)s))",
            ]
        else:
            parts.append("days AS (SELECT g.*, NULL::jsonb AS sc, NULL::numeric AS mv FROM grouped g "
                         "WHERE g.subject IS NOT NULL AND g.mt = ANY(%(metrics)s))")
        alldays = "SELECT mt, grain, subject, d, n, s, f, u, sc FROM days"
        having = ""
        if not full:
            span = " OR ".join(f"period_start BETWEEN {self._param(a)} AND {self._param(b)}"
                               for a, b in day_runs(self._span_days()))
            alldays += (
                " UNION ALL SELECT metric_id, grain, subject_id, period_start, n, score_sum, favourable, "  # noqa: S608
                f"unfavourable, scores FROM {table} WHERE organization_id = %(org)s AND metric_id = ANY(%(metrics)s) "
                f"AND period = {day} AND ({span}) AND NOT period_start = ANY({self._param(self.days)})"
            )
            weeks, months = self._param(self.weeks), self._param(self.months)
            having = (f" HAVING (GROUPING(wk) = 0 AND wk = ANY({weeks})) "
                      f"OR (GROUPING(mo) = 0 AND mo = ANY({months}))")
        week_of = "{0} - (extract(isodow FROM {0})::int - 1)"
        month_of = "date_trunc('month', {0}::timestamp)::date"
        parts += [
            # Weeks and months: sums of days (fresh, plus stored ones of the touched periods not touched).
            f"alldays AS (SELECT a.*, {week_of.format('a.d')} AS wk, {month_of.format('a.d')} AS mo "  # noqa: S608
            f"FROM ({alldays}) a)",
            f"coarse AS (SELECT mt, grain, subject, CASE WHEN GROUPING(wk) = 0 THEN {week} ELSE {month} END AS period, "  # noqa: S608
            "COALESCE(wk, mo) AS start, sum(n) AS n, sum(s) AS s, sum(f) AS f, sum(u) AS u FROM alldays "
            f"GROUP BY GROUPING SETS ((mt, grain, subject, wk), (mt, grain, subject, mo)){having})",
        ]
        median_join = ", NULL::numeric AS mv, NULL::jsonb FROM coarse c"
        if self.median_ids:
            # Medians of weeks and months: over the touched days' responses and, for the other days of
            # those periods, the scores their day rows keep (responses of those days are not re-read).
            values = "SELECT mt, tp, jr, sg, d, score FROM medsrc"
            if not full:
                values += (
                    " UNION ALL SELECT a.mt, m.tp, m.jr, m.sg, a.d, x.v::numeric "  # noqa: S608
                    "FROM alldays a CROSS JOIN LATERAL jsonb_array_elements(a.sc) AS x(v) "
                    f"LEFT JOIN tpmap m ON a.grain = {tp_label} AND m.tp = a.subject "
                    f"WHERE a.sc IS NOT NULL AND NOT a.d = ANY({self._param(self.days)})"
                )
            grain, subject = grain_of("v.tp", "v.jr", "v.sg")
            medvalues = (f"(SELECT u.*, {week_of.format('u.d')} AS wk, "  # noqa: S608
                         f"{month_of.format('u.d')} AS mo FROM ({values}) u)")
            if not full:
                # Materialized once for both branches; a full refresh's are the already materialized medsrc.
                parts.append(f"medvalues AS {medvalues}")
                medvalues = "medvalues"
            branches = []
            for label, column, starts in ((week, "wk", self.weeks), (month, "mo", self.months)):
                # Only the touched weeks' (months') values: no median is computed just to be discarded.
                where = "" if full else f" WHERE v.{column} = ANY({self._param(starts)})"
                branches.append(
                    f"SELECT v.mt, {grain} AS grain, {subject} AS subject, {label} AS period, v.{column} AS start, "  # noqa: S608
                    f"percentile_cont(0.5) WITHIN GROUP (ORDER BY v.score) AS mv FROM {medvalues} v{where} "
                    # Nested sets (a touchpoint has one journey, a journey one segment): one sort
                    # serves the four groupings, where unnested sets needed three.
                    f"GROUP BY GROUPING SETS ((v.mt, v.{column}), (v.mt, v.{column}, v.sg), "
                    f"(v.mt, v.{column}, v.sg, v.jr), (v.mt, v.{column}, v.sg, v.jr, v.tp))"
                )
            parts.append(f"medcoarse AS ({' UNION ALL '.join(branches)})")
            median_join = (", mc.mv::numeric, NULL::jsonb FROM coarse c LEFT JOIN medcoarse mc ON mc.mt = c.mt "
                           "AND mc.grain = c.grain AND mc.subject = c.subject AND mc.period = c.period "
                           "AND mc.start = c.start")
        parts.append(
            # Figures cast to the columns' types, so a recomputed figure compares equal to the stored one.
            "fresh AS (SELECT agg.metric_id, agg.grain, agg.subject, agg.period, agg.start, agg.n::integer AS n, "  # noqa: S608
            "agg.score_sum::numeric(20, 4) AS score_sum, agg.favourable::integer AS favourable, "
            f"agg.unfavourable::integer AS unfavourable, ({self._value()})::numeric(14, 4) AS value, agg.scores FROM ("
            f"SELECT mt AS metric_id, grain, subject, {day} AS period, d AS start, n, s AS score_sum, "
            "f AS favourable, u AS unfavourable, mv, sc AS scores FROM days "
            "UNION ALL SELECT c.mt, c.grain, c.subject, c.period, c.start, c.n, c.s, c.f, c.u"
            f"{median_join}) agg)"
        )
        scope = ""
        if not full:
            scope = (f" AND ((r.period = {day} AND r.period_start = ANY({self._param(self.days)})) "
                     f"OR (r.period = {week} AND r.period_start = ANY({self._param(self.weeks)})) "
                     f"OR (r.period = {month} AND r.period_start = ANY({self._param(self.months)})))")
        figures = ("n", "score_sum", "favourable", "unfavourable", "value", "scores")
        parts += [
            # The stored rows of the refreshed periods, and how they differ from the fresh ones:
            # new (no stored row), changed figures, or gone (no fresh row). Unchanged rows are left alone.
            f"existing AS (SELECT r.id, r.metric_id, r.grain, r.subject_id, r.period, r.period_start, "  # noqa: S608
            f"{', '.join(f'r.{c}' for c in figures)} FROM {table} r "
            f"WHERE r.organization_id = %(org)s AND r.metric_id = ANY(%(metrics)s){scope})",
            "diff AS (SELECT e.id AS eid, f.* FROM fresh f FULL JOIN existing e ON f.metric_id = e.metric_id "  # noqa: S608
            "AND f.grain = e.grain AND f.subject = e.subject_id AND f.period = e.period AND f.start = e.period_start "
            f"WHERE e.id IS NULL OR f.metric_id IS NULL OR ({', '.join(f'e.{c}' for c in figures)}) "
            f"IS DISTINCT FROM ({', '.join(f'f.{c}' for c in figures)}))",
            f"changed AS (UPDATE {table} r SET {', '.join(f'{c} = d.{c}' for c in figures)}, computed_at = %(now)s "  # noqa: S608
            "FROM diff d WHERE r.id = d.eid AND d.metric_id IS NOT NULL RETURNING 1)",
            f"added AS (INSERT INTO {table} (organization_id, metric_id, grain, subject_id, period, period_start, "  # noqa: S608
            f"computed_at, {', '.join(figures)}) SELECT %(org)s, metric_id, grain, subject, period, start, %(now)s, "
            f"{', '.join(figures)} FROM diff WHERE eid IS NULL RETURNING 1)",
            f"gone AS (DELETE FROM {table} r USING diff d WHERE r.id = d.eid AND d.metric_id IS NULL RETURNING 1)",  # noqa: S608
        ]
        return ("WITH " + ", ".join(parts) + " SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM added), "  # noqa: S608
                "(SELECT count(*) FROM gone)")

    def run(self) -> int:
        sql = self.sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            written, deleted = cursor.fetchone()
        return int(written) + int(deleted)


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
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The GROUP BY and the median sorts of a full recompute spill to disk with the default
            # 4 MB; this transaction alone gets more (sized by settings.ROLLUP_WORK_MEM).
            with connection.cursor() as cursor:
                # Rollups are derived data: if the server crashed in the instant after this commit, the
                # refresh would be lost, never a response, and the nightly full recompute rebuilds it.
                # So the commit does not wait for its WAL to reach disk. Only when this is the
                # outermost transaction: inside a caller's, the setting would cover the caller's own
                # writes (responses) too.
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true), set_config('synchronous_commit', "
                    "CASE WHEN %s THEN 'off' ELSE current_setting('synchronous_commit') END, true)",
                    [settings.ROLLUP_WORK_MEM, outermost],
                )
        # Row locks in id order serialise refreshes of the same metrics (SQLite locks the database).
        # FOR NO KEY UPDATE, not FOR UPDATE: a response insert takes KEY SHARE on its metric row, which
        # FOR UPDATE would block, and in the other order the two deadlock (one client gets a 500).
        metrics = list(metrics_qs.select_for_update(no_key=True))
        if not metrics:
            return RefreshStats()
        if connection.vendor == "postgresql":
            refresh = _PgRefresh(org, metrics, days)
            written = refresh.run()
        else:
            refresh = _Refresh(org, metrics, days)
            refresh.run()
            written = refresh.written
    return RefreshStats(
        metrics=len(metrics),
        days=len(days) if days is not None else 0,
        weeks=len(refresh.weeks or []),
        months=len(refresh.months or []),
        rows=written,
    )


__all__ = ["RefreshStats", "rollups_refresh", "local_day", "week_start", "month_start", "period_end", "day_runs"]
