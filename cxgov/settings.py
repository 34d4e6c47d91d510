"""cxgov settings: one module, read from the environment (django-environ).

With nothing set it runs the embedded default: SQLite, eager Celery tasks, DEBUG on.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and a real broker. Production mode is
chosen by the environment alone: ``DEBUG=false`` plus ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
TESTING = env.bool("CXGOV_TESTING", default=False)

_DEV_SECRET = "dev-only-insecure-key-never-use-in-production-3f9a1c"  # noqa: S105
# Read raw: django-environ treats a value starting with "$" as the name of another variable, and
# a generated key may well start with "$".
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "auditlog",
    "csp",
    "cxgov.tenancy",
    "cxgov.inbox",
    "cxgov.webhooks",
    "cem_levers",
    "voc",
    "initiatives",
    "governance",
    "maturity",
    "cxgov.dashboards",
    "cxgov.audit",
    "cxgov.portability",
    "cxgov.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cxgov.tenancy.middleware.CurrentOrganizationMiddleware",
    "cxgov.tenancy.middleware.ApiRequestLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cxgov.audit.middleware.AuditlogMiddleware",
    # Axes last: it inspects the response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxgov.urls"
WSGI_APPLICATION = "cxgov.wsgi.application"
ASGI_APPLICATION = "cxgov.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "cxgov.tenancy.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'cxgov.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): five wrong passwords for one account from one address lock
# that pair out for fifteen minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The sign-in form's field (and authenticate()'s keyword) is "username" although it holds the email.
# Axes' default is USERNAME_FIELD ("email"), which made it record every failure without an account,
# so a right password was never refused during a lockout (tests/security/test_login_throttling.py).
AXES_USERNAME_FORM_FIELD = "username"

# django-guardian: no anonymous user row; object grants only for signed-in members.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Audit trail (django-auditlog; models registered in cxgov.audit.apps). The base manager, because
# the default manager of a tenant model refuses auditlog's unscoped "previous version" lookup;
# foreign keys stored as the object's name, so the trail reads without a query per change.
AUDITLOG_USE_BASE_MANAGER = True
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cxgov <no-reply@cxgov.localhost>")

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker tasks run in-process, so the embedded default needs no worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reliability (tests/reliability prove it with killed workers and a restarted Redis):
# - a worker reconnects to a restarted broker forever rather than exiting after 100 tries;
# - a producer (the web process enqueuing a rollup refresh after commit) retries a publish for
#   about 15 s, long enough to ride out a Redis restart;
# - a message taken by a worker that then died (SIGKILL, OOM, lost host) is redelivered after the
#   visibility timeout. It must exceed the longest task plus the longest retry countdown
#   (retry_backoff_max = 300 s), or a slow task would run twice at once; the tasks are idempotent
#   and the import locks its job row, so that would cost time, not correctness. A killed prefork
#   child is redelivered at once (reject on worker loss), without waiting for the timeout.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 10, "interval_start": 0, "interval_step": 0.5, "interval_max": 2}
CELERY_VISIBILITY_TIMEOUT = 1800
_REDIS_SOCKET_OPTIONS = {
    # A publish on a connection the broker dropped without closing it fails after 30 s rather than hanging.
    "socket_timeout": 30,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 25,
    "retry_on_timeout": True,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Every minute a worker looks for messages held longer than the timeout by a worker that died.
    "unacked_restore_interval": 60,
    "unacked_restore_throttle": 1,
    **_REDIS_SOCKET_OPTIONS,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = dict(_REDIS_SOCKET_OPTIONS)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE = {
    "voc-nightly-rollups": {
        "task": "voc.tasks.refresh_all_rollups",
        "schedule": crontab(hour=2, minute=30),
    },
    "webhooks-sweep": {
        "task": "cxgov.webhooks.tasks.webhook_deliveries_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "webhooks-delivery-log-prune": {
        "task": "cxgov.webhooks.tasks.webhook_deliveries_prune",
        "schedule": crontab(hour=3, minute=5),
    },
    "tenancy-api-request-log-prune": {
        "task": "cxgov.tenancy.tasks.api_request_logs_prune",
        "schedule": crontab(hour=3, minute=10),
    },
    "maturity-nightly-scores": {
        "task": "maturity.tasks.recompute_all_scores",
        "schedule": crontab(hour=3, minute=15),
    },
    "portability-purge-expired-exports": {
        "task": "cxgov.portability.tasks.data_exports_purge_all",
        "schedule": crontab(hour=3, minute=25),
    },
    "initiatives-daily-reminders": {
        "task": "initiatives.tasks.initiative_reminders_all",
        "schedule": crontab(hour=7, minute=0),
    },
    "tenancy-heartbeat": {
        "task": "cxgov.tenancy.tasks.heartbeat",
        "schedule": crontab(minute="*/15"),
    },
}

def _next_redis_db(url: str) -> str:
    """The broker's Redis URL with the next database number: the cache must never share the broker's
    database, since ``cache.clear()`` empties a whole database, queued tasks included."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


if REDIS_URL:
    CACHE_URL = env.str("CACHE_URL", default=_next_redis_db(REDIS_URL))
    # Fails open (a miss, a dropped write) while Redis is unreachable: see cxgov/cache.py.
    CACHES = {"default": {"BACKEND": "cxgov.cache.FailOpenRedisCache", "LOCATION": CACHE_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The largest request body read into memory (files excepted): the feedback bulk endpoint documents 10 MB.
# Larger bodies are refused with a 413 in the API's error shape (cxgov.tenancy.drf.exception_handler).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    # Bearer first: it answers anonymous requests with 401 and a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cxgov.tenancy.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cxgov.tenancy.drf.IsOrganizationMember"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cxgov.tenancy.drf.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    "EXCEPTION_HANDLER": "cxgov.tenancy.drf.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cxgov API",
    "DESCRIPTION": (
        "REST API of cxgov. Authenticate with `Authorization: Bearer <token>`; a token is bound to "
        "one organization and one user. Errors share one shape: `{\"detail\": ..., \"errors\": {field: [...]}}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "InitiativeStatusEnum": "initiatives.models.Initiative.Status",
        "RollupGrainEnum": "voc.models.Rollup.Grain",
        "LowMediumHighEnum": [("low", "Low"), ("medium", "Medium"), ("high", "High")],
    },
}

# Content Security Policy (django-csp): our pages carry no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Memory for the sorts of one rollup refresh on PostgreSQL (a SET LOCAL in that transaction only).
ROLLUP_WORK_MEM = env.str("ROLLUP_WORK_MEM", default="64MB")
# voc_response's covering index (INCLUDE touchpoint, score) serves the rollup refresh on PostgreSQL;
# SQLite, the embedded default, builds the index without the included columns and says so (W040).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Absolute links in emails (notifications, insights).
CXGOV_BASE_URL = env.str("CXGOV_BASE_URL", default="http://127.0.0.1:8000")

# Feedback and tokens.
CXGOV_MIN_N_DEFAULT = 30

# Webhooks: without DEBUG, only https URLs resolving to public addresses (no SSRF into the network).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=DEBUG)
