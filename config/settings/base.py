"""Settings shared by every environment. Everything secret or site-specific comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("XINFANG_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def read_secret_key() -> str:
    """SECRET_KEY from the environment; outside production a key generated once into DATA_DIR."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG")
# Outside production any host name is answered (make run on one machine); production requires a list.
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Demo data (demo organisation and one account per role) may be loaded only when this is on.
DEMO_MODE = False
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "huey.contrib.djhuey",
    "xinfang.core",
    "xinfang.audit",
    "xinfang.organisation",
    "xinfang.accounts",
    "xinfang.procedure",
    "xinfang.deadlines",
    "xinfang.petitions",
    "xinfang.documents",
    "xinfang.notifications",
    "xinfang.supervision",
    "xinfang.duty",
    "xinfang.inforeports",
    "xinfang.incidents",
    "xinfang.keypersons",
    "xinfang.disputes",
    "xinfang.screenings",
    "xinfang.stats",
    "xinfang.portal",
    "xinfang.workbench",
    "xinfang.demo",
    "captcha",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinfang.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xinfang.accounts.middleware.IdleTimeoutMiddleware",
    "xinfang.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xinfang.core.middleware.ApplicationErrorMiddleware",
    "xinfang.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xinfang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.accounts.context_processors.navigation",
                "xinfang.notifications.context_processors.inbox",
                "xinfang.workbench.context_processors.calendar_notice",
            ],
        },
    },
]

SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", DATA_DIR / "xinfang.sqlite3"))
SQLITE_OPTIONS = {
    # WAL lets readers run while one writer commits; IMMEDIATE takes the write lock at BEGIN so
    # that two concurrent writers queue on busy_timeout instead of failing with "database is locked".
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=10000;PRAGMA temp_store=MEMORY;PRAGMA cache_size=-65536;"
        "PRAGMA mmap_size=268435456;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            # Keep each worker's connection (and SQLite's page cache) between requests.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "workbench:home"

# Django's default hasher (PBKDF2-SHA256) is what production uses; see accounts.passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "xinfang.accounts.passwords.ComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone")},
    },
]

# Security policy (等保 2.0 application controls). The security administrator can tighten these.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
SESSION_IDLE_MINUTES = 30
# The idle limit is enforced (and audited) by accounts.middleware.IdleTimeoutMiddleware; the
# cookie age is only the outer bound of one working day.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
AUDIT_RETENTION_DAYS = 183  # 网络安全法 art. 21: at least six months

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "files"  # outside the web root: files are served only through audited views
AUDIT_ARCHIVE_DIR = DATA_DIR / "audit-archive"

SECRET_KEY = read_secret_key()

HUEY = {
    "name": "xinfang",
    "immediate": False,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}
if os.environ.get("REDIS_URL"):
    HUEY.update({"huey_class": "huey.RedisHuey", "url": os.environ["REDIS_URL"]})
else:
    HUEY.update(
        {
            "huey_class": "huey.SqliteHuey",
            "filename": str(DATA_DIR / "huey.sqlite3"),
        }
    )

# Notifications (消息通知). Besides the in-app inbox, each new notification goes to one outbound
# channel: "log" (one log line, the default), "smtp" (an e-mail to the user's address) or "none".
XINFANG_NOTIFY_CHANNEL = os.environ.get("XINFANG_NOTIFY_CHANNEL", "log").strip().lower()
# Prefix of the links in e-mails, e.g. https://xinfang.county.gov (links are paths without it).
XINFANG_NOTIFY_SITE_URL = os.environ.get("XINFANG_NOTIFY_SITE_URL", "").rstrip("/")
# The deadline alert sweep (临期提醒) warns this many working days before a deadline.
XINFANG_ALERT_WORKING_DAYS = int(os.environ.get("XINFANG_ALERT_WORKING_DAYS", "3"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

# Short messages (短信) through the installation's HTTP SMS gateway (xinfang/notifications/sms.py):
# unset, nothing is sent and the portal does not offer its receipt by SMS.
XINFANG_SMS_URL = os.environ.get("XINFANG_SMS_URL", "").strip()
XINFANG_SMS_TOKEN = os.environ.get("XINFANG_SMS_TOKEN", "").strip()

# The public portal (网上信访). Its own site runs with config.settings.portal; `make run` (demo
# mode) also serves it at /portal/ of the staff site.
XINFANG_PORTAL_MOUNTED = env_bool("XINFANG_PORTAL_MOUNTED", default=False)
XINFANG_PORTAL_CAPTCHA = env_bool("XINFANG_PORTAL_CAPTCHA", default=True)
# behind a reverse proxy: the META key of the header carrying the client's address
XINFANG_PORTAL_CLIENT_IP_HEADER = os.environ.get("XINFANG_PORTAL_CLIENT_IP_HEADER", "")
XINFANG_PORTAL_TRACK_FAILURES_PER_NUMBER = int(
    os.environ.get("XINFANG_PORTAL_TRACK_FAILURES_PER_NUMBER", "10")
)
XINFANG_PORTAL_TRACK_FAILURES_PER_ADDRESS = int(
    os.environ.get("XINFANG_PORTAL_TRACK_FAILURES_PER_ADDRESS", "30")
)
XINFANG_PORTAL_SUBMITS_PER_ADDRESS = int(os.environ.get("XINFANG_PORTAL_SUBMITS_PER_ADDRESS", "10"))
XINFANG_PORTAL_SUBMITS_PER_ID_NUMBER = int(os.environ.get("XINFANG_PORTAL_SUBMITS_PER_ID_NUMBER", "5"))
# the CAPTCHA (django-simple-captcha): a sum drawn by the product, valid for five minutes
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.math_challenge"
CAPTCHA_MATH_CHALLENGE_OPERATOR = "+"
CAPTCHA_TIMEOUT = 5
CAPTCHA_IMAGE_SIZE = (100, 30)
CAPTCHA_FONT_SIZE = 24
CAPTCHA_LETTER_ROTATION = (-10, 10)
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_dots",)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
