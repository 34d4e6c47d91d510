"""Reads about users, organizations and tokens."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from .models import ApiRequestLog, ApiToken, Membership, Organization, User


def membership_current(*, user: User, org_id: int | None) -> Membership | None:
    """The membership the user is acting in: the chosen organization if still a member, else the first."""
    return memberships_and_current(user=user, org_id=org_id)[1]


def memberships_and_current(*, user: User, org_id: int | None) -> tuple[list[Membership], Membership | None]:
    """Every active membership of the user (the switcher's list, by organization name) and the one they
    are acting in (the chosen organization if still a member, else the first), in one query."""
    memberships = list(Membership.objects.select_related("organization").filter(
        user=user, organization__is_active=True
    ).order_by("organization__name", "pk"))
    if org_id is not None:
        chosen = next((m for m in memberships if m.organization_id == org_id), None)
        if chosen is not None:
            return memberships, chosen
    return memberships, next(iter(memberships), None)


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    """Every active organization the user belongs to, for the switcher."""
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__is_active=True)
        .order_by("organization__name")
    )


def members_of_org(*, org: Organization) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(organization=org).order_by("user__email")


def api_tokens_of_user(*, org: Organization, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=org, user=user).order_by("-created_at")


def api_token_authenticate(*, raw: str) -> tuple[ApiToken, Membership] | None:
    """The active token matching ``raw`` and its owner's current membership, or None.

    A token stops working as soon as it is revoked or expires, the user is deactivated, the user
    leaves the organization, or the organization is deactivated.
    """
    if not raw.startswith("cxg_") or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "organization")
        .filter(key_hash=ApiToken.hash(raw))
        .first()
    )
    if token is None or not token.user.is_active or not token.organization.is_active:
        return None
    membership = Membership.objects.filter(
        user_id=token.user_id, organization_id=token.organization_id
    ).first()
    if membership is None:
        return None
    membership.organization = token.organization
    membership.user = token.user
    return token, membership


def api_requests_recent(*, org: Organization, user: User, limit: int = 50) -> list[ApiRequestLog]:
    """The latest API requests made with ``user``'s tokens in ``org``, newest first (one query)."""
    return list(
        ApiRequestLog.objects.for_org(org).filter(token__user=user).select_related("token")
        .order_by("-at", "-id")[:limit]
    )


def api_request_counts(*, org: Organization, user: User, since: datetime) -> dict[str, int]:
    """Requests of ``user``'s tokens in ``org`` since ``since``, by status class (one query).

    Returns ``{"total", "2xx", "3xx", "4xx", "5xx"}``.
    """
    classes = {"2xx": (200, 300), "3xx": (300, 400), "4xx": (400, 500), "5xx": (500, 600)}
    counts = ApiRequestLog.objects.for_org(org).filter(token__user=user, at__gte=since).aggregate(
        total=Count("id"),
        **{
            f"s{name}": Count("id", filter=Q(status_code__gte=low, status_code__lt=high))
            for name, (low, high) in classes.items()
        },
    )
    return {"total": counts["total"] or 0, **{name: counts[f"s{name}"] or 0 for name in classes}}
