"""One settings module, configured from the environment.

With no environment at all the site runs on an SQLite file and a local-memory
cache, so a fresh clone needs no services. Production sets:

- ``DATABASE_URL``   e.g. ``postgres://user:pass@host:5432/osce_cms`` (psycopg 3)
- ``REDIS_URL``      e.g. ``redis://host:6379/0`` (cache)
- ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG`` (default off), ``DJANGO_LOCAL`` (serve on this
  machine over plain HTTP, as the demo does), ``DJANGO_ALLOWED_HOSTS``
  (comma-separated), ``DJANGO_CSRF_TRUSTED_ORIGINS`` (comma-separated origins)
- ``SITE_URL``       the site's public address, for links in mail (e.g. ``https://www.osce.org``)
- ``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``,
  ``EMAIL_USE_TLS``, ``DEFAULT_FROM_EMAIL``: SMTP. Without ``EMAIL_HOST`` mail is
  printed to the console (the demo).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Serving on this machine over plain HTTP, as `make demo` does: production
# behaviour (no debug pages; the site's own 404, 500 and 503 pages; the same
# security headers) without HTTPS-only cookies, redirects or a secret key.
LOCAL = env_bool("DJANGO_LOCAL", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or LOCAL) and not env_bool("DJANGO_ALLOW_INSECURE_KEY"):
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_LOCAL=1 to serve on this machine only)."
        )
    # On this machine only: never used in production unless explicitly allowed.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or LOCAL else ""
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "osce_cms.apps.OsceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "mptt",
    "django_filters",
    "reversion",
    "django_prose_editor",
    "imagekit",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from this site
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "taxonomy",
    "press",
    "api",
    "alerts",
    # The project itself: what composes the apps (the demo's set-up command).
    "osce_cms.apps.OsceCmsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "osce_cms.middleware.SecurityHeadersMiddleware",
    # Content-Security-Policy (django-csp): CONTENT_SECURITY_POLICY below,
    # ADMIN_CONTENT_SECURITY_POLICY under /admin/.
    "osce_cms.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for the JSON API only (CORS_URLS_REGEX): any site may read it.
    "corsheaders.middleware.CorsMiddleware",
    # Outside the page cache: answers 304 from the cached page's ETag.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of a public page is its URL's: English unprefixed, the
    # others under /fr/, /de/, ... (osce_cms/urls.py, i18n_patterns).
    "osce_cms.middleware.LanguageFromPathMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "osce_cms.cache.PublicPageCacheMiddleware",
    "osce_cms.middleware.DatabaseUnavailableMiddleware",
    # Last: throttles admin logins after repeated failures.
    "axes.middleware.AxesMiddleware",
]

# Public pages load nothing inline and nothing from elsewhere: no
# 'unsafe-inline' anywhere. JSON-LD is a data block, not a script. A view
# that sets its own header keeps it (uploaded media: "default-src 'none'; sandbox").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
TIPTAP_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"
# The admin's own policy (osce_cms.middleware.ContentSecurityPolicyMiddleware):
# the public one, but for what Django's admin, the release form's editor
# (django-prose-editor) and the tree admin (django-mptt) need.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        # The editor's <script type="importmap">, rendered with the request's nonce.
        "script-src": [SELF, NONCE],
        # The one <style> element the editor's Tiptap core inserts (its
        # injectCSS, which django-prose-editor gives no nonce), allowed by the
        # hash of its exact text: django-prose-editor 0.28. An upgrade that
        # changes it shows as a violation in tests/test_admin_csp_browser.py,
        # whose message gives the new hash.
        "style-src": [SELF, TIPTAP_STYLE_HASH],
    },
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one user name from one address lock that pair out for
# 15 minutes; the admin says so instead of trying the password.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes_locked.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

ROOT_URLCONF = "osce_cms.urls"
WSGI_APPLICATION = "osce_cms.wsgi.application"

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
                "taxonomy.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every transaction take SQLite's write lock at BEGIN, so
    # two writers queue instead of failing with "database is locked" when a
    # read transaction tries to upgrade; tree writes rely on this to serialize.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("TEST", {})
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "osce"),
            "OPTIONS": {
                # A cache outage degrades to uncached pages, never to a 500.
                "IGNORE_EXCEPTIONS": True,
            },
        },
        # The API's request counts per client (api/throttling.py), shared by every process.
        "throttle": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "osce") + "-throttle",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        },
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # The API's request counts per client (api/throttling.py): room for many
        # addresses, so that a crowd of them cannot push one client's count out.
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }

# --- Auth ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Where a login goes when its `next` is missing or points off the site: the
# newsroom, not Django's /accounts/profile/ (which this site does not have).
LOGIN_REDIRECT_URL = "admin:index"

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en"
# The organisation's six official languages, English first (the default,
# unprefixed). Each name in its own language, as a language switcher shows it.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Vienna")
USE_I18N = True
USE_TZ = True
# Dates read the same in the admin as on the public pages (see osce_cms/formats).
FORMAT_MODULE_PATH = ["osce_cms.formats"]

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or LOCAL or env_bool("DJANGO_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Locally, static files come straight from the apps and static/ (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or LOCAL
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security: secure by default when debug is off ----------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not (DEBUG or LOCAL):
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # The load balancer and the container health check speak plain HTTP to it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: structured lines to stdout --------------------------------------
# JSON lines unless LOG_FORMAT=plain (the default with debug on, for people).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG or LOCAL else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "osce_cms.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT if LOG_FORMAT in ("plain", "json") else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Product settings ---------------------------------------------------------
SITE_NAME = os.environ.get("SITE_NAME", "Organization for Security and Co-operation in Europe")
SITE_SHORT_NAME = os.environ.get("SITE_SHORT_NAME", "OSCE")
PRESS_PAGE_SIZE = int(os.environ.get("PRESS_PAGE_SIZE", "20"))
# Count, order and facet the listings from each process's listing index
# (press/listing_index.py: the read model as bitsets, kept by the listing
# clock); off, the database does it all (slower, the same answers).
LISTING_INDEX = env_bool("LISTING_INDEX", default=True)
# Anonymous full-page cache (osce_cms/cache.py). With the default local-memory
# cache it is per process: run several processes only with REDIS_URL set.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", default=True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Mail: SMTP from the environment; the console without it (the demo) ----------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587" if env_bool("EMAIL_USE_TLS") else "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "press@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work: Django's Tasks API (django-tasks) ------------------------------
# The database backend by default (a worker: manage.py db_worker); TASKS_BACKEND=rq
# runs the same tasks on Redis (REDIS_URL; a worker: manage.py rqworker default).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
# Declared whatever the backend: django-imagekit defines an RQ job at import
# whenever django-rq is installed, and that reads the queues.
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db"), "django_rq")
    # rqworker runs the tasks as django-tasks-rq's jobs: RQ's own cannot call a Task.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ImproperlyConfigured("TASKS_BACKEND is 'database' (the default) or 'rq'.")

# --- Email alerts (alerts/) ---------------------------------------------------------
# Subscribe requests per client address an hour; confirmation mails per address a day.
ALERTS_CLIENT_LIMIT = int(os.environ.get("ALERTS_CLIENT_LIMIT", "20"))
ALERTS_EMAIL_LIMIT = int(os.environ.get("ALERTS_EMAIL_LIMIT", "5"))
# How long a sender holds what it claimed before another may send it (a killed worker).
ALERTS_CLAIM_SECONDS = int(os.environ.get("ALERTS_CLAIM_SECONDS", "600"))
# Trusted proxies in front of the site: the client's address is the one they forwarded.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# --- The JSON API (api/) -----------------------------------------------------------
# Anonymous requests per client address; "120/minute" or "2000/hour", ...
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/minute")
REST_FRAMEWORK = {
    # Read-only and public: nobody signs in, so no session and no CSRF to check.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    # The client's address is the connection's unless trusted proxies forward it.
    "NUM_PROXIES": int(os.environ.get("PROXY_COUNT", "0")),
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.exception_handler",
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OSCE press releases API",
    "DESCRIPTION": (
        "The public press releases, filtered exactly as the newsroom's listing filters them: "
        "the same parameters with the same meaning, the same counts. Read-only and anonymous."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # In the order of api/urls.py: releases, a release, facets, the trees.
    "SORT_OPERATIONS": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.closed_objects",
    ],
}
#: The API's addresses in every language (/api/..., /fr/api/...): CORS and no page cache.
API_PATH_REGEX = r"^/(?:(?:{})/)?api/".format(
    "|".join(code for code, _name in LANGUAGES if code != LANGUAGE_CODE)
)
CORS_URLS_REGEX = API_PATH_REGEX
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After", "Content-Language")

SILENCED_SYSTEM_CHECKS = [
    "models.W040"
]  # SQLite ignores the covering index INCLUDE; PostgreSQL uses it
