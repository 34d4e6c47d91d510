"""Reads for the inbox."""

from __future__ import annotations

from django.db.models import QuerySet

from cxgov.tenancy.models import Organization, User

from .models import Notification


def notifications_for_user(*, org: Organization, user: User) -> QuerySet[Notification]:
    return Notification.objects.for_org(org).filter(user=user).order_by("-created_at", "-id")


def notifications_unread_count(*, org: Organization, user: User) -> int:
    return Notification.objects.for_org(org).filter(user=user, read_at__isnull=True).count()
