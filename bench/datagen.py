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


# --- The programme around the feedback: people, initiatives, maturity history, rollups, a token. ---
# Used by bench/load_bench.py, whose executive dashboard reads all of it. Each part is created once
# and reused, like the responses above.

INITIATIVES = 200
MATURITY_HISTORY = 6  # submitted assessments, one a quarter
TOKEN_NAME = "load-bench"  # noqa: S105  (the token's label, not a secret)
# (status, weight) and (health, weight) of a portfolio in its second year.
STATUS_WEIGHTS = {"idea": 14, "planned": 22, "in_progress": 70, "on_hold": 12, "done": 70, "cancelled": 12}
HEALTH_WEIGHTS = {"green": 60, "amber": 28, "red": 12}
BENCH_USERS = (("executive", "executive"), ("integrator", "integrator"), ("lead1", "cx_lead"),
               ("lead2", "cx_lead"), ("lead3", "cx_lead"), ("admin", "admin"))


def bench_users(org: Organization) -> dict[str, object]:
    """Members of ``org`` by key (``executive``, ``integrator``, ``lead1``…): created once, no usable
    password (the benchmark signs them in with ``force_login``)."""
    from cxgov.tenancy.models import User
    from cxgov.tenancy.services import membership_set

    users = {}
    for key, role in BENCH_USERS:
        email = f"{key}@{org.slug}.bench.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=f"Bench {key}")
            user.set_unusable_password()
            user.save()
        membership_set(org=org, user=user, role=role)
        users[key] = user
    return users


