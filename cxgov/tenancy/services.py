"""Writes about organizations, memberships and API tokens."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import ApiToken, Membership, Organization, User
from .roles import Role, role_allows

# Sent inside the creating transaction; domain apps install their part of the default catalogue.
organization_created = Signal()


@transaction.atomic
def organization_create(
    *, name: str, slug: str = "", language: str = "en", timezone_name: str = "UTC", admin: User | None = None
) -> Organization:
    """Create an organization with its default catalogue and, optionally, its first admin."""
    slug = slug or slugify(name)[:60]
    if not slug:
        raise ValidationError(
            {"slug": [_("Give the organization a name or slug made of letters or digits.")]}
        )
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [_("An organization with this slug already exists.")]})
    org = Organization(name=name, slug=slug, language=language, timezone=timezone_name)
    org.full_clean()
    org.save()
    organization_created.send(sender=Organization, organization=org)
    if admin is not None:
        membership_set(org=org, user=admin, role=Role.ADMIN)
    return org


@transaction.atomic
def membership_set(*, org: Organization, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``org`` (creating the membership or changing its role)."""
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    membership, _created = Membership.objects.update_or_create(
        user=user, organization=org, defaults={"role": role}
    )
    if not role_allows(role, "tokens.manage"):
        # A token must never outlive the right to hold one.
        ApiToken.objects.filter(organization=org, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return membership


@transaction.atomic
def api_token_create(*, org: Organization, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` in ``org``. Returns it with the raw value, which is never stored."""
    membership = Membership.objects.filter(user=user, organization=org).first()
    if membership is None or not role_allows(membership.role, "tokens.manage"):
        raise ValidationError(
            {"user": [_("Only admins and integrators of this organization may hold API tokens.")]}
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name, e.g. the system that will use it.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("Keep the name under 100 characters.")]})
    if "\x00" in name:  # PostgreSQL cannot store it
        raise ValidationError({"name": [_("Remove the NUL character (\\x00); text cannot contain it.")]})
    raw, prefix, key_hash = ApiToken.generate()
    token = ApiToken.objects.create(organization=org, user=user, name=name, prefix=prefix, key_hash=key_hash)
    return token, raw


@transaction.atomic
def api_token_revoke(*, org: Organization, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens in ``org``; someone else's token is 'not found'."""
    token = ApiToken.objects.filter(organization=org, user=user, pk=token_id).first()
    if token is None:
        raise ApiToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_language_set(*, user: User, language: str) -> None:
    """Remember the user's interface language (English or Spanish)."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Unsupported language.")]})
    user.language = language
    user.save(update_fields=["language"])
