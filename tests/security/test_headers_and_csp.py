"""Security headers on every response, and every HTML page obeys the Content Security Policy.

The page walk is discovered from the URL resolver: every named pattern without arguments, and every
pattern with integer arguments whose view names a tenant model (filled from objects made by the
shared factories), requested by a user of every role. A page that answers 200 with HTML must carry
no inline script (JSON data islands excepted), no ``style`` attribute and no ``on…`` handler, since
the CSP (``script-src 'self'; style-src 'self'``) would block them in the browser.
"""

from __future__ import annotations

import contextlib
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse

from cxgov.tenancy.roles import Role
from tests.dashboards.pages import signed_in
from tests.tenancy.helpers import is_tenant_model, make, tenant_models
from tests.tenancy.test_isolation import _int_params, _kwargs_for, _walk

SKIPPED_PREFIXES = ("admin/", "api/v1/", "api/schema/", "^admin/")


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("signed", [False, True], ids=["anonymous", "signed-in"])
def test_security_headers(signed, users_a):
    client = signed_in(users_a["admin"]) if signed else Client()
    response = client.get(reverse("home") if signed else reverse("login"))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = _csp(response)
    for directive in ("script-src", "style-src"):
        assert csp[directive] == ["'self'"], csp
        assert "'unsafe-inline'" not in csp[directive] and "'unsafe-eval'" not in csp[directive]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


class _CspViolations(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        for name, _value in attrs:
            if name == "style":
                self.found.append(f'style="" on <{tag}> at line {self.getpos()[0]}')
            elif name.startswith("on"):
                self.found.append(f'{name}="" on <{tag}> at line {self.getpos()[0]}')


def csp_violations(html: str) -> list[str]:
    parser = _CspViolations()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_what_the_csp_blocks():
    bad = '<div style="color:red"><a onclick="x()">x</a><script>alert(1)</script></div>'
    assert len(csp_violations(bad)) == 3
    ok = '<script src="/static/js/app.js"></script><script type="application/json" id="d">{"a":1}</script>'
    assert csp_violations(ok) == []


def _pages(objects: dict) -> list[tuple[str, str]]:
    """(name, url) of every HTML page: no arguments, or integer ids of a tenant model's object."""
    pages = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if not pattern.pattern.regex.groupindex and "(" not in pattern.pattern.regex.pattern:
            with contextlib.suppress(NoReverseMatch):
                pages.append((name, reverse(name)))
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        model = getattr(view_class, "model", None)
        if not _int_params(pattern) or not is_tenant_model(model) or model not in objects:
            continue
        with contextlib.suppress(NoReverseMatch):
            pages.append((name, reverse(name, kwargs=_kwargs_for(pattern, view_class, objects[model]))))
    return pages


@pytest.mark.django_db
def test_every_page_of_every_role_obeys_the_csp(org_a, users_a):
    from tests.dashboards.pages import populate

    populate(org_a, users_a)
    objects = {}
    for model in tenant_models():
        objects[model] = model.objects.for_org(org_a).order_by("-pk").first() or make(model, org_a)
    pages = _pages(objects)
    assert len(pages) >= 20, pages

    checked, problems = 0, {}
    clients = {"anonymous": Client(), **{r.value: signed_in(users_a[r.value]) for r in Role}}
    for who, client in clients.items():
        for name, url in pages:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            body = b"".join(response.streaming_content) if response.streaming else response.content
            found = csp_violations(body.decode())
            checked += 1
            if found:
                problems[f"{who} {name} {url}"] = found[:5]
    assert checked >= len(pages), (checked, len(pages))
    assert problems == {}
    print(f"\nCSP: {checked} page views of {len(pages)} pages by {len(clients)} roles, no inline script or style")  # noqa: T201
