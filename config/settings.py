"""Refoulement Watch settings: one module, driven by environment variables.

DATABASE_URL   default sqlite:///<repo>/db.sqlite3; e.g. postgres://postgres@127.0.0.1:5432/refwatch
SECRET_KEY     required when DEBUG is off
DEBUG          1/0 (default 0)
ALLOWED_HOSTS  comma-separated (default: localhost names when DEBUG is on, none otherwise)
HTTPS          1/0: secure cookies, HSTS and SSL redirect (default: on when DEBUG is off)
REDIS_URL      required when DEBUG is off (shared rate-limit counts); see README for the rest
DATABASE_REPLICA_URL  optional PostgreSQL streaming replica for public reads (config/replica.py)
"""

import re
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TESTING", False)  # set by scripts/test.sh
# BENCH=1 (bench/, never in production): /bench/floor/ and an X-Query-Count header.
BENCH = env_bool("BENCH", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("Refusing to start: SECRET_KEY is the default or too short.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # the admin site with two-factor login (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_countries",
    "nested_admin",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "incidents",
    "ops",  # backup_db, restore_db, table_counts (docs/operations.md)
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",  # first: times and logs the final response
    "config.bench.QueryCountMiddleware",  # BENCH only (config/bench.py); dropped otherwise
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.sessions.SessionMiddleware",  # Django's, but a committed save never shows an error
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.replica.PublicReadsMiddleware",  # after auth: anonymous safe requests may use it
    "config.ratelimit.RateLimitMiddleware",  # after auth: logged-in staff are not limited
    "config.middleware.StaffSessionLifetimeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Innermost but for axes: a cached page still passes the rate limits and gets every header.
    "config.pagecache.PublicPageCacheMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
            "string_if_invalid": "" if not env_bool("TEMPLATE_STRICT", False) else "!!%s!!",
        },
    }
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "config.sqlite"  # see config/sqlite/base.py
# A PostgreSQL streaming replica for public reads (config/replica.py, docs/deploy.md). Its
# connect_timeout is short: a replica that does not answer is skipped, never waited for.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    try:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a valid URL: {exc}") from None
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["replica"]["ENGINE"] = "config.sqlite"
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be the same kind of database.")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("REPLICA_CONNECT_TIMEOUT", 2)
        )
elif TESTING:
    # The same test database under the replica's name, so that tests can switch the router
    # on (tests/test_replica.py); without DATABASE_ROUTERS nothing is ever sent to it.
    DATABASES["replica"] = {
        **DATABASES["default"],
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"] if DATABASE_REPLICA_URL else []
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 10)  # after a failed connection
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10) if DATABASE_REPLICA_URL else 0

for _alias in DATABASES:
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles any query whose estimated cost is high (the statistics CTE
        # over 100k incidents): measured, it doubled that query's time (12 s -> 23 s) and never
        # paid off for the short queries this app runs.
        DATABASES[_alias].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Staff login ------------------------------------------------------------------------------
# Two-factor (TOTP) login is required for the admin whenever DEBUG is off.
REQUIRE_2FA = env_bool("REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Refoulement Watch"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out attempts
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username *from one address* after 5 failures, for 15 minutes. Keying on the pair
# means an outsider elsewhere cannot lock a caseworker out, and the lock always expires.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy every request comes from the proxy's address, which would make the
# lock per username only (anyone could lock a caseworker out); see config.middleware.client_ip.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False

# Sessions: staff are logged out after 30 idle minutes and 10 hours at most.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # sliding idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_MAX_HOURS", 10) * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. HTTPS defaults on in production; the local quick start turns it off
# because it serves plain HTTP on 127.0.0.1.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): our own files only, no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

PUBLIC_PAGE_SIZE = env_int("PUBLIC_PAGE_SIZE", 25)

# Read-only public API (Django REST framework); rate limits: config.ratelimit, below.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Refoulement Watch API",
    "DESCRIPTION": "Read-only access to published incidents, places and public sources.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}
# --- Operations (docs/operations.md) ---------------------------------------------------------

# Shared cache: rate-limit counts must be shared by every gunicorn worker, so production needs
# Redis. Tests and DEBUG use a per-process cache; LOCAL_CACHE=1 (the quick start) uses files
# under var/cache, shared by the workers of one machine.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    _cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "refwatch"),
        # A hung Redis must not hang every request: fail fast (rate limits then fail open).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
elif DEBUG or TESTING:
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
elif env_bool("LOCAL_CACHE", False):
    _cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "cache"),
    }
