"""The app fails closed (security finding 1): production unless told otherwise, and
production refuses a missing, published or short SECRET_KEY."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface
from flask_login.utils import _create_identifier

from config import (
    DEFAULT_SECRET_KEY,
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_from_environment,
)
from tracker import create_app
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role

PROJECT = Path(__file__).resolve().parents[2]
#: Long enough, and as varied as a random key (token_urlsafe gives such ones).
GOOD_KEY = "kP3-vQ8_xR2mW7nT4yB9cZ6hJ1fL5sD0gA" * 2


@pytest.fixture
def production(monkeypatch, tmp_path):
    """ProductionConfig on a throwaway SQLite file; set its key with ``production(key)``."""
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    apps = []

    def make(key, config_class=None):
        monkeypatch.setattr(ProductionConfig, "SECRET_KEY", key)
        app = create_app(config_class)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_without_tracker_config_the_app_is_production(monkeypatch):
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)

    assert config_from_environment() is ProductionConfig


@pytest.mark.parametrize("name", ["prod", "Production ", "dev", "debug"])
def test_an_unknown_config_name_is_an_error_naming_the_choices(name):
    with pytest.raises(ConfigError, match="development, production, testing"):
        config_from_environment({"TRACKER_CONFIG": name})


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (None, "not set"),
        ("", "not set"),
        (DEFAULT_SECRET_KEY, "published default"),
        (TestingConfig.SECRET_KEY, "published default"),
        ("x" * 31, "31 bytes long"),
    ],
    ids=["missing", "empty", "default", "testing-key", "short"],
)
def test_production_refuses_a_missing_default_or_short_key(production, monkeypatch, key, why):
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)

    with pytest.raises(ConfigError, match=why):
        production(key)  # TRACKER_CONFIG unset, as gunicorn 'tracker:create_app()' runs
    with pytest.raises(ConfigError, match=why):
        production(key, ProductionConfig)


@pytest.mark.parametrize(
    ("key", "distinct"),
    [
        (" " * 40, "only 1 different character;"),
        ("a" * 40, "only 1 different character;"),
        ("ab" * 32, "only 2 different characters"),
        ("deadbeef" * 8, "only 5 different characters"),
        ("mysupersecretkey" * 3, "only 10 different characters"),
    ],
    ids=["spaces", "one-letter", "two-letters", "hex-pattern", "phrase-repeated"],
)
def test_production_refuses_a_long_key_of_too_little_variety(
    production, monkeypatch, key, distinct
):
    """Security round 2, item 9: length alone let 40 spaces sign every session."""
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)

    with pytest.raises(ConfigError, match=distinct) as refused:
        production(key)
    # The message says how to make a good one.
    assert "secrets.token_urlsafe(48)" in str(refused.value)


@pytest.mark.parametrize("kind", ["hex-64", "hex-32", "urlsafe-48", "bytes-32"])
def test_keys_the_usual_generators_make_are_taken(kind):
    """``openssl rand -hex 32``, ``secrets.token_urlsafe(48)`` and the like: many draws (the
    same on every run), none refused (hex is the tightest: 16 symbols)."""
    import base64
    import random

    from config import secret_key_problem

    draw = random.Random(kind).randbytes
    make = {
        "hex-64": lambda: draw(32).hex(),
        "hex-32": lambda: draw(16).hex(),
        "urlsafe-48": lambda: base64.urlsafe_b64encode(draw(48)).decode(),
        "bytes-32": lambda: draw(32),
    }[kind]
    assert {secret_key_problem(make()) for _ in range(5000)} == {None}


def test_production_with_a_long_key_starts_without_debug(production, monkeypatch):
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)

    app = production(GOOD_KEY)

    assert not app.debug
    assert not app.testing
    assert app.config["SESSION_COOKIE_SECURE"]


def test_a_cookie_forged_with_the_public_default_key_opens_nothing(
    production, monkeypatch, tmp_path
):
    """The reported attack: a session signed with the published key, on a default start."""
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    # Whatever configuration a default start picks uses this database.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    for config in (DevelopmentConfig, ProductionConfig):
        monkeypatch.setattr(config, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    app = production(GOOD_KEY)
    with app.app_context():
        db.create_all()
        admin = Person(email="admin@example.org", name="Admin", role=Role.admin)
        admin.set_password("an-admin-password-2026")
        db.session.add(admin)
        db.session.commit()
        admin_id = admin.id
    forger = create_app(type("Forger", (DevelopmentConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}))  # fmt: skip
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    with forger.test_request_context(
        "/", headers={"User-Agent": "curl"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        identifier = _create_identifier()  # Flask-Login's "strong" session protection
    forged = serializer.dumps({"_user_id": str(admin_id), "_fresh": True, "_id": identifier})
    with forger.app_context():
        db.engine.dispose()

    client = app.test_client()
    client.set_cookie("session", forged)
    response = client.get("/audit/verify", headers={"User-Agent": "curl"})

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_production_with_its_own_key_sets_secure_cookies(production):
    app = production(GOOD_KEY, ProductionConfig)

    response = app.test_client().get("/login")  # the CSRF token starts a session

    assert response.status_code == 200
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "session=" in c)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def flask_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("TRACKER_CONFIG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tracker", *args],
        cwd=PROJECT, env={**environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_command_line_refuses_to_start_as_production_without_a_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"

    refused = flask_cli({"DATABASE_URL": url}, "verify-audit")
    typo = flask_cli({"DATABASE_URL": url, "TRACKER_CONFIG": "prod"}, "verify-audit")
    development = flask_cli({"DATABASE_URL": url, "TRACKER_CONFIG": "development"}, "routes")

    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr
    assert typo.returncode != 0
    assert "TRACKER_CONFIG='prod' is not a configuration" in typo.stderr
    assert development.returncode == 0, development.stderr
    assert "auth.login" in development.stdout


def test_make_run_chooses_development_explicitly():
    makefile = (PROJECT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]

    flask_lines = [line for line in run.splitlines() if "flask" in line]
    assert flask_lines
    assert all("$(DEV)" in line for line in flask_lines)
    assert "DEV := TRACKER_CONFIG=development" in makefile
