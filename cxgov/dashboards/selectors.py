"""Home pages per role, composed from the domain apps' selectors (nothing here queries a model)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cem_levers.selectors import lever_groups_with_levers
from cxgov.tenancy.models import Organization, User
from cxgov.tenancy.selectors import api_request_counts, api_requests_recent, api_tokens_of_user
from cxgov.webhooks.selectors import webhooks_health
from initiatives.selectors import initiative_summary
from maturity.selectors import lever_maturity, snapshot_latest, stage_list
from voc.selectors import (
    journey_list,
    response_count_since,
    responses_recorded_by,
)

RECENT_DAYS = 30


def _recent_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=RECENT_DAYS)


def _maturity(org: Organization) -> dict[str, Any]:
    snapshot = snapshot_latest(org=org)
    stages = list(stage_list(org=org))
    return {
        "snapshot": snapshot,
        "stages": stages,
        "maturity_rows": lever_maturity(org=org, snapshot=snapshot, stages=stages),
    }


def home_programme(*, org: Organization) -> dict[str, Any]:
    """Programme overview for admins and CX leads: the framework, initiatives, journeys, feedback
    volume and maturity."""
    groups = list(lever_groups_with_levers(org=org))
    journeys = list(journey_list(org=org))
    return {
        "groups": groups,
        "lever_count": sum(len(g.lever_list) for g in groups),
        "initiatives": initiative_summary(org=org),
        "journeys": journeys,
        "touchpoint_count": sum(j.touchpoint_count for j in journeys),
        "recent_days": RECENT_DAYS,
        "recent_responses": response_count_since(org=org, since=_recent_since()),
        **_maturity(org),
    }


def home_ambassador(*, org: Organization, user: User) -> dict[str, Any]:
    """Ambassador view: the touchpoints granted to the user, by journey, each with this month's
    responses and NPS / CSAT / CES (from the monthly touchpoint rollups, with n and coloured against
    the metric's target as the journey map does), and the user's own entries. Four queries whatever
    the number of touchpoints or responses; the feedback form is one tap away on the page."""
    from voc.selectors import org_today, touchpoint_month_counts, touchpoint_scores, touchpoints_loggable_by

    from .cx_lead import ShownScore

    month_start = org_today(org=org).replace(day=1)
    touchpoints = list(touchpoints_loggable_by(org=org, user=user))
    ids = [tp.pk for tp in touchpoints]
    scores = touchpoint_scores(org=org, touchpoint_ids=ids, period_start=month_start)
    counts = touchpoint_month_counts(org=org, touchpoint_ids=ids, period_start=month_start)
    journeys: dict[int, tuple[Any, list[Any]]] = {}
    for tp in touchpoints:
        tp.scores = [ShownScore(score) for score in scores.get(tp.pk, [])]
        tp.month_count = counts.get(tp.pk, 0)
        journeys.setdefault(tp.journey_id, (tp.journey, []))[1].append(tp)
    return {
        "month_start": month_start,
        "journeys": list(journeys.values()),
        "my_entries": responses_recorded_by(org=org, user=user, limit=10),
    }


API_ACTIVITY_LIMIT = 50


def home_integrator(*, org: Organization, user: User) -> dict[str, Any]:
    """Integrator view: the user's API tokens, their last requests (errors first to the eye) with
    counts per status class over 24 hours, and the health of the organization's webhooks."""
    return {
        "tokens": list(api_tokens_of_user(org=org, user=user)),
        "api_requests": api_requests_recent(org=org, user=user, limit=API_ACTIVITY_LIMIT),
        "api_counts": api_request_counts(org=org, user=user, since=timezone.now() - dt.timedelta(hours=24)),
        "api_activity_limit": API_ACTIVITY_LIMIT,
        "webhooks": webhooks_health(org=org),
    }
