"""Schemathesis against our own OpenAPI schema, inside the test database.

Shared by ``tests/fuzz/test_api_fuzz.py`` (a bounded run in CI) and ``bench/fuzz_api.py`` (a long run).

- The schema is the one the app serves at ``/api/schema/``, loaded through the WSGI application
  (``schemathesis.openapi.from_wsgi``), so requests go through the whole Django stack — middleware,
  bearer authentication, tenancy, the one error handler — in the test's own database transaction.
- Data first: the demo organisation (``cxgov.demo.seed``: default catalogue, journeys, touchpoints,
  metrics, feedback, initiatives, governance, an assessment) plus a webhook subscription, and an admin
  bearer token. Operations on ``/{id}/`` draw half their ids from the organisation's real objects
  (read from the operation's own collection endpoint), so they reach the code behind the 404.
- Every example runs in a savepoint that is rolled back, so a DELETE or a state transition does not
  starve the examples after it; the stateful scenarios keep their own writes for the scenario's length.
- Failures are collected, not raised: one run reports every failing operation and check, each with a
  curl command and the server's traceback, instead of stopping (and shrinking) at the first.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
SCHEMA_PATH = "/api/schema/"
API_PREFIX = "/api/v1"  # the schema's paths are absolute: /api/v1/journeys/{id}/
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def examples_per_operation(default: int = 5) -> int:
    """Examples per operation and generation mode: ``CXGOV_FUZZ_EXAMPLES`` (CI default small)."""
    raw = os.environ.get("CXGOV_FUZZ_EXAMPLES", "")
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"CXGOV_FUZZ_EXAMPLES must be a positive integer, got {raw!r}") from exc
    if value < 1:
        raise ValueError(f"CXGOV_FUZZ_EXAMPLES must be a positive integer, got {raw!r}")
    return value


@dataclass
class FuzzFailure:
    operation: str
    mode: str
    status: int
    checks: str
    curl: str
    signature: str = ""
    server_traceback: str = ""

    def render(self) -> str:
        text = f"{self.operation} [{self.mode}] -> {self.status}\n{self.checks}\n  reproduce: {self.curl}"
        if self.server_traceback:
            text += "\n  server traceback (last lines):\n    " + "\n    ".join(
                self.server_traceback.strip().splitlines()[-12:]
            )
        return text


@dataclass
class FuzzReport:
    operations: list[str] = field(default_factory=list)
    examples: Counter = field(default_factory=Counter)  # (operation, mode) -> examples sent
    statuses: Counter = field(default_factory=Counter)  # status code -> responses
    reached: set = field(default_factory=set)  # operations that answered 2xx at least once
    stateful_scenarios: int = 0
    stateful_steps: int = 0
    links: int = 0
    failures: list[FuzzFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_examples(self) -> int:
        return sum(self.examples.values()) + self.stateful_steps

    def unexercised(self, mode: GenerationMode) -> list[str]:
        return [op for op in self.operations if self.examples[(op, mode.value)] == 0]

    def failure_signatures(self) -> dict[str, FuzzFailure]:
        """First failure per operation and failing check (the rest are usually the same bug)."""
        first: dict[str, FuzzFailure] = {}
        for failure in self.failures:
            key = f"{failure.operation} :: {failure.signature}"
            first.setdefault(key, failure)
        return first

    def summary(self) -> str:
        per_mode = [f"{m.value} {sum(n for (_op, mode), n in self.examples.items() if mode == m.value)}" for m in MODES]
        lines = [
            f"operations fuzzed: {len(self.operations)}",
            f"examples: {sum(self.examples.values())} stateless ({', '.join(per_mode)}), "
            f"{self.stateful_steps} stateful steps in {self.stateful_scenarios} scenarios over {self.links} links",
            f"operations answering 2xx at least once: {len(self.reached)}/{len(self.operations)}",
            "statuses: " + ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items())),
            f"failures: {len(self.failures)} ({len(self.failure_signatures())} distinct)",
            f"time: {self.seconds:.1f} s",
        ]
        return "\n".join(lines)


@dataclass
class FuzzEnvironment:
    org: Any
    token: str
    app: Any
    schema: Any

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def database_connection_kept_open() -> Iterator[None]:
    """Requests through the WSGI handler would close the database connection at their end.

    Django closes a connection whose autocommit differs from its settings when a request finishes —
    always, inside the test's transaction — and PostgreSQL then loses the test database's state. The
    test client avoids this the same way: it disconnects ``close_old_connections`` around its requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def seed_environment() -> FuzzEnvironment:
    """The demo organisation, a webhook subscription and an admin token; the schema from the app."""
    from cxgov.demo.seed import seed
    from cxgov.tenancy.models import User
    from cxgov.tenancy.services import api_token_create
    from cxgov.webhooks.models import WebhookSubscription

    report = seed(slug="fuzz", responses=300)
    org = report.org
    admin = User.objects.get(email="admin@fuzz.example")
    if not WebhookSubscription.objects.for_org(org).exists():
        # Created directly: the subscription service resolves the URL's host, and the fuzz run stays offline.
        from tests.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory

        subscription = WebhookSubscriptionFactory(organization=org)
        WebhookDeliveryFactory(organization=org, subscription=subscription)
    _token, raw = api_token_create(org=org, user=admin, name="fuzz")
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)
    return FuzzEnvironment(org=org, token=raw, app=app, schema=schema)


