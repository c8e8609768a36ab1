"""Settings for hepingorgs, all driven by the environment.

Variables: SECRET_KEY, DEBUG (1/0, true/false), ALLOWED_HOSTS (comma-separated),
DATABASE_URL. When DATABASE_URL is unset the project uses the private development
cluster that ``python3 -m hepingorgs.devdb start`` (run by ``make run``/``make test``)
provisions under ``.var/pg``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from pghistory import config as pghistory_config

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or ("insecure-development-key-only" if DEBUG else None)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])


def _default_database_url():
    from hepingorgs.devdb import database_url

    return database_url(BASE_DIR)


# Every page runs short queries. PostgreSQL compiles a query with LLVM (JIT) once its
# estimated cost passes jit_above_cost; a search over a million names passes it easily
# and then spent 60 ms compiling a 20 ms count (and 500 ms for a planned index walk):
# JIT pays off only for long analytical queries, so it is off on our connections.
# work_mem: a search in a street of half a million groups intersects bitmaps of that
# many rows; in PostgreSQL's default 4 MB they become lossy, and every row of a lossy
# page is tested again, n-grams computed (250 ms instead of 30 for a clerk's search).
# Behind PgBouncer, which does not pass this startup parameter, set DATABASE_OPTIONS=""
# and the same settings on the database (docs/deploy.md).
_database_options = os.environ.get("DATABASE_OPTIONS", "-c jit=off -c work_mem=32MB")
CONNECTION_OPTIONS = {"options": _database_options} if _database_options else {}


def database(url):
    """Django's settings for the database at ``url``, with ``CONNECTION_OPTIONS`` added
    to the options the URL itself gives (``?sslmode=require`` ...)."""
    config = dj_database_url.parse(url, conn_max_age=60)
    config["OPTIONS"] = {**config.get("OPTIONS", {}), **CONNECTION_OPTIONS}
    return config


DATABASES = {"default": database(os.environ.get("DATABASE_URL") or _default_database_url())}
if os.environ.get("TEST_DATABASE_NAME"):
    # Lets several test runs share one server without clobbering each other.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "hepingorgs.apps.AdminConfig",  # django.contrib.admin, with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "axes",
    "hepingorgs",
    "registry",
    "incubator",
    "projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hepingorgs.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hepingorgs.middleware.SessionRefreshMiddleware",
    "hepingorgs.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hepingorgs.middleware.BadParametersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hepingorgs.history.HistoryMiddleware",
    "hepingorgs.replicas.ReplicaRoutingMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hepingorgs.urls"
WSGI_APPLICATION = "hepingorgs.wsgi.application"

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
                "hepingorgs.context_processors.roles",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Staff and clerks see personal data: at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hepingorgs.security.MaximumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / ".var" / "static")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "filings:list"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG and bool(os.environ.get("SECRET_KEY")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# Change history is kept by PostgreSQL triggers (django-pghistory); the middleware adds
# who made the change. Only writing methods need a context.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PGHISTORY_ADMIN_ALL_EVENTS = False
# A history row keeps the record's foreign keys as values (no constraint), without an
# index each: history is read by record (pgh_obj) and joined to its context, never
# looked up by street or category, and every index is one more write for each row
# changed (an import of 100,000 groups wrote six unused ones; bench/import.py).
PGHISTORY_FOREIGN_KEY_FIELD = pghistory_config.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory_config.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory_config.ContextForeignKey(db_index=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The district this deployment serves. Other districts set these in the environment.
DISTRICT_AREA_CODE = os.environ.get("DISTRICT_AREA_CODE", "120101")
DISTRICT_NAME = os.environ.get("DISTRICT_NAME", "和平区")
REGISTRATION_AUTHORITY = os.environ.get("REGISTRATION_AUTHORITY", "天津市和平区民政局")

# Public directory, open data and the read-only API (/directory/, /downloads/, /api/v1/).
# Behind reverse proxies, how many of them append to X-Forwarded-For; 0 (no proxy) means
# the header is ignored, so a forged one never changes whose requests are counted.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# DRF (its own throttles, if any) counts proxies by the same rule; left unset, it believes
# X-Forwarded-For as the client sent it.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# Anonymous request rates per client address ("number/second|minute|hour|day").
# Seconds an anonymous visitor's public page or API answer may be served from the cache
# (hepingorgs.opendata.cached_for_the_public); 0 turns it off.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "30"))
# Seconds the public lists' drop-down filters, rendered for one choice of filters, are
# reused for every visitor (registry.views.directory: 7 of a list page's 30 ms); a new
# street or category shows in them after this long. 0 renders them at every visit.
PUBLIC_FILTERS_SECONDS = envint("PUBLIC_FILTERS_SECONDS", 30)
# Seconds the figures of a completed year on the home page and /stats/ are kept in the
# cache (hepingorgs.views.public_figures): computing them reads every organization and
# group (4 s at a million organizations); a correction to a past year shows after this
# long. 0 computes them at every visit.
PUBLIC_FIGURES_SECONDS = envint("PUBLIC_FIGURES_SECONDS", 600)
PUBLIC_THROTTLE_RATES = {
    "pages": os.environ.get("PUBLIC_PAGE_RATE", "120/minute"),
    "api": os.environ.get("PUBLIC_API_RATE", "60/minute"),
    "downloads": os.environ.get("PUBLIC_DOWNLOAD_RATE", "20/hour"),
}
# Lists count matching rows up to this many and show the planner's estimate ("≈") above;
# an exact count of a million rows costs more than the page itself. 2,000 keeps a
# district's filtered lists exact and every count under a few milliseconds at national
# scale (counting 10,000 credit-listed organizations took 100 ms: docs/benchmarks.md).
PUBLIC_COUNT_CAP = envint("PUBLIC_COUNT_CAP", 2_000)
SPECTACULAR_SETTINGS = {
    "TITLE": f"{DISTRICT_NAME}社会组织公开数据接口",
    "DESCRIPTION": (
        "只读、免登录。登记的社会组织与备案的社区社会组织；每个资源都支持 q（搜索）与 "
        "updated_since（ISO 8601 时间）参数。批量数据见 /downloads/。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "OrganizationStatusEnum": "registry.models.OrgStatus",
        "PublicFilingStatusEnum": "registry.directory.PUBLIC_GROUP_STATUS_CHOICES",
        "OrganizationFieldEnum": "registry.models.Field",
        "OrganizationGradeEnum": "registry.models.Grade",
        "ProjectFieldEnum": "projects.models.ProjectField",
        "ProjectEvaluationGradeEnum": "projects.models.EvaluationGrade",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hepingorgs.api.document_error_responses",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from our own static files (drf-spectacular-sidecar): no CDN. (Redoc is
    # left out: its page loads web fonts from the internet.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
# Registration applications (registry.applications): new credit codes are issued from
# this block of organization codes (the first characters of positions 9-16) of the
# district's area code; certificates' QR codes point to public pages under this address.
CREDIT_CODE_BLOCK = os.environ.get("CREDIT_CODE_BLOCK", "MJ0")
# A large ledger import checks half of its rows in a second process (hepingorgs.imports).
IMPORT_PARALLEL = envbool("IMPORT_PARALLEL", True)
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# ---------------------------------------------------------------------------------------
# Production: serving, HTTPS, sessions, login protection, read replicas, backups.
# Everything below is driven by the environment; docs/deploy.md lists the variables.
# ---------------------------------------------------------------------------------------


# Static files: collected into STATIC_ROOT (``make serve`` runs collectstatic) and served
# by whitenoise with hashed names (cached for a year) and precompressed gzip copies.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# What browsers fetch from the site's root on their own (/favicon.ico), from this folder;
# without it every page view logs a 404 in the browser's console.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# Uploaded files and generated exports live here; on several app servers it is one shared
# (network) folder, see docs/deploy.md.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / ".var" / "media")
MEDIA_URL = "media/"

# HTTPS. The app runs behind a reverse proxy that terminates TLS. Set
# SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https" only when that proxy always sets the
# header (and strips it from clients); otherwise Django cannot tell HTTPS requests apart.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    _header, _, _value = _proxy_ssl_header.partition("=")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _header.strip().upper().replace("-", "_"),
        _value.strip() or "https",
    )
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer's health probe speaks plain HTTP to each app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"
# No external origin: scripts, styles, fonts and images come from this site only.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

# A working day of inactivity ends the session: SessionRefreshMiddleware starts the clock
# again at most every SESSION_REFRESH_SECONDS (not on every request, which would write
# the session row on every page view).
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_REFRESH_SECONDS = envint("SESSION_REFRESH_SECONDS", 5 * 60)


# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one user name, or
# from one address, further attempts are refused for AXES_COOLOFF_HOURS.
AUTHENTICATION_BACKENDS = [
    "hepingorgs.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "hepingorgs.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGGING["loggers"] = {
    # Successful and failed logins (hepingorgs/security.py); kept whatever LOG_LEVEL says.
    "hepingorgs.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
}

# Read replicas: DATABASE_REPLICA_URLS (comma-separated) adds the aliases replica1, ...;
# anonymous reads of the public pages below go to one of them, everything else (staff,
# clerks, every write) to the primary. "/" matches the home page only, every other entry
# is a path prefix.
for _number, _url in enumerate(envlist("DATABASE_REPLICA_URLS", []), start=1):
    DATABASES[f"replica{_number}"] = {**database(_url), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["hepingorgs.replicas.ReplicaRouter"]
PUBLIC_READ_PATHS = [
    "/",
    "/directory/",
    "/community-groups/",
    "/projects/",
    "/notices/",
    "/stats/",
    "/downloads/",
    "/api/v1/",
]

# ``make backup`` writes pg_dump files here (hepingorgs/backup.py).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or BASE_DIR / ".var" / "backups")
