"""Verbs on supervision: who supervises whom where, and when providers are on site.

Each verb checks everything first and raises ``Refused`` (every problem, each named
by the form field it belongs to) before it changes anything; then it changes the record,
flushes and writes an audit event with the values before and after. The caller commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tracker.audit.services import record_create, record_event, record_update, snapshot
from tracker.dates import zone
from tracker.errors import Problems
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff.models import Person
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.vocabulary import Role, state_name

#: A shift longer than this is almost certainly a typing mistake.
MAX_SHIFT = timedelta(hours=24)


# --------------------------------------------------------------------------- supervision


def _overlaps(first_a, last_a, first_b, last_b) -> bool:
    """Two inclusive date ranges (an empty last day is open-ended) share a day."""
    return (last_b is None or first_a <= last_b) and (last_a is None or first_b <= last_a)


def _check_assignment(problems, assistant, provider, site, starts_on, ends_on, own_id=None):
    if assistant.role != Role.assistant:
        problems.add("assistant", f"{assistant.name} is not a medical assistant.")
    if provider.role != Role.provider:
        problems.add("provider", f"{provider.name} is not a provider.")
    if ends_on is not None and ends_on < starts_on:
        problems.add("ends_on", f"Must be on or after the start date ({starts_on.isoformat()}).")
        return
    query = select(SupervisionAssignment).where(
        SupervisionAssignment.assistant_id == assistant.id,
        SupervisionAssignment.provider_id == provider.id,
        SupervisionAssignment.site_id == site.id,
    )
    if own_id is not None:
        query = query.where(SupervisionAssignment.id != own_id)
    for other in db.session.scalars(query):
        if _overlaps(starts_on, ends_on, other.starts_on, other.ends_on):
            until = f"to {other.ends_on.isoformat()}" if other.ends_on else "(open-ended)"
            problems.add(
                "starts_on",
                f"{assistant.name} already has an assignment to {provider.name} at {site.name} "
                f"from {other.starts_on.isoformat()} {until} that overlaps these dates; "
                "edit or end that one instead.",
            )
            break


def assignment_warnings(assignment: SupervisionAssignment) -> list[str]:
    """Things worth knowing that do not stop the assignment from being kept."""
    warnings = []
    site = assignment.site
    day = max(assignment.starts_on, practice_today())
    if not any(
        lic.state == site.state and (lic.expires_on is None or lic.expires_on >= day)
        for lic in assignment.provider.licenses
    ):
        warnings.append(
            f"{assignment.provider.name} has no current {state_name(site.state)} license, so "
            f"this assignment does not count as supervision at {site.name} until one is recorded."
        )
    if site not in assignment.assistant.sites:
        warnings.append(f"{assignment.assistant.name} does not work at {site.name}.")
    return warnings


def create_assignment(
    actor: Person,
    *,
    assistant: Person,
    provider: Person,
    site: Site,
    starts_on: date,
    ends_on: date | None,
) -> SupervisionAssignment:
    problems = Problems()
    _check_assignment(problems, assistant, provider, site, starts_on, ends_on)
    problems.raise_any()
    assignment = SupervisionAssignment(
        assistant=assistant, provider=provider, site=site, starts_on=starts_on, ends_on=ends_on
    )
    return record_create(assignment, actor)


def update_assignment(
    actor: Person,
    assignment: SupervisionAssignment,
    *,
    assistant: Person,
    provider: Person,
    site: Site,
    starts_on: date,
    ends_on: date | None,
) -> None:
    problems = Problems()
    _check_assignment(problems, assistant, provider, site, starts_on, ends_on, assignment.id)
    problems.raise_any()
    before = snapshot(assignment)
    assignment.assistant, assignment.provider, assignment.site = assistant, provider, site
    assignment.starts_on, assignment.ends_on = starts_on, ends_on
    db.session.flush()
    record_update(assignment, before, actor)


def end_assignment(actor: Person, assignment: SupervisionAssignment, ends_on: date) -> None:
    """End an assignment: its last day is ``ends_on`` (it is kept, never deleted)."""
    problems = Problems()
    _check_assignment(
        problems,
        assignment.assistant,
        assignment.provider,
        assignment.site,
        assignment.starts_on,
        ends_on,
        assignment.id,
    )
    problems.raise_any()
    before = snapshot(assignment)
    assignment.ends_on = ends_on
    db.session.flush()
    record_event("end", assignment, before=before, after=snapshot(assignment), actor=actor)


# --------------------------------------------------------------------------- shifts


def site_moment(local: datetime, timezone: str) -> datetime | None:
    """A wall-clock time at a site as an aware UTC moment; None when the clocks skip it.

    A time that already carries its offset (as the practice file gives it) names its
    moment itself, even in the hour the clocks repeat.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    aware = local.replace(tzinfo=zone(timezone))
    moment = aware.astimezone(UTC)
    if moment.astimezone(zone(timezone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment


def site_wall_clock(moment: datetime, timezone: str) -> datetime:
    """A stored UTC moment as the site's naive wall-clock time (for a form)."""
    return moment.astimezone(zone(timezone)).replace(tzinfo=None)


def _shift_moments(problems, provider, site, starts_local, ends_local, own_id=None):
    if provider.role != Role.provider:
        problems.add("provider", f"{provider.name} is not a provider.")
    moments = {}
    for key, local in (("starts_at", starts_local), ("ends_at", ends_local)):
        moments[key] = site_moment(local, site.timezone)
        if moments[key] is None:
            problems.add(
                key,
                f"{local:%Y-%m-%d %H:%M} does not exist in {site.timezone} (the clocks "
                "change that night); pick a time before or after the change.",
            )
    starts_at, ends_at = moments["starts_at"], moments["ends_at"]
    if starts_at is None or ends_at is None:
        return None, None
    if ends_at <= starts_at:
        problems.add("ends_at", "The shift must end after it starts.")
        return None, None
    if ends_at - starts_at > MAX_SHIFT:
        problems.add("ends_at", "A shift may last at most 24 hours; check the dates.")
        return None, None
    query = select(Shift).where(
        Shift.provider_id == provider.id, Shift.starts_at < ends_at, Shift.ends_at > starts_at
    )
    if own_id is not None:
        query = query.where(Shift.id != own_id)
    clash = db.session.scalars(query.limit(1)).first()
    if clash is not None:
        tz = clash.site.timezone
        problems.add(
            "starts_at",
            f"{provider.name} already has a shift at {clash.site.name} from "
            f"{site_wall_clock(clash.starts_at, tz):%Y-%m-%d %H:%M} to "
            f"{site_wall_clock(clash.ends_at, tz):%Y-%m-%d %H:%M} ({tz}) that overlaps it.",
        )
    return starts_at, ends_at


def create_shift(
    actor: Person, *, provider: Person, site: Site, starts_local: datetime, ends_local: datetime
) -> Shift:
    """A provider on site, the times given as the site's wall clock and stored in UTC."""
    problems = Problems()
    starts_at, ends_at = _shift_moments(problems, provider, site, starts_local, ends_local)
    problems.raise_any()
    shift = Shift(provider=provider, site=site, starts_at=starts_at, ends_at=ends_at)
    return record_create(shift, actor)


def update_shift(
    actor: Person,
    shift: Shift,
    *,
    provider: Person,
    site: Site,
    starts_local: datetime,
    ends_local: datetime,
) -> None:
    problems = Problems()
    starts_at, ends_at = _shift_moments(
        problems, provider, site, starts_local, ends_local, shift.id
    )
    problems.raise_any()
    before = snapshot(shift)
    shift.provider, shift.site, shift.starts_at, shift.ends_at = (
        provider,
        site,
        starts_at,
        ends_at,
    )
    db.session.flush()
    record_update(shift, before, actor)


#: The shift a fix link offers: from the hour of the moment, this long.
COVER_HOURS = timedelta(hours=2)


def shift_covering(provider_id: int | None, site: Site, at: datetime) -> tuple[datetime, datetime]:
    """A shift to offer that covers the moment ``at`` at the site, as the site's wall clock:
    from the start of its hour for ``COVER_HOURS``, moved clear of the provider's other
    shifts (one that ends before the moment starts it later, one that begins after it ends
    it sooner), so saving it as offered overlaps nothing the moment does not."""
    local = at.astimezone(zone(site.timezone))
    start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    end = start + COVER_HOURS
    if provider_id:
        nearby = db.session.scalars(
            select(Shift).where(
                Shift.provider_id == provider_id, Shift.starts_at < end, Shift.ends_at > start
            )
        ).all()
        for shift in nearby:
            if start < shift.ends_at <= at:
                start = shift.ends_at
            if at < shift.starts_at < end:
                end = shift.starts_at
    return site_wall_clock(start, site.timezone), site_wall_clock(end, site.timezone)
