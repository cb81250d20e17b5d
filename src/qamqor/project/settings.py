"""Django settings of the Qamqor case system.

Persistence: `DATABASE_URL` (PostgreSQL, parsed by dj-database-url) or else SQLite at
`<data dir>/qamqor.sqlite3`, the data dir being `QAMQOR_DATA_DIR` or the per-user data folder.
SQLite runs in WAL mode (synchronous=FULL) with a busy timeout and IMMEDIATE transactions so that the
web server and a worker process can share the file. See docs/decisions/0006-persistence-and-tasks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from qamqor.project.paths import data_dir, database_url
from qamqor.project.production import DEV_SECRET_KEY, production_settings, signing_keys

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/qamqor
DATA_DIR = data_dir()

# --- mode: demo or production (issue 15; docs/decisions/0018-production-mode.md) -------------------
# `qamqor serve` on the embedded SQLite database is a demo (demo users and data, marked as such on
# every page and response); `DATABASE_URL` or `qamqor serve --production` is production, which sets
# QAMQOR_MODE=production for its processes. Unset, the mode follows the database, except under the
# test runner (which runs the suite on PostgreSQL too).
_url = database_url()
QAMQOR_MODE = os.environ.get("QAMQOR_MODE") or (
    "production" if _url and "pytest" not in sys.modules else "demo"
)
if QAMQOR_MODE not in ("demo", "production"):
    raise ImproperlyConfigured(f"QAMQOR_MODE must be demo or production, not {QAMQOR_MODE!r}")
QAMQOR_PRODUCTION = QAMQOR_MODE == "production"
QAMQOR_DEMO = not QAMQOR_PRODUCTION

DEBUG = os.environ.get("QAMQOR_DEBUG", "0") == "1"
if QAMQOR_PRODUCTION:
    # the secret key, allowed hosts and HTTPS settings, or ImproperlyConfigured naming what is missing
    globals().update(production_settings(os.environ))
else:
    SECRET_KEY = os.environ.get("QAMQOR_SECRET_KEY", DEV_SECRET_KEY)  # a demo: no secret to keep
    ALLOWED_HOSTS = [
        h
        for h in os.environ.get("QAMQOR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
        if h
    ]

INSTALLED_APPS: list[str] = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",  # log-in lockout (docs/decisions/0018-production-mode.md)
    "qamqor.monitoring",
    "qamqor.api",
]
# The case domain (accounts, audit, cases: owned by the domain work; keep these lines).
INSTALLED_APPS += ["qamqor.accounts", "qamqor.audit", "qamqor.cases"]
# Registries (consent ledger) and the Republican data bank (registries/databank work).
INSTALLED_APPS += ["qamqor.registries", "qamqor.databank"]
# Documents: signed PDFs, verification, uploads (documents work; settings block below).
INSTALLED_APPS += ["qamqor.documents"]
# The pages: the recipients' portal and the officers' back office (issue 13; server-rendered).
INSTALLED_APPS += ["qamqor.portal", "qamqor.backoffice"]
# Notifications to recipients: cabinet, SMS, e-mail (issue 14; settings block below).
INSTALLED_APPS += ["qamqor.notifications"]
# The front office: the electronic queue and home visits (issue 14).
INSTALLED_APPS += ["qamqor.frontoffice"]
# Complaints and the contact centre's lookup (issue 14; above the case layer).
INSTALLED_APPS += ["qamqor.complaints"]
# The administration at /admin/ (Django's admin, the administrator role only, every change audited).
INSTALLED_APPS += [
    "qamqor.administration",
    "django.contrib.admin.apps.SimpleAdminConfig",
]  # ours first: its templates
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    # first, so that every response (static files and redirects too) carries the request id and
    # the demo header; API request checks and the JSON error shape under /api/
    "qamqor.api.middleware.EdgeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qamqor.api.middleware.MessageMiddleware",  # Django's, not run for /api/ (no flash messages there)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# --- log-in: lockout, password rules, tokens -----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user/address before the password
    "qamqor.accounts.security.Backend",  # Django's, refusing the demo password in production
]
AXES_FAILURE_LIMIT = 5  # failed log-ins of one user name from one address...
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)  # ...lock that pair for this long (our choice)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLED = os.environ.get("QAMQOR_LOGIN_LOCKOUT", "1") == "1"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A bearer token is good for this long after it was issued; `POST /api/v1/auth/token/` then issues
# a new one (api.authentication, api.views.ObtainToken). An operational choice, not law.
QAMQOR_TOKEN_TTL = dt.timedelta(hours=int(os.environ.get("QAMQOR_TOKEN_TTL_HOURS", "12")))

# --- request bounds (issue 15) ---------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a body above 1 MiB: 413 (api.middleware, api.negotiation)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

ROOT_URLCONF = "qamqor.project.urls"
WSGI_APPLICATION = "qamqor.project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # the project's own templates first: DRF's pages with the demo mark (project/templates)
        "DIRS": [str(PACKAGE_DIR / "project" / "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qamqor.project.context.mode",
            ],
            "libraries": {"pages": "qamqor.project.pagetags"},  # the pages' filters (portal, back office)
        },
    }
]

# --- persistence -----------------------------------------------------------------------------
if _url:
    # Persistent connections (one per web thread), checked once per request before reuse. Parameters
    # are bound by the server and a statement run 5 times on a connection is prepared once: the
    # hot paths (submission, the automated certificate) run the same few statements on every
    # request, so PostgreSQL parses and plans them once per connection (bench/README.md). Behind a
    # pooler in transaction mode (pgbouncer < 1.21), set QAMQOR_PG_PREPARED=0.
    # Durability is PostgreSQL's default: `synchronous_commit` is not touched, so a 201 means the
    # application, its event and its outbox row are on disk.
    # The health check of PostgreSQL connections looks at the socket instead of sending `SELECT 1`
    # (qamqor.db.postgresql: no round trip per request).
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=600, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "qamqor.db.postgresql"
    if (
        DATABASES["default"]["ENGINE"] == "qamqor.db.postgresql"
        and os.environ.get("QAMQOR_PG_PREPARED", "1") == "1"
    ):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
else:
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only location: Django reports the database error when it connects
        pass
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "qamqor.sqlite3"),
            # one connection per web thread, kept: opening one (and Django registering its SQL
            # functions on it, and the pragmas) cost more than a whole submission's inserts
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # WAL lets readers run while a writer commits. synchronous=FULL: every commit is on
                # disk before it returns, so an acknowledged submission survives a power cut too
                # (NORMAL in WAL mode survives an application crash but may lose the last commits on
                # power loss). bench/intake.py runs its raw baseline with the same pragmas.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "timeout": 30,  # seconds a writer waits for the lock (web server + worker)
                "transaction_mode": "IMMEDIATE",  # take the write lock at BEGIN: no upgrade deadlocks
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background tasks (django-tasks API, database backend from django-tasks-db) ------------------
TASKS = {
    "default": {
        # django-tasks-db's DatabaseBackend, its INSERT compiled once per connection (qamqor.db.inserts)
        "BACKEND": "qamqor.db.inserts.TaskBackend",
        "QUEUES": ["default", "monitoring", "notifications"],
    }
}

# A worker beats every HEARTBEAT_SECONDS; a RUNNING task whose worker has not beaten for
# LEASE_SECONDS is run again by another (monitoring.leases; docs/decisions/0017-task-leases.md).
QAMQOR_TASK_LEASE = {
    "HEARTBEAT_SECONDS": float(os.environ.get("QAMQOR_TASK_HEARTBEAT_SECONDS", "5")),
    "LEASE_SECONDS": float(os.environ.get("QAMQOR_TASK_LEASE_SECONDS", "30")),
}

# --- monitoring feed (003_4cf6e905af0d21d2.txt §12-1) -------------------------------------------
QAMQOR_MONITORING = {
    "ADAPTER": os.environ.get("QAMQOR_MONITORING_ADAPTER", "qamqor.monitoring.adapters.SandboxAdapter"),
    # failed deliveries: retry after BACKOFF_BASE * 2**(attempt-1) seconds, at most BACKOFF_MAX
    "BACKOFF_BASE_SECONDS": 30,
    "BACKOFF_MAX_SECONDS": 3600,
    # after this many failed attempts of one stage the information system is taken to be down and
    # the provider's technical-problem protocol of the outage is opened; later failures join it. The
    # law says "immediately from the moment it is detected" (003 §12-1) and does not define
    # detection: the first failure (issue 15).
    "FAILURES_BEFORE_PROTOCOL": 1,
    # after the system's return the backlog goes in batches of DRAIN_BATCH rows, at most DRAIN_TASKS
    # batches side by side (decision 0032)
    "DRAIN_BATCH": 200,
    "DRAIN_TASKS": 4,
    # the sandbox receiver's answer time (tests and demonstrations of a slow receiver)
    "SANDBOX_DELAY_SECONDS": float(os.environ.get("QAMQOR_SANDBOX_MONITORING_DELAY", "0")),
}

# --- notifications to recipients (issue 14; docs/decisions/0023-notifications.md) ---------------
# SMS: the sandbox only (there is no SMS gateway). E-mail: the sandbox, or Django's e-mail backend
# (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS) with
# QAMQOR_NOTIFY_EMAIL=smtp. A worker holds a delivery for CLAIM_SECONDS while it sends (the e-mail
# backend's EMAIL_TIMEOUT stays below it); failures are retried after BASE·2^(n−1) s, at most MAX.
QAMQOR_NOTIFICATIONS = {
    "SMS": "qamqor.notifications.channels.SandboxGateway",
    "EMAIL": (
        "qamqor.notifications.channels.SmtpEmail"
        if os.environ.get("QAMQOR_NOTIFY_EMAIL") == "smtp"
        else "qamqor.notifications.channels.SandboxGateway"
    ),
    "CLAIM_SECONDS": float(os.environ.get("QAMQOR_NOTIFY_CLAIM_SECONDS", "60")),
    "BACKOFF_BASE_SECONDS": 30,
    "BACKOFF_MAX_SECONDS": 3600,
    "DRAIN_BATCH": 200,  # after a gateway's return, as the monitoring feed (decision 0032)
    "DRAIN_TASKS": 4,
}
EMAIL_TIMEOUT = 20
for _key in ("EMAIL_HOST", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "DEFAULT_FROM_EMAIL"):
    if os.environ.get(_key):
        globals()[_key] = os.environ[_key]
if os.environ.get("EMAIL_PORT"):
    EMAIL_PORT = int(os.environ["EMAIL_PORT"])
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"

# Queues: an application is "at risk" when its due date (or the latest day for a preliminary refusal)
# is within this many working days, or a minute-term result within this many minutes (our choice).
# The fast paths of the hot endpoints (api.fastinput, the certificate body): on by default; CI runs
# the suite once more with them off (QAMQOR_FAST_PATHS=0), so the serializers alone are tested too.
QAMQOR_FAST_PATHS = os.environ.get("QAMQOR_FAST_PATHS", "1") != "0"
QAMQOR_AT_RISK_WORKING_DAYS = 2
QAMQOR_AT_RISK_MINUTES = 10

# --- languages and formats ----------------------------------------------------------------------
LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [str(PACKAGE_DIR / "locale")]
FORMAT_MODULE_PATH = ["qamqor.project.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Almaty"

# --- static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = str(DATA_DIR / "static")
# the pages' shared style sheet (project/static); no CDN, no external fonts
STATICFILES_DIRS = [str(PACKAGE_DIR / "project" / "static")]
WHITENOISE_USE_FINDERS = True  # serve straight from the installed apps: no collectstatic needed
if not os.path.isdir(STATIC_ROOT):
    STATIC_ROOT = None  # nothing collected: WhiteNoise serves from the apps (finders) only
WHITENOISE_AUTOREFRESH = DEBUG

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qamqor.api.authentication.TokenAuthentication",  # DRF's, with the user's provider/office
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "qamqor.api.renderers.JSONRenderer",  # DRF's, encoding with orjson (same text)
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "qamqor.api.errors.exception_handler",
    # DRF's JSON parser bounded in size and depth, NUL refused (api.negotiation); forms as DRF's
    "DEFAULT_PARSER_CLASSES": [
        "qamqor.api.negotiation.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's, answering the usual `Accept` (none, */*, JSON) without parsing it (api.negotiation)
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "qamqor.api.negotiation.ContentNegotiation",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Qamqor API",
    "DESCRIPTION": "Public services in the sphere of family and children (Order No. 158): "
    "catalogue, applications, officer and operator actions, queues.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the system's own fonts: the Redoc page fetches nothing from outside (qamqor/redoc.html)
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, sans-serif",
                "headings": {"fontFamily": "system-ui, sans-serif"},
                "code": {"fontFamily": "ui-monospace, monospace"},
            }
        }
    },
}

# --- documents: signed PDFs, their verification, uploaded scans (qamqor.documents) ----------------
# Keys: in production each issuing organisation's key, certificate and chain by path, e.g.
#   {"ORG-CODE": {"key": "/etc/qamqor/keys/org.key.pem", "cert": ".../org.cert.pem",
#                 "chain": [".../ca.cert.pem"], "passphrase_env": "QAMQOR_KEY_ORG_CODE"}}
# and the roots a signature must chain to in TRUST_ROOTS. With SANDBOX_CA on (the default) an
# organisation without a configured key gets one from a test CA made in SIGNING_DIR on first use.
QAMQOR_DOCUMENTS = {
    "VERIFY_BASE_URL": os.environ.get("QAMQOR_VERIFY_BASE_URL", "http://localhost:8000"),
    "SIGNING_DIR": os.environ.get("QAMQOR_SIGNING_DIR", str(DATA_DIR / "signing")),
    "SIGNING_KEYS": signing_keys(os.environ.get("QAMQOR_SIGNING_KEYS")),  # a JSON file, as above
    "TRUST_ROOTS": [p for p in os.environ.get("QAMQOR_TRUST_ROOTS", "").split(os.pathsep) if p],
    # the test CA signs in demo mode only (production refuses QAMQOR_SANDBOX_CA=1: production.missing)
    "SANDBOX_CA": os.environ.get("QAMQOR_SANDBOX_CA", "0" if QAMQOR_PRODUCTION else "1") == "1",
    "TSA_URL": os.environ.get("QAMQOR_TSA_URL") or None,  # RFC 3161 timestamps when set
    "UPLOAD_MAX_BYTES": int(os.environ.get("QAMQOR_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
    "VERIFY_MAX_BYTES": 5 * 1024 * 1024,  # a PDF posted to the public verification page
}
# Files by content hash: a data-folder directory, or an S3-compatible bucket (django-storages,
# boto3 installed separately) when QAMQOR_DOCUMENTS_S3_BUCKET is set.
_documents_storage: dict = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(DATA_DIR / "documents"), "file_permissions_mode": 0o600},
}
if os.environ.get("QAMQOR_DOCUMENTS_S3_BUCKET"):
    _documents_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["QAMQOR_DOCUMENTS_S3_BUCKET"],
            "endpoint_url": os.environ.get("QAMQOR_DOCUMENTS_S3_ENDPOINT") or None,
            "file_overwrite": False,
            "default_acl": "private",
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": _documents_storage,
}
# --- end of documents -------------------------------------------------------------------------

LOGIN_URL = "/api-auth/login/"
LOGIN_REDIRECT_URL = "/"

# One JSON object per line, with the request id (project.logs). `django.request` writes every 4xx
# (warning) and 5xx (error, with its traceback) of a request; without a handler of its own it would
# be written nowhere once DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "qamqor.project.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "qamqor.project.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "json"}
    },
    "loggers": {
        "qamqor": {"handlers": ["console"], "level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

if "pytest" in sys.modules:  # test runs: fast password hashing
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Connections that read the facts of an impact report at once, each a range of ids in one exported
# snapshot (decision 0031); as many as the database server has cores to spare.
QAMQOR_IMPACT_READERS = max(1, int(os.environ.get("QAMQOR_IMPACT_READERS", "2")))
