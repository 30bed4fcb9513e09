"""Settings for development, the demo and tests, read through django-environ.

Every variable is documented in `.env.example`. Nothing here needs setting for the demo:
the secret key and the credential encryption key are generated once into `var/` when the
environment does not give them. `production.py` refuses to start without them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("DASHBOARD_VAR_DIR", default=str(BASE_DIR / "var")))
# SQLite (database, embedded job queue) cannot create its file in a missing folder.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def local_secret(name: str, make: Callable[[], str]) -> str:
    """A secret kept in VAR_DIR for machines without a configured one (development, demo)."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or local_secret("secret_key", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Vendor credentials are encrypted with these Fernet keys, newest first. Add a new key at
# the front, run `manage.py rotate_credential_keys`, then drop the old key.
CREDENTIAL_KEYS = env.list("CREDENTIAL_KEYS", default=[]) or [
    local_secret("credential_key", lambda: Fernet.generate_key().decode())
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "csp",
    "dashboard.core",
    "dashboard.people",
    "dashboard.tenancy",
    "dashboard.audit",
    "dashboard.credentials",
    "dashboard.rtc",
    "dashboard.billing",
    "dashboard.usage",
    "dashboard.live",
    "dashboard.ops",
    "dashboard.mixing",
    "dashboard.recordings",
    "dashboard.metrics",
    "dashboard.alerts",
    "dashboard.demo",
    "dashboard.home",
    "dashboard.api",
    # django-ninja: in INSTALLED_APPS so its docs page uses its own static Swagger UI, not a CDN.
    "ninja",
    "huey.contrib.djhuey",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]

MIDDLEWARE = [
    "dashboard.ops.tracing.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a signed-in user unless marked @login_not_required (login, probes, hooks).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dashboard.people.middleware.private_pages_middleware",
    "dashboard.people.middleware.user_language_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dashboard.people.middleware.staff_two_factor_middleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.core.middleware.htmx_toasts_middleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Cache: in process by default; CACHE_REDIS_URL shares it between every web and job process.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default="")
CACHES = {
    # Django's Redis cache, keeping its client objects (dashboard/core/cache.py).
    "default": {"BACKEND": "dashboard.core.cache.SharedClientRedisCache", "LOCATION": CACHE_REDIS_URL}
    if CACHE_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# With a shared cache, sessions are read from it (and written through to the database): one
# query less per page view. Not with the per-process cache: a session ended (logout) in one
# process would live on in another's memory.
if CACHE_REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Readiness (/readyz): the scheduler's heartbeat must be this fresh, and no job may wait longer.
READY_HEARTBEAT_SECONDS = env.int("READY_HEARTBEAT_SECONDS", default=180)
READY_MAX_JOB_WAIT_SECONDS = env.int("READY_MAX_JOB_WAIT_SECONDS", default=600)
# Probes sending `Authorization: Bearer <HEALTH_TOKEN>` see what /readyz checked; others only the verdict.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")

# /metrics for Prometheus: off until a bearer token or an address allow-list (IPs or networks,
# matched against REMOTE_ADDR) is set. Each process adds its vendor call counts to the shared
# totals in the database at most this many seconds apart (and after each request and job).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])
METRICS_FLUSH_SECONDS = env.float("METRICS_FLUSH_SECONDS", default=5.0)
METRICS_COUNT_VENDOR_CALLS = True

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dashboard.people.backends.PasswordBackend",
    "dashboard.tenancy.signon.SignOnBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
AXES_VERBOSE = False
# Two-factor login (TOTP, django-otp): anyone may turn it on; with STAFF_REQUIRE_TWO_FACTOR
# staff must, and must have logged in with a code, before any other page.
OTP_TOTP_ISSUER = "RTC Dashboard"
STAFF_REQUIRE_TWO_FACTOR = env.bool("STAFF_REQUIRE_TWO_FACTOR", default=False)

# Single sign-on with an OpenID Connect provider (mozilla-django-oidc; README: Single sign-on).
# Off while OIDC_RP_CLIENT_ID or OIDC_OP_ISSUER is empty. The endpoints are the provider's
# (its /.well-known/openid-configuration lists them).
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for logging out at the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "people:sso_callback"
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
# Roles from the groups claim: staff, and "tenant-slug:admin" or "tenant-slug:viewer" per group.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_STAFF_GROUPS = env.list("OIDC_STAFF_GROUPS", default=[])
OIDC_TENANT_ROLES: dict[str, str | list[str]] = env.json("OIDC_TENANT_ROLES", default={})
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
# false: staff cannot log in with a password (login page or admin site), only through the provider.
STAFF_PASSWORD_LOGIN = env.bool("STAFF_PASSWORD_LOGIN", default=True)

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "dashboard.tenancy.context_processors.tenancy",
                "dashboard.core.nav.nav",
            ],
        },
    }
]

