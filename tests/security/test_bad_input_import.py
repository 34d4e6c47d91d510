"""Bad files through the import (the HTML upload and mapping pages and their services), beyond what
tests/voc/test_ingest*.py already prove (binary, empty, header only, unbalanced quotes, a CSV named
.xlsx, .xls by name, size and row limits, the common encodings).

Here: an .xlsx that is a zip of garbage, a workbook whose sheet is corrupt, an old .xls renamed .xlsx,
ragged rows, a file over the upload limit through the page, UTF-8 that is not UTF-8 after a BOM,
hostile mapping input, hostile cells (script, markup, SQL) that are shown escaped and stored verbatim,
and cells that a spreadsheet would run as formulas, which the rejected-rows report must defuse.

A file refused as a whole stores nothing (no job, no response). Rows refused one by one are the
product's documented behaviour: the good rows land and each bad one is in the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from tests import factories as f
from tests.dashboards.pages import signed_in
from voc.ingest import parsing
from voc.ingest import services as ingest
from voc.models import ImportJob, Response
from voc.tasks import import_feedback

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE voc_response; --"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def has_error(page: str) -> bool:
    """The page shows a form error (a field's or the form's)."""
    return 'class="field__error"' in page or 'class="form-error"' in page


def ago(days: int = 1) -> str:
    return (timezone.now() - dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    """The zip ``data`` with member ``name`` replaced by ``content``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == name else source.read(item.filename))
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


GOOD_XLSX = xlsx([["id", "score", "date"], ["g1", 9, dt.datetime(2025, 1, 15, 9, 0)]])
OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # what an old .xls starts with

