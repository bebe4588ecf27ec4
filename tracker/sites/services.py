"""Verbs on the practice's sites.

Each verb checks everything first and raises ``Refused`` (every problem, each named
by the form field it belongs to) before it changes anything; then it changes the record,
flushes and writes an audit event with the values before and after. The caller commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from tracker.audit.services import record_create, record_update, snapshot
from tracker.errors import Problems
from tracker.extensions import db
from tracker.sites.models import Site

if TYPE_CHECKING:  # a person's record comes after the sites and tasks
    from tracker.staff.models import Person

# --------------------------------------------------------------------------- sites


def _check_site(problems: Problems, code: str, site_id: int | None = None) -> None:
    query = select(Site.id).where(Site.code == code)
    if site_id is not None:
        query = query.where(Site.id != site_id)
    if db.session.scalar(query.limit(1)) is not None:
        problems.add("code", f"There is already a site with code {code}.")


def create_site(actor: Person, *, code: str, name: str, state: str, timezone: str) -> Site:
    problems = Problems()
    _check_site(problems, code)
    problems.raise_any()
    site = Site(code=code, name=name, state=state, timezone=timezone)
    return record_create(site, actor)


def update_site(
    actor: Person, site: Site, *, code: str, name: str, state: str, timezone: str
) -> None:
    problems = Problems()
    _check_site(problems, code, site.id)
    problems.raise_any()
    before = snapshot(site)
    site.code, site.name, site.state, site.timezone = code, name, state, timezone
    db.session.flush()
    record_update(site, before, actor)