# Fields render with templates/forms/field.html in Bootstrap's markup: {{ form.name.as_field_group }}.
FORM_RENDERER = "dashboard.core.forms.BootstrapFormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the job runner writes; with WAL, synchronous=NORMAL
    # cannot corrupt the database (a power cut may lose the last commits, which a sync re-fetches:
    # a series' cursor goes back with its buckets, and a window after such a hole does not move
    # it: usage.sync.write_window).
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # A job worker thread keeps its connection from job to job: reopening it (and running the
    # PRAGMAs above) twice per job cost a short job 5% of its CPU (bench/sync.py).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
else:
    # Keep connections between requests and jobs: a new PostgreSQL connection per job costs
    # more than the job's own queries.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: the console's queries are short, and when the planner overestimates one (a week of
    # minutes across 2,000 apps: 100,000 rows expected, 16,000 read) compiling it took 150 ms of
    # a 165 ms query (bench/home.py). PostgreSQL's own advice for short OLTP queries.
    # No parallel workers by default either: the pages' heaviest queries (the staff overview of
    # a year over 1,000 apps) read 10,000-50,000 index entries, and starting two workers took
    # longer than they saved on two cores (its money 83 -> 57 ms, bench/scale.py, 2026-12-02).
    # More cores and longer reports may want them: DATABASE_PARALLEL_WORKERS.
    if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
        workers = env.int("DATABASE_PARALLEL_WORKERS", default=0)
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", f"-c jit=off -c max_parallel_workers_per_gather={workers}"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering indexes' extra columns (INCLUDE) are PostgreSQL's, which reads them index-only;
# SQLite builds the same indexes on their key columns, as intended, and warned so at every migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "people:login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Numbers grouped by thousands with a comma in Chinese too (see dashboard/core/formats).
FORMAT_MODULE_PATH = ["dashboard.core.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served straight from the source folders (no collectstatic) outside production.
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# No inline scripts or styles anywhere: scripts and styles come from static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Calls made while a user waits (connection test, listing apps) give up sooner than jobs.
VENDOR_INTERACTIVE_TIMEOUT = env.float("VENDOR_INTERACTIVE_TIMEOUT", default=10.0)
# Seconds a job waits for one vendor answer before it counts as a (transient) timeout.
VENDOR_JOB_TIMEOUT = env.float("VENDOR_JOB_TIMEOUT", default=30.0)

# Endpoints tenants may pick besides each vendor's public ones, as JSON: {"uprtc": ["https://rtc.example.internal"]}.
# Each may resolve to a private address (that exact host and port, nothing else there);
# staff add more in the admin site ("Allowed vendor endpoints"). README: "Vendor endpoints".
VENDOR_ENDPOINTS: dict[str, list[str]] = env.json("VENDOR_ENDPOINTS", default={})
# An httpx transport every vendor client sends through instead of the network. None (real
# HTTP) in every deployment; tests put an in-process simulator here for one test with the
# `sim_transport` fixture (tests/dashboard/conftest.py).
VENDOR_TRANSPORT = None

PAGE_SIZE = env.int("PAGE_SIZE", default=25)

# REST API (dashboard/api): requests per token, as "<count>/<s|min|hour|day>", counted in the cache
# (per process unless CACHE_REDIS_URL shares it).
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/min")

# Jobs run on Huey. Embedded by default: a SQLite queue in VAR_DIR whose consumer threads
# `manage.py demo` starts (or `manage.py run_huey` runs). Set JOBS_REDIS_URL and the same
# code runs on Redis with any number of `run_huey` processes on any number of machines.
JOBS_REDIS_URL = env.str("JOBS_REDIS_URL", default="")
HUEY = {
    "name": "rtc-dashboard",
    "huey_class": "huey.RedisHuey" if JOBS_REDIS_URL else "huey.SqliteHuey",
    "immediate": env.bool("JOBS_IMMEDIATE", default=False),
    "results": False,
    "utc": True,
    "connection": {"url": JOBS_REDIS_URL} if JOBS_REDIS_URL else {"filename": str(VAR_DIR / "jobs.sqlite3")},
    "consumer": {"workers": env.int("JOB_WORKERS", default=4), "worker_type": "thread"},
}

# Usage sync. Schedules are cron-like minutes; everything can be changed here.
USAGE_SYNC_EVERY_MINUTES = env.int("USAGE_SYNC_EVERY_MINUTES", default=15)
APP_SYNC_EVERY_MINUTES = env.int("APP_SYNC_EVERY_MINUTES", default=60)
USAGE_BACKFILL_DAYS = env.int("USAGE_BACKFILL_DAYS", default=90)
USAGE_OVERLAP_HOURS = env.int("USAGE_OVERLAP_HOURS", default=3)
# A chain of window jobs not heard from for this long, and whose next job does not wait in the
# queue or its schedule (for up to a day: usage.sync.chain_alive), is presumed lost (its worker
# died) and planned again from its cursor; re-fetching a window is harmless (upserts).
USAGE_CHAIN_TIMEOUT_MINUTES = env.float("USAGE_CHAIN_TIMEOUT_MINUTES", default=30)
# Reconciliation flags a day where the vendor's and the console's observed figures differ by more.
USAGE_RECONCILE_THRESHOLD_PERCENT = env.float("USAGE_RECONCILE_THRESHOLD_PERCENT", default=5)
# Adding an account (or changing its credentials) lists its apps and starts the backfill at once.
SYNC_ON_ACCOUNT_CHANGE = env.bool("SYNC_ON_ACCOUNT_CHANGE", default=True)
# Live channels: membership of live and watched channels is polled this often (seconds),
# by this many concurrent vendor calls per job; channel records are read every few minutes;
# open live pages re-read the database this often.
LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=30)
LIVE_POLL_THREADS = env.int("LIVE_POLL_THREADS", default=40)
LIVE_DISCOVERY_EVERY_MINUTES = env.int("LIVE_DISCOVERY_EVERY_MINUTES", default=5)
LIVE_PAGE_REFRESH_SECONDS = env.int("LIVE_PAGE_REFRESH_SECONDS", default=10)
# The home page redraws itself from the database this often while its tab is visible.
HOME_REFRESH_SECONDS = env.int("HOME_REFRESH_SECONDS", default=30)
# Polls are kept this long for timelines and sparklines, then pruned.
LIVE_SNAPSHOT_DAYS = env.int("LIVE_SNAPSHOT_DAYS", default=30)