def bench_maturity_history(org: Organization, users: dict, *, assessments: int = MATURITY_HISTORY) -> int:
    """``assessments`` submitted consensus assessments, one a quarter back from today, each a little
    more mature than the one before, each with its snapshot dated when it was computed; plus a
    target stage per lever. Returns how many snapshots the organization has.

    Runs before the initiatives exist: without evidence the score depends on the assessment alone,
    so the recompute that ``assessment_submit`` enqueues after commit (dated now) finds the same
    fingerprint as the back-dated snapshot and stores nothing more.
    """
    from cem_levers.models import Lever, Practice
    from maturity.models import Assessment, LeverTarget, MaturitySnapshot
    from maturity.services import (
        answer_set,
        assessment_create,
        assessment_submit,
        lever_target_set,
        maturity_scores_compute,
    )

    rng = random.Random(f"maturity-{org.slug}")
    practices = list(Practice.objects.for_org(org).filter(is_active=True, lever__is_active=True)
                     .select_related("lever").order_by("lever__position", "position"))
    base = {p.pk: rng.choice([1, 1, 2, 2, 3]) for p in practices}
    done = Assessment.objects.for_org(org).filter(status=Assessment.Status.SUBMITTED).count()
    now = timezone.now()
    for k in range(done, assessments):
        when = now - dt.timedelta(days=91 * (assessments - 1 - k))
        with transaction.atomic():
            assessment = assessment_create(org=org, title=f"Quarterly maturity review {k + 1}",
                                           created_by=users["lead1"])
            for practice in practices:
                # One practice in three moves up a stage every second quarter.
                level = min(5, base[practice.pk] + (k // 2 if practice.pk % 3 else k // 3))
                answer_set(org=org, assessment=assessment, practice=practice, stage_level=level)
            assessment = assessment_submit(org=org, assessment=assessment)
            Assessment.objects.for_org(org).filter(pk=assessment.pk).update(submitted_at=when)
            maturity_scores_compute(org=org, now=when)
    if not LeverTarget.objects.for_org(org).exists():
        by = timezone.localdate() + dt.timedelta(days=365)
        for lever in Lever.objects.for_org(org).filter(is_active=True):
            lever_target_set(org=org, lever=lever, target_level=rng.choice([3, 3, 4, 4, 5]), target_date=by)
    return MaturitySnapshot.objects.for_org(org).count()


def bench_initiatives(org: Organization, users: dict, *, n: int = INITIATIVES, seed: int = 11) -> int:
    """A portfolio of ``n`` initiatives through the initiatives services: a realistic spread of
    status, health, priority and budgets (planned vs spent, some over budget), linked to levers,
    journeys and touchpoints, each with 2–4 milestones (some overdue), 0–3 risks and, for one in
    three, a KPI on NPS or CSAT. Delivered ones are spread over the last year. Returns the count."""
    from cem_levers.models import Lever
    from initiatives.models import Initiative

    have = Initiative.objects.for_org(org).count()
    if have >= n:
        return have
    rng = random.Random(seed + have)
    levers = list(Lever.objects.for_org(org).filter(is_active=True))
    journeys = list(Journey.objects.for_org(org))
    touchpoints = list(Touchpoint.objects.for_org(org))
    metrics = {m.code: m for m in Metric.objects.for_org(org).filter(code__in=["nps", "csat"])}
    owners = [users["lead1"], users["lead2"], users["lead3"]]
    today = timezone.localdate()
    statuses, status_w = zip(*STATUS_WEIGHTS.items(), strict=True)
    healths, health_w = zip(*HEALTH_WEIGHTS.items(), strict=True)
    # One transaction: each delivered initiative enqueues a maturity recompute after commit, and
    # at one commit they all see the whole portfolio, so the history gains one snapshot, not dozens.
    with transaction.atomic():
        for i in range(have, n):
            _bench_initiative(org, rng, i, statuses, status_w, healths, health_w, levers=levers, journeys=journeys,
                              touchpoints=touchpoints, metrics=metrics, owners=owners, today=today)
    return Initiative.objects.for_org(org).count()


def _bench_initiative(org, rng, i, statuses, status_w, healths, health_w, *, levers, journeys, touchpoints, metrics,
                      owners, today) -> None:
    from initiatives.models import Initiative
    from initiatives.services import initiative_create, kpi_create, milestone_create, risk_create

    status = rng.choices(statuses, status_w)[0]
    health = "green" if status in ("done", "cancelled", "idea") else rng.choices(healths, health_w)[0]
    start = today - dt.timedelta(days=rng.randint(0, 540)) if status != "idea" else None
    due = (start or today) + dt.timedelta(days=rng.randint(30, 400))
    planned = Decimal(rng.choice([5, 10, 20, 40, 80, 150, 300, 500]) * 1000)
    progress = {"idea": 0, "planned": 0.05, "in_progress": rng.uniform(0.2, 0.9), "on_hold": rng.uniform(0.1, 0.6),
                "done": rng.uniform(0.8, 1.3), "cancelled": rng.uniform(0.0, 0.4)}[status]
    if health == "red":
        progress *= 1.4  # red ones tend to run over
    journey = rng.choice(journeys)
    owner = rng.choice(owners)
    initiative = initiative_create(
        org=org, by=owner, title=f"Bench initiative {i + 1}", status=status, health=health,
        problem_statement="Generated for the load benchmark.", owner=owner,
        levers=rng.sample(levers, rng.randint(1, 3)),
        journeys=[journey],
        touchpoints=rng.sample([t for t in touchpoints if t.journey_id == journey.pk], rng.randint(1, 2)),
        priority=rng.choices([1, 2, 3, 4], [20, 45, 25, 10])[0], short_term_win=rng.random() < 0.2,
        start_date=start, due_date=due, planned_cost=planned,
        actual_cost=(planned * Decimal(str(round(progress, 2)))).quantize(Decimal("1")),
        expected_benefit=planned * rng.choice([0, 1, 2, 3]),
    )
    for m in range(rng.randint(2, 4)):
        m_due = (start or today) + dt.timedelta(days=(m + 1) * max((due - (start or today)).days // 4, 1))
        finished = status == "done" or (m_due < today and rng.random() < 0.7)
        milestone_create(org=org, initiative=initiative, title=f"Milestone {m + 1}", assignee=owner,
                         due_date=m_due,
                         done_at=timezone.now() - dt.timedelta(days=max((today - m_due).days, 0))
                         if finished else None)
    for r in range(rng.choices([0, 1, 2, 3], [30, 35, 25, 10])[0]):
        risk_create(org=org, initiative=initiative, description=f"Risk {r + 1} of initiative {i + 1}",
                    probability=rng.randint(1, 5), impact=rng.randint(1, 5), owner=owner,
                    status=rng.choices(["open", "mitigating", "occurred", "closed"], [50, 25, 10, 15])[0])
    if metrics and rng.random() < 1 / 3:
        code = rng.choice(sorted(metrics))
        target = Decimal(rng.randint(30, 60)) if code == "nps" else Decimal(rng.randint(75, 92))
        kpi_create(org=org, initiative=initiative, metric=metrics[code], target=target,
                   baseline=target - Decimal(rng.randint(5, 20)), target_date=due)
    if status == "done":
        # Delivered over the last year, not all today (creation stamps completed_at now).
        Initiative.objects.for_org(org).filter(pk=initiative.pk).update(
            completed_at=timezone.now() - dt.timedelta(days=rng.randint(0, 360)))


def bench_rollups(org: Organization, *, force: bool = False) -> int:
    """Compute the organization's rollups (a full recompute) unless they exist. Returns the row count."""
    from voc.models import Rollup
    from voc.rollups import rollups_refresh

    if force or not Rollup.objects.for_org(org).exists():
        rollups_refresh(org=org)
    return Rollup.objects.for_org(org).count()


def bench_token(org: Organization, user) -> str:
    """A fresh API token for ``user`` (raw values are never stored, so the previous benchmark token
    is revoked and a new one issued). Returns the raw value."""
    from cxgov.tenancy.models import ApiToken
    from cxgov.tenancy.services import api_token_create, api_token_revoke

    for token in ApiToken.objects.active().filter(organization=org, user=user, name=TOKEN_NAME):
        api_token_revoke(org=org, user=user, token_id=token.pk)
    _token, raw = api_token_create(org=org, user=user, name=TOKEN_NAME)
    return raw


def bench_programme(org: Organization, *, initiatives: int = INITIATIVES) -> dict:
    """Everything an executive dashboard reads, on top of ``bench_org`` and its responses: members,
    the maturity history, the portfolio, rollups and a final maturity recompute with the portfolio's
    evidence. Idempotent. Returns the users by key."""
    from maturity.services import maturity_scores_compute

    users = bench_users(org)
    bench_maturity_history(org, users)
    bench_initiatives(org, users, n=initiatives)
    bench_rollups(org)
    maturity_scores_compute(org=org)  # blends in the delivered initiatives and KPIs (stored if changed)
    return users
