"""Webhook pages: subscriptions (list, create, edit, delete), detail with the delivery log, and the
actions rotate secret, send test event and resume. Thin: the rules are in services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from cxgov.tenancy.roles import Op
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors, services
from .forms import SubscriptionForm
from .models import WebhookSubscription

DELIVERIES_PER_PAGE = 25


def _form_errors(form: SubscriptionForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


class SubscriptionListView(OrgView, TenantObjectMixin, ListView):
    required_op = Op.WEBHOOKS_MANAGE
    model = WebhookSubscription
    template_name = "webhooks/subscription_list.html"
    context_object_name = "subscriptions"
    paginate_by = 50

    def scope_queryset(self, qs):
        return qs.select_related("owner").order_by("-created_at", "-id")


class SubscriptionCreateView(OrgView, FormView):
    required_op = Op.WEBHOOKS_MANAGE
    form_class = SubscriptionForm
    template_name = "webhooks/subscription_form.html"

    def get_initial(self) -> dict[str, Any]:
        return {"is_active": True}

    def form_valid(self, form: SubscriptionForm) -> HttpResponse:
        try:
            subscription, secret = services.subscription_create(org=self.org, by=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return render(self.request, "webhooks/secret.html", {
            "subscription": subscription, "secret": secret, "created": True,
        }, status=201)

    def form_invalid(self, form: SubscriptionForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SubscriptionDetailView(OrgView, TenantObjectMixin, DetailView):
    """The subscription, its health and its delivery log (newest first, 25 a page)."""

    required_op = Op.WEBHOOKS_MANAGE
    model = WebhookSubscription
    template_name = "webhooks/subscription_detail.html"
    context_object_name = "subscription"

    def scope_queryset(self, qs):
        return qs.select_related("owner")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        deliveries = selectors.delivery_list(org=self.org, subscription=self.object)
        context["page_obj"] = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(self.request.GET.get("page"))
        return context


class SubscriptionUpdateView(OrgView, TenantObjectMixin, SingleObjectMixin, FormView):
    required_op = Op.WEBHOOKS_MANAGE
    model = WebhookSubscription
    form_class = SubscriptionForm
    template_name = "webhooks/subscription_form.html"
    context_object_name = "subscription"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.pop("org", None)
        kwargs.pop("instance", None)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        s = self.object
        return {"name": s.name, "url": s.url, "events": s.events, "is_active": s.is_active}

    def form_valid(self, form: SubscriptionForm) -> HttpResponse:
        try:
            services.subscription_update(org=self.org, subscription=self.object, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Subscription saved."))
        return redirect("webhooks:subscription-detail", self.object.pk)

    def form_invalid(self, form: SubscriptionForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SubscriptionDeleteView(OrgView, TenantObjectMixin, DetailView):
    required_op = Op.WEBHOOKS_MANAGE
    model = WebhookSubscription
    template_name = "webhooks/subscription_confirm_delete.html"
    context_object_name = "subscription"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subscription = self.get_object()
        services.subscription_delete(org=self.org, subscription=subscription)
        messages.success(request, _("Subscription “%(name)s” deleted.") % {"name": subscription})
        return redirect("webhooks:subscription-list")


class SubscriptionActionView(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """A POST-only action on one subscription. GET finds the object first, so another
    organization's id is 404 like a missing one, and only then says 405."""

    required_op = Op.WEBHOOKS_MANAGE
    model = WebhookSubscription

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_object()
        return HttpResponseNotAllowed(["POST"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.act(request, self.get_object())

    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> HttpResponse:
        raise NotImplementedError


class SubscriptionRotateView(SubscriptionActionView):
    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> HttpResponse:
        secret = services.subscription_secret_rotate(org=self.org, subscription=subscription)
        return render(request, "webhooks/secret.html", {"subscription": subscription, "secret": secret,
                                                        "created": False})


class SubscriptionTestView(SubscriptionActionView):
    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> HttpResponse:
        services.subscription_ping(org=self.org, subscription=subscription, by=request.user)
        messages.success(request, _("Test event queued. Its outcome appears in the delivery log below."))
        return redirect("webhooks:subscription-detail", subscription.pk)


class SubscriptionResumeView(SubscriptionActionView):
    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> HttpResponse:
        services.subscription_resume(org=self.org, subscription=subscription)
        messages.success(request, _("Subscription resumed: new events will be delivered again."))
        return redirect("webhooks:subscription-detail", subscription.pk)
