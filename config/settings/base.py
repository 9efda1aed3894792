"""Settings shared by every environment; everything that differs comes from the environment."""

import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# never framed (clickjacking); no address of ours leaks to other sites; no MIME sniffing
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Only the portal's own files run or style a page: no inline script, style or handler (an injected one
# does nothing); charts are images of their own address (portal/charts.py), the TOTP QR code a data: image;
# nothing is framed, embedded or posted elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# the browser features no page of the portal uses, denied to it and to anything it might embed
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",  # django.contrib.admin, its views across partners (portal/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "django_countries",
    "phonenumber_field",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "profiles",
    "access",
    "accounts",
    "subaccounts",
    "tools",
    "finance",
    "referral",
    "dashboard",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.replica.PinningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "access.language.UserLanguageMiddleware",  # the language the user chose beats the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.tenancy.TenancyMiddleware",
    "access.audit.AuditMiddleware",
    "access.middleware.RequireTwoFactorMiddleware",
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
                "portal.tenancy.tenancy_context",
                "access.notifications.notifications_context",
                "finance.switch.switch_context",
            ],
        },
    },
]


def database(*, allow_embedded: bool) -> dict:
    """PostgreSQL, always (one SQL dialect): DATABASE_URL, else the embedded pgserver where allowed."""
    url = env("DATABASE_URL", default="")
    if not url and allow_embedded:
        url = embedded.postgres_url()
    config = _server(url) if url else env.db("DATABASE_URL")  # the latter raises: unset
    return {**config, "ATOMIC_REQUESTS": True, "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=60)}


def _server(url: str) -> dict:
    config = environ.Env.db_url_config(url)
    # a query whose client died (a killed worker, a dropped request) is cancelled within 2 s instead of
    # running on and holding its locks
    options = config.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c client_connection_check_interval=2000".strip()
    # no JIT: a page's query that the planner costs high because it cannot know how little of it a LIMIT
    # reads (Subaccount details' whole-partner views: a bucket of the 92 read) spent 2.5 s compiling
    options["options"] += " -c jit=off"
    # the web processes' bound on any one statement (docker-compose sets it for gunicorn only): what bounds a
    # web request, whose client may have left; Celery's long reports run without it.
    if timeout := env("DJANGO_DB_STATEMENT_TIMEOUT", default=""):
        if not re.fullmatch(r"\d+(ms|s|min)?", timeout):
            raise ImproperlyConfigured(f"DJANGO_DB_STATEMENT_TIMEOUT={timeout!r}: a number with ms, s or min")
        options["options"] += f" -c statement_timeout={timeout}"
    return config


def with_replica(databases: dict) -> dict:
    """``databases`` plus the alias ``replica`` when DATABASE_REPLICA_URL is set (portal/replica.py): the
    primary's options; no request transaction (it only reads, and a page that does not read it must not
    connect to it); a kept connection checked before reuse, and a bounded wait for one that does not answer,
    so a dead replica costs a request nothing but the fallback to the primary."""
    url = env("DATABASE_REPLICA_URL", default="")
    if not url:
        return databases
    config = _server(url)
    config["OPTIONS"].setdefault("connect_timeout", 2)
    replica = {
        **config,
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": databases["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
    }
    return {**databases, "replica": replica}


def broker_url(*, allow_embedded: bool) -> str:
    """CELERY_BROKER_URL, else the embedded Redis where allowed."""
    if allow_embedded:
        return env("CELERY_BROKER_URL", default="") or embedded.redis_url()
    return env("CELERY_BROKER_URL")


def caches(broker: str) -> dict:
    """One cache shared by every process (gunicorn's workers, the worker): login throttling counts there.
    DJANGO_CACHE_URL, else the broker's Redis, the cache's keys under a prefix of their own."""
    url = env("DJANGO_CACHE_URL", default="") or broker
    if url.startswith("redis+socket://"):  # kombu's name for a unix socket; redis-py says unix://
        url = "unix://" + url.removeprefix("redis+socket://")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": env("DJANGO_CACHE_KEY_PREFIX", default="portal-cache"),
        }
    }


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Reports and heavy pages read from the replica when one is configured (with_replica()); writes never do.
DATABASE_ROUTERS = ["portal.replica.PrimaryReplicaRouter"]
# a replica further behind than this is not read; after a write the browser reads the primary this long
DATABASE_REPLICA_MAX_LAG_SECONDS = env.int("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)  # per process

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: email is the login; verified before use; rate limits on login and reset.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed logins: 5 per 5 minutes per account *and* address ("key", access/adapters.py), 20 a minute per
# address. Nothing counts per account alone, so nobody elsewhere can lock its owner out.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "confirm_email": "1/3m/key",
}
# Partners join by invitation from their administrator, never by open sign-up.
ACCOUNT_ADAPTER = "access.adapters.InvitationOnlyAccountAdapter"
# The client's address (throttling, audit trail, referral clicks): the connection's, unless proxies of our
# own stand in front; then the one the outermost of them saw (the N-th X-Forwarded-For entry from the
# right, what a client writes itself is never believed), or the header the proxy sets for it.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("DJANGO_TRUSTED_CLIENT_IP_HEADER", default=None)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Partner Portal"

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]  # each in its own language: the header's switch shows them
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "locale"]
# Billing days are the provider's (UTC+3); stored timestamps are UTC.
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
# every figure on a page grouped in the reader's language — 1,234,567.89 (1 234 567,89 in Russian, with
# no-break spaces) in cards, tables, sentences and statements alike; an input, an attribute or a CSV cell is
# written unlocalized (|unlocalize, portal.money.plain)
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["config.formats"]  # dates as "25 Nov 2026, 23:19", not US style
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6.0's default now: a typed address without scheme is https

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# the front-end libraries npm installs at set-up (package-lock.json), served by the portal itself, never a CDN
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/tom-select/js", BASE_DIR / "node_modules" / "tom-select" / "dist" / "js"),
    ("vendor/tom-select/css", BASE_DIR / "node_modules" / "tom-select" / "dist" / "css"),
]
FORM_RENDERER = "portal.renderers.PortalFormRenderer"  # Django's, with the common widgets written in Python
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / ".data" / "media")
MEDIA_URL = "media/"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Partner Portal <noreply@partners.example.com>")

