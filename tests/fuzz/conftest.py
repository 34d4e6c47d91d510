"""Every request of these tests goes through the WSGI handler; see harness.database_connection_kept_open."""

import pytest

from .harness import database_connection_kept_open


@pytest.fixture(autouse=True)
def _wsgi_requests_keep_the_test_connection():
    with database_connection_kept_open():
        yield
