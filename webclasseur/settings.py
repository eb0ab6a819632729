"""Settings for the webclasseur, read from the environment only.

Every variable is documented in .env.example and in the README's settings table.
"""

from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from pghistory.config import ContextJSONField

from webclasseur.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY est obligatoire quand DJANGO_DEBUG=False "
            "(générez une longue valeur aléatoire, au moins 50 caractères)."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-True"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    # Optional second factor (TOTP + recovery codes) for staff: classes/mfa.py.
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    # History of entries, comments, interviews and roles (PostgreSQL triggers,
    # so bulk updates are caught too): portfolio/history.py, classes/history.py.
    "pgtrigger",
    "pghistory",
    "widget_tweaks",
    "dsfr",
    "classes",
    "portfolio",
    "lti_sso",
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (django-csp) and Permissions-Policy on every answer.
    "csp.middleware.CSPMiddleware",
    "webclasseur.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compressed pages and API answers (static files come compressed from
    # WhiteNoise above); above every middleware that reads or writes the body.
    # Django pads the compressed body against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # LTI sessions: SameSite=None; Secure session and CSRF cookies (iframe).
    "lti_sso.lti.framing.LtiSessionCookieMiddleware",
    # The current school year read once per request (classes/middleware.py).
    "classes.middleware.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Database down: a 503 page in French, not a stack trace (before the
    # session timeouts, which read the session and the user).
    "webclasseur.faults.DatabaseUnavailableMiddleware",
    # Idle and absolute session timeouts; ends the session of a deactivated user.
    "webclasseur.middleware.SessionTimeoutMiddleware",
    # Who made a change, for the history triggers (PostgreSQL only).
    "portfolio.history.HistoryMiddleware",
    # Default deny: every view needs a logged-in user unless it is marked
    # @login_not_required (the public list is pinned by tests/test_urls.py).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # LTI sessions: framed by their registered platform only (after
    # XFrameOptionsMiddleware so it sees the response first).
    "lti_sso.lti.framing.LtiFramingMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lti_sso.middleware.SamlErrorsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "webclasseur.urls"
WSGI_APPLICATION = "webclasseur.wsgi.application"
ASGI_APPLICATION = "webclasseur.asgi.application"

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
                "webclasseur.context_processors.spaces",
            ],
        },
    },
]

