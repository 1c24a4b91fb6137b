"""Settings, read from the environment with secure defaults.

Nothing here is safe to relax in production by accident: DEBUG is off unless
SAFEHOLD_DEBUG is set, and outside DEBUG there is no fallback secret key.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("SAFEHOLD_DEBUG")

# No fallback outside DEBUG: Django refuses to sign anything with an empty key, so a server
# without SAFEHOLD_SECRET_KEY fails on its first request, while offline commands such as
# `safehold pack check` still run without one.
SECRET_KEY = os.environ.get("SAFEHOLD_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - only reachable with DEBUG on

ALLOWED_HOSTS = env_list("SAFEHOLD_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "safehold.access",
    "safehold.policy",
    "safehold.records",
    "safehold.audit",
    "safehold.web",
    # `safehold demo`: synthetic data, a tool above every app it writes through.
    "safehold.demo",
    # Staff sign-in: TOTP two-factor for every account, and lockout after failed passwords.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "safehold.api",
    # How long we keep it (retention units, holds, disposal) and the rights requests that
    # suspend disposal.
    "safehold.retention",
    "safehold.rights",
    # Who we share with and why: consents, objections, the disclosure log, extracts.
    "safehold.sharing",
    "safehold.statistics",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files keep their caching; above the rest, so it sees every
    # answer they make (redirects to sign-in, refusals, lockouts).
    "safehold.web.headers.NoStoreMiddleware",
    # The Content-Security-Policy (CONTENT_SECURITY_POLICY below), with a nonce per response.
    "csp.middleware.CSPMiddleware",
    # Values many parts of one page read, read once per request (safehold/requestmemo.py).
    "safehold.web.middleware.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Restarts the session's inactivity clock when it has run down (safehold/web/sessions.py).
    "safehold.web.sessions.SessionClockMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safehold.web.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the login check: a signed-in session reaches no staff page until two-factor.
    "safehold.web.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Under /api/: every error a problem document, every refusal audited (however it arose).
    "safehold.api.middleware.ProblemMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safehold.urls"
WSGI_APPLICATION = "safehold.wsgi.application"
LOGIN_URL = "/sign-in/"
# Axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading with the user what every staff page asks next (pack, break-glass).
    "safehold.access.backends.StaffBackend",
]
AUTH_USER_MODEL = "access.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "safehold.jinja2.environment",
            # The staff layout: navigation by role and the break-glass banner.
            "context_processors": ["safehold.web.staff.layout", "safehold.web.headers.csp_nonce"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

DATA_DIR = Path(os.environ.get("SAFEHOLD_DATA_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'safehold.sqlite3'}",
        conn_max_age=int(os.environ.get("SAFEHOLD_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction starts, so an audit append inside a
    # transaction that has already read never meets "database is locked"; WAL lets readers
    # carry on while one writer works. A 64 MiB page cache (the default is 2 MB) holds the
    # audit log's person and case indexes, which every append writes at random, and a WAL
    # checkpoint every 10,000 pages rather than 1,000 syncs the files a tenth as often
    # (docs/adr/0032; synchronous=NORMAL under WAL is discussed there).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "SAFEHOLD_DB_PREPARED", default=True
):
    # Parameters sent apart from the SQL, and a statement a connection runs a fifth time
    # prepared on the server: PostgreSQL then stops planning the pages' queries afresh on
    # every request, which cost as much as running them (docs/adr/0042). Off
    # (SAFEHOLD_DB_PREPARED=0) behind a pooler that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
# Built by `npm run build` (frontend/build.mjs) from the GOV.UK and MOJ Frontend packages.
STATICFILES_DIRS = [BASE_DIR / "safehold" / "static"]
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

# Cookies and transport: secure unless explicitly running plain-HTTP development.
SECURE_COOKIES = env_bool("SAFEHOLD_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SAFEHOLD_SESSION_SECONDS", str(30 * 60)))
# The age is an inactivity timeout: safehold.web.sessions restarts it on a request when it has
# run down by more than a minute, rather than writing the session on every request.
SESSION_ENGINE = "safehold.web.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in (docs/adr/0004-staff-sign-in.md). After SAFEHOLD_LOGIN_FAILURES wrong passwords for
# one username, that username is locked for SAFEHOLD_LOCKOUT_MINUTES, from any address, and
# every further attempt restarts the wait; a right password clears the count.
AXES_FAILURE_LIMIT = int(os.environ.get("SAFEHOLD_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SAFEHOLD_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the address too; but a council office shares one address, and a lock by
# address that a success resets would let one member of staff reset a colleague's count.
# Spraying from many addresses is the proxy's to throttle; the second factor stands anyway.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "safehold.web.account.locked_out"
AXES_VERBOSE = False
# Codes from the authenticator app: named in the app as "Safehold"; each wrong code doubles
# the wait before the next one is checked.
OTP_TOTP_ISSUER = os.environ.get("SAFEHOLD_TOTP_ISSUER", "Safehold")
OTP_TOTP_THROTTLE_FACTOR = 1

SECURE_SSL_REDIRECT = env_bool("SAFEHOLD_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SAFEHOLD_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SAFEHOLD_BEHIND_PROXY") else None
)
X_FRAME_OPTIONS = "DENY"
# Only our own scripts, styles, fonts and images; inline scripts only with the response's nonce
# (the GOV.UK template's two); no plugins, frames, <base> or form posts elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
CSRF_TRUSTED_ORIGINS = env_list("SAFEHOLD_CSRF_TRUSTED_ORIGINS")

# Signed checkpoints of the audit chain's head, kept outside the database so that someone who
# can rewrite the database cannot cut or rewrite the log unseen (docs/adr/0011). The key is an
# Ed25519 private key the database never sees (`safehold audit keygen FILE` makes one); outside
# DEBUG it must be given, and the server will not start without it. In DEBUG one is made in the
# data dir if absent.
AUDIT_CHECKPOINT_KEY_FILE = os.environ.get("SAFEHOLD_AUDIT_KEY_FILE") or (
    str(DATA_DIR / "audit-checkpoint.key") if DEBUG else ""
)
AUDIT_CHECKPOINT_KEY_GENERATE = DEBUG
# One append-only file per database in this directory; put it where the database's
# administrators cannot write (another host or mount; `chattr +a` on Linux).
AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("SAFEHOLD_AUDIT_CHECKPOINT_DIR", DATA_DIR / "audit-checkpoints")
)
# A checkpoint after any append that crosses a multiple of this many entries, or that comes
# this many seconds after the process's last one: at most that much can be cut off unseen.
AUDIT_CHECKPOINT_EVERY = int(os.environ.get("SAFEHOLD_AUDIT_CHECKPOINT_EVERY", "1000"))
AUDIT_CHECKPOINT_SECONDS = float(os.environ.get("SAFEHOLD_AUDIT_CHECKPOINT_SECONDS", "60"))
# Public keys (PEM files) of earlier signing keys whose checkpoints verify still trusts.
AUDIT_CHECKPOINT_TRUSTED_KEYS = env_list("SAFEHOLD_AUDIT_TRUSTED_KEYS")

# A pack is a few hundred KiB at most; anything larger is refused before parsing.
SAFEHOLD_PACK_MAX_BYTES = int(os.environ.get("SAFEHOLD_PACK_MAX_BYTES", str(1024 * 1024)))
SAFEHOLD_PACK_MAX_NODES = int(os.environ.get("SAFEHOLD_PACK_MAX_NODES", "50000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEHOLD_LOG_LEVEL", "INFO")},
}

# Recurring extracts' pseudonyms (safehold/sharing/pseudonyms.py): a keyed hash whose key is
# never in the database, so a recipient can link runs but nobody holding the database alone
# can reverse or recompute them. Required outside DEBUG to run a pseudonymised extract.
SHARING_PSEUDONYM_KEY = os.environ.get("SAFEHOLD_PSEUDONYM_KEY", "")
if not SHARING_PSEUDONYM_KEY and DEBUG:
    SHARING_PSEUDONYM_KEY = "development-only-pseudonym-key"
