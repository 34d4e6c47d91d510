"""OpenAPI: valid without warnings, bearer security, the error responses on every operation, and
self-hosted interactive docs."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from cxgov import api_urls

ERROR_CODES = ("401", "403", "404")
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_spectacular_validates_without_warnings(tmp_path):
    # Raises SchemaGenerationError on any warning or error, and validates against the OpenAPI spec.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi:")


@pytest.fixture
def schema(db, client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_schema_declares_bearer_security(schema):
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, method, operation in operations(schema):
        assert {"bearerAuth": []} in operation["security"], (method, path)


def test_every_operation_documents_the_error_responses(schema):
    ops = list(operations(schema))
    assert len(ops) >= 2 * len(api_urls.router.registry) + 1
    error_ref = "#/components/schemas/Error"
    for path, method, operation in ops:
        for code in ERROR_CODES:
            assert code in operation["responses"], (method, path, code)
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"]["$ref"] == error_ref
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "errors"}


def test_every_router_endpoint_is_in_the_schema(schema):
    for prefix, _viewset, _basename in api_urls.router.registry:
        assert f"/api/v1/{prefix}/" in schema["paths"]
        assert f"/api/v1/{prefix}/{{id}}/" in schema["paths"]
        parameter = schema["paths"][f"/api/v1/{prefix}/{{id}}/"]["get"]["parameters"][0]
        assert parameter["schema"]["type"] == "integer"
    assert "/api/v1/me/" in schema["paths"]


def test_schema_describes_the_lever_group_and_metric_code(schema):
    components = schema["components"]["schemas"]
    assert {"code", "name"} <= set(components["LeverGroup"]["properties"])
    group = components["Lever"]["properties"]["group"]
    refs = [group.get("$ref")] + [part.get("$ref") for part in group.get("allOf", [])]
    assert "#/components/schemas/LeverGroup" in refs
    assert "code" in components["Metric"]["properties"]


@pytest.mark.django_db
def test_docs_render_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/") or asset.startswith("/api/"), asset
    assert "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html
    assert "<script>" not in html.replace(" ", "")  # no inline script: the CSP holds
    init_script = client.get("/api/docs/?script=")
    assert init_script.status_code == 200
    assert b"/api/schema/" in init_script.content
