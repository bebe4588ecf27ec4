"""Configuration classes, read from environment variables.

The app fails closed: without ``TRACKER_CONFIG=development`` or ``testing`` it runs as
production, and production refuses to start without its own ``SECRET_KEY``.
"""

import os
from datetime import timedelta

#: The key development runs with when SECRET_KEY is not set; production refuses it.
DEFAULT_SECRET_KEY = "dev-secret-key-change-me"
#: A signing key shorter than this (in bytes) is refused in production.
MIN_SECRET_KEY_BYTES = 32

#: Settings read from the environment when the app is created, as DESIGN section 11 names them.
MAIL_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
    "BASE_URL",
)


def env_flag(value: str | None) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; anything else is off."""
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def mail_setting(name: str, value: str | None):
    """A mail setting's value from its environment text (None: the default)."""
    if name == "MAIL_PORT":
        # A port that is not a number is kept as text; send-reminders names it and stops.
        text = (value or "").strip()
        return int(text) if text.isdigit() else (text or 25)
    if name == "MAIL_USE_TLS":
        return env_flag(value)
    if name == "MAIL_SERVER":
        return value or "localhost"
    if name == "MAIL_FROM":
        return value or "tracker@localhost"
    if name == "BASE_URL":
        return (value or "http://127.0.0.1:5000").rstrip("/")
    return value or None


class Config:
    #: No default: production must be given its own (see ``production_problems``).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: None means a SQLite file in the instance folder (set by the app factory).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BOOTSTRAP_SERVE_LOCAL = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: "Keep me signed in" lasts at most this long (the server ends the session then too).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    #: A session ends after this many minutes without a request, and this many hours after
    #: sign-in whatever happens ("keep me signed in" carries it over a browser restart,
    #: within the same limits).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30") or 30)
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12") or 12)
    #: Roles that must set up two-factor sign-in (comma-separated role names; empty: none).
    REQUIRE_2FA_ROLES = os.environ.get("REQUIRE_2FA_ROLES", "admin,compliance")
    #: The issuer an authenticator app shows beside the account.
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Tracker")
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    #: Sign-in attempts are slowed down, never locked out: past these rates an attempt is
    #: answered "wait a moment" (429) until the window moves on. Per account (the email
    #: typed) and per client address; Flask-Limiter's rate strings.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute")
    #: Where the counts live. memory:// is per process: with several gunicorn workers use a
    #: shared store (redis://…, memcached://…) so every worker counts the same attempts.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Behind a reverse proxy, how many proxies set X-Forwarded-For/-Proto (0: none), so the
    #: client address limits count is the client's and not the proxy's.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0") or 0)
    PASSWORD_MIN_LENGTH = 12
    #: Werkzeug's method string for password hashes: scrypt with its default parameters.
    PASSWORD_HASH_METHOD = "scrypt"
    #: SQLite's synchronous level: FULL, so a saved record survives a power cut.
    SQLITE_SYNCHRONOUS = "FULL"
    #: Days ahead in which a competency counts as "expiring".
    EXPIRING_WITHIN_DAYS = 60
    #: Repeated pressure: this many declined-task incidents naming the same requester…
    INCIDENT_ALERT_COUNT = 3
    #: …within this many days of each other raise an alert for compliance.
    INCIDENT_ALERT_WINDOW_DAYS = 90
    #: Where to verify a state rule: the directory of state medical boards, and the AAMA's
    #: state scope of practice resource.
    STATE_MEDICAL_BOARDS_URL = "https://www.fsmb.org/contact-a-state-medical-board/"
    AAMA_STATE_SCOPE_URL = "https://www.aama-ntl.org/employers/state-scope-of-practice-laws"
    #: CSV imports: the largest file, the most rows, and how long a preview can be committed.
    IMPORT_MAX_BYTES = 1_000_000
    IMPORT_MAX_ROWS = 2000
    IMPORT_PREVIEW_MAX_AGE = 3600
    #: Audit trail: events per page, and the time zone its times are shown in (empty: the
    #: first site's).
    AUDIT_PAGE_SIZE = 50
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE") or None
    #: The JSON API: requests each token may make (Flask-Limiter syntax), and where the
    #: counts are kept (memory by default; a Redis URL in production with several workers).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    #: A refused request carries Retry-After (and the X-RateLimit-* headers).
    RATELIMIT_HEADERS_ENABLED = True
    #: API tokens: expiry in days when none is given, and the longest allowed.
    API_TOKEN_DEFAULT_DAYS = 90
    API_TOKEN_MAX_DAYS = 365
    #: Reminders (flask send-reminders): the SMTP server, the sender, and the address the
    #: links in the mails start with.
    MAIL_SERVER = mail_setting("MAIL_SERVER", os.environ.get("MAIL_SERVER"))
    MAIL_PORT = mail_setting("MAIL_PORT", os.environ.get("MAIL_PORT"))
    MAIL_USERNAME = mail_setting("MAIL_USERNAME", os.environ.get("MAIL_USERNAME"))
    MAIL_PASSWORD = mail_setting("MAIL_PASSWORD", os.environ.get("MAIL_PASSWORD"))
    MAIL_USE_TLS = mail_setting("MAIL_USE_TLS", os.environ.get("MAIL_USE_TLS"))
    MAIL_USE_SSL = False
    #: Always SMTP (Flask-Mailman would keep mail in memory when TESTING).
    MAIL_BACKEND = "smtp"
    MAIL_FROM = mail_setting("MAIL_FROM", os.environ.get("MAIL_FROM"))
    MAIL_DEFAULT_SENDER = MAIL_FROM
    #: Seconds to wait for the SMTP server before giving up (the run then exits 1).
    MAIL_TIMEOUT = 30
    BASE_URL = mail_setting("BASE_URL", os.environ.get("BASE_URL"))
    #: Reminders: days before expiry at which an item is reminded (0: on expiry), and how
    #: long after expiry an assistant still hears about it.
    REMINDER_THRESHOLDS = (60, 30, 7, 0)
    REMINDER_EXPIRED_WITHIN_DAYS = 30
    #: The managers' digest lists flagged delegations this many days ahead.
    REMINDER_FLAGGED_WITHIN_DAYS = 7
    #: The compliance digest lists incidents still open after this many days.
    REMINDER_OPEN_INCIDENT_DAYS = 14
    #: Sent with every response, pages and static files alike: nothing inline, nothing from
    #: elsewhere (Bootstrap's own icons are data: images), never framed.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    #: Strict-Transport-Security max-age in seconds; 0 sends none (production: a year).
    HSTS_SECONDS = 0
    #: Static files asked for by their plain name are cached this long; the versioned names
    #: pages link (with a hash of the content) are cached for good.
    STATIC_MAX_AGE = 24 * 3600
    #: Where hashed and compressed copies of the static files are built (default: a folder
    #: in the instance folder).
    STATIC_CACHE_DIR = os.environ.get("STATIC_CACHE_DIR") or None
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEFAULT_SECRET_KEY
    #: The demo accounts sign in with their password alone on `make run`.
    REQUIRE_2FA_ROLES = os.environ.get("REQUIRE_2FA_ROLES", "")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    #: Tests that need two-factor sign-in turn it on for a role themselves.
    REQUIRE_2FA_ROLES = ""
    #: A cheap hash: scrypt was 44% of the suite's time. tests/unit keeps every other
    #: configuration on scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    #: Test databases are thrown away: no fsync on every commit (every real run is FULL).
    SQLITE_SYNCHRONOUS = "OFF"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
