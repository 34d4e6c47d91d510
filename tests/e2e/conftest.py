"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The live server runs in a thread while Playwright's sync API owns an event loop in this one;
# Django refuses ORM calls from a thread with a running loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.conftest import need

    need(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
