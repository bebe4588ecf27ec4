"""``flask --app tracker send-reminders [--dry-run]``: the daily reminder run."""

from __future__ import annotations

import sys

import click

from tracker import dates
from tracker.extensions import db
from tracker.reminders.mailer import check_settings, render_bodies, send_all
from tracker.reminders.services import plan_reminders
from tracker.sites.queries import practice_today


def register(app) -> None:
    @app.cli.command("send-reminders")
    @click.option("--dry-run", is_flag=True, help="Print what would be sent; send and log nothing.")
    def send_reminders_command(dry_run):
        """Email each person what is newly due (run it daily from cron or a systemd timer)."""

        reminders = plan_reminders(practice_today(), dates.now())
        if dry_run:
            db.session.rollback()
            for reminder in reminders:
                text, _ = render_bodies(reminder)
                click.echo(f"To: {reminder.recipient.email}")
                click.echo(f"Subject: {reminder.subject}")
                click.echo("")
                click.echo(text.rstrip())
                click.echo("=" * 72)
            count = sum(len(r.items) for r in reminders)
            click.echo(
                f"Dry run: {len(reminders)} mail(s), {count} item(s); nothing sent or logged."
            )
            return
        if not reminders:
            click.echo("Nothing new to remind anyone of.")
            return
        problem = check_settings()
        if problem:
            click.echo(f"Error: {problem}; nothing was sent.", err=True)
            sys.exit(2)
        result = send_all(reminders, click.echo)
        for reminder, reason in result.failed:
            click.echo(f"Error: not sent to {reminder.recipient.email}: {reason}", err=True)
        click.echo(f"Sent {len(result.sent)} mail(s); {len(result.failed)} not sent.")
        if result.failed:
            click.echo("The mails not sent are not logged: the next run sends them.", err=True)
            sys.exit(1)