#: Keys only a development or test run may sign sessions with.
KNOWN_KEYS = frozenset({DEFAULT_SECRET_KEY, TestingConfig.SECRET_KEY})


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def config_from_environment(environ=os.environ) -> type[Config]:
    """The config class ``TRACKER_CONFIG`` names; unset means production, unknown is an error."""
    name = environ.get("TRACKER_CONFIG")
    if name is None or not name.strip():
        return ProductionConfig
    try:
        return CONFIGS[name.strip()]
    except KeyError:
        raise ConfigError(
            f"TRACKER_CONFIG={name!r} is not a configuration; use one of "
            + ", ".join(sorted(CONFIGS))
        ) from None


def is_production(config_class: type) -> bool:
    """Everything but an explicit development or testing configuration is production."""
    return not issubclass(config_class, (DevelopmentConfig, TestingConfig))


def secret_key_problem(key) -> str | None:
    """Why production may not sign sessions with this key, or None when it may."""
    if not key:
        return "SECRET_KEY is not set"
    if key in KNOWN_KEYS:
        return "SECRET_KEY is a published default"
    size = len(key.encode() if isinstance(key, str) else key)
    if size < MIN_SECRET_KEY_BYTES:
        return f"SECRET_KEY is {size} bytes long; at least {MIN_SECRET_KEY_BYTES} are needed"
    return None
