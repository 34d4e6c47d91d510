"""Base classes for HTML views of tenant data.

Every tenant page derives from ``OrgView`` (signed in, acting in an organization, allowed by the role
table); list, detail and edit views add ``TenantObjectMixin``, which scopes the queryset to the
current organization (another organization's id answers 404, like a missing one) and forbids
overriding ``get_queryset``. Create views set the organization; forms get it to scope their choices.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import TenantScoped
from .roles import Op, role_allows


class OrgView(LoginRequiredMixin):
    """Signed in and a member of an organization; ``required_op`` from the role table when set."""

    required_op: str | None = Op.PROGRAMME_VIEW
    # Needed as well for POST (and any other unsafe method) when a page reads with one operation and
    # writes with another; the endpoint table in the README reads both.
    write_op: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.membership is None:
            return render(request, "tenancy/no_organization.html", status=403)
        if self.required_op and not role_allows(request.membership.role, self.required_op):
            raise PermissionDenied
        if (self.write_op and request.method not in ("GET", "HEAD", "OPTIONS")
                and not role_allows(request.membership.role, self.write_op)):
            raise PermissionDenied
        self.org = request.org
        return super().dispatch(request, *args, **kwargs)


class TenantObjectMixin:
    """Scoped queryset for Django's generic views; subclasses narrow it in ``scope_queryset``."""

    model: type[TenantScoped]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset(); implement scope_queryset(qs) instead.")

    def get_queryset(self) -> QuerySet:
        return self.scope_queryset(self.model.objects.for_org(self.request.org))

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["org"] = self.request.org
        return kwargs

    def form_valid(self, form):
        if form.instance.organization_id is None:
            form.instance.organization = self.request.org
        return super().form_valid(form)
