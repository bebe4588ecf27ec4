"""Verbs on the practice (its name) and its sites.

Each verb checks everything first and raises ``Refused`` (every problem, each named
by the form field it belongs to) before it changes anything; then it changes the record,
flushes and writes an audit event with the values before and after. The caller commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from tracker.audit.services import record_create, record_event, record_update, snapshot
from tracker.errors import Problems
from tracker.extensions import db
from tracker.sites.models import Practice, Site
from tracker.validation import check_one_line

if TYPE_CHECKING:  # a person's record comes after the sites and tasks
    from tracker.staff.models import Person

# --------------------------------------------------------------------------- practice


def set_practice_name(name: str, *, actor) -> str:
    """Name the practice (created on first use): "created", "updated" or "unchanged"."""
    problems = Problems()
    check_one_line(problems, name=name)
    if not (name or "").strip():
        problems.add("name", "Give the practice a name.")
    problems.raise_any()
    name = name.strip()
    practice = db.session.scalar(select(Practice).limit(1))
    if practice is None:
        practice = Practice(name=name)
        db.session.add(practice)
        db.session.flush()
        record_event("create", practice, after=snapshot(practice), actor=actor)
        return "created"
    if practice.name == name:
        return "unchanged"
    before = snapshot(practice)
    practice.name = name
    db.session.flush()
    record_event("update", practice, before=before, after=snapshot(practice), actor=actor)
    return "updated"


# --------------------------------------------------------------------------- sites


def _check_site(problems: Problems, code: str, name: str, site_id: int | None = None) -> None:
    check_one_line(problems, code=code, name=name)
    query = select(Site.id).where(Site.code == code)
    if site_id is not None:
        query = query.where(Site.id != site_id)
    if db.session.scalar(query.limit(1)) is not None:
        problems.add("code", f"There is already a site with code {code}.")


def create_site(actor: Person, *, code: str, name: str, state: str, timezone: str) -> Site:
    problems = Problems()
    _check_site(problems, code, name)
    problems.raise_any()
    site = Site(code=code, name=name, state=state, timezone=timezone)
    return record_create(site, actor)


def update_site(
    actor: Person, site: Site, *, code: str, name: str, state: str, timezone: str
) -> None:
    problems = Problems()
    _check_site(problems, code, name, site.id)
    problems.raise_any()
    before = snapshot(site)
    site.code, site.name, site.state, site.timezone = code, name, state, timezone
    db.session.flush()
    record_update(site, before, actor)
