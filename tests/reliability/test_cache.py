"""The Redis cache fails open: with Redis unreachable, a read is a miss and a write is dropped, so the
API's throttling pauses instead of answering 500 (test_load.py restarts Redis under load)."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from cxgov.cache import FailOpenRedisCache

from .harness import free_port


@pytest.fixture
def unreachable() -> FailOpenRedisCache:
    # A port nobody listens on: every command fails to connect.
    return FailOpenRedisCache(f"redis://127.0.0.1:{free_port()}/1",
                              {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


def test_reads_are_misses_and_writes_are_dropped_while_redis_is_unreachable(unreachable) -> None:
    assert unreachable.get("throttle_user_1") is None
    assert unreachable.get("throttle_user_1", []) == []
    assert unreachable.get_many(["a", "b"]) == {}
    assert unreachable.has_key("a") is False
    unreachable.set("throttle_user_1", [1.0, 2.0], 60)
    assert unreachable.add("a", 1) is False
    assert unreachable.delete("a") is False


def test_other_errors_still_raise(unreachable, monkeypatch) -> None:
    """Only an unreachable Redis is forgiven: a bug in how the cache is used is not hidden."""
    from django.core.cache.backends.redis import RedisCache

    def broken(self, *args, **kwargs):
        raise TypeError("not a connection problem")

    monkeypatch.setattr(RedisCache, "get", broken)
    with pytest.raises(TypeError):
        unreachable.get("a")
    monkeypatch.setattr(RedisCache, "get", lambda self, *a, **k: (_ for _ in ()).throw(RedisConnectionError("x")))
    assert unreachable.get("a", "default") == "default"