else:
    raise ImproperlyConfigured(
        "REDIS_URL must be set when DEBUG is off (e.g. redis://127.0.0.1:6379/0): rate limits "
        "are counted in Redis so that every worker shares them. For a trial run on one "
        "machine only, set LOCAL_CACHE=1."
    )
CACHES = {"default": _cache}

# Rate limits for anonymous clients (config/ratelimit.py), per address, as "N/period"
# (period s, m, h or d, e.g. "120/m", "1000/h"). Logged-in staff are not limited.
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATE_LIMITS = {
    "page": env_str("RATE_LIMIT_PAGES", "120/m"),
    "search": env_str("RATE_LIMIT_SEARCH", "30/m"),
    "export": env_str("RATE_LIMIT_EXPORTS", "10/m"),
    "feed": env_str("RATE_LIMIT_FEED", "60/m"),
    "api": env_str("RATE_LIMIT_API", "120/m"),
}
for _name, _rate in RATE_LIMITS.items():
    if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", _rate):
        raise ImproperlyConfigured(f"Rate limit {_name}={_rate!r}: use N/period, e.g. 120/m.")
RATELIMIT_USE_CACHE = "default"

# Anonymous public pages and aggregates are cached this long (seconds) in the shared cache;
# any write that changes public data invalidates them at once (incidents/cache.py), so this
# only bounds memory. 0 turns the cache off (the default in tests and DEBUG, where data is
# changed behind the write services' back).
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 0 if (DEBUG or TESTING) else 600)
RATELIMIT_FAIL_OPEN = True  # a count lost by the cache lets the request through
# django-ratelimit knows only django-redis by name; Django's own RedisCache increments
# atomically too (W001). Its E003 (a per-process cache) is expected in tests and DEBUG only.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + (
    [] if REDIS_URL else ["django_ratelimit.E003"]
)

# Proxies whose X-Forwarded-For is believed when BEHIND_PROXY=1 (config.middleware.client_ip).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# Seconds a client is told to wait (Retry-After) while the database is unreachable.
OUTAGE_RETRY_AFTER = env_int("OUTAGE_RETRY_AFTER", 30)

# Errors: e-mailed to ADMINS ("Name <address>, ..."), and sent to Sentry when SENTRY_DSN is set;
# both without any request data, local variable or exception message (config/logging.py,
# config/sentry.py).
ADMINS = [(name, address) for name, address in getaddresses(env_list("ADMINS", [])) if address]
SERVER_EMAIL = env_str("SERVER_EMAIL", "refoulement-watch@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_SUBJECT_PREFIX = "[Refoulement Watch] "
# SMTP by default; the quick start prints mail on the console (scripts/_env.sh).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", SERVER_EMAIL)
# This site's address, for links in e-mails (workflow notifications).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Console: one JSON object per line in production (LOG_JSON), text otherwise. The 'django'
# logger is redefined so that Django's default mail handler (which would e-mail POST data and
# frame variables) is not kept.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "once_per_interval": {"()": "config.logging.OncePerInterval", "seconds": 300},
    },
    "formatters": {
        "json": {"()": "config.logging.JSONFormatter"},
        "text": {
            "()": "config.logging.SafeFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env_bool("LOG_JSON", not DEBUG) else "text",
        },
        "mail_admins": {
            "class": "config.logging.SafeAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "once_per_interval"],
        },
    },
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
    "root": {"handlers": ["console", "mail_admins"], "level": LOG_LEVEL},
}

SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    init_sentry(SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"))