# Database: SQLite in the project by default, PostgreSQL in production and CI.
DATABASES = {
    "default": env_database(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
# An optional PostgreSQL read replica: the school overview reads from it
# (webclasseur/db_router.py); writes and migrations stay on default. Tests use
# it as a mirror of default (no second test database on the replica).
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", default="") | {
        "TEST": {"MIRROR": "default"}
    }
DATABASE_ROUTERS = ["webclasseur.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when configured, holds the cache, the sessions and the Celery broker.
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    # Redis down degrades, never fails (webclasseur/cache.py): reads miss,
    # writes are dropped; sessions live in the database, Redis only caches them.
    CACHES = {
        "default": {
            "BACKEND": "webclasseur.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("REDIS_KEY_PREFIX", "webclasseur"),
            # A stalled Redis costs a second, not a hung worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND: str | None = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    # Without a broker, background jobs run in-process, at once.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"
# Daily maintenance, run by `celery -A webclasseur beat` (docs/operations.md):
# the retention rules of docs/privacy.md and the sweep of orphan files.
CELERY_BEAT_SCHEDULE = {
    "purge-expired-daily": {
        "task": "webclasseur.tasks.purge_expired",
        "schedule": crontab(hour=3, minute=15),
    },
    "sweep-orphan-files-daily": {
        "task": "webclasseur.tasks.sweep_orphan_files",
        "schedule": crontab(hour=4, minute=15),
    },
}

AUTH_USER_MODEL = "classes.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: local accounts (email + password). Accounts are provisioned by
# the school or by single sign-on, so self sign-up is closed (see the adapter).
ACCOUNT_ADAPTER = "classes.adapters.SchoolAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = False
# Brute force on the local login: after 5 failed attempts on one account in
# 15 minutes, allauth refuses that account's logins for the rest of the window
# ("Too many failed login attempts. Try again later."). The per-address limits
# are high on purpose: a whole school reaches us from one NAT address.
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "60/m/ip,5/15m/key",
}

# Optional second factor for staff (allauth.mfa): an authenticator app (TOTP)
# and recovery codes, set up from /accounts/2fa/; pupils are not offered it
# (classes/mfa.py). Once set up, the login asks for a code after the password.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Webclasseur"
# Accounts are provisioned by the school or SSO, never signed up by strangers,
# so an unverified address cannot be someone else's account to lock.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_ADAPTER = "classes.mfa.StaffMFAAdapter"

# Single sign-on (SAML 2.0, lti_sso): one allauth SocialApp per identity
# provider (ENT or GAR); the adapter maps the attributes to school, class and
# role and provisions the account (docs/sso.md). Accounts created by SSO have
# no password; the local sign-up stays closed.
SOCIALACCOUNT_ADAPTER = "lti_sso.adapters.SamlAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never link an account by email
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_STORE_TOKENS = False
# The GAR and the ENTs open the resource with a plain link: a GET on
# /accounts/saml/<slug>/login/ starts the SP-initiated login at once (it only
# sends the browser to the IdP; the response must answer that very request).
SOCIALACCOUNT_LOGIN_ON_GET = True
# Seconds of clock difference tolerated with the IdP on NotBefore/NotOnOrAfter.
SAML_CLOCK_SKEW_SECONDS = env_int("SAML_CLOCK_SKEW_SECONDS", 120, minimum=0)
# The service provider's key pair (PEM files): it signs the AuthnRequests and
# the logout messages; the certificate goes into the SP metadata.
SAML_SP_PRIVATE_KEY_FILE = env_str("SAML_SP_PRIVATE_KEY_FILE", "")
SAML_SP_CERTIFICATE_FILE = env_str("SAML_SP_CERTIFICATE_FILE", "")

# LTI 1.3 (lti_sso.lti, docs/lti.md): platform URLs must be https; http on
# 127.0.0.1/localhost is accepted in debug mode or when this is True (tests).
LTI_ALLOW_INSECURE_PLATFORM_URLS = env_bool(
    "LTI_ALLOW_INSECURE_PLATFORM_URLS", default=False
)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files in an S3-compatible object store (django-storages) when
# S3_BUCKET is set, so app servers share no disk. Objects stay private (no
# ACL, no public URL): the app streams them after the access policy.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL")
    STORAGES["default"] = {
        "BACKEND": "webclasseur.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # Unset: AWS itself; MinIO, Garage, Ceph… need path-style URLs.
            "endpoint_url": S3_ENDPOINT_URL or None,
            "addressing_style": "path" if S3_ENDPOINT_URL else None,
            "region_name": env_str("S3_REGION") or None,
            # Unset: boto3's own chain (AWS_* variables, instance role).
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            # Never replace an object with another of the same name.
            "file_overwrite": False,
            # Files read back (downloads, passports) spool to a temporary
            # file past 2 MB instead of filling the worker's memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
# Tests and `make run` serve static files straight from the apps.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = DEBUG

# Security. Production runs behind HTTPS; the proxy header is opt-in.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
if env_bool("DJANGO_BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Lax: the cookie follows top-level links from the ENT. Sessions opened by an
# LTI launch (inside the platform's iframe) get SameSite=None; Secure on their
# own session and CSRF cookies (lti_sso.lti.framing).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions end after SESSION_IDLE_TIMEOUT_MINUTES without a request and, in any
# case, SESSION_MAX_AGE_HOURS after login (webclasseur.middleware); the login
# page then says the session expired. The cookie itself dies with the browser.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_MAX_AGE_HOURS = env_int("SESSION_MAX_AGE_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy (django-csp). Every script is a static file (DSFR,
# htmx, ours): no inline script, no eval. Style elements are allowed by hash
# only: htmx's indicator rules (htmx inserts them itself) and the @font-face
# block of the passport preview (templates/exports/passport.html);
# tests/test_security_headers.py recomputes both and fails when they change.
# Inline style *attributes* stay allowed (style-src-attr): two templates set a
# width on a <progress> and an <svg>; scripts cannot run from them.
# frame-ancestors 'none': nobody frames us, except a registered LTI platform
# for the pages of a session its launch opened (lti_sso.lti.framing).
CSP_STYLE_HASHES = [
    # htmx 2 indicator styles (django_htmx/htmx-2.min.js).
    "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='",
    # The passport preview's @font-face block, with STATIC_URL "/static/".
    "'sha256-0O+iaJaKnzuOVSgmWd1nsjyIMXMWKUxAQdGU1Y+QRsc='",
    # The page layout rules of drf-spectacular's Swagger UI page (api:docs).
    "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *CSP_STYLE_HASHES],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (webclasseur.middleware): features nobody here needs.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Webclasseur API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The same as webclasseur/api/schema.py's, so `check --deploy` (which
    # builds the schema with these settings) sees the schema the API serves.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webclasseur.api.schema.add_problem_responses",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InterviewStatusEnum": "portfolio.models.InterviewStatus",
        "BatchStatusEnum": "exports.models.BatchStatus",
    },
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Portfolio attachments and trash.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
ATTACHMENT_QUOTA_BYTES = env_int("ATTACHMENT_QUOTA_MB", 200, minimum=1) * 1024 * 1024
ATTACHMENT_MAX_PIXELS = env_int("ATTACHMENT_MAX_MEGAPIXELS", 40, minimum=1) * 1_000_000
TRASH_RETENTION_DAYS = env_int("TRASH_RETENTION_DAYS", 30, minimum=1)
# Days a pupil who left the school keeps reading and exporting their portfolio;
# after that, `manage.py purge_expired` erases their data and account.
LEFT_PUPIL_ACCESS_DAYS = env_int("LEFT_PUPIL_ACCESS_DAYS", 365, minimum=0)
# Months the "who opened my portfolio" log is kept (purge_expired).
ACCESS_LOG_RETENTION_MONTHS = env_int("ACCESS_LOG_RETENTION_MONTHS", 12, minimum=1)
# History (django-pghistory): who changed what is stored in each event row (no
# shared context table), so erasing a pupil erases the events that name them.
PGHISTORY_CONTEXT_FIELD = ContextJSONField()
# The moment of each change itself, not of its transaction's start: several
# changes in one transaction keep their order on the history pages.
PGHISTORY_CREATED_AT_FUNCTION = "CLOCK_TIMESTAMP()"
# Who made a change, for every method: a few pages write on GET (an
# assignment's answer drafted when first opened). Only writing statements
# carry the context; reads are left as they are.
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Uploads are read into memory up to the attachment limit, then spooled to disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The demo accounts are listed on the login page in debug mode only.
SHOW_DEMO_ACCOUNTS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports each rendering step at INFO: only its warnings matter.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
