"""API tokens: shown once, stored as a hash, revocable by their owner only, for admins and integrators."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from cxgov.tenancy.models import ApiToken
from cxgov.tenancy.roles import Op, Role, role_allows
from cxgov.tenancy.services import api_token_create


@pytest.mark.django_db
def test_create_shows_the_raw_token_once_and_stores_only_its_hash(client, org_a, users_a):
    user = users_a["integrator"]
    client.force_login(user)
    response = client.post(reverse("api-tokens"), {"name": "warehouse sync"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("cxg_")
    assert raw.encode() in response.content

    token = ApiToken.objects.get(organization=org_a, user=user, name="warehouse sync")
    assert token.key_hash == ApiToken.hash(raw)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table} WHERE id = %s", [token.pk])  # noqa: S608
        row = cursor.fetchone()
    secret = raw.split("_", 2)[2]
    assert all(raw not in str(value) and secret not in str(value) for value in row)

    again = client.get(reverse("api-tokens"))
    assert again.status_code == 200
    assert again.context["new_token"] is None
    assert raw.encode() not in again.content
    assert token.prefix.encode() in again.content

    # The shown token works on the API.
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.json()["organization"]["id"] == org_a.pk


@pytest.mark.django_db
def test_create_without_a_name_is_refused(client, org_a, users_a):
    client.force_login(users_a["admin"])
    response = client.post(reverse("api-tokens"), {"name": "  "})
    assert response.status_code == 400
    assert response.context["new_token"] is None
    assert not ApiToken.objects.filter(organization=org_a).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_tokens_page_is_for_admins_and_integrators(role, client, org_a, users_a):
    client.force_login(users_a[role.value])
    get = client.get(reverse("api-tokens"))
    post = client.post(reverse("api-tokens"), {"name": "x"})
    if role_allows(role, Op.TOKENS_MANAGE):
        assert (get.status_code, post.status_code) == (200, 200)
    else:
        assert role in (Role.AMBASSADOR, Role.EXECUTIVE, Role.CX_LEAD)
        assert (get.status_code, post.status_code) == (403, 403)
        assert not ApiToken.objects.filter(user=users_a[role.value]).exists()


@pytest.mark.django_db
def test_tokens_page_needs_sign_in(client):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_revoke_own_token(client, org_a, users_a):
    user = users_a["integrator"]
    token, raw = api_token_create(org=org_a, user=user, name="ci")
    client.force_login(user)
    assert client.get(reverse("api-token-revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
def test_revoking_someone_elses_token_is_404(client, org_a, org_b, users_a, users_b):
    mine = users_a["integrator"]
    colleague_token, _ = api_token_create(org=org_a, user=users_a["admin"], name="colleague")
    other_org_token, _ = api_token_create(org=org_b, user=users_b["integrator"], name="other org")
    client.force_login(mine)
    for token in (colleague_token, other_org_token):
        assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
    assert client.post(reverse("api-token-revoke", args=[999_999])).status_code == 404


@pytest.mark.django_db
def test_revoke_needs_the_role(client, org_a, users_a):
    token, _ = api_token_create(org=org_a, user=users_a["integrator"], name="ci")
    client.force_login(users_a["cx_lead"])
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 403


@pytest.mark.django_db
def test_only_admins_and_integrators_may_hold_tokens(org_a, users_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(org=org_a, user=users_a["executive"], name="x")
    token, raw = api_token_create(org=org_a, user=users_a["admin"], name="x")
    assert token.is_active and raw.startswith(f"cxg_{token.prefix}_")
