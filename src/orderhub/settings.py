"""Settings come from the environment (twelve-factor); the defaults run the embedded demo.

DATABASE_URL        default: SQLite file under ORDERHUB_DATA_DIR (./var)
SECRET_KEY          required (50+ characters) unless ORDERHUB_DEVELOPMENT=1 or DEBUG=1
ORDERHUB_CREDENTIALS_KEYS  required likewise: keys for partner credentials, not the SECRET_KEY
ORDERHUB_DEVELOPMENT "1": development/demo/test run on built-in keys (`make` sets it)
DEBUG               "1" for development (default off)
ALLOWED_HOSTS       comma separated (default: localhost,127.0.0.1)
ORDERHUB_BASE_URL   absolute URL used in registration and cart links
ORDERHUB_SECURE     "1" behind HTTPS: secure cookies, HSTS, SSL redirect
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ORDERHUB_DATA_DIR", "var")).resolve()


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG")
#: An explicit development run (`make demo`, `make test`, DEBUG=1): built-in keys are allowed.
#: Without it the process refuses to start on a missing or development SECRET_KEY (issue 14,
#: fault 7).
DEVELOPMENT = DEBUG or env_flag("ORDERHUB_DEVELOPMENT")
#: The development key is flagged by `manage.py check --deploy` (it starts with "django-insecure").
DEVELOPMENT_SECRET_KEY = "django-insecure-orderhub-development-key-set-SECRET_KEY-in-production"


def _real_secret(value: str) -> bool:
    """Django's own bar for a production key (check --deploy, security.W009)."""
    return len(value) >= 50 and len(set(value)) >= 5 and not value.startswith("django-insecure")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not _real_secret(SECRET_KEY):
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or not a real key (50+ random characters). Set it, or set "
            "ORDERHUB_DEVELOPMENT=1 for a development run on the built-in key."
        )
    SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
