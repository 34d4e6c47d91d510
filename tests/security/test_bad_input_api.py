"""Bad input on the API: every writable field of every endpoint, the feedback bulk ingest and its limits.

The endpoints and their fields are discovered from the router registry and the serializers, so an
endpoint added tomorrow is covered without anyone editing this file. For each writable field:

- hostile text (script, markup, SQL metacharacters, RTL override, a 10,000-character string) is either
  stored verbatim (200, read back unchanged) or refused with a 400 naming the field; a NUL byte is
  always a 400 naming the field (PostgreSQL cannot store it: it must never reach the database);
- a value of the wrong type (string for a number, list for an object, null where null is not allowed,
  integers beyond 2^63, NaN and Infinity, 30 February) is a 400 naming the field, and the row is
  left exactly as it was.

Run on SQLite and on PostgreSQL (they differ on NUL bytes, huge integers and NaN).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db import models as djm
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework import serializers

from cxgov.api_urls import router
from tests import factories as f
from tests.tenancy.helpers import make, tenant_models
from tests.tenancy.test_api import assert_error_shape
from voc.models import Response

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE x; --"
RTL = "abc\u202egnp.exe \u200b\ufeff 🎉 Ωmega"
HOSTILE = [SCRIPT, IMG, SQL, RTL]
NUL = "before\x00after"
LONG = "x" * 10_000
HUGE = 2**63 + 7


def writable_endpoints() -> list[tuple[str, type]]:
    """(prefix, viewset) of every router endpoint that updates objects."""
    return [
        (prefix, viewset) for prefix, viewset, _basename in router.registry
        if hasattr(viewset, "partial_update") and "patch" in viewset.http_method_names
    ]


def serializer_for(viewset: type, action: str = "partial_update") -> type[serializers.Serializer]:
    view = viewset()
    view.action = action
    view.request = None
    view.format_kwarg = None
    view.kwargs = {}
    return view.get_serializer_class()


def writable_fields(viewset: type, instance: djm.Model) -> dict[str, serializers.Field]:
    """The fields a PATCH of ``instance`` may change (some are fixed once the row exists)."""
    fields = serializer_for(viewset)(instance=instance, context={"org": instance.organization}).fields
    return {name: field for name, field in fields.items() if not field.read_only}


def is_text(field: serializers.Field) -> bool:
    return isinstance(field, serializers.CharField) and not isinstance(
        field, serializers.EmailField | serializers.URLField | serializers.SlugField | serializers.RegexField
        | serializers.UUIDField | serializers.IPAddressField
    )


@pytest.fixture
def world(org_a, users_a, org_b):
    """At least one object of every tenant model in A (the shared factories), and a few in B."""
    objects = {}
    for model in tenant_models():
        objects[model] = model.objects.for_org(org_a).order_by("pk").first() or make(model, org_a)
    return objects


@pytest.fixture
def admin_api(org_a, users_a, token_client):
    client = token_client(org_a, users_a["admin"])
    client.raise_request_exception = False  # a crash is a 500 to report with the others, not an abort
    return client


def _snapshot(obj: djm.Model) -> dict[str, Any]:
    fresh = type(obj).objects.for_org(obj.organization).get(pk=obj.pk)
    data = model_to_dict(fresh)
    for key, value in list(data.items()):
        if isinstance(value, list):  # many-to-many: compare ids
            data[key] = sorted(getattr(v, "pk", v) for v in value)
    data.pop("updated_at", None)
    return data


def _errors_name(body: dict, name: str) -> bool:
    errors = body.get("errors") or {}
    return name in errors and all(isinstance(m, str) and m for m in errors[name])


def _detail_url(prefix: str, pk: int) -> str:
    return f"/api/v1/{prefix}/{pk}/"


def test_every_writable_text_field_stores_hostile_text_verbatim_or_refuses_it(world, admin_api):
    tried, refused, problems = 0, 0, []
    for prefix, viewset in writable_endpoints():
        obj = world[viewset.model]
        for name, field in writable_fields(viewset, obj).items():
            if not is_text(field) or getattr(field, "choices", None):
                continue
            max_length = getattr(field, "max_length", None)
            for value in [*HOSTILE, LONG]:
                before = _snapshot(obj)
                response = admin_api.patch(_detail_url(prefix, obj.pk), {name: value}, format="json")
                tried += 1
                if response.status_code == 200:
                    stored = response.json().get(name, value)
                    if stored != value:
                        problems.append(f"{prefix}.{name}: stored {stored!r:.60} for {value!r:.60}")
                    if max_length is not None and len(value) > max_length:
                        problems.append(f"{prefix}.{name}: accepted {len(value)} chars over max_length {max_length}")
                elif response.status_code == 400:
                    refused += 1
                    if not _errors_name(response.json(), name):
                        problems.append(f"{prefix}.{name}: 400 without errors[{name}]: {response.json()}")
                    if _snapshot(obj) != before:
                        problems.append(f"{prefix}.{name}: refused but the row changed")
                else:
                    problems.append(f"{prefix}.{name}: {response.status_code} for {value!r:.40}")
    assert problems == [], "\n".join(problems)
    assert tried >= 100, tried


def test_a_nul_byte_in_any_text_field_is_a_400_naming_the_field(world, admin_api):
    tried, problems = 0, []
    for prefix, viewset in writable_endpoints():
        obj = world[viewset.model]
        for name, field in writable_fields(viewset, obj).items():
            if not isinstance(field, serializers.CharField):
                continue
            before = _snapshot(obj)
            response = admin_api.patch(_detail_url(prefix, obj.pk), {name: NUL}, format="json")
            tried += 1
            if response.status_code != 400 or not _errors_name(response.json(), name):
                problems.append(f"{prefix}.{name}: {response.status_code} {response.content[:200]!r}")
            elif _snapshot(obj) != before:
                problems.append(f"{prefix}.{name}: the row changed")
    assert problems == [], "\n".join(problems)
    assert tried >= 40, tried


def _nested_nul(field: serializers.Field) -> Any | None:
    """A NUL byte where a JSON / list / dict field keeps text (PostgreSQL's jsonb refuses it)."""
    if isinstance(field, serializers.ListField):
        child = field.child
        if isinstance(child, serializers.CharField):
            return [NUL]
        return None
    if isinstance(field, serializers.DictField):
        return {"k": NUL}
    if isinstance(field, serializers.JSONField):
        return {"k": NUL}
    return None


def test_a_nul_byte_inside_json_and_list_fields_never_reaches_the_database(world, admin_api):
    problems = []
    for prefix, viewset in writable_endpoints():
        obj = world[viewset.model]
        for name, field in writable_fields(viewset, obj).items():
            value = _nested_nul(field)
            if value is None:
                continue
            before = _snapshot(obj)
            response = admin_api.patch(_detail_url(prefix, obj.pk), {name: value}, format="json")
            if response.status_code != 400 or not _errors_name(response.json(), name):
                problems.append(f"{prefix}.{name}: {response.status_code} {response.content[:200]!r}")
            elif _snapshot(obj) != before:
                problems.append(f"{prefix}.{name}: the row changed")
    assert problems == [], "\n".join(problems)


def _column_max(model: type[djm.Model], field: serializers.Field) -> int | None:
    """One past the largest integer the database column of ``field`` holds, on this database."""
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:
        return None
    low_high = connection.ops.integer_field_range(model_field.get_internal_type())
    return low_high[1] + 1 if low_high and low_high[1] is not None else None


def wrong_values(field: serializers.Field, model: type[djm.Model]) -> list[Any]:
    """Values of the wrong type or out of range for ``field``; each must be refused."""
    values: list[Any] = [{"an": "object"}]
    if not field.allow_null:
        values.append(None)
    if isinstance(field, serializers.ManyRelatedField):
        return [*values, "1", [999_999_999], [HUGE], [{"id": 1}]]
    if isinstance(field, serializers.RelatedField):
        return [*values, 999_999_999, HUGE, -1, "abc", [1]]
    if isinstance(field, serializers.BooleanField):
        return [*values, "maybe", [True]]
    if isinstance(field, serializers.IntegerField):
        beyond = _column_max(model, field)
        return [*values, "abc", HUGE, -HUGE, 1.5, "1e400", [1], *([beyond] if beyond else [])]
    if isinstance(field, serializers.DecimalField | serializers.FloatField):
        return [*values, "abc", "NaN", "Infinity", "-Infinity", "1e400", HUGE, [1]]
    if isinstance(field, serializers.DateTimeField):
        return [*values, "2026-02-30T10:00:00Z", "tomorrow", 20260101, [1]]
    if isinstance(field, serializers.DateField):
        return [*values, "2026-02-30", "2026-13-01", "tomorrow", 20260101, [1]]
    if isinstance(field, serializers.ChoiceField):
        return [*values, "__not_a_choice__", ["x"]]
    if isinstance(field, serializers.ListField):
        return [*values, "not a list"]
    if isinstance(field, serializers.CharField):
        return [*values, ["a", "list"]] if field.max_length is None else [*values, ["a"], "y" * (field.max_length + 1)]
    return values


def test_wrong_types_are_a_400_naming_the_field_and_change_nothing(world, admin_api):
    tried, problems = 0, []
    for prefix, viewset in writable_endpoints():
        obj = world[viewset.model]
        model = viewset.model
        for name, field in writable_fields(viewset, obj).items():
            if isinstance(field, serializers.JSONField | serializers.DictField | serializers.HiddenField):
                continue
            for value in wrong_values(field, model):
                before, count = _snapshot(obj), model.objects.for_org(obj.organization).count()
                response = admin_api.patch(_detail_url(prefix, obj.pk), json.dumps({name: value}),
                                           content_type="application/json")
                tried += 1
                label = f"{prefix}.{name}={value!r:.40}"
                if response.status_code != 400:
                    problems.append(f"{label}: {response.status_code} {response.content[:100]!r}")
                    continue
                body = response.json()
                assert_error_shape(body)
                if not _errors_name(body, name):
                    problems.append(f"{label}: 400 without errors[{name}]: {body}")
                if _snapshot(obj) != before or model.objects.for_org(obj.organization).count() != count:
                    problems.append(f"{label}: refused but something was written")
    assert problems == [], "\n".join(problems)
    assert tried >= 300, tried


def test_wrong_types_on_create_are_a_400_naming_the_field_and_store_nothing(world, admin_api):
    """POST an existing row's own representation with one field spoiled: a 400 naming it, no new row."""
    tried, problems = 0, []
    for prefix, viewset, _basename in router.registry:
        if not hasattr(viewset, "create") or "post" not in viewset.http_method_names:
            continue
        model = viewset.model
        obj = world[model]
        shown = admin_api.get(_detail_url(prefix, obj.pk))
        if shown.status_code != 200:
            continue
        fields = {n: fl for n, fl in serializer_for(viewset, "create")(context={"org": obj.organization}).fields.items()
                  if not fl.read_only}
        base = {n: v for n, v in shown.json().items() if n in fields}
        for name, field in fields.items():
            if isinstance(field, serializers.JSONField | serializers.DictField | serializers.HiddenField):
                continue
            for value in wrong_values(field, model)[:4]:
                count = model.objects.for_org(obj.organization).count()
                response = admin_api.post(f"/api/v1/{prefix}/", json.dumps({**base, name: value}),
                                          content_type="application/json")
                tried += 1
                label = f"POST {prefix}.{name}={value!r:.40}"
                if response.status_code != 400:
                    problems.append(f"{label}: {response.status_code} {response.content[:100]!r}")
                elif not _errors_name(response.json(), name):
                    problems.append(f"{label}: 400 without errors[{name}]: {response.json()}")
                if model.objects.for_org(obj.organization).count() != count:
                    problems.append(f"{label}: a row was stored")
    assert problems == [], "\n".join(problems)
    assert tried >= 200, tried


def test_another_organizations_object_in_any_reference_is_refused(world, admin_api, org_b):
    tried, problems = 0, []
    theirs = {}
    for prefix, viewset in writable_endpoints():
        obj = world[viewset.model]
        for name, field in writable_fields(viewset, obj).items():
            many = isinstance(field, serializers.ManyRelatedField)
            related = field.child_relation if many else field
            if not isinstance(related, serializers.PrimaryKeyRelatedField):
                continue
            model = related.queryset.model if related.queryset is not None else None
            if model is None or not hasattr(model.objects, "for_org"):
                continue
            if model not in theirs:
                theirs[model] = make(model, org_b)
            value = [theirs[model].pk] if many else theirs[model].pk
            before = _snapshot(obj)
            response = admin_api.patch(_detail_url(prefix, obj.pk), {name: value}, format="json")
            tried += 1
            if response.status_code != 400 or not _errors_name(response.json(), name):
                problems.append(f"{prefix}.{name}: {response.status_code} {response.content[:160]!r}")
            elif _snapshot(obj) != before:
                problems.append(f"{prefix}.{name}: the row changed")
    assert problems == [], "\n".join(problems)
    assert tried >= 15, tried


def test_malformed_bodies_get_the_error_shape(world, admin_api):
    obj = world[router.registry[0][1].model]
    url = _detail_url(router.registry[0][0], obj.pk)
    for body, content_type, expected in [
        ('{"name": "unterminated', "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ("\xff\xfe garbage", "application/json", 400),
        ("name=x", "text/plain", 415),
    ]:
        response = admin_api.patch(url, body, content_type=content_type)
        assert response.status_code == expected, (body, response.content)
        assert_error_shape(response.json())


# --- the feedback bulk ingest ------------------------------------------------------------------------

BULK = "/api/v1/feedback/bulk/"


def _iso(days_ago: float = 1) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).isoformat()


@pytest.fixture
def tp(org_a):
    return f.TouchpointFactory(organization=org_a, name="Call centre")


@pytest.fixture
def integrator(org_a, users_a, token_client):
    return token_client(org_a, users_a["integrator"])


def _item(external_id: str, tp, **extra) -> dict[str, Any]:
    return {"external_id": external_id, "touchpoint": tp.pk, "metric": "nps", "score": 9,
            "submitted_at": _iso(), **extra}


BAD_ITEMS = [
    ("nps 11", {"score": 11}, "score"),
    ("nps -1", {"score": -1}, "score"),
    ("csat 0", {"metric": "csat", "score": 0}, "score"),
    ("csat 6", {"metric": "csat", "score": 6}, "score"),
    ("score NaN", {"score": "NaN"}, "score"),
    ("score Infinity", {"score": "Infinity"}, "score"),
    ("score huge", {"score": HUGE}, "score"),
    ("score text", {"score": "nine"}, "score"),
    ("score list", {"score": [9]}, "score"),
    ("score null", {"score": None}, "score"),
    ("unknown metric", {"metric": "nope"}, "metric"),
    ("metric list", {"metric": ["nps"]}, "metric"),
    ("unknown source", {"source": "nope"}, "source"),
    ("unknown touchpoint", {"touchpoint": 999_999_999}, "touchpoint"),
    ("huge touchpoint", {"touchpoint": HUGE}, "touchpoint"),
    ("touchpoint text", {"touchpoint": "Call centre'; --"}, "touchpoint"),
    ("touchpoint object", {"touchpoint": {"id": 1}}, "touchpoint"),
    ("30 February", {"submitted_at": "2026-02-30T10:00:00+00:00"}, "submitted_at"),
    ("date number", {"submitted_at": 20260101}, "submitted_at"),
    ("nul comment", {"comment": NUL}, "comment"),
    ("nul external id", {"external_id": NUL}, "external_id"),
    ("nul customer ref", {"customer_ref": NUL}, "customer_ref"),
    ("long external id", {"external_id": LONG}, "external_id"),
    ("long customer ref", {"customer_ref": LONG}, "customer_ref"),
    ("external id object", {"external_id": {"a": 1}}, "external_id"),
    ("comment list", {"comment": ["x"]}, "comment"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_ITEMS, ids=[c[0] for c in BAD_ITEMS])
def test_a_bad_feedback_item_is_a_row_error_and_atomic_stores_nothing(org_a, tp, integrator, case, change, field):
    items = [_item("good-1", tp), {**_item("bad-1", tp), **change}, _item("good-2", tp)]
    before = Response.objects.for_org(org_a).count()
    response = integrator.post(f"{BULK}?atomic=true", json.dumps({"responses": items}),
                               content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["created"] == 0 and "Nothing was stored" in body["detail"]
    assert [e["index"] for e in body["errors"]] == [1]
    assert field in body["errors"][0]["errors"], body
    assert all(m for m in body["errors"][0]["errors"][field])
    assert Response.objects.for_org(org_a).count() == before

    response = integrator.post(BULK, json.dumps({"responses": items}), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert set(Response.objects.for_org(org_a).values_list("external_id", flat=True)) >= {"good-1", "good-2"}
    assert not Response.objects.for_org(org_a).filter(external_id__startswith="bad").exists()


def test_another_organizations_touchpoint_or_source_is_a_row_error(org_a, org_b, tp, integrator):
    theirs = f.TouchpointFactory(organization=org_b)
    f.DataSourceFactory(organization=org_b, code="b-only")
    items = [_item("x1", theirs), _item("x2", tp, source="b-only")]
    response = integrator.post(BULK, {"responses": items}, format="json")
    assert response.status_code == 200
    errors = {e["index"]: e["errors"] for e in response.json()["errors"]}
    assert set(errors) == {0, 1} and "touchpoint" in errors[0] and "source" in errors[1]
    assert not Response.objects.for_org(org_a).exists() and not Response.objects.for_org(org_b).exists()


def test_hostile_text_in_feedback_is_stored_verbatim(org_a, tp, integrator):
    items = [_item(f"h{i}", tp, comment=value, customer_ref=value[:200]) for i, value in enumerate(HOSTILE)]
    items.append(_item("h-long", tp, comment=LONG))
    response = integrator.post(BULK, {"responses": items}, format="json")
    assert response.status_code == 200 and response.json()["created"] == len(items), response.json()
    stored = dict(Response.objects.for_org(org_a).values_list("external_id", "comment"))
    assert [stored[f"h{i}"] for i in range(len(HOSTILE))] == HOSTILE
    assert stored["h-long"] == LONG


def test_a_body_within_the_documented_10_mb_is_not_refused_by_a_lower_server_limit(org_a, tp, integrator):
    """The endpoint promises up to 5,000 items and 10 MB: a 3 MB body of 1,000 rows is accepted."""
    items = [_item(f"big{i}", tp, comment="c" * 3500) for i in range(1000)]
    body = json.dumps({"responses": items})
    assert 3 * 1024 * 1024 < len(body) < 10 * 1024 * 1024
    response = integrator.post(BULK, body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 1000


def test_a_body_over_10_mb_is_a_413_in_the_error_shape_and_stores_nothing(org_a, tp, integrator):
    items = [_item(f"huge{i}", tp, comment="c" * 11_000) for i in range(1000)]
    body = json.dumps({"responses": items})
    assert len(body) > 10 * 1024 * 1024
    response = integrator.post(BULK, body, content_type="application/json")
    assert response.status_code == 413
    assert_error_shape(response.json())
    assert "10 MB" in response.json()["detail"]
    assert not Response.objects.for_org(org_a).exists()


def test_a_body_over_the_server_limit_on_any_endpoint_is_a_413_in_the_error_shape(world, admin_api):
    lever = world[router.registry[0][1].model]
    before = _snapshot(lever)
    body = json.dumps({"description": "d" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = admin_api.patch(_detail_url(router.registry[0][0], lever.pk), body, content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    assert_error_shape(response.json())
    assert "larger than" in response.json()["detail"]
    assert _snapshot(lever) == before