BAD_FILES = [
    ("zip of garbage", "book.xlsx", zip_of({"hello.txt": b"not a workbook", "junk.bin": bytes(range(256))}),
     "cannot be read"),
    ("corrupt sheet xml", "book.xlsx",
     with_member(GOOD_XLSX, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row"), "cannot be read"),
    ("sheet of binary", "book.xlsx", with_member(GOOD_XLSX, "xl/worksheets/sheet1.xml", bytes(range(256)) * 8),
     "cannot be read"),
    ("old xls renamed", "book.xlsx", OLE2_HEADER, "not an Excel workbook"),
    ("truncated xlsx", "book.xlsx", GOOD_XLSX[: len(GOOD_XLSX) // 2], "not an Excel workbook"),
    ("xls by name", "book.xls", OLE2_HEADER, "Save the sheet as"),
    ("empty xlsx sheet", "book.xlsx", xlsx([]), "empty"),
    ("header-only xlsx", "book.xlsx", xlsx([["id", "score", "date"]]), "no data rows"),
    ("utf-8 bom then latin-1", "f.csv", b"\xef\xbb\xbfid,comment\n1,caf\xe9\n", "not valid"),
    ("utf-16 bom then odd bytes", "f.csv", b"\xff\xfe" + "id,score\n1,9\n".encode("utf-16-le") + b"\x00", "not valid"),
    ("nul bytes in text", "f.csv", b"id,score,date\n1,9\x00,2025-01-01\n" * 3, "binary"),
    ("only blank lines", "f.csv", b"\r\n\r\n \r\n", "empty"),
    ("quote at end", "f.csv", b'id,score\n1,9\n2,"8', "not well-formed"),
]


@pytest.mark.parametrize(("case", "name", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_file_that_cannot_be_read_is_refused_with_a_message_and_stores_nothing(
    org_a, users_a, case, name, content, message
):
    lead = signed_in(users_a["cx_lead"])
    jobs, responses = ImportJob.objects.for_org(org_a).count(), Response.objects.for_org(org_a).count()
    response = lead.post(reverse("voc:feedback-import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert has_error(page) and message in page
    assert ImportJob.objects.for_org(org_a).count() == jobs
    assert Response.objects.for_org(org_a).count() == responses


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(org_a, users_a, monkeypatch):
    monkeypatch.setattr(parsing, "MAX_BYTES", 1024)
    content = b"id,score,date\n" + b"".join(f"r{i},9,{ago()}\n".encode() for i in range(200))
    assert len(content) > 1024
    response = signed_in(users_a["cx_lead"]).post(reverse("voc:feedback-import"),
                                                  {"file": SimpleUploadedFile("big.csv", content)})
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ImportJob.objects.for_org(org_a).exists()


def test_no_file_or_a_text_field_instead_of_a_file_is_a_form_error(org_a, users_a):
    lead = signed_in(users_a["cx_lead"])
    for data in ({}, {"file": "not a file"}):
        response = lead.post(reverse("voc:feedback-import"), data)
        assert response.status_code == 400
        assert has_error(response.content.decode())
    assert not ImportJob.objects.for_org(org_a).exists()


def _upload(org, user, content: bytes, name: str = "f.csv") -> ImportJob:
    return ingest.import_job_create(org=org, by=user, uploaded=SimpleUploadedFile(name, content))


def _run(org, job) -> ImportJob:
    ingest.import_job_start(org=org, job=job)
    import_feedback(org_id=org.pk, job_id=job.pk)
    job.refresh_from_db()
    return job


def test_ragged_rows_short_and_long_are_each_reported_and_the_rest_lands(org_a, users_a):
    content = (f"id,score,date,comment\nok1,9,{ago()},fine\nshort,9\nlong,9,{ago()},x,y,z\n"
               f"ok2,7,{ago()},fine\n").encode()
    job = _run(org_a, _upload(org_a, users_a["cx_lead"], content))
    assert (job.created_count, job.error_count) == (2, 2)
    assert set(Response.objects.for_org(org_a).values_list("external_id", flat=True)) == {"ok1", "ok2"}


def test_hostile_mapping_input_is_a_form_error_and_changes_nothing(org_a, users_a):
    job = _upload(org_a, users_a["cx_lead"], f"id,score,date\nm1,9,{ago()}\n".encode())
    before = (job.mapping, job.defaults, job.status)
    url = reverse("voc:feedback-import-job", args=[job.pk])
    lead = signed_in(users_a["cx_lead"])
    for form in (
        {"col_score": "99", "col_submitted_at": "2", "default_timezone": "UTC", "action": "import"},
        {"col_score": "-1", "col_submitted_at": "2", "default_timezone": "UTC"},
        {"col_score": "1", "col_submitted_at": "2", "default_timezone": SCRIPT, "action": "import"},
        {"col_score": "1", "col_submitted_at": "2", "default_timezone": "UTC", "default_source": SQL},
        {"col_score": "1", "col_submitted_at": "2", "default_timezone": "UTC", "default_metric": "x\x00y"},
        {"col_score": ["1", "2"], "col_submitted_at": IMG, "default_timezone": "UTC"},
    ):
        response = lead.post(url, form)
        assert response.status_code == 400, form
        page = response.content.decode()
        assert has_error(page)
        assert SCRIPT not in page and "<img src=x" not in page
        job.refresh_from_db()
        assert (job.mapping, job.defaults, job.status) == before
    assert not Response.objects.for_org(org_a).exists()


def test_hostile_cells_are_shown_escaped_in_the_preview_and_stored_verbatim(org_a, users_a):
    tp = f.TouchpointFactory(organization=org_a, name="Branch")
    rows = [["id", "touchpoint", "score", "date", "comment", "customer"],
            ["x1", "Branch", "9", ago(), SCRIPT, SQL],
            ["x2", "Branch", "8", ago(), IMG, "ok"],
            ["x3", SCRIPT, "8", ago(), "unknown touchpoint", "ok"]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    lead = signed_in(users_a["cx_lead"])
    upload = lead.post(reverse("voc:feedback-import"), {"file": SimpleUploadedFile(f"{SCRIPT}.csv",
                                                                                   buffer.getvalue().encode())})
    assert upload.status_code == 302
    page = lead.get(upload.url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in page and "<img src=x" not in page
    job = _run(org_a, ImportJob.objects.for_org(org_a).get())
    assert (job.created_count, job.error_count) == (2, 1)
    stored = {r.external_id: r for r in Response.objects.for_org(org_a)}
    assert (stored["x1"].comment, stored["x1"].customer_ref, stored["x2"].comment) == (SCRIPT, SQL, IMG)
    assert stored["x1"].touchpoint == tp
    done = lead.get(upload.url).content.decode()
    assert SCRIPT not in done and "<img src=x" not in done
    listing = lead.get(reverse("voc:feedback-import")).content.decode()
    assert SCRIPT not in listing  # the original file name is shown escaped


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1"]


def test_the_rejected_rows_report_defuses_formulas(org_a, users_a):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "score", "date", "comment"])
    for i, value in enumerate(FORMULAS):
        writer.writerow([value if i == 0 else f"f{i}", "99", ago(), value])  # every row refused: score 99
    job = _run(org_a, _upload(org_a, users_a["cx_lead"], buffer.getvalue().encode()))
    assert job.error_count == len(FORMULAS)
    report = signed_in(users_a["cx_lead"]).get(reverse("voc:feedback-import-report", args=[job.pk]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    cells = [cell for row in list(csv.reader(io.StringIO(text)))[1:] for cell in row]
    assert cells
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    assert "'=HYPERLINK(\"http://evil.example\",\"Click\")" in cells  # kept, readable, inert


def test_the_report_of_an_unfinished_import_defuses_formula_headers(org_a, users_a):
    # Before the import has run, the report link answers the header row alone: the file's own column
    # names, which can be formulas too.
    content = f"id,=cmd|' /C calc'!A0,date,@SUM(A1)\nr1,9,{ago()},fine\n".encode()
    job = _upload(org_a, users_a["cx_lead"], content)
    assert not job.report
    report = signed_in(users_a["cx_lead"]).get(reverse("voc:feedback-import-report", args=[job.pk]))
    assert report.status_code == 200
    [header] = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert header[2:] == ["id", "'=cmd|' /C calc'!A0", "date", "'@SUM(A1)"]