BASE_URL = os.environ.get("ORDERHUB_BASE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # its static files: the API docs (Swagger UI) come from the portal, not a CDN
    "orderhub.accounts",
    "orderhub.masterdata",
    "orderhub.partners",
    "orderhub.catalog",
    "orderhub.ordering",
    "orderhub.attachments",
    "orderhub.delivery",
    "orderhub.notifications",
    "orderhub.demo",
    "orderhub.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "orderhub.core.outage.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "orderhub.core.middleware.RequestHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orderhub.urls"
WSGI_APPLICATION = "orderhub.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'orderhub.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE avoids upgrade deadlocks. Connections
    # are kept like PostgreSQL's (DB_CONN_MAX_AGE): opening one costs three PRAGMAs per request.
    # ORDERHUB_SQLITE_BUSY_SECONDS: how long a statement waits for another writer's lock.
    _busy = float(os.environ.get("ORDERHUB_SQLITE_BUSY_SECONDS", "20"))
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": _busy,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={int(_busy * 1000)};",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": str(DATA_DIR / "test.sqlite3")} if env_flag("ORDERHUB_TEST_FILE_DB") else {}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's cache framework, in each process's memory. ``tokens``: company API tokens found valid,
# kept ORDERHUB_TOKEN_CACHE_SECONDS (default 2 s; 0 reads every token from the database), at most
# 1,000 per process (orderhub.authentication: revocation is obeyed at once by the process that
# revokes, within that time by every other process).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "tokens": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "orderhub-tokens",
        "TIMEOUT": float(os.environ.get("ORDERHUB_TOKEN_CACHE_SECONDS", "2")),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
    # each company's active webhooks (delivery/company_webhooks.py active_hooks)
    "webhooks": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "orderhub-webhooks",
        "TIMEOUT": float(os.environ.get("ORDERHUB_WEBHOOK_CACHE_SECONDS", "2")),
        "OPTIONS": {"MAX_ENTRIES": 10000},
    },
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ORDERHUB_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "delivery", "imports"],
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Personal accounts (SPEC §3.11): invitation and password-reset links (Django's token generator)
# are valid this long; administrators may add a TOTP second factor (django-otp).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("ORDERHUB_PASSWORD_LINK_HOURS", "72")) * 3600
OTP_TOTP_ISSUER = "OrderHub"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): 5 failures per username+IP lock that pair for 15 minutes; 20
# failures for one username from any addresses lock the account for 15 minutes
# (orderhub.accounts.throttle, docs/deployment.md).
AXES_FAILURE_LIMIT = int(os.environ.get("ORDERHUB_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("ORDERHUB_LOGIN_ACCOUNT_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = float(os.environ.get("ORDERHUB_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "orderhub.accounts.throttle.AccountAwareHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind N trusted reverse proxies the client address is in X-Forwarded-For; without that, every
# client would share the proxy's address and a lockout would hit everyone with that username.
TRUSTED_PROXY_COUNT = int(os.environ.get("ORDERHUB_TRUSTED_PROXIES", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise wants it to exist even when empty
# Static files are served by WhiteNoise straight from the apps (no collectstatic needed for the demo).
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Uploaded catalogs (and, as they move here, the other files): one directory that every
        # web process and worker sees — a shared mount at scale (docs/deployment.md).
        "OPTIONS": {
            "location": Path(os.environ.get("ORDERHUB_MEDIA_DIR", str(DATA_DIR / "media")))
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Request size limits: master data for 10,000 users fits comfortably; anything bigger is refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("ORDERHUB_MAX_BODY_BYTES", str(16 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CATALOG_UPLOAD_MAX_BYTES = int(os.environ.get("ORDERHUB_MAX_CATALOG_BYTES", str(512 * 1024 * 1024)))
# Attachments of orders (issue 17, docs/attachments.md): the largest file, how long a file is kept
# after it was last attached to an order, and how long a download link in a sent document works.
ATTACHMENT_MAX_BYTES = int(os.environ.get("ORDERHUB_ATTACHMENT_MAX_BYTES", str(50 * 1024 * 1024)))
ATTACHMENT_RETENTION_DAYS = int(os.environ.get("ORDERHUB_ATTACHMENT_RETENTION_DAYS", "730"))
ATTACHMENT_LINK_DAYS = int(os.environ.get("ORDERHUB_ATTACHMENT_LINK_DAYS", "90"))

# Content-Security-Policy (django-csp): pages load scripts and styles only from the portal itself
# (htmx and orderhub.js are static files; no inline script, style or event handler). The API docs
# (Swagger UI) are static files of the portal too, under the same policy.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_flag("ORDERHUB_SECURE"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Partner credentials are encrypted at rest with keys of their own (newest first; rotate by
# prepending). Required in production and never the SECRET_KEY; values encrypted by earlier releases
# with the SECRET_KEY still decrypt (CREDENTIALS_LEGACY_KEYS); new values use CREDENTIALS_KEYS[0].
CREDENTIALS_KEYS = [
    k.strip() for k in os.environ.get("ORDERHUB_CREDENTIALS_KEYS", "").split(",") if k.strip()
]
if not CREDENTIALS_KEYS:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "ORDERHUB_CREDENTIALS_KEYS is not set: partner credentials need a key of their own "
            "(32+ random characters), not the SECRET_KEY. Set ORDERHUB_DEVELOPMENT=1 for "
            "development."
        )
    CREDENTIALS_KEYS = ["orderhub-development-credentials-key:" + SECRET_KEY]
elif not DEVELOPMENT and any(len(k) < 32 or k == SECRET_KEY for k in CREDENTIALS_KEYS):
    raise ImproperlyConfigured(
        "ORDERHUB_CREDENTIALS_KEYS: every key needs 32+ characters and must differ from SECRET_KEY."
    )
CREDENTIALS_LEGACY_KEYS = [SECRET_KEY]

#: Outgoing requests (partners, webhooks) only to public addresses (orderhub.core.netguard), unless
#: this is set (demo, test suite: partners on 127.0.0.1) or the network is listed.
ALLOW_PRIVATE_URLS = env_flag("ORDERHUB_ALLOW_PRIVATE_URLS") or env_flag(
    "ORDERHUB_ALLOW_PRIVATE_WEBHOOKS"
)
ALLOWED_PRIVATE_NETWORKS = [
    n.strip()
    for n in os.environ.get("ORDERHUB_ALLOWED_PRIVATE_NETWORKS", "").split(",")
    if n.strip()
]

#: ``/metrics`` is for the operator only (docs/deployment.md "What to monitor"): a request with
#: ``Authorization: Bearer <ORDERHUB_METRICS_TOKEN>``, or one from these networks (default loopback
#: when no token is set). Anything else gets a 404.
METRICS_TOKEN = os.environ.get("ORDERHUB_METRICS_TOKEN", "")
METRICS_NETWORKS = [
    n.strip()
    for n in os.environ.get(
        "ORDERHUB_METRICS_NETWORKS", "" if METRICS_TOKEN else "127.0.0.1/32,::1/128"
    ).split(",")
    if n.strip()
]

#: The operator's Impressum and Datenschutz pages (/impressum/, /datenschutz/): text, or the path of
#: a .txt or .html file; ``…_EN`` for the English page (falls back to the German one).
IMPRINT = os.environ.get("ORDERHUB_IMPRINT", "")
IMPRINT_EN = os.environ.get("ORDERHUB_IMPRINT_EN", "")
PRIVACY = os.environ.get("ORDERHUB_PRIVACY", "")
PRIVACY_EN = os.environ.get("ORDERHUB_PRIVACY_EN", "")

#: Seconds a client is told to wait (Retry-After) while the database is unreachable (503).
RETRY_AFTER_SECONDS = int(os.environ.get("ORDERHUB_RETRY_AFTER_SECONDS", "5"))

# OrderHub domain settings
REGISTRATION_TTL_HOURS = 24
#: Unauthenticated registrations (docs/deployment.md "Limits"): per client address and in total
#: per hour, body size, and how long personal data of finished/expired registrations is kept.
REGISTRATION_RATE_PER_IP = int(os.environ.get("ORDERHUB_REGISTRATIONS_PER_IP_HOUR", "20"))
REGISTRATION_RATE_GLOBAL = int(os.environ.get("ORDERHUB_REGISTRATIONS_PER_HOUR", "500"))
REGISTRATION_MAX_BYTES = int(
    os.environ.get("ORDERHUB_REGISTRATION_MAX_BYTES", str(8 * 1024 * 1024))
)
REGISTRATION_PURGE_DAYS = int(os.environ.get("ORDERHUB_REGISTRATION_PURGE_DAYS", "7"))
CART_TTL_HOURS = 6
#: Each machine's copy of the catalog search index (tantivy); rebuilt from the database when missing.
SEARCH_INDEX_DIR = Path(os.environ.get("ORDERHUB_SEARCH_INDEX_DIR", str(DATA_DIR / "search")))
#: A process asks the database whether a partner's catalog changed at most this often (seconds).
SEARCH_FRESHNESS_SECONDS = float(os.environ.get("ORDERHUB_SEARCH_FRESHNESS_SECONDS", "1"))
#: Rebuild a stale index on the calling thread instead of in the background (the test suite, whose
#: data lives in a transaction that no other thread sees).
SEARCH_REFRESH_INLINE = env_flag("ORDERHUB_SEARCH_REFRESH_INLINE")
EDI_DROP_DIR = Path(os.environ.get("ORDERHUB_EDI_DROP_DIR", str(DATA_DIR / "edi")))
#: A worker holds a delivery this long; after that another worker assumes it died and retries.
DELIVERY_LEASE_SECONDS = int(os.environ.get("ORDERHUB_DELIVERY_LEASE_SECONDS", "120"))
ORDERHUB_EMAIL_FROM = os.environ.get("ORDERHUB_EMAIL_FROM", "bestellungen@orderhub.example")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
#: Sender of invitations and password-reset mails (Django's mail framework, the SMTP relay above).
DEFAULT_FROM_EMAIL = os.environ.get("ORDERHUB_ACCOUNT_EMAIL_FROM", ORDERHUB_EMAIL_FROM)
DOCUMENT_DIR = DATA_DIR / "documents"
# Notifications (issue 15, docs/notifications.md): sender, when a delivery counts as failing, how
# long the worker spends on them per periodic run, the SMTP timeout, tries before a mail is given up.
NOTIFY_EMAIL_FROM = os.environ.get("ORDERHUB_NOTIFY_EMAIL_FROM", DEFAULT_FROM_EMAIL)
NOTIFY_FAILING_MINUTES = int(os.environ.get("ORDERHUB_NOTIFY_FAILING_MINUTES", "30"))
NOTIFY_PERIODIC_SECONDS = float(os.environ.get("ORDERHUB_NOTIFY_PERIODIC_SECONDS", "20"))
NOTIFY_SMTP_TIMEOUT = float(os.environ.get("ORDERHUB_NOTIFY_SMTP_TIMEOUT", "10"))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("ORDERHUB_NOTIFY_MAX_ATTEMPTS", "10"))
#: Send a notice's mails right after the commit (else the worker's next periodic run sends them).
NOTIFY_IMMEDIATE = env_flag("ORDERHUB_NOTIFY_IMMEDIATE", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Time, process and thread on every line: an operator reading a worker's log can tell how long
    # a shutdown or an outage took, and which thread (delivery loop, periodic jobs) said what.
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"orderhub": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}
