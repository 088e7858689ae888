"""All of peerpath's settings. Environment variables switch integrations; there is no
production-only code path (``test.py`` only makes tests faster).

Environment:
    DEBUG            "1"/"0" (default 1 for a checkout; production sets 0)
    SECRET_KEY       required when DEBUG is off; in development one is generated into var/
    ALLOWED_HOSTS    comma separated (default: localhost names when DEBUG is on)
    DATABASE_URL     default: SQLite file var/peerpath.sqlite3 in WAL mode
    REDIS_URL        when set: channels_redis layer and Huey on Redis
    EMAIL_URL        default: file backend writing to var/mail/ (smtp://, consolemail:// ...)
    PEERPATH_EMAIL_VERIFICATION  none | optional | mandatory (default optional)
    SITE_URL         the absolute base of links in e-mails and notifications (default: the
                     served HOST/PORT in development, https://<first ALLOWED_HOSTS> otherwise)
    TRUSTED_PROXIES  comma separated proxy addresses whose X-Forwarded-For/-Proto are believed
                     (default none; read by scripts/serve.sh for the server's proxy handling)
    DATABASE_POOL_SIZE  PostgreSQL connections per process (default 8; 0 = no pool, one
                     persistent connection per thread, CONN_MAX_AGE)
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Lets admin.ModelAdmin[Model] and friends be subscripted at run time, as the stubs type them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=True)


def _secret_key() -> str:
    key: str | None = env.str("SECRET_KEY", default=None)
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: refusing to start with a generated key."
        )
    # Development: generate once and keep it, so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "huey.contrib.djhuey",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "peerpath.core",
    "peerpath.accounts",
    "peerpath.activity",
    "peerpath.mentorship",
    "peerpath.progression",
    "peerpath.rooms",
    "peerpath.notifications",
    "peerpath.safety",
    "peerpath.nudges",
    "peerpath.training",
    "peerpath.resources",
    "peerpath.spotlights",
    "peerpath.feedback",
    "peerpath.events",
    "peerpath.analytics",
    "peerpath.partners",
    "peerpath.home",
    "peerpath.api",
    "peerpath.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "peerpath.core.middleware.ContentSecurityPolicyMiddleware",  # see Security below
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "peerpath.core.middleware.UserTimezoneMiddleware",
    "peerpath.core.middleware.InvalidFormStatusMiddleware",
    "peerpath.accounts.middleware.SuspensionMiddleware",
    "peerpath.core.http.RefusalMiddleware",  # a Refused no view answered: 404 / refusal page
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "peerpath.core.context_processors.site",
                "peerpath.notifications.context_processors.bell",
                "peerpath.analytics.context_processors.dashboard",
                "peerpath.safety.web.crisis_help",
                "peerpath.safety.web.nav",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "peerpath.sqlite3"
DATABASES: dict[str, dict[str, Any]] = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock
            # at BEGIN so two writers wait (busy timeout) instead of failing mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
            ),
        }
    )
    # Keep each thread's SQLite connection open: opening one costs a file open and the init
    # pragmas, and Channels closes "old" connections around every database call of a socket
    # (measured: with reconnects the two-process room p99 was 0.35-1.6 s, without 31-44 ms).
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=None))
elif DATABASE_POOL_SIZE := env.int("DATABASE_POOL_SIZE", default=8):
    # PostgreSQL: a pool per process (psycopg_pool). Under ASGI each request runs its sync
    # code in a thread of its own, so persistent per-thread connections grew to one per
    # concurrent request ("too many clients" at 200 connections); with the pool a request
    # borrows a connection and gives it back at its end, and requests beyond the pool wait
    # their turn (first come, first served) instead of sharing the CPU with all the others.
    # A connection is checked when it is borrowed (CONN_HEALTH_CHECKS: Django passes the
    # pool's check), so a database restart costs no request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=30.0),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis: channel layer and Huey ----------------------------------------------------------
REDIS_URL: str | None = env.str("REDIS_URL", default=None)

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis that survives a Redis outage (peerpath.core.channel_layer)
            "BACKEND": "peerpath.core.channel_layer.ResilientRedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    HUEY: dict[str, Any] = {
        "huey_class": "huey.RedisHuey",
        "name": "peerpath",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    # In-memory, plus a database relay so what the Huey worker or a command sends reaches the
    # server process's sockets (peerpath.notifications.relay; the server polls once a second).
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "peerpath.notifications.relay.RelayedInMemoryChannelLayer"}
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "peerpath",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# Where a hub without Redis (peerpath.core.hub) hands what a process without sockets
# publishes: the same database relay (core names it here instead of importing an app).
HUB_DATABASE_RELAY = "peerpath.notifications.relay"

# --- Cache: shared by every process (rate limits, suggestion arrays) ------------------------
# Redis when configured (degrading to a miss while Redis is down: peerpath.core.cache), else
# Django's database cache in the table a core migration creates. Never per-process memory:
# login rate limits must count across workers and restarts.
CACHE_TABLE = "peerpath_cache"
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {
            "BACKEND": "peerpath.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "peerpath",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_PREFIX": "peerpath",
        }
    )
}

# --- Auth and accounts (django-allauth) -----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "peerpath.accounts.backends.RolePermissionBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("PEERPATH_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "peerpath.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "peerpath.accounts.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[peerpath] "
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "peerpath"

# --- Email ----------------------------------------------------------------------------------
_EMAIL_URL: str = env.str("EMAIL_URL", default="filemail://var/mail")
EMAIL_CONFIG = env.email_url_config(_EMAIL_URL)
EMAIL_BACKEND: str = EMAIL_CONFIG["EMAIL_BACKEND"]


def _email_file_path(url: str) -> str:
    """The folder of ``filemail://PATH``: relative paths resolve under the project (not the
    working directory), ``filemail:///abs`` is absolute. django-environ splits the path into
    host and path, so it is read from the URL itself."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    path = Path(rest) if rest else VAR_DIR / "mail"
    return str(path if path.is_absolute() else BASE_DIR / path)


