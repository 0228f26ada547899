"""Django settings, read from environment variables only (12-factor).

Every value has a safe production default; `MITMACHSTADT_DEV=1` (set by `make demo` and the test
suite) relaxes the few that need a real deployment (secret key, HTTPS).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("MITMACHSTADT_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV = env_bool("MITMACHSTADT_DEV")
TESTING = "pytest" in sys.modules or env_bool("MITMACHSTADT_TESTING")
DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEV or TESTING or DEBUG):
        raise RuntimeError("SECRET_KEY must be set in production (see README, 'Configuration').")
    # Development only: a fixed key keeps sessions across restarts of the demo.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

# Host names are validated per request by the municipality middleware against the Domain table
# (unknown hosts get a 404 before any view runs), so "*" is safe here; set ALLOWED_HOSTS to pin
# an installation to a fixed list anyway.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",  # the API reference with its own copy of Swagger UI (no CDN)
    # Our apps, from the bottom layer up (see docs/architecture.md).
    "mitmachstadt.core",
    "mitmachstadt.tenants",
    "mitmachstadt.audit",
    "mitmachstadt.accounts",
    "mitmachstadt.geo",
    "mitmachstadt.ideas",
    "mitmachstadt.reviews",
    "mitmachstadt.projects",
    "mitmachstadt.moderation",
    "mitmachstadt.events",
    "mitmachstadt.assemblies",
    "mitmachstadt.api",
    "mitmachstadt.dashboard",
    "mitmachstadt.notifications",
    "mitmachstadt.privacy",
    "mitmachstadt.pages",
    "mitmachstadt.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mitmachstadt.tenants.middleware.MunicipalityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "mitmachstadt.core.pagecache.PageCacheMiddleware",  # needs the municipality and language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mitmachstadt.accounts.middleware.StaffSecondFactorMiddleware",
    "mitmachstadt.moderation.middleware.BlockedAccountMiddleware",
]

ROOT_URLCONF = "mitmachstadt.urls"
WSGI_APPLICATION = "mitmachstadt.wsgi.application"

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
                "mitmachstadt.tenants.context_processors.municipality",
                "mitmachstadt.accounts.context_processors.roles",
                "mitmachstadt.notifications.context_processors.inbox",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'mitmachstadt.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE transactions take the write lock up
    # front so concurrent writers wait (busy timeout) instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;PRAGMA cache_size=-20000;PRAGMA mmap_size=134217728;"
        ),
    }
    # A file (not memory) so that threads and the live server share it; one per process, so that
    # parallel test runs never touch each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming read replica: safe requests read from it, writes and read-your-writes use the
# primary (mitmachstadt/core/dbrouter.py).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["mitmachstadt.core.dbrouter.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(0, "mitmachstadt.core.dbrouter.ReplicaRoutingMiddleware")
    DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "5"))
if env_bool("MITMACHSTADT_BENCH"):  # benchmark diagnostics headers, see core/querycount.py
    MIDDLEWARE.insert(0, "mitmachstadt.core.querycount.QueryCountMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Anonymous pages (core/pagecache.py), apart from rate-limit counters: in each worker's memory,
# and shared by all workers (Redis, or files on one host; not in tests: one process).
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": 200},
}
if REDIS_URL:
    CACHES["pages-shared"] = {**CACHES["default"], "KEY_PREFIX": "pages"}
elif not TESTING:
    CACHES["pages-shared"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "pagecache-pages"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
PAGECACHE_SECONDS = int(os.environ.get("PAGECACHE_SECONDS", "60"))
# Generations without Redis: one small file per municipality, shared by the workers of a host;
# per process in tests, whose municipalities of the same id are not the same.
PAGECACHE_DIR = VAR_DIR / (f"pagecache-test-{os.getpid()}" if TESTING else "pagecache")
# The benchmark's "X-Bench-Cache: bypass" header measures renders; never honoured otherwise.
PAGECACHE_BENCH_BYPASS = env_bool("MITMACHSTADT_BENCH")

# --- Tasks (background work) ----------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests hash thousands of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_ADAPTER = "mitmachstadt.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "mitmachstadt.accounts.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Mitmachstadt] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip,100/h/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
if TESTING:
    ACCOUNT_RATE_LIMITS = {
        k: v for k, v in ACCOUNT_RATE_LIMITS.items() if k in {"login_failed", "signup"}
    }
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Mitmachstadt"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "console://" if (DEV or TESTING) else "smtp://localhost:25")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mitmachstadt <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _email_settings(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme in {"smtp", "smtps", "submission"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or {"smtps": 465, "submission": 587}.get(parsed.scheme, 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme == "submission" or "tls" in query,
            "EMAIL_TIMEOUT": 20,
        }
    raise RuntimeError(f"EMAIL_URL has an unknown scheme: {parsed.scheme!r}")


globals().update(_email_settings(EMAIL_URL))

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS: list[Path] = []
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not (DEV or TESTING or DEBUG)
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEV or TESTING or DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEV or TESTING or DEBUG

# --- Security -------------------------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", default=not (DEV or TESTING or DEBUG))
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

MAP_TILE_URL = os.environ.get(
    "MAP_TILE_URL",
    "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png",
)
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© basemap.de / BKG")
_tile_origin = "{0.scheme}://{0.netloc}".format(urlparse(MAP_TILE_URL)) if MAP_TILE_URL else ""

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_tile_origin] if _tile_origin else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Rate limits (per account and per IP; see core/ratelimit.py) ----------------------------
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
RATE_LIMITS: dict[str, str] = {}
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)

# --- Abuse resistance and privacy (core/antispam.py, moderation, privacy) --------------------
# A public form sent faster than this (seconds) is refused; 0 turns the check off (tests).
ANTISPAM_MIN_FILL_SECONDS = float(
    os.environ.get("ANTISPAM_MIN_FILL_SECONDS", "0" if TESTING else "3")
)
# Retention in days (privacy.retention): IP addresses, unverified accounts, data exports.
RETENTION_IP_DAYS = int(os.environ.get("RETENTION_IP_DAYS", "7"))
RETENTION_UNVERIFIED_DAYS = int(os.environ.get("RETENTION_UNVERIFIED_DAYS", "30"))
RETENTION_EXPORT_DAYS = int(os.environ.get("RETENTION_EXPORT_DAYS", "7"))
RETENTION_REPORT_DAYS = int(os.environ.get("RETENTION_REPORT_DAYS", "365"))
# Files only their owner may download (data exports); never under MEDIA_ROOT.
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", VAR_DIR / "private"))