# Recordings: the watchdog flags one that has not moved (state, files, callback) for this long.
RECORDING_STALL_MINUTES = env.int("RECORDING_STALL_MINUTES", default=10)
# ... among recordings started this many days ago or later.
RECORDING_ATTENTION_DAYS = env.int("RECORDING_ATTENTION_DAYS", default=30)
# A file uploaded to a vendor as a recording (an account's Servers page) is at most this large;
# it passes through the console's memory on its way.
RECORDING_UPLOAD_MAX_MB = env.int("RECORDING_UPLOAD_MAX_MB", default=100)
# The console's address as vendors reach it, for callback URLs (empty: the address the user used).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")
# Alerts (dashboard/alerts): rules are evaluated this often; a notice that fails is tried again
# after ALERT_RETRY_SECONDS, doubling, ALERT_SEND_ATTEMPTS times in all; one left "sending"
# longer than the lease belongs to a stopped worker (README: Alerts).
ALERTS_EVERY_MINUTES = env.int("ALERTS_EVERY_MINUTES", default=1)
ALERT_MAX_NEW_NOTICES = env.int("ALERT_MAX_NEW_NOTICES", default=10)
ALERT_RESOLVE_AFTER_MINUTES = env.int("ALERT_RESOLVE_AFTER_MINUTES", default=5)
ALERT_SEND_ATTEMPTS = env.int("ALERT_SEND_ATTEMPTS", default=5)
ALERT_RETRY_SECONDS = env.int("ALERT_RETRY_SECONDS", default=60)
ALERT_SEND_LEASE_SECONDS = env.int("ALERT_SEND_LEASE_SECONDS", default=300)
ALERT_WEBHOOK_TIMEOUT = env.float("ALERT_WEBHOOK_TIMEOUT", default=10.0)
# Webhook origins (scheme, host, port) that may resolve to private addresses: operator
# configuration, never tenant input (SECURITY.md). Every other webhook must be public.
ALERT_WEBHOOK_PRIVATE_URLS = env.list("ALERT_WEBHOOK_PRIVATE_URLS", default=[])
ALERT_EMAIL_FROM = env.str("ALERT_EMAIL_FROM", default="rtc-dashboard@localhost")
# Alert email goes through Django's mail backend: SMTP at EMAIL_HOST by default.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# For vendors that publish no rate limit: requests per second per vendor account.
VENDOR_DEFAULT_REQUESTS_PER_SECOND = env.float("VENDOR_DEFAULT_REQUESTS_PER_SECOND", default=20.0)
# Where rate-limit counters live: memory:// (one process) or redis://... (shared by every worker).
RATE_LIMIT_STORAGE_URL = env.str("RATE_LIMIT_STORAGE_URL", default="memory://")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "dashboard.ops.tracing.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s job=%(job_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain"),
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # httpx logs every request line at INFO; vendor request ids are audited instead.
        "httpx": {"level": "WARNING"},
        # Huey logs every job at INFO; failures still show.
        "huey": {"level": env.str("JOBS_LOG_LEVEL", default="WARNING")},
        # django-axes reports every login at INFO; lockouts are warnings and still show.
        "axes": {"level": "WARNING"},
        # Every vendor call (vendor, action, account, request and job id) is logged at DEBUG:
        # VENDOR_CALLS_LOG_LEVEL=DEBUG (or LOG_LEVEL=DEBUG) shows them.
        "dashboard.vendor_calls": {"level": env.str("VENDOR_CALLS_LOG_LEVEL", default="NOTSET")},
        # apprise logs the bot addresses (their tokens) at DEBUG.
        "apprise": {"level": "WARNING"},
    },
}
