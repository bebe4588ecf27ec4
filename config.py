"""Configuration classes, read from environment variables."""

import os

DEFAULT_SECRET_KEY = "dev-secret-key-change-me"

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
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    #: None means a SQLite file in the instance folder (set by the app factory).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BOOTSTRAP_SERVE_LOCAL = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    #: Failed sign-ins for one email inside the window before sign-in is refused.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    PASSWORD_MIN_LENGTH = 12
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


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
