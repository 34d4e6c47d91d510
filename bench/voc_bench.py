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


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend and by this process.

    On a machine shared with other work, wall-clock time depends on what else runs; CPU time much
    less so (the data is in memory, so the work is CPU-bound). Reading /proc needs the database on
    this machine; elsewhere this returns NaN and only wall-clock figures are meaningful.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks + time.process_time()


def measured(fn, *args, **kwargs) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of backend + client) of one call."""
    cpu = backend_cpu()
    wall, _result = timed(fn, *args, **kwargs)
    return wall, backend_cpu() - cpu


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


def report(label: str, runs: list[tuple[float, float]], base: list[tuple[float, float]] | None = None,
           base_label: str = "", percent: bool = False) -> tuple[float, float]:
    """Print the best wall-clock and the mean CPU figures of ``runs`` (and their ratio to ``base``'s).

    CPU is a mean, not a minimum: the backend's CPU clock ticks every 10 ms, so the minimum of a few
    short runs would be biased low.
    """
    wall, cpu = min(w for w, _ in runs), sum(c for _, c in runs) / len(runs)
    line = f"{label:<30} wall {wall:7.3f} s   cpu {cpu:7.3f} s"
    if base:
        base_wall, base_cpu = min(w for w, _ in base), sum(c for _, c in base) / len(base)
        if percent:
            line += f"   = {100 * wall / base_wall:.2f}% / {100 * cpu / base_cpu:.2f}% of {base_label}"
        else:
            line += f"   = {wall / base_wall:.2f}x / {cpu / base_cpu:.2f}x {base_label}"
    print(line + f"   (runs: {', '.join(f'{w:.3f}/{c:.3f}' for w, c in runs)})")
    return wall, cpu


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed rollup measurement (best kept)")
    parser.add_argument("--rollups-only", action="store_true", help="skip the ingest and memory measurements")
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

    with connection.cursor() as cursor:
        # What autovacuum does in production (it may be off on a test server): earlier runs' dead
        # rollup rows and unset visibility maps would otherwise weigh on whichever code runs next.
        cursor.execute("VACUUM (ANALYZE) voc_rollup")
        cursor.execute("VACUUM voc_response")
    print(f"load average at start: {load_average()}")
    # Floor and full recompute alternate, so a burst of other work on the machine hits both alike.
    floors, fulls = [], []
    for _ in range(args.repeat):
        floors.append(measured(floor_group_by, org))
        fulls.append(measured(rollups_refresh, org=org))
    rows = Rollup.objects.for_org(org).count()
    report("raw GROUP BY (floor)", floors)
    report("full rollup recompute", fulls, floors, "the floor")
    print(f"  ({rows:,} rollup rows)")
    # The first computation ever (or after the rollups were deleted) writes every row.
    Rollup.objects.for_org(org).delete()
    report("full recompute, no rollups", [measured(rollups_refresh, org=org)], floors, "the floor")

    from zoneinfo import ZoneInfo

    tz = ZoneInfo(org.timezone)
    incs = []
    for i in range(args.repeat):
        # Written directly (responses_record would refresh them itself, eagerly, in this setup), so
        # the refresh below finds its rollups stale, as a worker does after an ingest.
        batch = new_rows(org, 1000, prefix=f"inc{n}-{i}")
        Response.objects.bulk_create([
            Response(organization=org, source=r["source"], external_id=r["external_id"], metric=r["metric"],
                     touchpoint_id=r["touchpoint"], score=r["score"], submitted_at=r["submitted_at"]) for r in batch
        ])
        touched: dict[int, set] = {}
        for row in batch:
            touched.setdefault(row["metric"].pk, set()).add(local_day(row["submitted_at"], tz))
        incs.append(measured(rollups_refresh, org=org, touched=touched))
        # Removed again (and their days refreshed), so a rerun measures the same data.
        Response.objects.for_org(org).filter(external_id__in=[r["external_id"] for r in batch]).delete()
        rollups_refresh(org=org, touched=touched)
    report(f"incremental, {len(batch):,} new rows", incs, fulls, "a full recompute", percent=True)
    print(f"load average after rollups: {load_average()}")
    if args.rollups_only:
        return

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
