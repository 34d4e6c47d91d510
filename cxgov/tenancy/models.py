"""Users, organizations, memberships, API tokens, and the ``TenantScoped`` base of every domain model.

Tenancy is structural: a domain model derives from ``TenantScoped``; its manager refuses to run a
query that was not narrowed to one organization (``for_org``) or explicitly released with the
greppable escape hatch ``unscoped()``; saving an object whose foreign keys point into another
organization raises. Nothing here imports a domain app.
"""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address. Belongs to organizations through memberships."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("Empty: follow the organization's language."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Organization(models.Model):
    """A tenant: one company's CX programme. No organization ever sees another's data."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization. A user may belong to several organizations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="tenancy_membership_unique_user_org"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="tenancy_membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class TenantScopeError(RuntimeError):
    """A query on a tenant-scoped model ran without an organization. Always a programming error."""


class TenantQuerySet(models.QuerySet):
    """A queryset that refuses to touch the database until it is scoped to one organization.

    Scoped means one of: built with ``for_org(org)``; filtered on ``organization`` directly (Django's
    own unique checks do this); reached from an instance through a related manager (the instance was
    itself read in scope); or released with ``unscoped()``, the only escape hatch, which every caller
    must justify in a comment. Fail closed: forgetting the organization raises instead of leaking.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant_scoped = False

    def _clone(self) -> TenantQuerySet:
        clone = super()._clone()
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def for_org(self, org: Organization | int) -> TenantQuerySet:
        """Rows of one organization only. ``org`` is an Organization or its id; never None."""
        if org is None:
            raise TenantScopeError(f"{self.model.__name__}.for_org() needs an organization, got None.")
        org_id = org if isinstance(org, int) else org.pk
        qs = super().filter(organization_id=org_id)
        qs._tenant_scoped = True
        return qs

    def unscoped(self) -> TenantQuerySet:
        """Escape hatch for system code that must span organizations (admin, nightly jobs, export).

        Grep for ``unscoped(`` to audit every use; each call site says why in a comment.
        """
        qs = self._chain()
        qs._tenant_scoped = True
        return qs

    def filter(self, *args: Any, **kwargs: Any) -> TenantQuerySet:
        qs = super().filter(*args, **kwargs)
        if any(key.split("__")[0] in ("organization", "organization_id") for key in kwargs):
            qs._tenant_scoped = True
        return qs

    def _assert_scoped(self) -> None:
        if self._tenant_scoped or self._hints.get("instance") is not None:
            return
        raise TenantScopeError(
            f"Unscoped query on {self.model.__name__}: use {self.model.__name__}.objects.for_org(org)."
        )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._assert_scoped()
        super()._fetch_all()

    def count(self) -> int:
        if self._result_cache is None:
            self._assert_scoped()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._assert_scoped()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._assert_scoped()
        return super().aggregate(*args, **kwargs)

    def iterator(self, chunk_size: int | None = None):  # type: ignore[override]
        self._assert_scoped()
        return super().iterator(chunk_size=chunk_size)

    def update(self, **kwargs: Any) -> int:
        self._assert_scoped()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._assert_scoped()
        return super().delete()

    def in_bulk(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        self._assert_scoped()
        return super().in_bulk(*args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Default manager of every domain model. ``Model.objects.for_org(org)`` is how reads start."""


class TenantScoped(models.Model):
    """Base of every domain model: an indexed, non-null ``organization`` and the scoped manager.

    ``save()`` refuses a foreign key to a tenant object of another organization, whatever path the
    write took (service, form, serializer, admin, shell), so cross-organization references cannot be
    stored even when a caller forgets to check.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=True, editable=False,
        verbose_name=_("organization"),
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    def tenant_reference_errors(self) -> dict[str, list[str]]:
        """Fields whose referenced tenant object belongs to another organization."""
        errors: dict[str, list[str]] = {}
        if self.organization_id is None:
            return {"organization": [str(_("An organization is required."))]}
        for field in self._meta.concrete_fields:
            if not field.is_relation or not (field.many_to_one or field.one_to_one) or field.name == "organization":
                continue
            related = field.related_model
            if not (isinstance(related, type) and issubclass(related, TenantScoped)):
                continue
            ref_id = getattr(self, field.attname)
            if ref_id is None:
                continue
            cached = field.get_cached_value(self, default=None)
            if cached is not None and cached.pk == ref_id:
                ref_org = cached.organization_id
            else:
                ref_org = related._base_manager.filter(pk=ref_id).values_list("organization_id", flat=True).first()
            if ref_org != self.organization_id:
                errors[field.name] = [str(_("Not found in this organization."))]
        return errors

    def get_additional_data(self) -> dict[str, Any]:
        """Stored with every audit entry of this object (django-auditlog calls it): the audit trail
        page reads an organization's entries by this key, so no entry shows in another's trail."""
        return {"organization_id": self.organization_id}

    def _get_unique_checks(self, exclude=None, include_meta_constraints=False):  # noqa: ANN001, ANN202
        # Django runs unique checks through the default manager, which refuses unscoped queries.
        # References never cross organizations (see save()), so "unique" means unique within the
        # organization, and the check can say so: every check gets the organization added.
        unique_checks, date_checks = super()._get_unique_checks(
            exclude=exclude, include_meta_constraints=include_meta_constraints
        )
        scoped = [
            (model, check if "organization" in check else (*check, "organization"))
            for model, check in unique_checks
        ]
        return scoped, date_checks

    def _perform_date_checks(self, date_checks):  # noqa: ANN001, ANN202
        # Django's unique_for_date/month/year checks, run against this organization's rows only
        # (Django's own query names no organization, which the fail-closed manager refuses).
        errors: dict[str, list] = {}
        for model_class, lookup_type, field, unique_for in date_checks:
            date = getattr(self, unique_for)
            if date is None:
                continue
            if lookup_type == "date":
                lookup = {f"{unique_for}__day": date.day, f"{unique_for}__month": date.month,
                          f"{unique_for}__year": date.year}
            else:
                lookup = {f"{unique_for}__{lookup_type}": getattr(date, lookup_type)}
            lookup[field] = getattr(self, field)
            rows = model_class._default_manager.for_org(self.organization_id).filter(**lookup)
            if not self._state.adding and self.pk is not None:
                rows = rows.exclude(pk=self.pk)
            if rows.exists():
                errors.setdefault(field, []).append(self.date_error_message(lookup_type, field, unique_for))
        return errors

    def clean(self) -> None:
        super().clean()
        errors = self.tenant_reference_errors()
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        errors = self.tenant_reference_errors()
        if errors:
            raise ValidationError(errors)
        super().save(*args, **kwargs)


def tenant_check(*, org: Organization, **refs: Any) -> None:
    """The one validation helper for references chosen by a user (forms, API, services).

    Each keyword is a field name and a tenant object, a list of them, or None. Any object from
    another organization raises ``ValidationError`` keyed by that field, with the same message as a
    missing object, so ids of other organizations do not leak.
    """
    errors: dict[str, list[str]] = {}
    for name, value in refs.items():
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for item in values:
            if item is None:
                continue
            if getattr(item, "organization_id", None) != org.pk:
                errors[name] = [str(_("Not found in this organization."))]
                break
    if errors:
        raise ValidationError(errors)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        not_expired = models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        return self.filter(revoked_at__isnull=True).filter(not_expired)


class ApiToken(models.Model):
    """A bearer token bound to one organization and one user. Only its SHA-256 is stored.

    The raw token is ``cxg_<prefix>_<secret>``; it is shown once, at creation. The prefix identifies
    the token in lists and logs without revealing it. SHA-256 rather than a slow password hash is
    right here: the secret has 256 bits of entropy, so it cannot be guessed offline, and checking it
    on every API request must be cheap.
    """

    PREFIX_LEN = 10

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=PREFIX_LEN, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (cxg_{self.prefix}_…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A fresh raw token with its prefix and hash."""
        prefix = secrets.token_hex(ApiToken.PREFIX_LEN // 2)
        raw = f"cxg_{prefix}_{secrets.token_urlsafe(32)}"
        return raw, prefix, _hash_token(raw)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class ApiRequestLog(TenantScoped):
    """One API request made with a bearer token: what the integrator page shows as recent activity.

    Written by ``ApiRequestLogMiddleware`` with a single INSERT per token request (session requests of
    the browser are not logged). The path is stored without its query string, so secrets passed as
    parameters never land here. Rows older than ``API_REQUEST_LOG_DAYS`` are pruned by a daily task.
    """

    token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("token"),
    )
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status_code = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organization", "token", "-at"], name="tenancy_apilog_org_token_at"),
            models.Index(fields=["at"], name="tenancy_apilog_at"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"

    @property
    def status_class(self) -> str:
        """``2xx``, ``3xx``, ``4xx`` or ``5xx``."""
        return f"{self.status_code // 100}xx"

    @property
    def is_error(self) -> bool:
        return self.status_code >= 400
