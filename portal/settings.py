"""Settings for the portal, read from the environment with safe defaults.

Every variable is listed in `.env.example` and in the README. Debug is off unless
asked for; with debug off the process refuses to start without a secret key.
"""

import math
import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name, default, kind=int, *, minimum, maximum):
    """A number from the environment within [minimum, maximum]; anything else (not a number, nan,
    inf, out of range) stops the process with one line rather than quietly changing behaviour."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        number = kind(value)
    except ValueError:
        sys.exit(f"{name} must be {what}, not {value!r}.")
    if not math.isfinite(number) or not minimum <= number <= maximum:
        sys.exit(f"{name} must be {what} from {minimum} to {maximum}, not {value!r}.")
    return number


def cache_from_url(url, max_bytes):
    """`locmem://` (one cache per process, at most `max_bytes`) or `redis://[:password@]host:port/db`
    (shared; its size is Redis's `maxmemory`, see the README)."""
    scheme = url.split("://", 1)[0].lower()
    if scheme == "locmem":
        return {
            "BACKEND": "portal.cache_backends.BoundedLocMemCache",
            "LOCATION": url.split("://", 1)[1] or "portal",
            "OPTIONS": {"MAX_ENTRIES": 20_000, "MAX_BYTES": max_bytes},
        }
    if scheme in {"redis", "rediss", "unix"}:
        # A Redis that is down or slow makes pages uncached, never failed (portal.cache_backends);
        # short timeouts keep a black-holed server from holding every request.
        return {
            "BACKEND": "portal.cache_backends.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    sys.exit(f"DJANGO_CACHE_URL: unsupported scheme {scheme!r} (use locmem://, redis:// or rediss://).")


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # One line, no traceback: the process refuses to start.
        sys.exit("DJANGO_SECRET_KEY is not set: set it, or set DJANGO_DEBUG=1 for local development.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS. In production (debug off) everything defaults to on; a server on plain HTTP behind a
# TLS-terminating proxy sets DJANGO_SECURE_PROXY_SSL_HEADER=1 (the proxy must set X-Forwarded-Proto).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sent only on HTTPS responses (SecurityMiddleware).
SECURE_HSTS_SECONDS = env_number(
    "DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0, maximum=63_072_000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
# No script of ours reads the CSRF cookie (forms carry the token), so scripts may not either.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "csp",
    "axes",
    # django-ninja: the JSON API's schema and its Swagger UI static files (api/).
    "ninja",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /api/ only: CORS, preflight answers, every error as problem+json (outside the ETag and cache).
    "api.problems.ApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # ETag from the final body; answers 304 to a matching If-None-Match (pages and feeds).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a refused admin login into the lock-out page (portal.login_lockout).
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the resolved view, the user and the messages: serves anonymous readers'
    # pages from the cache (articles.page_cache).
    "articles.page_cache.PageCacheMiddleware",
]

# Content Security Policy (django-csp 4 format): our own scripts and styles only, none inline;
# images may come from anywhere (articles show the publishers' pictures).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "http:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "portal.urls"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"


def database_from_url(url, conn_max_age):
    """SQLite or PostgreSQL from a URL; anything else stops the process with one line."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        sys.exit(
            f"DATABASE_URL: unsupported scheme {scheme!r} "
            "(use sqlite:///path/to/db.sqlite3 or postgres://user:password@host:5432/name)."
        )
    try:
        database = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except ValueError as error:
        sys.exit(f"DATABASE_URL cannot be read: {error}")
    if not database.get("NAME"):
        sys.exit("DATABASE_URL names no database (postgres://user:password@host:5432/name).")
    return database


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        env_number("DJANGO_CONN_MAX_AGE", 60, minimum=0, maximum=86_400),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes; IMMEDIATE takes the write lock at
    # BEGIN so concurrent writers queue on the busy timeout instead of failing.
    # Connections are kept between requests as for PostgreSQL: opening one costs ~3 ms here
    # (the PRAGMAs, Django's SQL functions), more than a cached page; an idle one holds no lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it pays off for long analytical queries, not for a page's (it added
    # ~90 ms to a list query over a million articles that it chose to compile).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

# PostgreSQL: a psycopg 3 connection pool per process (Django's OPTIONS["pool"]) instead of one
# persistent connection: connections are checked before reuse, replaced when broken, and bounded.
# Every gunicorn worker holds up to DJANGO_DB_POOL_MAX_SIZE connections (sync workers use one at a
# time; gthread workers one per thread), so servers x workers x max size must stay below the
# server's max_connections. DJANGO_DB_POOL_MAX_SIZE=0 turns the pool off (DJANGO_CONN_MAX_AGE then
# applies); the pool requires CONN_MAX_AGE 0, which it replaces.
DB_POOL_MAX_SIZE = env_number("DJANGO_DB_POOL_MAX_SIZE", 4, minimum=0, maximum=100)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env_number("DJANGO_DB_POOL_MIN_SIZE", 1, minimum=0, maximum=100), DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env_number(
            "DJANGO_DB_POOL_TIMEOUT", 10, float, minimum=0.1, maximum=600
        ),  # seconds to wait for a connection
        "max_idle": 300,  # idle connections above min_size are closed after this many seconds
    }

# Two caches that never share space: "default" holds what any reader may be served (pages, facet
# counts) and may be flooded by junk requests; "security" is for security state, so page traffic
# can never evict it. Login failures themselves live in the database (django-axes), not in a cache.
# Both are bounded in bytes: locmem by DJANGO_CACHE_MAX_BYTES per process, Redis by its maxmemory.
CACHE_MAX_BYTES = env_number("DJANGO_CACHE_MAX_BYTES", 64 * 2**20, minimum=2**20, maximum=16 * 2**30)
CACHES = {
    "default": cache_from_url(os.environ.get("DJANGO_CACHE_URL", "").strip() or "locmem://", CACHE_MAX_BYTES),
    "security": {
        "BACKEND": "portal.cache_backends.BoundedLocMemCache",
        "LOCATION": "security",
        "OPTIONS": {"MAX_ENTRIES": 10_000, "MAX_BYTES": 8 * 2**20},
    },
}
# Anonymous readers' pages stay in the cache this long at most; any change to what is public
# makes them unreachable at once (articles.page_cache keys them by the content version).
PAGE_CACHE_SECONDS = env_number("DJANGO_PAGE_CACHE_SECONDS", 300, minimum=0, maximum=86_400)
# How long a process trusts its last reading of the content version (seconds): the bound on
# how stale a page a reader can see after an editor or an import changes what is public.
CONTENT_VERSION_TTL = env_number("DJANGO_CONTENT_VERSION_TTL", 2.0, float, minimum=0, maximum=60)
# Seconds the list pages keep facet counts (articles.selectors); 0 counts on every request.
FACET_CACHE_SECONDS = env_number("DJANGO_FACET_CACHE_SECONDS", 60, minimum=0, maximum=86_400)
# The admin's source filter counts articles per source exactly up to this many filtered rows (a
# bound on its cost at each page load); past it, the counts are estimates, labelled "about".
ADMIN_SOURCE_COUNT_ROWS = env_number("DJANGO_ADMIN_SOURCE_COUNT_ROWS", 10_000, minimum=0, maximum=10_000_000)
# Facet counts from compressed bitmaps of the published articles (articles.facet_index); off, they
# are grouped counts over the matching rows (tests compare the two).
FACET_INDEX = True
# Resolved view names (namespace:name) whose GET responses are cached for anonymous readers.
PAGE_CACHE_VIEWS = {
    "articles:list",
    "articles:topic",
    "articles:provider",
    "articles:detail",
    "articles:story",
    "articles:topics",
    "articles:providers",
    "articles:feed",
    "articles:topic_feed",
    "articles:provider_feed",
    "articles:stories_feed",
    "articles:story_feed",
    "articles:feeds_opml",
    "sitemap",
    "sitemap_section",
    "sitemap_news",
    "api:articles",
    "api:article",
    "api:topics",
    "api:providers",
    "api:stories",
    "api:story",
    "api:openapi-json",
}

# Admin login throttle (django-axes, portal.login_lockout): the LIMIT-th failed login for one
# username from one address locks that pair (429), even for the right password, until WINDOW
# seconds have passed without another attempt. Other addresses and other usernames are not
# affected, so a stranger cannot lock an editor out from elsewhere. `manage.py axes_reset_username
# NAME` lifts a lock at once. A limit below 3 punishes typos; a window below a minute stops nothing.
LOGIN_FAILURE_LIMIT = env_number("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=3, maximum=100)
LOGIN_FAILURE_WINDOW = env_number("DJANGO_LOGIN_FAILURE_WINDOW", 15 * 60, minimum=60, maximum=7 * 86_400)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # every app server sees every failure
AXES_FAILURE_LIMIT = "portal.login_lockout.failure_limit"  # read from the two settings above
AXES_COOLOFF_TIME = "portal.login_lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "portal.login_lockout.username"
AXES_LOCKOUT_CALLABLE = "portal.login_lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_CACHE = "security"
AXES_VERBOSE = False  # no start-up banner in every command's output; lock-outs are logged (WARNING)
# The client address is REMOTE_ADDR (behind a proxy, the proxy must pass the client's; README).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "").strip().upper() or "INFO"
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    sys.exit(f"DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# The site's name in pages, feeds, structured data and the admin.
PORTAL_NAME = os.environ.get("DJANGO_PORTAL_NAME", "").strip() or "Cardio AI News"
