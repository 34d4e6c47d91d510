"""CSV / Excel import: upload checks, mapping, preview, the Celery task (eager here), the report,
and idempotence: the same file twice, a task run twice, a worker lost mid-import."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from tests import factories as f
from voc.ingest import services as ingest
from voc.ingest.mapping import derived_external_id
from voc.models import ImportJob, Metric, Response
from voc.tasks import import_feedback

pytestmark = pytest.mark.django_db


def upload(org, user, content: bytes, name: str = "feedback.csv") -> ImportJob:
    return ingest.import_job_create(org=org, by=user, uploaded=SimpleUploadedFile(name, content))


def run(org, job, **defaults) -> ImportJob:
    if defaults:
        ingest.import_job_map(org=org, job=job, fields=ingest.import_job_fields(job),
                              defaults={**job.defaults, **defaults})
    ingest.import_job_start(org=org, job=job)
    import_feedback(org_id=org.pk, job_id=job.pk)  # what the after-commit hook enqueues
    job.refresh_from_db()
    return job


def report_rows(job) -> list[list[str]]:
    with job.report.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def ago(days: int) -> str:
    return (timezone.now() - dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def touchpoints(org_a, org_b):
    journey = f.JourneyFactory(organization=org_a, name="Onboarding")
    branch = f.TouchpointFactory(organization=org_a, journey=journey, name="Branch visit")
    app = f.TouchpointFactory(organization=org_a, journey=journey, name="App sign-up")
    foreign = f.TouchpointFactory(organization=org_b, name="Branch visit")
    return {"branch": branch, "app": app, "foreign": foreign}


def test_a_file_with_bad_rows_lands_the_good_ones_and_reports_each_bad_one(org_a, users_a, touchpoints):
    f.ResponseFactory(organization=org_a, source=f.DataSourceFactory(organization=org_a, code="qualtrics"),
                      metric=Metric.objects.for_org(org_a).get(code="nps"),
                      external_id="r-already")
    lines = [
        "Response ID,Touchpoint,Metric,Score,Date,Comment",
        f"r-1,Branch visit,nps,9,{ago(3)},Great",                          # 2 ok, by name
        f"r-2,{touchpoints['app'].pk},csat,4,{ago(3)},",                   # 3 ok, by id
        f"r-3,Nowhere,nps,9,{ago(3)},",                                    # 4 unknown touchpoint name
        f"r-4,{touchpoints['foreign'].pk},nps,9,{ago(3)},",                # 5 other org's touchpoint id
        f"r-5,Branch visit,nps,11,{ago(3)},",                              # 6 outside the scale
        f"r-6,Branch visit,csat,0,{ago(3)},",                              # 7 outside 1-5
        "r-7,Branch visit,nps,9,not a date,",                              # 8 bad date
        f"r-8,Branch visit,nps,9,{ago(3)},x,extra",                        # 9 more values than columns
        f"r-1,Branch visit,nps,10,{ago(2)},dup in file",                   # 10 duplicate within the file
        f"r-already,Branch visit,nps,8,{ago(2)},",                         # 11 already stored
        f"r-9,Branch visit,unknown,8,{ago(2)},",                           # 12 unknown metric
        f"r-10,Branch visit,nps,\"8,0\",{ago(2)},decimal comma",           # 13 ok
    ]
    job = upload(org_a, users_a["cx_lead"], "\n".join(lines).encode())
    ingest.import_job_map(org=org_a, job=job, fields=ingest.import_job_fields(job),
                          defaults={**job.defaults, "source": "qualtrics"})
    job = run(org_a, job)

    assert job.status == ImportJob.Status.DONE
    assert (job.total_rows, job.processed_rows) == (12, 12)
    assert (job.created_count, job.duplicate_count, job.error_count) == (3, 2, 7)
    stored = Response.objects.for_org(org_a).filter(source__code="qualtrics")
    assert set(stored.values_list("external_id", flat=True)) == {"r-already", "r-1", "r-2", "r-10"}
    assert stored.get(external_id="r-1").touchpoint == touchpoints["branch"]
    assert stored.get(external_id="r-1").comment == "Great"
    assert str(stored.get(external_id="r-10").score) == "8.0000"

    rows = report_rows(job)
    assert rows[0] == ["line", "reasons", "Response ID", "Touchpoint", "Metric", "Score", "Date", "Comment"]
    by_line = {int(r[0]): r for r in rows[1:]}
    assert sorted(by_line) == [4, 5, 6, 7, 8, 9, 12]
    assert "Unknown touchpoint" in by_line[4][1]
    assert "touchpoint: Not found in this organization." in by_line[5][1]
    assert "scale" in by_line[6][1] and "scale" in by_line[7][1]
    assert "submitted_at" in by_line[8][1]
    assert "7 values" in by_line[9][1]
    assert "Unknown code" in by_line[12][1]
    assert by_line[4][2:] == ["r-3", "Nowhere", "nps", "9", by_line[4][6], ""]


def test_the_same_file_twice_stores_each_row_once(org_a, users_a, touchpoints):
    content = f"id,touchpoint,score,date\na,Branch visit,9,{ago(1)}\nb,App sign-up,6,{ago(1)}\n".encode()
    first = run(org_a, upload(org_a, users_a["cx_lead"], content))
    second = run(org_a, upload(org_a, users_a["admin"], content))
    assert (first.created_count, first.duplicate_count) == (2, 0)
    assert (second.created_count, second.duplicate_count, second.error_count) == (0, 2, 0)
    assert Response.objects.for_org(org_a).filter(external_id__in=["a", "b"]).count() == 2


def test_without_an_id_column_ids_derive_from_the_file_so_a_reimport_adds_nothing(org_a, users_a, touchpoints):
    content = f"score,date,comment\n9,{ago(1)},one\n9,{ago(1)},one\n".encode()
    job = upload(org_a, users_a["cx_lead"], content)
    assert ingest.import_job_fields(job)["external_id"] is None
    job = run(org_a, job)
    assert job.created_count == 2  # identical rows on different lines are different answers
    ids = set(Response.objects.for_org(org_a).filter(comment="one").values_list("external_id", flat=True))
    assert ids == {derived_external_id(job.file_sha256, 2), derived_external_id(job.file_sha256, 3)}
    again = run(org_a, upload(org_a, users_a["cx_lead"], content))
    assert (again.created_count, again.duplicate_count) == (0, 2)


def test_cp1252_and_utf16_files_keep_their_accents(org_a, users_a, touchpoints):
    text = ("id;punto de contacto;puntuación;fecha;comentario\n"
            f"x1;Branch visit;9;{ago(1)};Atención rápida, señor Núñez\n")
    for index, encoding in enumerate(("cp1252", "utf-16")):
        content = text.replace("x1", f"x1-{index}").encode(encoding)
        job = run(org_a, upload(org_a, users_a["cx_lead"], content))
        assert job.created_count == 1, (encoding, job.message)
        stored = Response.objects.for_org(org_a).get(external_id=f"x1-{index}")
        assert stored.comment == "Atención rápida, señor Núñez"
        assert stored.touchpoint == touchpoints["branch"]


def test_an_xlsx_file_imports_with_naive_dates_in_the_organizations_zone(org_a, users_a, touchpoints):
    org_a.timezone = "Europe/Madrid"
    org_a.save()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Punto de contacto", "Métrica", "Valor", "Fecha y hora"])
    sheet.append(["xl-1", "App sign-up", "ces", 6, dt.datetime(2025, 1, 15, 9, 0)])
    sheet.append(["xl-2", touchpoints["branch"].pk, "nps", 10.0, dt.datetime(2025, 1, 15, 23, 30)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run(org_a, upload(org_a, users_a["cx_lead"], buffer.getvalue(), "export.xlsx"))
    assert job.file_format == "xlsx"
    assert (job.created_count, job.error_count) == (2, 0)
    late = Response.objects.for_org(org_a).get(external_id="xl-2")
    assert late.submitted_at == dt.datetime(2025, 1, 15, 22, 30, tzinfo=dt.UTC)  # 23:30 in Madrid (UTC+1)
    assert late.touchpoint == touchpoints["branch"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ("empty.csv", b"", "empty"),
    ("header.csv", b"id,score,date\n", "no data rows"),
    ("broken.csv", b'id,score\n1,"open quote\n', "not well-formed"),
    ("notes.pdf", b"%PDF-1.4", "Upload a CSV"),
    ("fake.xlsx", b"id,score\n1,9\n", "not an Excel workbook"),
])
def test_unreadable_uploads_store_nothing(org_a, users_a, name, content, message):
    before = ImportJob.objects.for_org(org_a).count()
    with pytest.raises(ValidationError) as exc:
        upload(org_a, users_a["cx_lead"], content, name)
    assert message in " ".join(exc.value.message_dict["file"])
    assert ImportJob.objects.for_org(org_a).count() == before


def test_missing_required_columns_keep_the_job_from_starting(org_a, users_a):
    job = upload(org_a, users_a["cx_lead"], f"id,comment\n1,{ago(1)}\n".encode())
    with pytest.raises(ValidationError) as exc:
        ingest.import_job_start(org=org_a, job=job)
    assert {"score", "submitted_at"} <= set(exc.value.message_dict)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    with pytest.raises(ValidationError) as exc:
        ingest.import_job_map(org=org_a, job=job, fields={"score": 9}, defaults={"source": "nope"})
    assert {"score", "default_source"} <= set(exc.value.message_dict)


def test_preview_shows_what_each_row_becomes_and_stores_nothing(org_a, users_a, touchpoints):
    content = (f"id,touchpoint,score,date\np1,Branch visit,9,{ago(1)}\np2,Branch visit,99,{ago(1)}\n"
               f"p1,Branch visit,9,{ago(1)}\n").encode()
    job = upload(org_a, users_a["cx_lead"], content)
    headers, rows = ingest.import_job_preview(org=org_a, job=job)
    assert headers == ["id", "touchpoint", "score", "date"]
    assert [r["status"] for r in rows] == ["new", "error", "duplicate"]
    assert "score" in rows[1]["errors"]
    # A row refused early (unknown touchpoint) still gets every other reason at once.
    bad = upload(org_a, users_a["cx_lead"], f"id,touchpoint,score,date\np9,Nowhere,99,{ago(1)}\n".encode())
    _headers, bad_rows = ingest.import_job_preview(org=org_a, job=bad)
    assert {"touchpoint", "score"} <= set(bad_rows[0]["errors"])
    assert rows[0]["touchpoint"] == "Branch visit"
    assert not Response.objects.for_org(org_a).filter(external_id__in=["p1", "p2"]).exists()


def test_the_task_is_idempotent_when_run_twice(org_a, users_a, touchpoints):
    content = f"id,score,date\nt1,9,{ago(1)}\nt2,bad,{ago(1)}\n".encode()
    job = run(org_a, upload(org_a, users_a["cx_lead"], content))
    snapshot = (job.status, job.created_count, job.duplicate_count, job.error_count, job.report.name)
    import_feedback(org_id=org_a.pk, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.duplicate_count, job.error_count, job.report.name) == snapshot
    assert Response.objects.for_org(org_a).filter(external_id="t1").count() == 1


def test_a_worker_lost_mid_import_resumes_without_doubles(org_a, users_a, touchpoints, monkeypatch):
    from voc import services

    monkeypatch.setattr(ingest, "CHUNK_ROWS", 2)
    content = ("id,score,date\n" + "".join(f"w{i},{i % 11},{ago(1)}\n" for i in range(5)) + "wx,99,x\n").encode()
    job = upload(org_a, users_a["cx_lead"], content)
    ingest.import_job_start(org=org_a, job=job)
    real = services.responses_record
    calls = {"n": 0}

    def dies_on_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(services, "responses_record", dies_on_second_chunk)
    with pytest.raises(ConnectionError):
        import_feedback.run(org_id=org_a.pk, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (ImportJob.Status.RUNNING, 2, 2)

    monkeypatch.setattr(services, "responses_record", real)
    import_feedback(org_id=org_a.pk, job_id=job.pk)  # redelivered: acks late
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.created_count, job.duplicate_count, job.error_count) == (6, 5, 0, 1)
    assert Response.objects.for_org(org_a).filter(external_id__startswith="w").count() == 5
    assert [r[0] for r in report_rows(job)[1:]] == ["7"]


def test_another_organizations_job_is_not_run_nor_mapped(org_a, org_b, users_a, users_b):
    job = upload(org_b, users_b["cx_lead"], f"id,score,date\nz,9,{ago(1)}\n".encode())
    with pytest.raises(ImportJob.DoesNotExist):
        ingest.import_job_start(org=org_a, job=job)
    assert ingest.import_job_run(org=org_a, job_id=job.pk) is None


# --- the pages --------------------------------------------------------------------------------

def test_import_pages_from_upload_to_report(org_a, users_a, touchpoints, client, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from cxgov.tenancy.roles import Op
    from tests.dashboards.page_checks import check_anonymous, check_roles
    from tests.dashboards.pages import signed_in

    start = reverse("voc:feedback-import")
    check_roles(start, users_a, Op.FEEDBACK_IMPORT)
    check_anonymous(client, start)
    lead = signed_in(users_a["cx_lead"])

    bad = lead.post(start, {"file": SimpleUploadedFile("x.csv", b"\x00\x01\x02binary\x00" * 50)})
    assert bad.status_code == 400
    assert "binary" in bad.content.decode()

    content = f"puntuación,fecha,comentario\n9,{ago(1)},bien\n42,{ago(1)},fuera de escala\n".encode("cp1252")
    response = lead.post(start, {"file": SimpleUploadedFile("encuesta.csv", content)})
    assert response.status_code == 302
    job = ImportJob.objects.for_org(org_a).get(original_name="encuesta.csv")
    page = lead.get(response.url).content.decode()
    assert "content fingerprint" in page  # no external id column: said on the mapping page
    assert "Rejected" in page and "New" in page  # the preview
    assert 'selected>puntuación</option>' in page

    form = {f"col_{k}": "" if v is None else v for k, v in ingest.import_job_fields(job).items()}
    form.update(default_source="survey", default_metric="nps", default_timezone="Europe/Madrid", action="import")
    with django_capture_on_commit_callbacks(execute=True):
        assert lead.post(response.url, form).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == (ImportJob.Status.DONE, 1, 1)
    progress = lead.get(reverse("voc:feedback-import-progress", args=[job.pk])).json()
    assert progress["done"] and progress["percent"] == 100
    done_page = lead.get(response.url).content.decode()
    assert reverse("voc:feedback-import-report", args=[job.pk]) in done_page
    report = lead.get(reverse("voc:feedback-import-report", args=[job.pk]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("3,score:")
    assert "fuera de escala" in text
    assert signed_in(users_a["executive"]).get(reverse("voc:feedback-import-report", args=[job.pk])).status_code == 403