class _ServerErrors:
    """The traceback of the last exception a view raised (requests run one at a time)."""

    def __init__(self) -> None:
        self.last = ""

    def __call__(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        self.last = traceback.format_exc()

    def take(self) -> str:
        text, self.last = self.last, ""
        return text


def _collection_path(path: str) -> str | None:
    """``/api/v1/initiatives/{id}/transition/`` → ``/api/v1/initiatives/``; None without ``{id}``."""
    if "{id}" not in path:
        return None
    return path.split("{id}")[0]


def _real_ids(env: FuzzEnvironment, collection: str) -> list[int]:
    from werkzeug.test import Client

    response = Client(env.app).get(collection, headers=env.auth, query_string={"page_size": 50})
    if response.status_code != 200:
        return []
    data = response.get_json()
    rows = data.get("results", []) if isinstance(data, dict) else data
    return [row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), int)]


# Body fields that reference another resource, and the collection their ids come from. Random integers
# there are refused with a 400 before any interesting code runs; real ids let a POST/PUT succeed.
REFERENCES = {
    "body": "bodies", "sponsor_body": "bodies", "initiative": "initiatives", "journey": "journeys",
    "lever": "levers", "meeting": "meetings", "member": "body-members", "metric": "metrics",
    "practice": "practices", "product": "products", "root_cause": "root-causes", "segment": "segments",
    "stage": "journey-stages", "touchpoint": "touchpoints",
}
USER_REFERENCES = ("owner", "assignee", "user")


def reference_ids(env: FuzzEnvironment) -> dict[str, list[int]]:
    """Real ids for every reference field name, read through the API (users from the memberships)."""
    from cem_levers.models import LeverGroup
    from cxgov.tenancy.models import Membership

    by_collection = {plural: _real_ids(env, f"{API_PREFIX}/{plural}/") for plural in set(REFERENCES.values())}
    ids = {name: by_collection[plural] for name, plural in REFERENCES.items()}
    users = list(Membership.objects.filter(organization=env.org).values_list("user_id", flat=True))
    ids.update({name: users for name in USER_REFERENCES})
    ids["group_id"] = list(LeverGroup.objects.for_org(env.org).values_list("pk", flat=True))
    return {name: values for name, values in ids.items() if values}


def _with_references(case: Any, picks: dict[str, int]) -> Any:
    if isinstance(case.body, dict):
        for name, value in picks.items():
            if name in case.body and (case.body[name] is None or isinstance(case.body[name], int)):
                case.body[name] = value
    return case


def _failure_text(exc: BaseException) -> tuple[str, str]:
    """The failures' text, and a signature that names the check and the schema location, not the value."""
    failures = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    parts, signature = [], []
    for failure in failures:
        title = getattr(failure, "title", type(failure).__name__)
        message = getattr(failure, "message", str(failure)).strip()
        parts.append(f"  - {title}: {message[:600]}")
        where = [line for line in message.splitlines() if line.startswith("Schema at ")]
        signature.append(f"{title} {where[0] if where else ''}".strip())
    return "\n".join(parts), " | ".join(sorted(signature))


