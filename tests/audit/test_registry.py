"""What the audit trail records: discovered models, the organization on every entry, the actor."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from cxgov.audit.middleware import AuditlogMiddleware
from cxgov.audit.registry import AUDITED_APPS, audited_models
from cxgov.tenancy.services import api_token_create, membership_set
from tests.factories import BodyFactory, InitiativeFactory, LeverFactory, MetricFactory

pytestmark = pytest.mark.django_db


def _entries(obj):
    return LogEntry.objects.get_for_object(obj).order_by("pk")


def test_every_model_of_the_programme_apps_is_registered_and_responses_are_not():
    registered = {m._meta.label for m in auditlog.get_models()}
    for label in AUDITED_APPS:
        for model in apps.get_app_config(label).get_models():
            assert model._meta.label in registered, model
    for label in ("voc.Metric", "voc.DataSource", "voc.Journey", "voc.JourneyStage", "voc.Touchpoint",
                  "voc.Segment", "voc.Product", "voc.RootCause", "tenancy.Membership", "tenancy.ApiToken"):
        assert label in registered, label
    for label in ("voc.Response", "voc.Rollup", "voc.ImportJob"):
        assert label not in registered, label
    assert {m._meta.label for m in audited_models()} <= registered


def test_a_change_is_recorded_with_its_organization_actor_and_readable_diff(org_a, users_a):
    with set_actor(users_a["cx_lead"]):
        body = BodyFactory(organization=org_a, name="Steering")
        body.name = "Steering committee"
        body.save()
    created, updated = _entries(body)
    assert created.action == LogEntry.Action.CREATE
    assert updated.action == LogEntry.Action.UPDATE
    assert updated.changes["name"] == ["Steering", "Steering committee"]
    assert "organization" not in updated.changes
    for entry in (created, updated):
        assert entry.additional_data == {"organization_id": org_a.pk}
        assert entry.actor == users_a["cx_lead"]


def test_many_to_many_links_and_foreign_keys_are_recorded_by_name(org_a):
    lever = LeverFactory(organization=org_a, name_en="Journeys")
    initiative = InitiativeFactory(organization=org_a)
    initiative.levers.add(lever)
    m2m = _entries(initiative).last()
    assert m2m.changes["levers"]["operation"] == "add"
    assert m2m.changes["levers"]["objects"] == [str(lever)]
    assert m2m.additional_data == {"organization_id": org_a.pk}


def test_metric_definitions_are_audited(org_a):
    metric = MetricFactory(organization=org_a)
    metric.scale_max = 7
    metric.save()
    assert _entries(metric).last().changes["scale_max"][1] in ("7", "7.00", "7.0000")


def test_memberships_and_tokens_carry_the_organization_and_never_the_token_hash(org_a, users_a):
    membership = membership_set(org=org_a, user=users_a["executive"], role="cx_lead")
    entry = _entries(membership).last()
    assert entry.additional_data == {"organization_id": org_a.pk}
    assert entry.changes["role"] == ["executive", "cx_lead"]

    token, raw = api_token_create(org=org_a, user=users_a["integrator"], name="crm")
    entry = _entries(token).last()
    assert entry.additional_data == {"organization_id": org_a.pk}
    assert "key_hash" not in entry.changes
    assert token.key_hash not in str(entry.changes) and raw not in str(entry.changes)


def test_the_actor_is_resolved_after_the_view_authenticates(org_a, users_a):
    """API requests authenticate inside the view (bearer token): the actor must still be recorded."""
    request = RequestFactory().post("/api/v1/anything/")
    request.user = AnonymousUser()
    holder = {}

    def view(req):
        req.user = users_a["integrator"]  # what DRF does once the token is checked
        holder["body"] = BodyFactory(organization=org_a)
        return HttpResponse("ok")

    AuditlogMiddleware(view)(request)
    assert _entries(holder["body"]).get().actor == users_a["integrator"]

    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()

    def system_view(req):
        holder["other"] = BodyFactory(organization=org_a)
        return HttpResponse("ok")

    AuditlogMiddleware(system_view)(anonymous)
    assert _entries(holder["other"]).get().actor is None
