"""Reads about the practice's sites that pages, the CLI and reports share."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from tracker import dates
from tracker.extensions import db
from tracker.sites.models import Site


def practice_timezone() -> str:
    """The practice's own zone: DISPLAY_TIMEZONE, else the first site's, else UTC.

    Used where a page is about the whole practice rather than one site (the audit trail,
    the expiring list, "today" on a record form).
    """
    configured = current_app.config.get("DISPLAY_TIMEZONE")
    if configured:
        return configured
    first = db.session.scalar(select(Site.timezone).order_by(Site.id).limit(1))
    return first or "UTC"


def viewer_timezone(viewer=None) -> str:
    """The zone a person reads times in: their site's (the first by name), else the
    practice's. Used where one list mixes sites (the audit trail, the decision log)."""
    sites = sorted(getattr(viewer, "sites", None) or [], key=lambda s: s.name)
    return sites[0].timezone if sites else practice_timezone()


def practice_today() -> date:
    """Today's date on the practice's clock."""
    return dates.today(practice_timezone())
