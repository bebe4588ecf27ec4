"""tracker: may this medical assistant do this task, at this site, at this time?

The factory imports Flask lazily so that pure modules (``tracker.vocabulary``,
``tracker.rule.rules``) can be imported without the web stack.
"""

from __future__ import annotations

import os


def create_app(config_class=None):
    """Create and configure the app."""
    from flask import Flask

    from config import (
        MAKE_A_KEY,
        ConfigError,
        config_from_environment,
        is_production,
        secret_key_problem,
    )

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
    )
    if config_class is None:
        config_class = config_from_environment()
    app.config.from_object(config_class)
    if is_production(config_class):
        problem = secret_key_problem(app.config.get("SECRET_KEY"))
        if problem:
            raise ConfigError(
                f"Refusing to start in production: {problem}. Set SECRET_KEY to a long random "
                f"value, made once with: {MAKE_A_KEY} (and kept), or choose "
                "TRACKER_CONFIG=development for a local run."
            )
        app.config["DEBUG"] = False
    _mail_settings_from_environment(app, config_class)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "tracker.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(app.config["SQLALCHEMY_DATABASE_URI"])

    from tracker.db_types import json_text

    # SQLAlchemy's error messages quote the values being written: keep them out of the logs.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        "hide_parameters": True,
        "json_serializer": json_text,
    }
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file on this machine has no connection a server could drop: nothing to ping
        # before each request's first statement (the ping is for PostgreSQL).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].pop("pool_pre_ping", None)

    from tracker import models  # noqa: F401  (registers every table on the metadata)
    from tracker.widgets import install_escaped_descriptions

    install_escaped_descriptions()
    from tracker.extensions import (
        bootstrap,
        compress,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
    )

    # First, so its after_request hook runs last: it compresses the finished response.
    compress.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    if app.config.get("PROXY_FIX_X_FOR"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    mail.init_app(app)

    with app.app_context():
        _configure_sqlite(db.engine, app.config.get("SQLITE_SYNCHRONOUS") or "FULL")

    from tracker.api import docs as api_docs
    from tracker.api import init_api, token_views
    from tracker.request_log import install_request_log
    from tracker.validation import install_bounds

    install_request_log(app)  # first, so every request (even one refused early) is logged
    install_bounds(app)  # before the blueprints: their routes take the bounded converter

    from tracker.audit import views as audit_views
    from tracker.auth import account as account_views
    from tracker.auth import views as auth_views
    from tracker.catalog import views as catalog_views
    from tracker.competencies import views as competency_views
    from tracker.decision import eligible_views
    from tracker.decision import views as decision_views
    from tracker.delegations import views as delegation_views
    from tracker.documents import views as document_views
    from tracker.imports import views as import_views
    from tracker.incidents import views as incident_views
    from tracker.main import views as main_views
    from tracker.policy import views as policy_views
    from tracker.protocols import views as protocol_views
    from tracker.reports import views as report_views
    from tracker.sites import views as site_views
    from tracker.staff import views as staff_views
    from tracker.supervision import views as supervision_views
    from tracker.training import views as training_views  # noqa: F401  (routes on staff's)

    for blueprint in (
        auth_views.bp,
        account_views.bp,
        main_views.bp,
        staff_views.bp,
        decision_views.bp,
        eligible_views.bp,
        delegation_views.bp,
        incident_views.bp,
        site_views.bp,
        supervision_views.bp,
        catalog_views.bp,
        policy_views.bp,
        competency_views.bp,
        audit_views.bp,
        import_views.bp,
        token_views.bp,
        api_docs.bp,
        report_views.bp,
        document_views.bp,
        protocol_views.bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)
    _hand_the_audit_its_features()

    _hand_policy_its_what_if()

    from tracker.auth.guard import install_guard
    from tracker.auth.sessions import end_sessions_when_people_change
    from tracker.delegations.services import recheck_when_people_change
    from tracker.errors import register_error_handlers

    install_guard(app)
    end_sessions_when_people_change()
    recheck_when_people_change()
    register_error_handlers(app)

    from tracker import demo
    from tracker.api import commands as api_commands
    from tracker.audit import commands as audit_commands
    from tracker.catalog import commands as catalog_commands
    from tracker.decision import commands as decision_commands
    from tracker.practice_file import commands as practice_file_commands
    from tracker.reminders import commands as reminder_commands
    from tracker.staff import commands as staff_commands
    from tracker.training import commands as training_commands

    for commands in (
        practice_file_commands,
        decision_commands,
        staff_commands,
        training_commands,
        demo,
        audit_commands,
        api_commands,
        catalog_commands,
        reminder_commands,
    ):
        commands.register(app)

    from tracker.templating import register_template_helpers

    register_template_helpers(app)

    from tracker.security_headers import install_security_headers
    from tracker.static_files import install_static_files

    # Static files first, so the headers wrap WhiteNoise's answers too.
    install_static_files(app)
    install_security_headers(app)
    return app


def _hand_policy_its_what_if() -> None:
    """The policy pages preview a change with the decision rule and the planned delegations,
    both above policy: the what-if answers policy's signal from here, where every feature is
    known (connecting the same receiver again is a no-op)."""
    from tracker.policy.what_if import what_if_asked

    what_if_asked.connect(_policy_what_if)


def _policy_what_if(sender, change, now):
    from tracker.decision.what_if import what_if
    from tracker.delegations.queries import planned_delegations

    return what_if(change, now, planned_delegations=planned_delegations)


def _hand_the_audit_its_features() -> None:
    """The audit knows no feature: each hands it what the trail and the history panels need
    (who may see which events, the names behind ids, the people, the practice's zone)."""
    from tracker.audit import features
    from tracker.catalog.models import Task
    from tracker.decision.models import DecisionRecord
    from tracker.documents.services import stored_file_problems
    from tracker.incidents.visibility import audit_events_visible_to
    from tracker.sites.models import Site
    from tracker.sites.queries import viewer_timezone
    from tracker.staff.models import Person
    from tracker.staff.queries import people_by_name

    features.hand_visibility("incidents", audit_events_visible_to)
    features.hand_names("people", Person.name)
    features.hand_names("tasks", Task.name)
    features.hand_names("sites", Site.name)
    features.hand_names("decision_records", DecisionRecord.status)
    features.hand_link("decision_records", "decision.record", "record_id", "decision")
    features.hand_people(people_by_name)
    features.hand_timezone(viewer_timezone)
    features.hand_integrity_check("documents", stored_file_problems)


def _mail_settings_from_environment(app, config_class) -> None:
    """Take MAIL_* and BASE_URL from the environment as it is when the app is created.

    ``Config`` reads them once, when config.py is imported; a setting a configuration class
    gives a value of its own (a test's) is left alone.
    """
    from config import MAIL_SETTINGS, Config, mail_setting

    for name in MAIL_SETTINGS:
        if name in os.environ and getattr(config_class, name, None) == getattr(Config, name):
            app.config[name] = mail_setting(name, os.environ[name])
    app.config["MAIL_DEFAULT_SENDER"] = app.config["MAIL_FROM"]


def _normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _configure_sqlite(engine, synchronous: str = "FULL") -> None:
    """WAL, foreign keys, a busy timeout and durable commits on every SQLite connection.

    ``synchronous=FULL``: a commit returns only once the write-ahead log is on the disk, so a
    saved incident or sign-off survives a power cut or an operating-system crash, not only
    an application crash (NORMAL, SQLite's default advice for WAL, may lose the last
    commits). The busy timeout makes a writer wait for another's commit instead of failing.
    Only the test suite sets ``SQLITE_SYNCHRONOUS`` lower: its databases are thrown away.
    """
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS={synchronous!r} is not a SQLite level")
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()
