"""Reads about users, organizations and tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken, Membership, Organization, User


def membership_current(*, user: User, org_id: int | None) -> Membership | None:
    """The membership the user is acting in: the chosen organization if still a member, else the first."""
    memberships = Membership.objects.select_related("organization").filter(
        user=user, organization__is_active=True
    ).order_by("organization__name", "pk")
    if org_id is not None:
        chosen = next((m for m in memberships if m.organization_id == org_id), None)
        if chosen is not None:
            return chosen
    return next(iter(memberships), None)


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
