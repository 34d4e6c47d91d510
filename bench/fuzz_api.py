"""A long schemathesis run against the whole API: the CI fuzz test with many more examples.

    .venv/bin/python bench/fuzz_api.py                       # 500 examples per operation and mode, SQLite
    .venv/bin/python bench/fuzz_api.py --examples 50 --seed 7
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuzz .venv/bin/python bench/fuzz_api.py
    .venv/bin/python bench/fuzz_api.py --only 'feedback/bulk' --examples 2000    # hunt in one place

It runs tests/fuzz/test_api_fuzz.py under pytest (so the test database, the seeded demo organisation
and the admin token are the CI test's own) with CXGOV_FUZZ_EXAMPLES, CXGOV_FUZZ_SCENARIOS and
CXGOV_FUZZ_SEED set, then prints the figures: operations fuzzed, examples sent, statuses, failures.
Exit status 0 when no check failed. Without ``--seed`` generation is derandomized, as in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/fuzz/test_api_fuzz.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per operation and mode (default 500)")
    parser.add_argument("--scenarios", type=int, default=0,
                        help="stateful scenarios (default: as many as --examples)")
    parser.add_argument("--seed", type=int, default=None, help="a random seed (default: derandomized)")
    parser.add_argument("--only", default="", help="regular expression on 'METHOD /path' to fuzz a subset")
    args = parser.parse_args(argv)
    if args.examples < 1:
        parser.error("--examples must be at least 1")

    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "fuzz.json"
        env = {
            **os.environ,
            "CXGOV_TESTING": "1",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
            "CXGOV_FUZZ_EXAMPLES": str(args.examples),
            "CXGOV_FUZZ_REPORT": str(report_path),
        }
        if args.scenarios:
            env["CXGOV_FUZZ_SCENARIOS"] = str(args.scenarios)
        if args.seed is not None:
            env["CXGOV_FUZZ_SEED"] = str(args.seed)
        if args.only:
            env["CXGOV_FUZZ_ONLY"] = args.only
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider", "-p", "no:logging"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        wall = time.monotonic() - started
        if not report_path.exists():
            sys.stdout.write(completed.stdout[-5000:] + completed.stderr[-5000:])
            print("the fuzz test did not run to its report; see the pytest output above", file=sys.stderr)
            return 2
        report = json.loads(report_path.read_text(encoding="utf-8"))

    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"database: {database}")
    print(f"operations fuzzed: {report['operations']}")
    per_mode = report["examples_per_operation_and_mode"]
    print(f"examples per operation: {report['examples_per_operation']} ({per_mode} positive + {per_mode} negative)")
    print(f"stateless examples: {report['stateless_examples']}")
    print(f"stateful: {report['stateful_steps']} steps in {report['stateful_scenarios']} scenarios "
          f"over {report['links']} inferred links")
    print(f"operations answering 2xx at least once: {report['reached_2xx']}/{report['operations']}")
    print("statuses: " + ", ".join(f"{code}: {n}" for code, n in report["statuses"].items()))
    print(f"failures: {report['failures']} ({len(report['distinct_failures'])} distinct)")
    print(f"fuzzing time: {report['seconds']} s; wall time with test database and seed: {wall:.0f} s")
    for failure in report["distinct_failures"]:
        print("\n" + failure)
    if completed.returncode != 0 and not report["distinct_failures"]:
        # A completeness assertion failed (an operation never fuzzed): show pytest's explanation.
        sys.stdout.write("\n" + completed.stdout[-4000:])
    return completed.returncode


if __name__ == "__main__":
    raise SystemExit(main())
