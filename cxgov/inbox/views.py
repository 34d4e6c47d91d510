"""The user's inbox: notifications in the current organization, newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from cxgov.tenancy.roles import Op
from cxgov.tenancy.views_base import OrgView

from . import selectors, services


class InboxView(OrgView, View):
    required_op = Op.PROGRAMME_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(selectors.notifications_for_user(org=self.org, user=request.user), 50).get_page(
            request.GET.get("page")
        )
        return render(request, "inbox/inbox.html", {"page": page})

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
        services.notifications_mark_read(org=self.org, user=request.user, ids=ids)
        return redirect("inbox:inbox")
