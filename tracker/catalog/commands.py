"""``flask seed-catalog``: the built-in task catalog."""

from __future__ import annotations

import click

from tracker.catalog.services import ensure_catalog
from tracker.extensions import db


def register(app) -> None:
    @app.cli.command("seed-catalog")
    def seed_catalog_command():
        """Make sure the built-in task catalog is present (db upgrade does this too)."""

        added = ensure_catalog()
        db.session.commit()
        click.echo(f"Task catalog present ({added} added).")