EMAIL_FILE_PATH: str = _email_file_path(_EMAIL_URL) if _EMAIL_URL.startswith("filemail:") else ""
EMAIL_HOST: str = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
EMAIL_PORT: int = int(EMAIL_CONFIG.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER: str = EMAIL_CONFIG.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD: str = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS: bool = bool(EMAIL_CONFIG.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL: bool = bool(EMAIL_CONFIG.get("EMAIL_USE_SSL", False))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="peerpath <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where an unacknowledged safeguarding alert is e-mailed when staff have not set contacts in
# the admin (Safeguarding settings); empty: every member of the safeguarding team (or staff).
SAFEGUARDING_EMAILS: list[str] = env.list("SAFEGUARDING_EMAILS", default=[])

# --- Time and language ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"  # storage; each request is shown in the user's own zone (middleware)
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Whether a request came over HTTPS, and from which address, is decided by the server from
# the proxy headers of TRUSTED_PROXIES only (scripts/serve.sh passes them to uvicorn as
# --forwarded-allow-ips); Django itself believes no forwarded header, so a client cannot
# claim https or rotate X-Forwarded-For past the login rate limits.
TRUSTED_PROXIES: list[str] = env.list("TRUSTED_PROXIES", default=[])
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP on the private side.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy and Permissions-Policy ---------------------------------------------
# CSP (django-csp 4; peerpath.core.middleware.ContentSecurityPolicyMiddleware adds the page's
# own ws:/wss: host to connect-src). Scripts are external files under static/ only: no
# 'unsafe-inline', no 'unsafe-eval' (so no htmx trigger filters or hx-on; base.html sets
# htmx's allowEval and includeIndicatorStyles off). Styles are files too: the one inline
# <style>, on the context-free 500 page, carries the request's nonce (NONCE is dropped from
# the header on every response that does not use it). The Django admin and allauth pages
# need nothing more under Django 5.2 (tests/e2e/test_security_headers_e2e.py walks them).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Features the site does not use are switched off for it and any frame; an empty list is
# "()" (nobody). clipboard-write stays with the site: allauth's recovery-codes page copies.
# Only names Chromium knows (it logs an error for others, which fails the browser tests).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "fullscreen",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "publickey-credentials-create",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "sync-xhr",
            "usb",
            "xr-spatial-tracking",
        )
    },
    "clipboard-write": ["self"],
}

# --- peerpath -------------------------------------------------------------------------------
PEERPATH_SITE_NAME = "peerpath"


def _site_url() -> str:
    configured: str = env.str("SITE_URL", default="")
    if configured:
        return configured.rstrip("/")
    public = [h for h in ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")]
    if not DEBUG and public:
        return f"https://{public[0]}"
    host = env.str("HOST", default="127.0.0.1")
    return f"http://{host}:{env.int('PORT', default=8000)}"


#: The absolute base of every link sent outside a request (e-mails, notifications).
SITE_URL: str = _site_url()
# Names nobody may register. Demo names are added when DEBUG is off (see accounts.policies).
PEERPATH_RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "request",
        "settings",
        "administrator",
        "staff",
        "root",
        "support",
        "moderator",
        "mod",
        "system",
        "peerpath",
        "help",
        "security",
        "api",
        "null",
        "anonymous",
    }
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "peerpath.core.views.csrf_failure"

# WhiteNoise serves static files under ASGI too; in development straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Files browsers and tools ask for at the site's root (/favicon.ico), served as they are.
WHITENOISE_ROOT = BASE_DIR / "static" / "icons"
