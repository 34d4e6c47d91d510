"""Uploaded files are organization data: MEDIA_ROOT is never served by URL, not even with DEBUG on.

Evidence files, import files with their rejected-row reports and data exports are downloaded only
through views that check the organization and the role; a guessable or leaked /media/ path must
not bypass them.
"""

from __future__ import annotations

import importlib

import pytest
from django.urls import clear_url_caches

import cxgov.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_urlconf(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    clear_url_caches()
    importlib.reload(cxgov.urls)  # the URLconf reads DEBUG when it is imported
    yield tmp_path
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(cxgov.urls)


def test_an_uploaded_file_is_not_served_by_its_media_path(client, users_a, debug_urlconf):
    report = debug_urlconf / "imports" / "reports" / "2026" / "11" / "rejected.csv"
    report.parent.mkdir(parents=True)
    report.write_text("row,reason\n3,score 11 is outside 0–10\n", encoding="utf-8")

    client.force_login(users_a["admin"])
    for path in ("/media/imports/reports/2026/11/rejected.csv", "/media/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"score 11" not in response.content
