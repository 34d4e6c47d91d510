"""Profile one signed-in page served repeatedly in-process (the test client), to see where a request's
worker time goes. Uses the load benchmark's organization (build it first with ``bench/load_bench.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxgov_load REDIS_URL=redis://127.0.0.1:6379/10 \\
      .venv/bin/python bench/profile_page.py --requests 200 [--url /dashboard/executive/] [--top 40]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--url", default="/dashboard/executive/")
    parser.add_argument("--top", type=int, default=40, help="functions listed, by cumulative time")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="only time the requests (no profiler overhead)")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    load_bench.configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.datagen import bench_org
    from cxgov.tenancy.models import Membership

    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL=postgres://…")
    org = bench_org(load_bench.SLUG)
    member = Membership.objects.filter(organization=org, role="executive").select_related("user").first()
    if member is None:
        sys.exit("no executive in the benchmark organization: run bench/load_bench.py once first")
    client = Client()
    client.force_login(member.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client = Client(headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
    for _ in range(3):  # warm-up: caches, template loaders, the body cache
        status = client.get(args.url, secure=True).status_code
    if status != 200:
        sys.exit(f"{args.url} answered {status}")
    with CaptureQueriesContext(connection) as ctx:
        client.get(args.url, secure=True)
    print(f"{len(ctx.captured_queries)} queries per request:")
    for q in ctx.captured_queries:
        print(f"  {q['sql'][:140]}")
    if args.no_profile:
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            client.get(args.url, secure=True)
            times.append(time.perf_counter() - start)
        times.sort()
        print(f"\n{args.requests} requests: median {times[len(times) // 2] * 1000:.2f} ms, "
              f"mean {sum(times) * 1000 / len(times):.2f} ms; load {os.getloadavg()[0]:.2f}")
        return
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.url, secure=True)
    profiler.disable()
    elapsed = time.perf_counter() - start
    print(f"\n{args.requests} requests in {elapsed:.2f} s under the profiler "
          f"({elapsed * 1000 / args.requests:.2f} ms each); load {os.getloadavg()[0]:.2f}")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
