"""Script and markup in every text field are shown escaped on every page.

Hostile text goes in the ways users put text in: every text field of every writable API endpoint
(discovered from the router and the serializers), every post form of every HTML page (discovered
from the URL configuration: each form is filled from its own HTML, every text input and textarea
with the payload), feedback comments through the bulk API, and people's names. Then every HTML page
(the same walk as the CSP test: pages without arguments and pages of each tenant model's object) is
requested by several roles, and none may hold the payload unescaped. Each payload carries a number,
so the test also proves that the payloads really were rendered (escaped) on the pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

from tests.dashboards.pages import populate, signed_in
from tests.security.test_bad_input_api import is_text, serializer_for, writable_endpoints
from tests.security.test_headers_and_csp import SKIPPED_PREFIXES, _pages
from tests.tenancy.helpers import make, tenant_models
from tests.tenancy.test_isolation import _int_params, _kwargs_for, _walk

pytestmark = pytest.mark.django_db

RAW = [re.compile(r"<script>alert\(\d+\)</script>"), re.compile(r"<img src=x onerror=alert\(\d+\)>"),
       re.compile(r"<svg onload=alert\(\d+\)>")]
ESCAPED = re.compile(r"&lt;(?:script&gt;|img src=x onerror=|svg onload=)alert\((\d+)\)")


class Payloads:
    """Numbered hostile strings, the longest variant that fits the field."""

    def __init__(self) -> None:
        self.n = 0
        self.where: dict[int, str] = {}

    def __call__(self, where: str, max_length: int | None = None) -> str | None:
        self.n += 1
        n = self.n
        variants = [
            f"<script>alert({n})</script>\"><img src=x onerror=alert({n})>'; DROP TABLE x; --",
            f"<script>alert({n})</script>\"><img src=x onerror=alert({n})>",
            f"<script>alert({n})</script>",
            f"<svg onload=alert({n})>",
        ]
        for value in variants:
            if max_length is None or len(value) <= max_length:
                self.where[n] = where
                return value
        return None


def raw_payloads(html: str) -> list[str]:
    return [m.group(0) for pattern in RAW for m in pattern.finditer(html)]


def test_the_checks_find_raw_and_escaped_payloads():
    payload = Payloads()("x")
    assert raw_payloads(f"<p>{payload}</p>") == ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
    from django.utils.html import escape

    assert raw_payloads(f"<p>{escape(payload)}</p>") == []
    assert ESCAPED.findall(escape(payload)) == ["1", "1"]


# --- filling HTML forms from their own markup ------------------------------------------------------

class _Forms(HTMLParser):
    """The post forms of a page: action, and (name, kind, value/options, maxlength) of each control."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "controls": [],
                          "file": a.get("enctype", "") == "multipart/form-data"}
            self.forms.append(self._form)
        if self._form is None or "name" not in a and tag in ("input", "select", "textarea"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset") and not a.get("name"):
                return
            self._form["controls"].append({"name": a["name"], "kind": kind, "value": a.get("value", ""),
                                           "checked": "checked" in a, "maxlength": a.get("maxlength")})
        elif tag == "textarea":
            self._textarea = {"name": a["name"], "kind": "textarea", "value": "", "maxlength": a.get("maxlength")}
            self._form["controls"].append(self._textarea)
        elif tag == "select":
            self._select = {"name": a["name"], "kind": "select", "multiple": "multiple" in a, "options": [],
                            "selected": []}
            self._form["controls"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data


TEXT_KINDS = {"text", "textarea", "search", ""}
NOT_POSTED = ("delete", "remove", "logout", "revoke", "erase", "rotate", "switch", "language", "set_language")


def fill(form: dict, payloads: Payloads, where: str) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {}
    for c in form["controls"]:
        name, kind = c["name"], c["kind"]
        if kind in TEXT_KINDS:
            limit = int(c["maxlength"]) if (c.get("maxlength") or "").isdigit() else None
            data[name] = payloads(f"{where} {name}", limit) or c["value"]
        elif kind == "select":
            options = [o for o in c["options"] if o]
            chosen = c["selected"] or options[:1]
            if chosen:
                data[name] = chosen if c["multiple"] else chosen[0]
        elif kind in ("checkbox", "radio"):
            if c["checked"] or (kind == "radio" and name not in data):
                data[name] = c["value"] or "on"
        elif kind == "email":
            data[name] = "someone@example.com"
        elif kind == "url":
            data[name] = "https://example.com/"
        elif kind in ("number", "range"):
            data[name] = c["value"] or "1"
        elif kind == "date":
            data[name] = (today + dt.timedelta(days=30)).isoformat()
        elif kind == "datetime-local":
            data[name] = (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
        elif kind == "time":
            data[name] = "10:00"
        elif kind == "month":
            data[name] = today.strftime("%Y-%m")
        elif kind in ("hidden", "password", "color", "tel"):
            data[name] = c["value"]
    return data


def _form_pages(objects: dict) -> list[tuple[str, str]]:
    """Pages whose URL takes no argument or a tenant object's ids (the CSP walk), plus pages that take
    the id of a parent object (an initiative's new milestone, a body's new member)."""
    pages = dict(_pages(objects))
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or name in pages or not _int_params(pattern):
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        parent = getattr(view_class, "parent_model", None) or getattr(view_class, "model", None)
        if parent in objects:
            with contextlib.suppress(NoReverseMatch):
                pages[name] = reverse(name, kwargs=_kwargs_for(pattern, view_class, objects[parent]))
    return sorted(pages.items())


def _fill_every_form(client: Client, pages: list[tuple[str, str]],
                     payloads: Payloads) -> tuple[int, int, list[str]]:
    """Post every form once; (forms posted, forms accepted with a redirect, pages that crashed)."""
    posted, accepted, problems = 0, 0, []
    for name, url in pages:
        if any(word in name.replace("-", "_") for word in NOT_POSTED):
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            if form["method"] != "post" or action.split("?")[0] != url.split("?")[0]:
                continue
            data = fill(form, payloads, f"form {name}")
            reply = client.post(action, data)
            posted += 1
            accepted += reply.status_code == 302
            if reply.status_code >= 500:
                problems.append(f"{name} {url}: {reply.status_code}")
    return posted, accepted, problems


def _api_text_everywhere(client, objects: dict, payloads: Payloads) -> int:
    stored = 0
    for prefix, viewset in writable_endpoints():
        obj = objects.get(viewset.model)
        if obj is None:
            continue
        fields = serializer_for(viewset)(instance=obj, context={"org": obj.organization}).fields
        for name, field in fields.items():
            if field.read_only or not is_text(field) or getattr(field, "choices", None):
                continue
            value = payloads(f"api {prefix}.{name}", getattr(field, "max_length", None))
            if value is None:
                continue
            response = client.patch(f"/api/v1/{prefix}/{obj.pk}/", {name: value}, format="json")
            assert response.status_code in (200, 400), (prefix, name, response.content[:200])
            stored += response.status_code == 200
    return stored


def test_hostile_text_from_the_api_forms_and_feedback_is_escaped_on_every_page(org_a, users_a, token_client):
    from cxgov.tenancy.models import Organization, User
    from voc.models import DataSource, Response

    populate(org_a, users_a, n=1)
    objects = {}
    for model in tenant_models():
        objects[model] = model.objects.for_org(org_a).order_by("-pk").first() or make(model, org_a)
    payloads = Payloads()

    admin_api = token_client(org_a, users_a["admin"])
    stored = _api_text_everywhere(admin_api, objects, payloads)
    assert stored >= 30, stored

    # Feedback text and people's names arrive from outside (imports, the API, invitations).
    response = Response.objects.for_org(org_a).order_by("-pk").first()
    Response.objects.for_org(org_a).filter(pk=response.pk).update(
        comment=payloads("feedback comment"), customer_ref=payloads("feedback customer_ref", 200)
    )
    for role, user in users_a.items():
        User.objects.filter(pk=user.pk).update(full_name=payloads(f"user {role}", 150))
    Organization.objects.filter(pk=org_a.pk).update(name=payloads("organization name", 100))
    DataSource.objects.for_org(org_a).filter(pk=response.source_id).update(name=payloads("source name", 100))

    admin = signed_in(users_a["admin"])
    admin.raise_request_exception = False
    pages = _form_pages(objects)
    posted, accepted, problems = _fill_every_form(admin, pages, payloads)
    assert problems == [], problems
    assert posted >= 30 and accepted >= 20, (posted, accepted)

    for model in tenant_models():  # forms may have made newer rows; the walk shows the newest
        objects[model] = model.objects.for_org(org_a).order_by("-pk").first() or objects[model]
    pages = _pages(objects)
    leaks, rendered, views = {}, set(), 0
    for role in ("admin", "cx_lead", "executive", "ambassador"):
        client = signed_in(users_a[role])
        client.raise_request_exception = False
        for name, url in pages:
            page = client.get(url)
            assert page.status_code < 500, (role, name, url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            body = b"".join(page.streaming_content) if page.streaming else page.content
            html = body.decode()
            views += 1
            found = raw_payloads(html)
            if found:
                leaks[f"{role} {name} {url}"] = [payloads.where[int(re.search(r"\d+", x).group())] for x in found]
            rendered.update(int(n) for n in ESCAPED.findall(html))
    assert leaks == {}, leaks
    # The payloads were really shown: many fields, from the API, the forms and outside text alike.
    shown = {payloads.where[n].split()[0] for n in rendered}
    assert {"api", "form", "user", "organization", "feedback"} <= shown, shown
    assert len(rendered) >= 40, (len(rendered), payloads.n)
    print(f"\nescaping: {payloads.n} payloads, {posted} forms posted ({accepted} accepted), "  # noqa: T201
          f"{views} page views, "
          f"{len(rendered)} payloads seen escaped, none raw")


class NulPayloads(Payloads):
    """A NUL byte inside text, which PostgreSQL cannot store: every form must refuse it cleanly."""

    def __call__(self, where: str, max_length: int | None = None) -> str | None:
        self.n += 1
        self.where[self.n] = where
        return "nul\x00byte"


def test_a_nul_byte_in_any_form_field_is_refused_and_never_stored(org_a, users_a):
    from django.db import models

    populate(org_a, users_a, n=1)
    objects = {model: model.objects.for_org(org_a).order_by("-pk").first() or make(model, org_a)
               for model in tenant_models()}
    admin = signed_in(users_a["admin"])
    admin.raise_request_exception = False
    posted, _accepted, problems = _fill_every_form(admin, _form_pages(objects), NulPayloads())
    assert problems == [], problems
    assert posted >= 30, posted
    stored = []
    for model in tenant_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                values = model.objects.for_org(org_a).values_list(field.name, flat=True)
                stored += [f"{model._meta.label}.{field.name}" for v in values if v and "\x00" in v]
    assert sorted(set(stored)) == [], stored


def test_a_nul_byte_or_markup_in_any_filter_of_any_page_is_not_a_server_error(org_a, users_a):
    """The GET forms of every page (filters, search): a NUL byte (which PostgreSQL refuses in a query)
    and markup in each of their fields give a page or a 4xx, never a 500, and show nothing raw."""
    populate(org_a, users_a, n=1)
    objects = {model: model.objects.for_org(org_a).order_by("-pk").first() or make(model, org_a)
               for model in tenant_models()}
    admin = signed_in(users_a["admin"])
    admin.raise_request_exception = False
    tried, problems = 0, []
    for name, url in _pages(objects):
        response = admin.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            if form["method"] != "get" or (form["action"] or url).split("?")[0] != url.split("?")[0]:
                continue
            for control in form["controls"]:
                for value in ("nul\x00byte", "<script>alert(1)</script>'; --", "9" * 30):
                    reply = admin.get(url, {control["name"]: value})
                    tried += 1
                    if reply.status_code >= 500:
                        problems.append(f"{name} ?{control['name']}={value!r}: {reply.status_code}")
                    elif reply.status_code == 200 and "text/html" in reply.get("Content-Type", ""):
                        html = b"".join(reply.streaming_content) if reply.streaming else reply.content
                        if "<script>alert(1)</script>" in html.decode():  # the markup, shown raw
                            problems.append(f"{name} ?{control['name']}: markup shown raw")
    assert problems == [], problems
    assert tried >= 20, tried
