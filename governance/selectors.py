"""Reads of the governance structure: bodies by level and their members, for one organization."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from cxgov.tenancy.models import Organization

from .models import Body, BodyMember, Level


def body_list(*, org: Organization) -> QuerySet[Body]:
    """The organization's bodies in order, with ``member_count`` and the members prefetched (users joined)."""
    members = BodyMember.objects.for_org(org).select_related("user").order_by("role_in_body", "name", "id")
    return (
        Body.objects.for_org(org)
        .annotate(member_count=Count("members"))
        .prefetch_related(Prefetch("members", queryset=members, to_attr="member_list"))
        .order_by("position", "id")
    )


def bodies_by_level(*, org: Organization) -> list[tuple[Level, list[Body]]]:
    """The org chart: the three levels, strategic first, each with its bodies (possibly none)."""
    bodies = list(body_list(org=org))
    return [(level, [b for b in bodies if b.level == level]) for level in Level]


def body_detail_queryset(*, org: Organization) -> QuerySet[Body]:
    """Bodies ready for the detail page: members with their users, chair first."""
    members = BodyMember.objects.for_org(org).select_related("user").order_by("role_in_body", "name", "id")
    return Body.objects.for_org(org).prefetch_related(Prefetch("members", queryset=members, to_attr="member_list"))


def body_sponsored_initiatives(*, org: Organization, body: Body) -> QuerySet:
    """Initiatives the body sponsors (through the reverse relation; ``governance`` reads ``initiatives``)."""
    return body.sponsored_initiatives.filter(organization=org).select_related("owner").order_by("-priority", "id")
