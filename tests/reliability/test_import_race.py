"""Two runs of one import at once (a message redelivered while its first worker still works): every
chunk is recorded and counted once, and the job finishes once with its whole report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from cxgov.tenancy.services import organization_create
from tests.conftest import need
from voc.ingest import services as ingest
from voc.models import ImportJob, Response

ROWS = 3 * ingest.CHUNK_ROWS + 10


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_one_import_count_each_chunk_once(settings, tmp_path) -> None:
    need(connection.vendor == "postgresql", "two concurrent runs need two concurrent writers (PostgreSQL)")
    settings.MEDIA_ROOT = str(tmp_path)
    org = organization_create(name="Twice", slug="twice")
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    lines = ["id,score,date"] + [f"t-{i},{i % 11},{when}" for i in range(ROWS)]
    lines[5] = f"t-4,11,{when}"  # a score off the scale: one rejected row in the report
    job = ingest.import_job_create(org=org, by=None, uploaded=SimpleUploadedFile(
        "twice.csv", ("\n".join(lines) + "\n").encode()))
    ImportJob.objects.for_org(org).filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(10)
            ingest.import_job_run(org=org, job_id=job.pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not errors, errors
    job.refresh_from_db()
    stored = list(Response.objects.for_org(org).values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) == ROWS - 1
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.created_count, job.duplicate_count, job.error_count) == (ROWS, ROWS - 1, 0, 1)
    with job.report.open("rb") as handle:
        report = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert len(report) == 2 and report[1][0] == "6"  # the header and the one bad line (line 6 of the file)
