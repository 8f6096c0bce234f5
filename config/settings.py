"""Settings for the instrument matching platform.

Everything is read from the environment (django-environ). With nothing set the platform runs embedded:
SQLite, Celery tasks executed inline, database search, local-memory cache. See .env.example.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Literal

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Type annotations such as `admin.ModelAdmin[Product]` or `forms.ModelChoiceField[Category]` need the generic
# classes to be subscriptable at runtime too, not only under mypy.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Set by `make test` and CI: keeps tests on local-memory cache and generous API rates (see REST API).
TESTING = env.bool("DJANGO_TESTING", default=False)
# The embedded default key only exists so `make run` needs no set-up; production must set its own.
EMBEDDED_SECRET_KEY = "embedded-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=EMBEDDED_SECRET_KEY)
if not DEBUG and SECRET_KEY == EMBEDDED_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is False.")
# With DEBUG on, missing pages and crashes still show the platform's own error pages; true shows Django's.
DEBUG_ERROR_PAGES = env.bool("DJANGO_DEBUG_ERROR_PAGES", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# How many reverse proxies in front of the platform append to X-Forwarded-For (0: clients connect directly).
# The API's throttles and the log-in guard key clients on the address the outermost trusted proxy saw
# (config.clients.client_address); with the wrong count a client can pick its own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    # The platform's apps come first: their translations and templates take precedence over those of
    # django.contrib (the admin's "Filter" is 过滤器; a search form's is 筛选).
    "changes",
    "notifications",
    "accounts",
    "catalog",
    "procurement",
    "search",
    "matching",
    "feed",
    "alerts",
    "plans",
    "audit",
    "ocds",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_countries",
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag and Last-Modified on every GET, and a 304 when the client's copy is current (cached answers too).
    "django.middleware.http.ConditionalGetMiddleware",
    # Anonymous answers of the busiest public views, before the session, CSRF and the views themselves run.
    "config.response_cache.AnonymousResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Who changed what: every audit entry written during the request names the signed-in user (audit/).
    "audit.middleware.AuditActorMiddleware",
    # With DEBUG on, the platform's own 404 and 500 pages (see the middleware); a database outage stays a 503.
    "config.middleware.FriendlyErrorPagesMiddleware",
    # Last, so it sees the exceptions of every view: a database outage is a 503, not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.memberships",
                "notifications.context_processors.unread_notifications",
            ],
            # Shared tags outside any app (the project package is not an installed app).
            "libraries": {"ui": "config.templatetags.ui"},
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------
# SQLite by default so `make run` needs no server; tests and production use PostgreSQL via DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A reused connection is checked before each request, so a restarted PostgreSQL costs no failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache ------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache("CACHE_URL")}
elif REDIS_URL and not TESTING:
    # Redis may be lost (DESIGN.md): the cache then degrades to misses with a logged warning, never a 500, and
    # short socket timeouts keep a request from hanging on a Redis that does not answer.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Every log-in (page, admin, API token) goes through the log-in guard (accounts.services.login_guard).
AUTHENTICATION_BACKENDS = ["accounts.backends.GuardedModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
if TESTING:
    # Real hashing costs ~0.2 s a user on purpose; tests create hundreds of users and test no cryptography.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalization ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Country names come from django-countries' translations, except where its Chinese catalog is wrong or names a
# country by another's name (Samoa as American Samoa, Dominica as the Dominican Republic); these msgids are the
# platform's own, with the Chinese in locale/.
COUNTRIES_OVERRIDE = {
    "AS": _("American Samoa"),
    "AW": _("Aruba"),
    "BA": _("Bosnia and Herzegovina"),
    "BS": _("Bahamas"),
    "BW": _("Botswana"),
    "DM": _("Dominica"),
    "GF": _("French Guiana"),
    "GP": _("Guadeloupe"),
    "HK": _("Hong Kong, China"),
    "KG": _("Kyrgyzstan"),
    "KM": _("Comoros"),
    "LR": _("Liberia"),
    "MK": _("North Macedonia"),
    "ML": _("Mali"),
    "MO": _("Macao, China"),
    "NP": _("Nepal"),
    "NR": _("Nauru"),
    "PN": _("Pitcairn"),
    "RE": _("Réunion"),
    "SJ": _("Svalbard and Jan Mayen"),
    "SR": _("Suriname"),
    "TJ": _("Tajikistan"),
    "TT": _("Trinidad and Tobago"),
    "TW": _("Taiwan, China"),
    "UM": _("United States Minor Outlying Islands"),
    "WS": _("Samoa"),
}

# --- Static and media files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded files are served by config.files.media_serve after a permission check. Behind nginx, set this to the
# `internal` location that aliases MEDIA_ROOT (e.g. /protected-media/): Django then checks and nginx sends the bytes.
MEDIA_ACCEL_REDIRECT_PREFIX = env.str("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Embedded runs and tests serve assets through the finders and never run collectstatic; the missing
# STATIC_ROOT is expected there, not a fault worth a warning per request.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Email ------------------------------------------------------------------------------------------
# Console by default: password resets and notifications are printed, nothing leaves the machine.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@instrument-match.local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Everything is served by the platform itself (no CDN), and no page runs an inline script. Inline styles stay
# allowed: Bootstrap components, htmx and the Swagger UI set them, and they cannot run code.
CONTENT_SECURITY_POLICY = env.str(
    "DJANGO_CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
)
# The language cookie is read by the server only; it travels like the session cookie.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Container and load-balancer health probes speak plain HTTP from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/live$"]
    # Only a plain-HTTP trial of the production images turns these off; `check --deploy` then says so.
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # Strict: a filter or ordering value that does not fit is a 400 naming the parameter, never ignored.
    "DEFAULT_FILTER_BACKENDS": [
        "config.api.filters.StrictFilterBackend",
        "config.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonRateThrottle",
        "config.api.throttling.UserRateThrottle",
    ],
    # Throttling stays on in tests, but a whole test run shares one client address, so its rates are high there.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="100000/min" if TESTING else "120/min"),
        "user": env.str("API_THROTTLE_USER", default="100000/min" if TESTING else "1200/min"),
        "token": env.str("API_THROTTLE_TOKEN", default="100000/min" if TESTING else "10/min"),
        "signup": env.str("API_THROTTLE_SIGNUP", default="100000/min" if TESTING else "10/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The same trusted-proxy count as the log-in guard (see TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Instrument Supply-Demand Matching API",
    "DESCRIPTION": "Demands, products, matches, reports and statistics of the national instrument matching platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models name their choices `Kind` or `Status`; naming each enum keeps the schema readable and stops
    # drf-spectacular's collision warning, which `check --deploy` treats as a failure.
    "ENUM_NAME_OVERRIDES": {
        "FeedEntryKindEnum": "feed.models.FeedEntry.Kind",
        "OrganizationKindEnum": "accounts.models.Organization.Kind",
        "MembershipRoleEnum": "accounts.models.Membership.Role",
        "JoinRequestStatusEnum": "accounts.models.JoinRequest.Status",
        "ProductStatusEnum": "catalog.models.Product.Status",
        "ProductDocumentKindEnum": "catalog.models.ProductDocument.Kind",
        "EvaluationKindEnum": "catalog.models.Evaluation.Kind",
        "MatchRunKindEnum": "matching.models.MatchRun.Kind",
        "MatchRunStatusEnum": "matching.models.MatchRun.Status",
        "MatchReportStatusEnum": "matching.models.MatchReport.Status",
        "DemandStatusEnum": "procurement.models.Demand.Status",
        "QuoteStatusEnum": "procurement.models.Quote.Status",
        "ImportJustificationStatusEnum": "procurement.models.ImportJustification.Status",
        "SavedSearchKindEnum": "alerts.models.SearchKind",
        "AlertDeliveryEnum": "alerts.models.Delivery",
        "FollowTargetEnum": "alerts.models.Follow.Target",
    },
}

# --- Celery -----------------------------------------------------------------------------------------
# No broker configured means tasks run inline (eager), so the embedded platform needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None  # run state lives in our own tables (MatchRun, the change outbox)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
# Redis redelivers an unacknowledged task after the visibility timeout; it must outlast the longest task
# or a slow task would run twice in parallel.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60,
    # A request that queues a task must not hang on a broker that does not answer.
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # Reconnecting before a publish: one quick retry, not kombu's default of 2, 4, 6 s waits (the publish policy
    # below covers the send itself; the worker's own reconnects use broker_connection_max_retries instead).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Sending a task while the broker is down fails after one quick retry; the callers log it and the change outbox's
# periodic sweep catches up, so a write never waits long for Redis, nor fails because of it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Search -----------------------------------------------------------------------------------------
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="elasticsearch" if ELASTICSEARCH_URL else "database")
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", default="instruments")
SEARCH_SYNONYMS_FILE = BASE_DIR / "search" / "data" / "synonyms.txt"
# The database backend reads at most this many matching rows per query; broader queries report an estimated
# total (flagged as such) so that latency stays flat however common the words are.
SEARCH_DATABASE_SCAN_LIMIT = env.int("SEARCH_DATABASE_SCAN_LIMIT", default=4000)
# Seconds to wait for Elasticsearch before the database backend answers instead.
SEARCH_ES_TIMEOUT = env.float("SEARCH_ES_TIMEOUT", default=3.0)

# --- Open Contracting (OCDS) ------------------------------------------------------------------------
# Each public demand is an OCDS contracting process, published at /api/v1/ocds/ (ocds/). The ocid prefix is the
# one registered for the platform with the Open Contracting Partnership ("ocds-" and six characters).
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-imatch")
OCDS_PUBLISHER_NAME = env.str("OCDS_PUBLISHER_NAME", default="国家科研仪器供需对接平台")

# --- Audit history ------------------------------------------------------------------------------
# django-auditlog keeps one entry per saved change of these models (the fields that changed, who, when); the
# pages and GET /api/v1/history/{kind}/{id}/ show them to the owning organization and staff (audit/).
# Timestamps alone are left out: they change with every save and say nothing a reader needs.
_AUDIT_SKIP = ["created_at", "updated_at"]
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "procurement.Demand", "exclude_fields": _AUDIT_SKIP},
    {"model": "procurement.Requirement", "exclude_fields": _AUDIT_SKIP},
    {"model": "procurement.Quote", "exclude_fields": _AUDIT_SKIP},
    {"model": "procurement.Award", "exclude_fields": _AUDIT_SKIP},
    {"model": "procurement.ImportJustification", "exclude_fields": _AUDIT_SKIP},
    {"model": "catalog.Product", "exclude_fields": [*_AUDIT_SKIP, "evaluation_count", "evaluation_score"]},
    {"model": "catalog.DomesticProductRule", "exclude_fields": _AUDIT_SKIP},
)
# The history shows who, not from where: no IP addresses are kept.
AUDITLOG_DISABLE_REMOTE_ADDR = True
# Rows loaded as they were stored (loaddata, a test database's serialized contents) are not changes anyone made:
# logging them would also create content types ahead of the serialized ones, which then collide.
AUDITLOG_DISABLE_ON_RAW_SAVE = True

# --- Domain -----------------------------------------------------------------------------------------
# Which products count as domestic is the dated domestic-product rule (catalog.DomesticProductRule), kept in
# the database with its price-evaluation preference, not in settings.
MATCHING_TOP_N = env.int("MATCHING_TOP_N", default=10)
MATCHING_NEAR_MISS_N = env.int("MATCHING_NEAR_MISS_N", default=10)
MATCHING_NOTIFY_THRESHOLD = env.float("MATCHING_NOTIFY_THRESHOLD", default=0.5)
# A full run's chunk not finished this long after it was queued or started, and not being matched right now, is
# queued again by the minutely sweep: a killed worker delays a run by about this much, not the broker's hour.
MATCHING_CHUNK_LEASE_SECONDS = env.int("MATCHING_CHUNK_LEASE_SECONDS", default=120)
# How many products the candidate pools one worker process keeps may hold together (the least recently used go
# first): about 2 KB each once demands were matched against them, so the default keeps every pool of the national
# benchmark's 40 categories (380,000 candidates) in under 1 GB.
MATCHING_POOL_CACHE_PRODUCTS = env.int("MATCHING_POOL_CACHE_PRODUCTS", default=500_000)
# Weights of the named score components; they are normalised, so only their ratios matter.
MATCHING_WEIGHTS = {
    "preferred": 0.35,
    "price": 0.20,
    "text": 0.10,
    "evaluations": 0.15,
    "province": 0.10,
    "lead_time": 0.10,
}
# How long a consumer's claim on a batch of the change outbox lasts: a crashed worker's batch is taken again after
# this (a live worker's batch stays locked however long its work takes).
CHANGES_LEASE = timedelta(minutes=10)
# Whole answers for anonymous visitors (config/response_cache.py): how long they are kept at most (a published
# change drops them at once through the change outbox), and which views they are kept for. 0 keeps none; tests
# start with none so one test's answer never reaches another.
ANONYMOUS_CACHE_SECONDS = env.int("ANONYMOUS_CACHE_SECONDS", default=0 if TESTING else 60)
ANONYMOUS_CACHE_VIEWS = env.list(
    "ANONYMOUS_CACHE_VIEWS",
    default=[
        "home",
        "procurement:demand-detail",
        "catalog:product-detail",
        "api:product-list",
        "api:demand-list",
        "api:search",
    ],
)
# Seconds the home page's platform figures (counts, top gaps, latest report) are cached; 0 computes them each time.
HOME_CACHE_SECONDS = env.int("HOME_CACHE_SECONDS", default=60)
# Days after a demand's deadline in which the buyer weighs the quotes it received and awards; then it expires.
PROCUREMENT_AWARD_PERIOD_DAYS = env.int("PROCUREMENT_AWARD_PERIOD_DAYS", default=60)

# --- Webhooks ---------------------------------------------------------------------------------------
# Hosts webhook URLs may name: "*" any, "example.org" that host, "*.example.org" its subdomains.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=["*"])
# Loopback, private, link-local and other non-public addresses are refused (so a webhook cannot probe the
# internal network) unless this is on: only for intranet deployments whose receivers live on private addresses.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Seconds a receiver has to connect and answer; no answer in time is a failure, retried with backoff.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
# An endpoint failing this long since its last success is switched off and its organization's admins are told.
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24))

# --- Logging ----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
