"""Fixtures of the reliability tests: a private Redis, and web and worker processes on the test database.

Why a private ``redis-server`` rather than the shared ``REDIS_URL``: these tests kill and restart the
broker, and count what is queued and unacknowledged; on a Redis of their own nobody else's messages
are counted and nobody else's work is lost. Why PostgreSQL only: the web and worker processes must
see the test's committed rows (``transactional_db``) and write concurrently, which SQLite's in-memory
test database cannot offer.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import need

from .harness import (
    REDIS_SERVER,
    Process,
    RedisServer,
    broker_idle,
    database_url_for,
    django_env,
    start_web,
    stop_all,
    wait_until,
)
from .harness import start_worker as _start_worker


@dataclass
class Stack:
    """The processes of one test; everything started here is stopped at teardown."""

    redis: RedisServer
    env: dict[str, str]
    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    queue = "celery"  # the default queue: the Redis is this test's own

    def web(self) -> str:
        process, base_url = start_web(self.env, self.log_dir)
        self.processes.append(process)
        return base_url

    def worker(self, name: str, **options) -> Process:
        process = _start_worker(self.env, self.log_dir, name=name, **options)
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (exit {p.proc.poll()}) ---\n{p.log()}" for p in self.processes)

    def wait_idle(self, timeout: float = 60) -> None:
        """Until the queue is empty and nothing is held unacknowledged (the refreshes have run)."""
        wait_until(lambda: broker_idle(self.redis.url(), self.queue), timeout=timeout,
                   what="the workers to drain the queue", logs=self.logs, watch=self.processes)


@pytest.fixture
def stack(transactional_db, tmp_path, settings) -> Iterator[Stack]:
    need(connection.vendor == "postgresql",
         "concurrent web and worker processes need PostgreSQL (set DATABASE_URL)")
    need(shutil.which("redis-server") is not None or os.path.exists(REDIS_SERVER),
         "redis-server is not installed: no private broker to kill and restart")
    # Uploaded files are written here and read by the worker: one media directory for both.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    redis = RedisServer(tmp_path)
    redis.start()
    env = django_env(
        database_url=database_url_for(connection), redis_url=redis.url(),
        MEDIA_ROOT=settings.MEDIA_ROOT,
        # A worker's lost message comes back after 4 s here (30 min in production), swept every second.
        DJANGO_SETTINGS_MODULE="tests.reliability.process_settings",
    )
    result = Stack(redis=redis, env=env, log_dir=tmp_path)
    try:
        yield result
    finally:
        stop_all([*result.processes, redis.process])
