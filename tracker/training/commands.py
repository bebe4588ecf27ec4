"""``flask expiring``: what is expired or expiring, one line per item."""

from __future__ import annotations

import click
from sqlalchemy import select

from tracker.cli import fail
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.training.queries import MAX_EXPIRING_DAYS, expiring_items


def register(app) -> None:
    @app.cli.command("expiring")
    @click.option(
        "--days",
        type=click.IntRange(0, MAX_EXPIRING_DAYS),
        default=None,
        help="Days ahead (default: EXPIRING_WITHIN_DAYS, 60).",
    )
    @click.option("--site", "site_code", help="Only people who work at this site (its code).")
    def expiring_command(days, site_code):
        """Print what is expired or expiring, one line per item (for a cron mail)."""

        if days is None:
            days = app.config["EXPIRING_WITHIN_DAYS"]
        if site_code and db.session.scalar(select(Site.id).where(Site.code == site_code)) is None:
            fail(f"no site with code {site_code}", 2)
        report = expiring_items(practice_today(), days, site_code=site_code)
        for item in report.due + report.no_expiry:
            click.echo(item.line())
