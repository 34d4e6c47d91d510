"""VoC benchmark: rollup recompute, incremental refresh, ingest rate and worker memory.

Run on PostgreSQL (the production database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxgov_bench .venv/bin/python bench/voc_bench.py --responses 1000000

It creates the database's schema if needed, loads an organization with N responses once (COPY), then
prints, in one run: a full rollup recompute vs one raw SQL GROUP BY over the same rows (the floor);
an incremental refresh after 1,000 new rows vs the full recompute; the ingest rate of
``responses_record`` vs Django's ``bulk_create`` for the same rows; the peak RSS of a process doing
a full recompute at growing row counts (must stay flat: no response is loaded into Python).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxgov.settings")


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def ensure_org(slug: str, n: int):
    from bench.datagen import bench_org, load_responses
    from voc.models import Response

    org = bench_org(slug)
    have = Response.objects.for_org(org).count()
    if have < n:
        seconds, _ = timed(load_responses, org, n - have, seed=have + 1, prefix=f"bench{have}")
        print(f"loaded {n - have:,} responses with COPY in {seconds:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            # What autovacuum would do shortly after a bulk load; plans depend on it.
            cursor.execute("ANALYZE voc_response")
    return org


def floor_group_by(org) -> float:
    from django.db import connection

    sql = (
        "SELECT metric_id, touchpoint_id, (submitted_at AT TIME ZONE %s)::date, count(*), sum(score) "
        "FROM voc_response WHERE organization_id = %s GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(sql, [org.timezone, org.pk])
        cursor.fetchall()
        return time.perf_counter() - start


def new_rows(org, n: int, prefix: str):
    from bench.datagen import response_rows
    from voc.models import DataSource, Metric

    source = DataSource.objects.for_org(org).get(code="survey")
    metrics = {m.pk: m for m in Metric.objects.for_org(org)}
    rows = []
    for _source, ext, metric_id, tp, score, when in response_rows(org, n, seed=hash(prefix) % 10**6,
                                                                  prefix=prefix, days=1):
        rows.append({"source": source, "external_id": ext, "metric": metrics[metric_id], "touchpoint": tp,
                     "score": score, "submitted_at": when})
    return rows


def memory_probe(slug: str) -> int:
    """Peak RSS (KiB) of this process doing one full recompute; run in a child process."""
    setup()
    from cxgov.tenancy.models import Organization
    from voc.rollups import rollups_refresh

    org = Organization.objects.get(slug=slug)
    rollups_refresh(org=org)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(memory_probe(args.probe))
        return
    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://…")
    from voc.models import Response, Rollup
    from voc.rollups import local_day, rollups_refresh
    from voc.services import responses_record

    org = ensure_org("bench-voc", args.responses)
    n = Response.objects.for_org(org).count()
    print(f"organization {org.slug}: {n:,} responses")

    floors = [floor_group_by(org) for _ in range(3)]
    full_times = []
    for _ in range(3):
        seconds, stats = timed(rollups_refresh, org=org)
        full_times.append(seconds)
    floor, full = min(floors), min(full_times)
    rows = Rollup.objects.for_org(org).count()
    print(f"raw GROUP BY (floor)       {floor:8.3f} s")
    print(f"full rollup recompute      {full:8.3f} s  ({full / floor:.2f}x the floor; {rows:,} rollup rows)")

    batch = new_rows(org, 1000, prefix=f"inc{n}")
    result = responses_record(org=org, rows=batch)
    touched: dict[int, set] = {}
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(org.timezone)
    for row in batch:
        touched.setdefault(row["metric"].pk, set()).add(local_day(row["submitted_at"], tz))
    inc, _ = timed(rollups_refresh, org=org, touched=touched)
    print(f"incremental after {result.created:,} rows {inc:8.3f} s  ({100 * inc / full:.2f}% of a full recompute)")

    # Ingest into an organization of its own, so its rows never pile up on the recent days whose
    # rollups the incremental measurement above refreshes.
    org = ensure_org("bench-ingest", 1000)
    n = Response.objects.for_org(org).count()
    ingest_n = 20_000
    batch = new_rows(org, ingest_n, prefix=f"ing{n}")
    seconds, result = timed(responses_record, org=org, rows=batch, chunk_size=5000)
    svc_rate = result.created / seconds
    batch = new_rows(org, ingest_n, prefix=f"bc{n}")
    objs = [Response(organization=org, source=r["source"], external_id=r["external_id"], metric=r["metric"],
                     touchpoint_id=r["touchpoint"], score=r["score"], submitted_at=r["submitted_at"]) for r in batch]
    seconds_bc, _ = timed(Response.objects.bulk_create, objs, batch_size=5000)
    bc_rate = ingest_n / seconds_bc
    print(f"ingest responses_record    {svc_rate:10,.0f} rows/s")
    print(f"ingest bulk_create         {bc_rate:10,.0f} rows/s  (service at {100 * svc_rate / bc_rate:.0f}%)")

    print("worker peak RSS during a full recompute, by organization size:")
    for size in sorted({max(args.responses // 10, 1000), max(args.responses // 3, 1000), args.responses}):
        slug = f"bench-mem-{size}"
        ensure_org(slug, size)
        out = subprocess.run([sys.executable, __file__, "--probe", slug], check=True, capture_output=True,
                             text=True, env=os.environ).stdout.split()[-1]
        print(f"  {size:>10,} responses   {int(out) / 1024:8.1f} MiB")


if __name__ == "__main__":
    main()