# Celery: configured from here under the CELERY_ namespace (config/celery.py).
# CELERY_BROKER_URL and CELERY_RESULT_BACKEND: set by each environment's module (broker_url()).
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a task whose worker process died goes back to the queue at once
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# the outbox (portal/outbox.py) hands a committed task to the broker once, giving up after this many seconds
# (to connect, and to hear back): a broker that does not answer holds no request longer; the sweep sends later
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT_SECONDS", default=1.0)

PHONENUMBER_DEFAULT_REGION = "RU"
COUNTRIES_FIRST = ["RU", "KZ"]

# Public links customers open from emails are built on this address (portal.links.absolute_url); in
# development the port the portal is served on (scripts/run's PORT), in production required (production.py)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="") or f"http://127.0.0.1:{env('PORT', default='8000')}"
# referral links send visitors only to the provider's own sites; the attribution cookie lasts this long
REFERRAL_DEFAULT_LANDING = env("REFERRAL_DEFAULT_LANDING", default="https://cloud.example.com/")
REFERRAL_LANDING_HOSTS = env.list("REFERRAL_LANDING_HOSTS", default=["cloud.example.com"])
REFERRAL_COOKIE_DAYS = env.int("REFERRAL_COOKIE_DAYS", default=30)
# a commission report of a longer period is prepared by Celery into a file instead of streamed
COMMISSION_STREAM_MAX_DAYS = env.int("COMMISSION_STREAM_MAX_DAYS", default=92)
# a report the planner expects to have more rows than this is prepared by Celery, not streamed: at about
# 140,000 rows a second (bench/run commission) it stays well inside the web's statement timeout
COMMISSION_STREAM_MAX_ROWS = env.int("COMMISSION_STREAM_MAX_ROWS", default=500_000)
# after an import, the Subaccount details rankings a partner of at least this many subaccounts opens first are
# worked out in the background (finance.tasks.warm_usage_rankings); a smaller partner's take milliseconds
USAGE_WARM_SUBACCOUNTS = env.int("USAGE_WARM_SUBACCOUNTS", default=1000)
SUBACCOUNT_INVITATION_MAX_AGE = env.int("SUBACCOUNT_INVITATION_MAX_AGE_DAYS", default=7) * 24 * 3600
TOOLS_ATTACHMENT_MAX_BYTES = env.int("TOOLS_ATTACHMENT_MAX_MB", default=10) * 1024 * 1024
# a request's files: how many, their total, and what an office file (a zip) may unpack to
TOOLS_ATTACHMENT_MAX_FILES = env.int("TOOLS_ATTACHMENT_MAX_FILES", default=5)
TOOLS_ATTACHMENT_MAX_TOTAL_BYTES = env.int("TOOLS_ATTACHMENT_MAX_TOTAL_MB", default=25) * 1024 * 1024
TOOLS_ATTACHMENT_MAX_UNPACKED_BYTES = env.int("TOOLS_ATTACHMENT_MAX_UNPACKED_MB", default=50) * 1024 * 1024
ACCESS_INVITATION_MAX_AGE = env.int("ACCESS_INVITATION_MAX_AGE_DAYS", default=7) * 24 * 3600
# the key the partners' storage secrets (Finance → Export to bucket) are encrypted under (portal/encryption);
# empty: derived from DJANGO_SECRET_KEY. Changing it makes the stored secrets unreadable (entered again)
EXPORT_SECRET_KEY = env("EXPORT_SECRET_KEY", default="")
# the storage's connect and read timeouts (seconds) of the bucket export and its "Test connection"
BUCKET_EXPORT_TIMEOUT = env.int("BUCKET_EXPORT_TIMEOUT_SECONDS", default=10)
# how long one run of a bucket export writes before it queues its continuation (at least one day a run): by
# time, not days, since a day costs from milliseconds (a small partner) to about a second (the largest), and
# the time is what a worker's restart waits for; a long back-fill is a chain of runs this long
BUCKET_EXPORT_BATCH_SECONDS = env.int("BUCKET_EXPORT_BATCH_SECONDS", default=60)
# a partner's storage endpoint must resolve to public addresses only (never the provider's own network, a
# cloud metadata address, localhost); True lets a development MinIO on 127.0.0.1 (and the tests' S3) serve
BUCKET_EXPORT_PRIVATE_ENDPOINTS = env.bool("BUCKET_EXPORT_PRIVATE_ENDPOINTS", default=False)

# The partner API (api/): bearer tokens only (no session, hence no CSRF), problem details for every error,
# cursor pages, a rate per token counted in the shared cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.SectionPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="600/min")},
    "DEFAULT_FILTER_BACKENDS": [
        "api.filtering.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "DESCRIPTION": "The partner's own systems: customers, subaccounts, money. Authenticate with "
    "`Authorization: Bearer <token>` (Access management → API tokens).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from static (drf-spectacular-sidecar), never a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # a status of each lifecycle named for its object (the name "status" is shared)
    "ENUM_NAME_OVERRIDES": {"RegistrationStatusEnum": "tools.models.Registration.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
    ],
}

DJANGO_TABLES2_TEMPLATE = "portal/table.html"  # django-tables2's own, with its rows rendered in Python
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "forbidden_in_one_line": {"()": "portal.logs.ForbiddenInOneLine"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Django's own, kept: errors mailed to ADMINS when there are any
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "loggers": {
        # Django's records reach the console once, through the root (Django's default "django" logger
        # printed them itself with DEBUG on, then passed them on: every record twice)
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # a 403 is one line: method, path, user id and the reason, no traceback
        "django.request": {"filters": ["forbidden_in_one_line"]},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
