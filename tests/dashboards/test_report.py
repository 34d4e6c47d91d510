"""The monthly executive report: the month picker, the printable page with its figures and summary,
the PDF (real text and charts, in English and Spanish), month validation, roles and isolation."""

from __future__ import annotations

import contextlib
import re
import zlib

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op, role_allows
from tests.dashboards.executive_data import build
from tests.dashboards.pages import ALL_ROLES, signed_in

pytestmark = pytest.mark.django_db

PAGE = reverse("report-executive-month", args=["2026", "10"])
PDF = reverse("report-executive-pdf", args=["2026", "10"])


# --- a small PDF text reader (no PDF library is installed): enough for WeasyPrint's output ---------

def _objects(pdf: bytes) -> dict[int, bytes]:
    """Object number → its body, with FlateDecode streams inflated."""
    objects = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S):
        body = match.group(2)
        stream = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        if stream and b"/FlateDecode" in body[:stream.start()]:
            with contextlib.suppress(zlib.error):
                body = body[:stream.start()] + zlib.decompress(stream.group(1))
        objects[int(match.group(1))] = body
    # Small objects (fonts among them) are packed into object streams: unpack those too.
    for body in list(objects.values()):
        header = re.match(rb"<</Type /ObjStm/N (\d+)/First (\d+)", body)
        if not header:
            continue
        data = body[body.index(b">>") + 2:].lstrip(b"\r\n")
        first = int(header.group(2))
        pairs = list(map(int, data[:first].split()))
        entries = list(zip(pairs[::2], pairs[1::2], strict=True))
        for i, (number, offset) in enumerate(entries):
            end = entries[i + 1][1] if i + 1 < len(entries) else len(data) - first
            objects.setdefault(number, data[first + offset:first + end])
    return objects


def _cmap(data: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages, decoded through each font's ToUnicode map."""
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        font = re.search(rb"/BaseFont /([A-Z]+)\+[^/]*.*?/ToUnicode (\d+) 0 R", body, re.S)
        if font:
            fonts[font.group(1)] = _cmap(objects.get(int(font.group(2)), b""))
    words = []
    for body in objects.values():
        if b" Tf" not in body or b"TJ" not in body:
            continue
        current: dict[int, str] = {}
        for token in re.finditer(rb"/([A-Z]+) [\d.]+ Tf|\[([^\[\]]*)\] TJ", body):
            if token.group(1):
                current = fonts.get(token.group(1), {})
                continue
            glyphs = [run[i:i + 4] for run in re.findall(rb"<([0-9A-Fa-f]+)>", token.group(2))
                      for i in range(0, len(run), 4)]
            text = "".join(current.get(int(g, 16), "") for g in glyphs)
            words.append(text)
    return " ".join(words)


# --- the pages ------------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    for url in (reverse("report-executive"), PAGE, PDF):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_roles(org_a, users_a, role):
    expected = 200 if role_allows(role, Op.DASHBOARD_EXECUTIVE) else 403
    client = signed_in(users_a[role])
    assert client.get(reverse("report-executive")).status_code == expected
    assert client.get(PAGE).status_code == expected


def test_picker_defaults_to_last_complete_month_and_redirects(org_a, users_a):
    from cxgov.dashboards.report import last_complete_month

    client = signed_in(users_a["executive"])
    html = client.get(reverse("report-executive")).content.decode()
    assert f'value="{last_complete_month(org_a):%Y-%m}"' in html
    response = client.get(reverse("report-executive") + "?month=2026-10")
    assert response.status_code == 302
    assert response.url == PAGE


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "1999-12"])
def test_impossible_month_is_404(org_a, users_a, month):
    year, mm = month.split("-")
    client = signed_in(users_a["executive"])
    assert client.get(reverse("report-executive-month", args=[year, mm])).status_code == 404
    assert client.get(reverse("report-executive-pdf", args=[year, mm])).status_code == 404


@pytest.mark.parametrize("path", ["/reports/executive/2026-1/", "/reports/executive/26-10/",
                                  "/reports/executive/2026-10-01/", "/reports/executive/october.pdf"])
def test_malformed_month_urls_are_404(org_a, users_a, path):
    assert signed_in(users_a["executive"]).get(path).status_code == 404


def test_picker_refuses_a_bad_month_clearly(org_a, users_a):
    response = signed_in(users_a["executive"]).get(reverse("report-executive") + "?month=Oct 2026")
    assert response.status_code == 400
    assert "The month must be written as YYYY-MM" in response.content.decode()


def test_printable_page_has_the_figures_and_summary(org_a, users_a):
    build(org_a, users_a)
    response = signed_in(users_a["executive"]).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Executive report — October 2026" in html
    assert org_a.name in html
    assert 'id="report-overall">2.75<' in html
    # The generated summary: maturity delta, KPI moves with n, initiatives, goals, risks.
    assert "Overall maturity rose from 2.40 to 2.75 (+0.35)." in html
    assert "NPS rose from +20 to +32 (n = 120; previous n = 100)." in html
    assert "1 initiative was completed: Queue signage 0." in html
    assert "1 initiative started." in html
    assert "2 goals came on target" not in html
    assert "1 goal came on target: Net Promoter Score" in html
    assert "1 goal went off target" in html
    assert "new top risk" in html
    # Server-drawn charts as SVG images (the PDF renderer runs no JavaScript).
    # radar, one line chart per headline metric (NPS, CSAT, CES), portfolio bars
    assert html.count('src="data:image/svg+xml;base64,') == 5
    assert "<script" not in html.split("<main", 1)[1]  # no script in the report itself
    assert reverse("report-executive-pdf", args=["2026", "10"]) in html


def test_summary_when_nothing_happened(org_a, users_a):
    html = signed_in(users_a["executive"]).get(PAGE).content.decode()
    assert "No maturity score has been computed yet." in html
    assert "0 initiatives were completed. 0 initiatives started." in html
    assert "No new top risk this month." in html


def test_pdf_is_a_pdf_with_the_org_name_and_real_charts(org_a, users_a):
    created = build(org_a, users_a)
    response = signed_in(users_a["executive"]).get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "executive-report-2026-10.pdf" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert org_a.name in text
    assert "Executive report" in text
    assert "Overall maturity rose from 2.40 to 2.75" in text
    # The charts are drawn as vector graphics with their labels as text: the radar's lever names
    # (also in the table below it), the KPI lines' months and the portfolio bars' statuses.
    compact = re.sub(r"\s+", "", text)
    shortest = min((lv.name for lv in created["levers"]), key=len)  # long names are shortened on the radar
    lever = re.sub(r"\s+", "", shortest)
    assert compact.count(lever) >= 2
    assert "10/26" in compact and "11/25" in compact
    assert "Onhold" in compact and "Inprogress" in compact


def test_pdf_in_spanish(org_a, users_a):
    build(org_a, users_a)
    user = users_a["executive"]
    user.language = "es"
    user.save()
    response = signed_in(user).get(PDF)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert org_a.name in text
    assert "Informe ejecutivo" in text
    assert "La madurez global subió de 2,40 a 2,75" in text
    assert "octubre" in text.lower()


def test_other_organization_never_shows(org_a, users_a, org_b, users_b):
    build(org_a, users_a)
    created_b = build(org_b, users_b, prefix="B-")
    html = signed_in(users_a["executive"]).get(PAGE).content.decode()
    assert org_b.name not in html
    for initiative in created_b["initiatives"]:
        assert initiative.title not in html
    assert "B-Vendor delay" not in html
