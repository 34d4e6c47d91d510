"""Project-level checks: migrations, Django's system checks, and how settings read the environment.

Settings are evaluated once per process, so every check that depends on the environment runs
``manage.py`` (or a tiny script) in a subprocess with exactly the environment under test. That is also
how production starts: a fresh process reading its variables, nothing patched by pytest.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
# Removed from the child's environment unless a test sets them: what the settings read, and what the
# test run itself exports (DJANGO_ALLOW_ASYNC_UNSAFE, for the browser tests, fails check --deploy).
SCRUBBED_VARS = (
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL",
    "CXGOV_TESTING", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_VARS}
    env["DJANGO_SETTINGS_MODULE"] = "cxgov.settings"
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _settings_of(env: dict[str, str]) -> dict[str, object]:
    """The settings a fresh process derives from ``env``, as JSON."""
    script = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "db = s.DATABASES['default']; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'ENGINE': db['ENGINE'], 'NAME': str(db['NAME']), "
        "'EAGER': s.CELERY_TASK_ALWAYS_EAGER, 'BROKER': s.CELERY_BROKER_URL, "
        "'BACKEND': s.CELERY_RESULT_BACKEND, 'CACHE': s.CACHES['default']['BACKEND'], "
        "'CACHE_AT': s.CACHES['default'].get('LOCATION', ''), "
        "'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'ATOMIC': db['ATOMIC_REQUESTS'], "
        "'STATIC': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    done = _run(["-c", script], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def no_dotenv() -> None:
    # settings.py also reads BASE_DIR/.env (without overriding the environment); a developer's .env
    # would make "nothing set" untestable, and CI's fresh clone never has one.
    if (BASE_DIR / ".env").exists():
        pytest.skip("a local .env file feeds the settings; these checks assume none")


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, interactive=False, stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations --check found model changes without a migration (exit {exit_.code}):\n"
                    f"{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_system_check_is_clean() -> None:
    done = _run(["manage.py", "check", "--fail-level", "WARNING"], _env(**_passthrough_services()))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_settings_pass_check_deploy() -> None:
    env = _env(
        DEBUG="false",
        SECRET_KEY=get_random_secret_key(),
        ALLOWED_HOSTS="cxgov.example.com",
        **_passthrough_services(),
    )
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("secret", [None, ""], ids=["unset", "empty"])
def test_production_settings_refuse_to_load_without_secret_key(no_dotenv, secret: str | None) -> None:
    env = _env(DEBUG="false", ALLOWED_HOSTS="cxgov.example.com")
    if secret is not None:
        env["SECRET_KEY"] = secret
    done = _run(["manage.py", "check"], env)
    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is false." in done.stderr


def test_nothing_set_is_the_embedded_default(no_dotenv) -> None:
    s = _settings_of(_env())
    assert s["DEBUG"] is True
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(BASE_DIR / "var" / "cxgov.sqlite3")
    assert s["EAGER"] is True
    assert s["BROKER"] == "memory://localhost/"
    assert s["BACKEND"] is None
    assert s["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["ATOMIC"] is True


def test_database_and_redis_urls_switch_backends(no_dotenv) -> None:
    s = _settings_of(
        _env(DATABASE_URL="postgres://cx:pw@db.internal:5432/cxgov", REDIS_URL="redis://cache.internal:6379/3")
    )
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["NAME"] == "cxgov"
    assert s["EAGER"] is False
    assert s["BROKER"] == s["BACKEND"] == "redis://cache.internal:6379/3"
    assert s["CACHE"] == "cxgov.cache.FailOpenRedisCache"  # Django's RedisCache, failing open (cxgov/cache.py)
    # Never the broker's database: clearing the cache would drop queued tasks.
    assert s["CACHE_AT"] == "redis://cache.internal:6379/4"


def test_production_mode_reads_hosts_and_uses_hashed_static_files(no_dotenv) -> None:
    s = _settings_of(
        _env(DEBUG="false", SECRET_KEY=get_random_secret_key(), ALLOWED_HOSTS="cxgov.example.com,cx.example.org")
    )
    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == ["cxgov.example.com", "cx.example.org"]
    assert s["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_a_secret_key_starting_with_a_dollar_is_taken_as_it_is(no_dotenv) -> None:
    # Django's generated keys may start with "$"; django-environ would read such a value as the
    # name of another variable (and leave production without its key).
    key = "$" + get_random_secret_key()[1:]
    script = "import django; from django.conf import settings as s; django.setup(); print(s.SECRET_KEY)"
    done = _run(["-c", script], _env(DEBUG="false", SECRET_KEY=key, ALLOWED_HOSTS="cxgov.example.com"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == key


def _passthrough_services() -> dict[str, str]:
    """Keep the run's DATABASE_URL / REDIS_URL, so the checks see the same backends as the suite."""
    return {k: os.environ[k] for k in ("DATABASE_URL", "REDIS_URL") if os.environ.get(k)}


def test_readme_documents_every_environment_variable_the_settings_read() -> None:
    source = (BASE_DIR / "cxgov" / "settings.py").read_text()
    read = set(re.findall(r"\benv\.\w+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    read |= set(re.findall(r"\bos\.environ\.get\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read
    readme = (BASE_DIR / "README.md").read_text()
    missing = sorted(name for name in read if f"| `{name}` |" not in readme)
    assert not missing, f"README.md's configuration table lacks: {', '.join(missing)}"


def test_readme_shows_the_role_table_declared_in_code() -> None:
    from cxgov.tenancy.roles import roles_table_markdown

    readme = (BASE_DIR / "README.md").read_text()
    assert roles_table_markdown() in readme, "regenerate README's table with `manage.py roles_table`"
