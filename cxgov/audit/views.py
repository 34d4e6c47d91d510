"""The audit trail page (admins) and the password change page (every signed-in user)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import View

from cxgov.tenancy.roles import Op
from cxgov.tenancy.views_base import OrgView

from . import selectors
from .forms import AuditFilterForm

PAGE_SIZE = 50


class AuditTrailView(OrgView, View):
    """Who changed what and when in the current organization, newest first, filterable."""

    required_op = Op.AUDIT_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET or None, org=self.org)
        status = 200
        if form.is_bound and not form.is_valid():
            entries = selectors.audit_entries(org=self.org).none()
            status = 400
        else:
            data = form.cleaned_data if form.is_bound else {}
            entries = selectors.audit_entries(
                org=self.org, content_type_id=data.get("model"), actor=data.get("actor"),
                date_from=data.get("date_from"), date_to=data.get("date_to"),
            )
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            (entry, selectors.entry_model_name(entry), selectors.entry_changes(entry)) for entry in page.object_list
        ]
        filtered = form.is_bound and any(v for k, v in request.GET.items() if k != "page")
        return render(request, "audit/trail.html", {
            "form": form, "page": page, "rows": rows, "filtered": filtered,
        }, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new one twice, validators from settings); the other
    sessions of the user end, this one stays signed in."""

    template_name = "audit/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response
