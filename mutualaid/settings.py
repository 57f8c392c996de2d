"""One settings module, read from the environment.

Every setting with a safe default has one, so `make demo` needs no configuration. Production
sets `MUTUALAID_ENV=production`, `SECRET_KEY`, `MUTUALAID_FIELD_KEYS`,
`MUTUALAID_PSEUDONYM_KEY` and `ALLOWED_HOSTS`.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MUTUALAID_VAR_DIR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("MUTUALAID_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

# Development keys are fixed so a demo database keeps working between runs; production refuses
# to start without real ones.
_DEV_SECRET = "dev-only-secret-key-never-use-in-production-5f1c2e9a7b3d4c8e0a6b1f2d3e4c5b6a"  # noqa: S105 - development only, refused in production
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when MUTUALAID_ENV=production")

# Keys for encrypted fields (django-fernet-encrypted-fields). Comma separated, newest first:
# rotating means putting a new key in front and re-saving rows; old keys still decrypt.
SALT_KEY = env_list("MUTUALAID_FIELD_KEYS", "" if PRODUCTION else "dev-only-field-key")
if PRODUCTION and not SALT_KEY:
    raise RuntimeError("MUTUALAID_FIELD_KEYS must be set when MUTUALAID_ENV=production")

# The key behind circle pseudonyms (mutualaid/care/pseudonyms.py). Changing it does not rename
# anyone already in a circle (pseudonyms are stored when a member joins), but it is a secret of
# its own: whoever holds it can recompute which member is behind each pseudonym. Production
# refuses to start without it, like the field keys, rather than derive it from SECRET_KEY (which
# is rotated, and is known to more of the stack).
PSEUDONYM_KEY = os.environ.get("MUTUALAID_PSEUDONYM_KEY") or (
    "" if PRODUCTION else "dev-only-pseudonym-key"
)
if PRODUCTION and not PSEUDONYM_KEY:
    raise RuntimeError("MUTUALAID_PSEUDONYM_KEY must be set when MUTUALAID_ENV=production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("MUTUALAID_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "mutualaid.core.apps.OrganiserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "mutualaid.core",
    "mutualaid.networks",
    "mutualaid.needs",
    "mutualaid.accounts",
    "mutualaid.governance",
    "mutualaid.matching",
    "mutualaid.library",
    "mutualaid.pantry",
    "mutualaid.fund",
    "mutualaid.care",
    "mutualaid.care.listening",
    "mutualaid.care.teams",
    "mutualaid.sms",
    "mutualaid.membership",
    "mutualaid.channels",
    "mutualaid.relay",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mutualaid.core.middleware.DomainErrorMiddleware",
    "mutualaid.core.middleware.MemberActivityMiddleware",
    "mutualaid.core.pagecache.ApiListCacheMiddleware",
]

ROOT_URLCONF = "mutualaid.urls"
WSGI_APPLICATION = "mutualaid.wsgi.application"

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
                "mutualaid.core.context_processors.site",
                "mutualaid.channels.context_processors.notifications",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default, anything dj-database-url reads otherwise.
_default_sqlite = f"sqlite:///{VAR_DIR / 'mutualaid.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so
    # two writers queue instead of failing half way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis at scale; otherwise a file cache, shared by all processes on one machine
# (login throttling must see every worker's attempts).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Sessions, cached pages and sign-in throttles share it; culling is costly, so
            # let it hold a busy day's worth before it starts.
            "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4},
        }
    }

# Sessions are read from the cache and written through to the database, so a signed-in page
# costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background work: Huey on SQLite by default, Redis when REDIS_URL is set.
HUEY_IMMEDIATE = env_bool("MUTUALAID_TASKS_IMMEDIATE", default=False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "mutualaid",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "mutualaid",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {
    "workers": int(os.environ.get("MUTUALAID_WORKERS", "2")),
    "worker_type": "thread",
}

# --- Accounts: django-allauth with email login, verification, TOTP; argon2 hashes.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("MUTUALAID_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[mutualaid] "
# allauth's default throttles failed logins per account (5 per 5 minutes) and per IP; spelled
# out here so the promise is visible.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "mutualaid.accounts.mfa.EncryptedSecretsMFAAdapter"
MFA_TOTP_ISSUER = "mutualaid"
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# --- Email: console by default, SMTP (or anything) via the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# Well under MUTUALAID_DELIVERY_CLAIM_SECONDS: a send still waiting on a slow SMTP server is
# never taken over by another worker, which would send it a second time.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mutualaid <noreply@localhost>")

# --- Languages: English and Spanish ship complete.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (photos of things in the lending library). Never served as public static
# files: a member-only view reads them, so a network's photos stay within the network.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security. Content security policy allows only our own scripts and styles.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging: sensitive values never reach a log line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "mutualaid.core.logging.ScrubSensitiveFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- mutualaid's own knobs.
MUTUALAID = {
    # How long a need may sit past its window with an unanswered "still need help?" before it
    # closes as expired.
    "STILL_NEEDED_GRACE_HOURS": int(os.environ.get("MUTUALAID_STILL_NEEDED_GRACE_HOURS", "72")),
    "API_PAGE_SIZE": 50,
    # The founding organiser's powers end once this many members hold the coordinator role,
    # or this many days after the network began, whichever comes first.
    "FOUNDER_HANDOVER_COORDINATORS": int(
        os.environ.get("MUTUALAID_FOUNDER_HANDOVER_COORDINATORS", "2")
    ),
    "FOUNDER_HANDOVER_DAYS": int(os.environ.get("MUTUALAID_FOUNDER_HANDOVER_DAYS", "30")),
}

# --- Text messages (SMS): see README, "Text messages". `console` prints what a member would
# receive; `http` talks to a Twilio-compatible REST gateway; `off` sends none and offers none.
# Production never prints texts: they hold members' numbers and words, and logs are kept.
MUTUALAID_SMS_BACKEND = os.environ.get("MUTUALAID_SMS_BACKEND", "off" if PRODUCTION else "console")
if MUTUALAID_SMS_BACKEND not in {"console", "http", "off"}:
    raise RuntimeError("MUTUALAID_SMS_BACKEND must be 'console', 'http' or 'off'")
if PRODUCTION and MUTUALAID_SMS_BACKEND == "console":
    raise RuntimeError(
        "MUTUALAID_SMS_BACKEND=console prints members' numbers and messages to the log; "
        "in production use 'http' (a gateway) or 'off'"
    )
MUTUALAID_SMS_API_URL = os.environ.get("MUTUALAID_SMS_API_URL", "https://api.twilio.com/2010-04-01")
if not MUTUALAID_SMS_API_URL.startswith(("https://", "http://")):
    raise RuntimeError("MUTUALAID_SMS_API_URL must be an http(s) address")
MUTUALAID_SMS_ACCOUNT_SID = os.environ.get("MUTUALAID_SMS_ACCOUNT_SID", "")
MUTUALAID_SMS_AUTH_TOKEN = os.environ.get("MUTUALAID_SMS_AUTH_TOKEN", "")
MUTUALAID_SMS_FROM = os.environ.get("MUTUALAID_SMS_FROM", "")
if MUTUALAID_SMS_BACKEND == "http" and not (
    MUTUALAID_SMS_ACCOUNT_SID and MUTUALAID_SMS_AUTH_TOKEN and MUTUALAID_SMS_FROM
):
    raise RuntimeError(
        "MUTUALAID_SMS_BACKEND=http needs MUTUALAID_SMS_ACCOUNT_SID, MUTUALAID_SMS_AUTH_TOKEN "
        "and MUTUALAID_SMS_FROM"
    )
# Where numbers without a country code are read (ISO 3166 code, e.g. "US", "MX").
MUTUALAID_PHONE_REGION = os.environ.get("MUTUALAID_PHONE_REGION", "US").upper()
# Days an incoming text's words are kept (then the row is deleted by the worker).
MUTUALAID_SMS_RETENTION_DAYS = int(os.environ.get("MUTUALAID_SMS_RETENTION_DAYS", "30"))
# Incoming texts one number may send an hour before the rest get no answer.
MUTUALAID_SMS_RATE_PER_HOUR = int(os.environ.get("MUTUALAID_SMS_RATE_PER_HOUR", "20"))
# Development only: accept /sms/inbound without a signature, to try it with curl. Honoured only
# with DEBUG on and the console backend; never in production.
MUTUALAID_SMS_SKIP_SIGNATURE = (
    env_bool("MUTUALAID_SMS_SKIP_SIGNATURE")
    and DEBUG
    and not PRODUCTION
    and MUTUALAID_SMS_BACKEND == "console"
)

# --- Notifications: web push signs with a VAPID key pair (`mutualaid vapid-keys` makes one).
# Without a private key, push is simply not offered.
MUTUALAID_VAPID_PRIVATE_KEY = os.environ.get("MUTUALAID_VAPID_PRIVATE_KEY", "")
MUTUALAID_VAPID_PUBLIC_KEY = os.environ.get("MUTUALAID_VAPID_PUBLIC_KEY", "")
MUTUALAID_VAPID_SUBJECT = os.environ.get("MUTUALAID_VAPID_SUBJECT", "mailto:admin@localhost")
# A delivery claimed by a worker that died is taken again after this many seconds.
MUTUALAID_DELIVERY_CLAIM_SECONDS = int(os.environ.get("MUTUALAID_DELIVERY_CLAIM_SECONDS", "120"))
MUTUALAID_DELIVERY_REQUEUE_SECONDS = int(
    os.environ.get("MUTUALAID_DELIVERY_REQUEUE_SECONDS", "120")
)
