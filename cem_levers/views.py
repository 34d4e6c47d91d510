"""Pages of the CEM framework: levers by group (with the editor for programme managers), one
lever with everything attached to it, and the forms that name, order and extend the framework."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from cxgov.tenancy.roles import Op, role_allows
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors, services
from .forms import GroupForm, LeverForm, MoveForm, PracticeForm
from .models import Lever, LeverGroup, Practice

TEXT_FIELDS = ("name_en", "name_es", "description_en", "description_es")


def _can_manage(request: HttpRequest) -> bool:
    return role_allows(request.membership.role, Op.PROGRAMME_MANAGE)


def _apply_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class LeverListView(OrgView, TemplateView):
    template_name = "cem_levers/lever_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        groups = list(selectors.lever_groups_with_levers(org=self.org))
        context.update(groups=groups, can_manage=_can_manage(self.request),
                       editing=_can_manage(self.request) and self.request.GET.get("edit") == "1")
        return context


class LeverDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Lever
    template_name = "cem_levers/lever_detail.html"
    context_object_name = "lever"

    def scope_queryset(self, qs):
        return selectors.lever_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.lever_links(org=self.org, lever=self.object))
        context.update(can_manage=_can_manage(self.request))
        return context


class _FormPage(OrgView, View):
    """GET shows the form, POST calls ``save(form)`` (a service) and redirects; a service error
    lands on the form with the typed values kept."""

    required_op = Op.PROGRAMME_MANAGE
    template_name = "cem_levers/form.html"
    form_class: type
    title = ""

    def initial(self) -> dict[str, Any]:
        return {}

    def context(self) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.form_class(org=self.org, initial=self.initial()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, org=self.org, initial=self.initial())
        if form.is_valid():
            try:
                url = self.save(form)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(url)
        return self.render(form, status=400)

    def render(self, form, status: int = 200) -> HttpResponse:
        context = {"form": form, "title": self.title, "cancel_url": self.cancel_url(), **self.context()}
        return render(self.request, self.template_name, context, status=status)

    def cancel_url(self) -> str:
        return reverse("cem_levers:lever-list") + "?edit=1"

    def save(self, form) -> str:  # pragma: no cover - every subclass implements it
        raise NotImplementedError


class _ObjectFormPage(TenantObjectMixin, SingleObjectMixin, _FormPage):
    def context(self) -> dict[str, Any]:
        return {"object": self.object}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)


def _texts(form) -> dict[str, str]:
    return {name: form.cleaned_data[name] for name in TEXT_FIELDS}


class GroupCreateView(_FormPage):
    form_class = GroupForm

    @property
    def title(self) -> str:
        return _("Add a lever group")

    def save(self, form) -> str:
        services.lever_group_create(org=self.org, **_texts(form))
        return reverse("cem_levers:lever-list") + "?edit=1"


class GroupEditView(_ObjectFormPage):
    model = LeverGroup
    form_class = GroupForm

    @property
    def title(self) -> str:
        return _("Edit the group “%(name)s”") % {"name": self.object.name}

    def initial(self) -> dict[str, Any]:
        return {name: getattr(self.object, name) for name in TEXT_FIELDS}

    def save(self, form) -> str:
        services.lever_group_update(org=self.org, group=self.object, **_texts(form))
        return reverse("cem_levers:lever-list") + "?edit=1"


class LeverCreateView(_ObjectFormPage):
    """Add a lever to the group in the URL."""

    model = LeverGroup
    form_class = LeverForm

    @property
    def title(self) -> str:
        return _("Add a lever to “%(name)s”") % {"name": self.object.name}

    def initial(self) -> dict[str, Any]:
        return {"group": self.object.pk, "is_active": True}

    def save(self, form) -> str:
        lever = services.lever_create(org=self.org, group=form.cleaned_data["group"], **_texts(form))
        return reverse("cem_levers:lever-detail", args=[lever.pk])


class LeverEditView(_ObjectFormPage):
    model = Lever
    form_class = LeverForm

    @property
    def title(self) -> str:
        return _("Edit the lever “%(name)s”") % {"name": self.object.name}

    def cancel_url(self) -> str:
        return reverse("cem_levers:lever-detail", args=[self.object.pk])

    def initial(self) -> dict[str, Any]:
        return {**{name: getattr(self.object, name) for name in TEXT_FIELDS}, "group": self.object.group_id,
                "is_active": self.object.is_active}

    def save(self, form) -> str:
        lever = services.lever_update(org=self.org, lever=self.object, is_active=form.cleaned_data["is_active"],
                                      **_texts(form))
        if form.cleaned_data["group"].pk != lever.group_id:
            services.lever_move(org=self.org, lever=lever, group=form.cleaned_data["group"])
        return reverse("cem_levers:lever-detail", args=[lever.pk])


class PracticeCreateView(_ObjectFormPage):
    """Add a practice to the lever in the URL."""

    model = Lever
    form_class = PracticeForm

    @property
    def title(self) -> str:
        return _("Add a practice to “%(name)s”") % {"name": self.object.name}

    def cancel_url(self) -> str:
        return reverse("cem_levers:lever-detail", args=[self.object.pk])

    def initial(self) -> dict[str, Any]:
        return {"is_active": True}

    def save(self, form) -> str:
        services.practice_create(org=self.org, lever=self.object, **_texts(form))
        return reverse("cem_levers:lever-detail", args=[self.object.pk]) + "#practices-title"


class PracticeEditView(_ObjectFormPage):
    model = Practice
    form_class = PracticeForm

    def scope_queryset(self, qs):
        return qs.select_related("lever")

    @property
    def title(self) -> str:
        return _("Edit the practice “%(name)s”") % {"name": self.object.name}

    def cancel_url(self) -> str:
        return reverse("cem_levers:lever-detail", args=[self.object.lever_id])

    def initial(self) -> dict[str, Any]:
        return {**{name: getattr(self.object, name) for name in TEXT_FIELDS}, "is_active": self.object.is_active}

    def save(self, form) -> str:
        services.practice_update(org=self.org, practice=self.object, is_active=form.cleaned_data["is_active"],
                                 **_texts(form))
        return reverse("cem_levers:lever-detail", args=[self.object.lever_id]) + "#practices-title"


class _MoveView(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """POST ``direction=up|down``: one place up or down, then back to where the button was.
    A GET (a bookmarked or reloaded URL) just goes back there."""

    required_op = Op.PROGRAMME_MANAGE
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return HttpResponseRedirect(self.back())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = MoveForm(request.POST, org=self.org)
        if not form.is_valid():
            messages.error(request, _("Move up or down."))
        else:
            try:
                self.move(form.cleaned_data["direction"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(self.back())

    def move(self, direction: str) -> None:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def back(self) -> str:
        return reverse("cem_levers:lever-list") + f"?edit=1#lever-{self.object.pk}"


class LeverMoveView(_MoveView):
    model = Lever

    def move(self, direction: str) -> None:
        services.lever_move(org=self.org, lever=self.object, direction=direction)


class GroupMoveView(_MoveView):
    model = LeverGroup

    def move(self, direction: str) -> None:
        services.lever_group_move(org=self.org, group=self.object, direction=direction)

    def back(self) -> str:
        return reverse("cem_levers:lever-list") + f"?edit=1#group-{self.object.pk}"


class PracticeMoveView(_MoveView):
    model = Practice

    def move(self, direction: str) -> None:
        services.practice_move(org=self.org, practice=self.object, direction=direction)

    def back(self) -> str:
        return reverse("cem_levers:lever-detail", args=[self.object.lever_id]) + f"#practice-{self.object.pk}"
