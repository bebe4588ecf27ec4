"""Verbs on the practice's sites.

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
from tracker.validation import check_one_line, unfit_text

if TYPE_CHECKING:  # a person's record comes after the sites and tasks
    from tracker.staff.models import Person

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


# --------------------------------------------------------------------------- the practice

PRACTICE_NAME_MAX_LENGTH = 200


def set_practice_name(actor: Person, name: str) -> str:
    """Name the practice (its one row, created on first use).

    Returns ``created``, ``updated`` or ``unchanged``; a name that is empty, on more than one
    line or longer than its column is refused, whoever writes it.
    """
    problems = Problems()
    name = (name or "").strip()
    if not name:
        problems.add("name", "Give the practice's name.")
    elif problem := unfit_text(name, multiline=False):
        problems.add("name", problem)
    elif len(name) > PRACTICE_NAME_MAX_LENGTH:
        problems.add(
            "name",
            f"The name is {len(name)} characters long; at most {PRACTICE_NAME_MAX_LENGTH} are "
            "allowed.",
        )
    problems.raise_any()
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
