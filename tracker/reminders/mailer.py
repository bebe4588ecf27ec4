"""Reminder mails: plain text and HTML from templates, sent by SMTP through Flask-Mailman.

Each mail is logged (``log_sent``) and committed only once the SMTP server has accepted it,
so a failure leaves exactly the unsent reminders unlogged for the next run.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db, mail
from tracker.reminders.services import Reminder, log_sent

#: What an SMTP exchange can fail with: the server refuses, the connection drops or times
#: out, or TLS cannot be set up.
SMTP_ERRORS = (smtplib.SMTPException, OSError, socket.timeout, ssl.SSLError)
#: What one mail can fail with before it reaches the server: a header value with a line
#: break (``BadHeaderError``) or text that cannot be encoded; both are ``ValueError``.
UNSENDABLE = (ValueError,)


@dataclass
class RunResult:
    sent: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)


def link(path: str) -> str:
    """An address in the app for a mail: BASE_URL followed by the page's path."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def render_bodies(reminder: Reminder) -> tuple[str, str]:
    """The plain text and the HTML body of a mail."""
    context = {
        "reminder": reminder,
        "link": link,
        "home": link("/"),
    }
    return (
        render_template("reminders/mail.txt", **context),
        render_template("reminders/mail.html", **context),
    )


def build_message(reminder: Reminder, connection=None) -> EmailMultiAlternatives:
    text, html = render_bodies(reminder)
    message = EmailMultiAlternatives(
        subject=reminder.subject,
        body=text,
        from_email=current_app.config["MAIL_FROM"],
        to=[reminder.recipient.email],
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def smtp_connection():
    """A Flask-Mailman SMTP connection with the settings as they are now (not as they were
    when the app was created)."""
    config = current_app.config
    return mail.get_connection(
        backend="smtp",
        fail_silently=False,
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config.get("MAIL_USERNAME") or "",
        password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=False,
        timeout=config.get("MAIL_TIMEOUT"),
    )


def check_settings() -> str | None:
    """A sentence naming a mail setting that cannot work, or None."""
    port = current_app.config.get("MAIL_PORT")
    if not isinstance(port, int) or not 0 < port < 65536:
        return f"MAIL_PORT {port!r} is not a port number"
    if not current_app.config.get("MAIL_SERVER"):
        return "MAIL_SERVER is empty"
    if not current_app.config.get("MAIL_FROM"):
        return "MAIL_FROM is empty"
    return None


def send_all(reminders: list[Reminder], echo: Callable[[str], None]) -> RunResult:
    """Send each mail; log and commit it once accepted. Carries on past a refused mail and
    past a mail that cannot be built (a header with a line break, from data stored before
    such data was refused): each is reported and stays unlogged. Stops at once when the
    server cannot be reached."""
    result = RunResult()
    connection = None
    try:
        for index, reminder in enumerate(reminders):
            if connection is None:
                try:
                    connection = smtp_connection()
                    connection.open()
                except SMTP_ERRORS as exc:
                    # No server to talk to: every mail left is unsent (and stays unlogged).
                    reason = _describe(exc)
                    result.failed.extend((left, reason) for left in reminders[index:])
                    return result
            try:
                build_message(reminder, connection).send(fail_silently=False)
            except SMTP_ERRORS as exc:
                db.session.rollback()
                result.failed.append((reminder, _describe(exc)))
                connection = _close(connection)
                continue
            except UNSENDABLE as exc:
                # Nothing went to the server: the connection serves the next mail.
                db.session.rollback()
                result.failed.append((reminder, _describe(exc)))
                continue
            try:
                log_sent(reminder)
                db.session.commit()
            except IntegrityError:
                # Another run sent and logged the same reminder meanwhile: it stays logged once.
                db.session.rollback()
            result.sent.append(reminder)
            echo(f"sent to {reminder.recipient.email}: {reminder.subject}")
    finally:
        _close(connection)
    return result


def _close(connection) -> None:
    if connection is not None:
        with contextlib.suppress(*SMTP_ERRORS):
            connection.close()
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"