class Fuzzer:
    def __init__(self, env: FuzzEnvironment, *, examples: int, seed: int | None = None) -> None:
        self.env = env
        self.examples = examples
        self.seed = seed
        self.report = FuzzReport()
        self.server_errors = _ServerErrors()
        self.references = reference_ids(env)

    def _settings(self, max_examples: int, **extra: Any) -> hypothesis.settings:
        return hypothesis.settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=self.seed is None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            **extra,
        )

    def _exchange(self, case: Any, mode: str, *, rollback: bool) -> Any:
        label = case.operation.label
        self.server_errors.take()
        with transaction.atomic():
            response = case.call(headers=self.env.auth)
            if rollback:
                transaction.set_rollback(True)
        self.report.statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            self.report.reached.add(label)
        try:
            case.validate_response(response, checks=CHECKS, headers=self.env.auth)
        except (AssertionError, BaseExceptionGroup) as exc:
            text, signature = _failure_text(exc)
            self.report.failures.append(FuzzFailure(
                operation=label, mode=mode, status=response.status_code, checks=text, signature=signature,
                curl=case.as_curl_command(headers=self.env.auth), server_traceback=self.server_errors.take(),
            ))
        return response

    def _strategy(self, operation: Any, mode: GenerationMode, ids: list[int]) -> st.SearchStrategy:
        strategy = operation.as_strategy(generation_mode=mode)
        if ids:
            real_ids = st.sampled_from(ids).flatmap(
                lambda pk: operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
            )
            strategy = st.one_of(real_ids, strategy)
        if mode is GenerationMode.POSITIVE and operation.method.upper() in ("POST", "PUT", "PATCH"):
            # Half the positive bodies get real ids in their reference fields (journey, metric, owner…).
            picks = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in self.references.items()})
            strategy = st.one_of(strategy, st.tuples(strategy, picks).map(lambda pair: _with_references(*pair)))
        return strategy

    def fuzz_operation(self, operation: Any) -> None:
        label = operation.label
        collection = _collection_path(operation.path)
        ids = _real_ids(self.env, collection) if collection else []
        for mode in MODES:
            try:
                self._fuzz_mode(operation, label, mode, ids)
            except hypothesis.errors.Unsatisfiable:
                # Negative mode has nothing to break in an operation without parameters or body.
                if mode is GenerationMode.POSITIVE:
                    raise

    def _fuzz_mode(self, operation: Any, label: str, mode: GenerationMode, ids: list[int]) -> None:
        @self._settings(self.examples)
        @hypothesis.given(case=self._strategy(operation, mode, ids))
        def run(case: Any) -> None:
            self.report.examples[(label, mode.value)] += 1
            self._exchange(case, mode.value, rollback=True)

        if self.seed is not None:
            run = hypothesis.seed(self.seed)(run)
        run()

    def fuzz_all(self, *, only: str = "") -> FuzzReport:
        """Every operation of the schema (or those whose label matches the regular expression ``only``)."""
        started = time.monotonic()
        got_request_exception.connect(self.server_errors, dispatch_uid="cxgov-fuzz")
        try:
            operations = [result.ok() for result in self.env.schema.get_all_operations()]
            if only:
                operations = [op for op in operations if re.search(only, op.label)]
            self.report.operations = [op.label for op in operations]
            for operation in operations:
                self.fuzz_operation(operation)
        finally:
            got_request_exception.disconnect(dispatch_uid="cxgov-fuzz")
            self.report.seconds += time.monotonic() - started
        return self.report

    def fuzz_stateful(self, *, scenarios: int, steps: int = 6) -> FuzzReport:
        """Chains of calls along the links schemathesis infers (POST → GET/PUT/PATCH/DELETE by id)."""
        started = time.monotonic()
        fuzzer = self
        base = self.env.schema.as_state_machine()
        self.report.links = self.env.schema.statistic.transitions.total

        class Machine(base):  # type: ignore[misc, valid-type]
            def setup(self) -> None:
                fuzzer.report.stateful_scenarios += 1
                self._savepoint = transaction.atomic()
                self._savepoint.__enter__()

            def teardown(self) -> None:
                transaction.set_rollback(True)
                self._savepoint.__exit__(None, None, None)

            def call(self, case: Any, **kwargs: Any) -> Any:
                fuzzer.report.stateful_steps += 1
                return fuzzer._exchange(case, "stateful", rollback=False)

            def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kw: Any) -> None:
                """Checked in ``call`` already, where failures are collected rather than raised."""

        got_request_exception.connect(self.server_errors, dispatch_uid="cxgov-fuzz")
        try:
            Machine.run(settings=self._settings(scenarios, stateful_step_count=steps))
        finally:
            got_request_exception.disconnect(dispatch_uid="cxgov-fuzz")
            self.report.seconds += time.monotonic() - started
        return self.report
