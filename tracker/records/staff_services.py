"""Verbs on the records a practice keeps: people, sites, licenses, credentials, supervision
assignments, shifts and the practice's own tasks.

Each verb checks everything first and raises ``RecordProblems`` (every problem, each named
by the form field it belongs to) before it changes anything; then it changes the record,
flushes and writes an audit event with the values before and after. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from tracker.audit.services import record_event, snapshot
from tracker.auth.passwords import password_problem
from tracker.auth.services import set_password
from tracker.auth.sessions import end_every_session
from tracker.dates import zone
from tracker.decision.rules import state_name
from tracker.domain import BUILTIN_TASK_CODES, Role, TaskKind, custom_task_problems
from tracker.extensions import db
from tracker.records.models import Task
from tracker.sites.queries import practice_today
from tracker.staff.models import (
    Credential,
    License,
    Person,
    Shift,
    Site,
    SupervisionAssignment,
)

#: Roles a practice manager may give and whose records they keep; other roles are accounts,
#: which only an administrator creates or changes.
MANAGER_KEEPS = frozenset({Role.assistant, Role.provider})
#: A shift longer than this is almost certainly a typing mistake.
MAX_SHIFT = timedelta(hours=24)


class RecordProblems(ValueError):
    """The change cannot be made; ``problems`` pairs a form field (or None) with a message."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class _Problems:
    def __init__(self):
        self.items: list[tuple[str | None, str]] = []

    def add(self, field: str | None, message: str) -> None:
        self.items.append((field, message))

    def raise_any(self) -> None:
        if self.items:
            raise RecordProblems(self.items)


# --------------------------------------------------------------------------- people


def roles_for(actor: Person) -> list[Role]:
    """The roles the actor may give a person."""
    if actor.role == Role.admin:
        return list(Role)
    if actor.role == Role.manager:
        return [r for r in Role if r in MANAGER_KEEPS]
    return []


def may_keep_person(actor: Person, person: Person) -> bool:
    """Admins keep everyone's record; managers keep assistants' and providers'."""
    return actor.role == Role.admin or (actor.role == Role.manager and person.role in MANAGER_KEEPS)


def person_snapshot(person: Person) -> dict:
    """The person's columns (never the password) and their sites, for the audit log."""
    return {**snapshot(person), "sites": sorted(s.code for s in person.sites)}


def _sites_by_id(site_ids: Iterable[int], problems: _Problems) -> list[Site]:
    wanted = set(site_ids)
    if not wanted:
        return []
    sites = list(db.session.scalars(select(Site).where(Site.id.in_(wanted)).order_by(Site.code)))
    if len(sites) != len(wanted):
        problems.add("sites", "One of the chosen sites does not exist.")
    return sites


def _email_taken(email: str, other_than: int | None = None) -> bool:
    query = select(Person.id).where(func.lower(Person.email) == email.lower())
    if other_than is not None:
        query = query.where(Person.id != other_than)
    return db.session.scalar(query.limit(1)) is not None


def _check_person(
    problems: _Problems, *, role, job_level, password, min_password_length, email=None
):
    if job_level and role != Role.assistant:
        problems.add("job_level", "Only medical assistants have a job level; leave it empty.")
    if password:
        problem = password_problem(password, email, min_password_length)
        if problem:
            problems.add("password", problem)


def _check_force_change(problems: _Problems, actor: Person, must_change) -> None:
    if must_change and actor.role != Role.admin:
        problems.add(
            "must_change_password",
            "Only an administrator may ask for a new password at the next sign-in.",
        )


def create_person(
    actor: Person,
    *,
    email: str,
    name: str,
    role: Role,
    job_level: str | None = None,
    site_ids: Iterable[int] = (),
    can_validate: bool = False,
    password: str | None = None,
    min_password_length: int = 12,
    must_change_password: bool | None = None,
) -> Person:
    """Add a person to the practice (an account when a password is given)."""
    problems = _Problems()
    email = email.strip().lower()
    role = Role(role)
    if role not in roles_for(actor):
        problems.add("role", f"Only an administrator may create a {role.label.lower()} account.")
    if _email_taken(email):
        problems.add("email", f"{email} already belongs to someone in the practice.")
    _check_force_change(problems, actor, must_change_password)
    _check_person(
        problems,
        role=role,
        job_level=job_level,
        password=password,
        min_password_length=min_password_length,
        email=email,
    )
    sites = _sites_by_id(site_ids, problems)
    problems.raise_any()

    person = Person(
        email=email,
        name=name.strip(),
        role=role,
        job_level=(job_level or None) if role == Role.assistant else None,
        can_validate=can_validate,
        active=True,
    )
    person.sites = sites
    person.must_change_password = bool(must_change_password)
    db.session.add(person)
    db.session.flush()
    record_event("create", person, after=person_snapshot(person), actor=actor)
    if password:
        set_password(person, password, min_password_length, actor=actor)
    return person


def update_person(
    actor: Person,
    person: Person,
    *,
    email: str,
    name: str,
    role: Role,
    job_level: str | None = None,
    site_ids: Iterable[int] = (),
    can_validate: bool = False,
    password: str | None = None,
    min_password_length: int = 12,
    must_change_password: bool | None = None,
) -> set[str]:
    """Change a person's record; returns the states an assistant works in that are new."""
    problems = _Problems()
    email = email.strip().lower()
    role = Role(role)
    if role != person.role:
        if actor.role != Role.admin:
            problems.add("role", "Only an administrator may change a person's role.")
        elif actor.id == person.id:
            problems.add("role", "You cannot change your own role; ask another administrator.")
    if _email_taken(email, other_than=person.id):
        problems.add("email", f"{email} already belongs to someone else in the practice.")
    if must_change_password is not None and must_change_password != person.must_change_password:
        _check_force_change(problems, actor, must_change_password)
    _check_person(
        problems,
        role=role,
        job_level=job_level,
        password=password,
        min_password_length=min_password_length,
        email=email,
    )
    sites = _sites_by_id(site_ids, problems)
    problems.raise_any()

    before = person_snapshot(person)
    old_states = {s.state for s in person.sites}
    person.email = email
    person.name = name.strip()
    person.role = role
    person.job_level = (job_level or None) if role == Role.assistant else None
    person.can_validate = can_validate
    person.sites = sites
    if must_change_password is not None:
        person.must_change_password = must_change_password
    db.session.flush()
    after = person_snapshot(person)
    if after != before:
        record_event("update", person, before=before, after=after, actor=actor)
    if password:
        set_password(person, password, min_password_length, actor=actor)
    if role != Role.assistant:
        return set()
    return {s.state for s in sites} - old_states


def set_active(actor: Person, person: Person, active: bool) -> bool:
    """Deactivate or reactivate a person (nobody is deleted); False when nothing changed."""
    if not active and actor.id == person.id:
        raise RecordProblems([(None, "You cannot deactivate your own account.")])
    if person.active == active:
        return False
    before = person_snapshot(person)
    person.active = active
    # Either way no session from before survives: a reactivated person signs in afresh.
    end_every_session(person, "reactivated" if active else "deactivated")
    db.session.flush()
    record_event(
        "reactivate" if active else "deactivate",
        person,
        before=before,
        after=person_snapshot(person),
        actor=actor,
    )
    if not active:
        from tracker.api.tokens import revoke_all

        revoke_all(person, actor, "person deactivated")
    return True


# --------------------------------------------------------------------------- sites


def _check_site(problems: _Problems, code: str, site_id: int | None = None) -> None:
    query = select(Site.id).where(Site.code == code)
    if site_id is not None:
        query = query.where(Site.id != site_id)
    if db.session.scalar(query.limit(1)) is not None:
        problems.add("code", f"There is already a site with code {code}.")


def create_site(actor: Person, *, code: str, name: str, state: str, timezone: str) -> Site:
    problems = _Problems()
    _check_site(problems, code)
    problems.raise_any()
    site = Site(code=code, name=name, state=state, timezone=timezone)
    return _record_create(site, actor)


def update_site(
    actor: Person, site: Site, *, code: str, name: str, state: str, timezone: str
) -> None:
    problems = _Problems()
    _check_site(problems, code, site.id)
    problems.raise_any()
    before = snapshot(site)
    site.code, site.name, site.state, site.timezone = code, name, state, timezone
    db.session.flush()
    _record_update(site, before, actor)


def _record_create(record, actor: Person):
    """Add a new record and write its "create" audit event in the same transaction."""
    db.session.add(record)
    db.session.flush()
    record_event("create", record, after=snapshot(record), actor=actor)
    return record


def _record_update(record, before: dict, actor: Person) -> None:
    after = snapshot(record)
    if after != before:
        record_event("update", record, before=before, after=after, actor=actor)


# --------------------------------------------------------------------------- licenses


def _check_license(problems, person, type_, number, state, license_id=None):
    if person.role != Role.provider:
        problems.add(None, f"Licenses are kept for providers; {person.name} is not a provider.")
    query = select(License.id).where(
        License.person_id == person.id,
        License.type == type_,
        License.number == number,
        License.state == state,
    )
    if license_id is not None:
        query = query.where(License.id != license_id)
    if db.session.scalar(query.limit(1)) is not None:
        problems.add(
            "number",
            f"{person.name} already has a {state} {type_} license numbered {number}; "
            "edit that one instead.",
        )


def create_license(
    actor: Person,
    person: Person,
    *,
    type: str,
    number: str,
    state: str,
    expires_on: date | None,
) -> License:
    problems = _Problems()
    _check_license(problems, person, type, number, state)
    problems.raise_any()
    lic = License(person=person, type=type, number=number, state=state, expires_on=expires_on)
    return _record_create(lic, actor)


def update_license(
    actor: Person,
    lic: License,
    *,
    type: str,
    number: str,
    state: str,
    expires_on: date | None,
) -> None:
    problems = _Problems()
    _check_license(problems, lic.person, type, number, state, lic.id)
    problems.raise_any()
    before = snapshot(lic)
    lic.type, lic.number, lic.state, lic.expires_on = type, number, state, expires_on
    db.session.flush()
    _record_update(lic, before, actor)


# --------------------------------------------------------------------------- credentials


def _check_credential(problems, person, values: dict, today: date, credential_id=None):
    issued, expires, verified = values["issued_on"], values["expires_on"], values["verified_on"]
    if issued and expires and expires < issued:
        problems.add("expires_on", f"Must be on or after the issue date ({issued.isoformat()}).")
    if issued and verified and verified < issued:
        problems.add("verified_on", f"Must be on or after the issue date ({issued.isoformat()}).")
    if verified and verified > today:
        problems.add("verified_on", "Cannot be in the future.")
    query = select(Credential.id).where(
        Credential.person_id == person.id, Credential.type == values["type"]
    )
    number = values["number"] or None
    query = query.where(
        Credential.number == number if number is not None else Credential.number.is_(None)
    )
    if credential_id is not None:
        query = query.where(Credential.id != credential_id)
    if db.session.scalar(query.limit(1)) is not None:
        what = f"numbered {number}" if number else "without a number"
        problems.add(
            "number",
            f"{person.name} already has a {values['type']} credential {what}; "
            "edit that one instead (a renewal changes its dates).",
        )


CREDENTIAL_FIELDS = ("type", "number", "issuer", "issued_on", "expires_on", "verified_on")


def create_credential(actor: Person, person: Person, *, today: date, **values) -> Credential:
    values = _credential_values(values)
    problems = _Problems()
    _check_credential(problems, person, values, today)
    problems.raise_any()
    cred = Credential(person=person, **values)
    return _record_create(cred, actor)


def update_credential(actor: Person, cred: Credential, *, today: date, **values) -> None:
    values = _credential_values(values)
    problems = _Problems()
    _check_credential(problems, cred.person, values, today, cred.id)
    problems.raise_any()
    before = snapshot(cred)
    for key, value in values.items():
        setattr(cred, key, value)
    db.session.flush()
    _record_update(cred, before, actor)


def _credential_values(values: dict) -> dict:
    out = {key: values.get(key) for key in CREDENTIAL_FIELDS}
    for key in ("number", "issuer"):
        out[key] = out[key] or None
    return out


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
    problems = _Problems()
    _check_assignment(problems, assistant, provider, site, starts_on, ends_on)
    problems.raise_any()
    assignment = SupervisionAssignment(
        assistant=assistant, provider=provider, site=site, starts_on=starts_on, ends_on=ends_on
    )
    return _record_create(assignment, actor)


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
    problems = _Problems()
    _check_assignment(problems, assistant, provider, site, starts_on, ends_on, assignment.id)
    problems.raise_any()
    before = snapshot(assignment)
    assignment.assistant, assignment.provider, assignment.site = assistant, provider, site
    assignment.starts_on, assignment.ends_on = starts_on, ends_on
    db.session.flush()
    _record_update(assignment, before, actor)


def end_assignment(actor: Person, assignment: SupervisionAssignment, ends_on: date) -> None:
    """End an assignment: its last day is ``ends_on`` (it is kept, never deleted)."""
    problems = _Problems()
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
    """A wall-clock time at a site as an aware UTC moment; None when the clocks skip it."""
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
    problems = _Problems()
    starts_at, ends_at = _shift_moments(problems, provider, site, starts_local, ends_local)
    problems.raise_any()
    shift = Shift(provider=provider, site=site, starts_at=starts_at, ends_at=ends_at)
    return _record_create(shift, actor)


def update_shift(
    actor: Person,
    shift: Shift,
    *,
    provider: Person,
    site: Site,
    starts_local: datetime,
    ends_local: datetime,
) -> None:
    problems = _Problems()
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
    _record_update(shift, before, actor)


# --------------------------------------------------------------------------- tasks


def _check_task(problems, code: str, name: str, kind, task_id=None):
    if code in BUILTIN_TASK_CODES:
        problems.add(
            "code", f"{code} is in the built-in catalog and cannot be redefined; pick another code."
        )
    elif lookalike := custom_task_problems(code, name):
        for field, message in lookalike:
            problems.add(field, message)
    else:
        query = select(Task.id).where(Task.code == code)
        if task_id is not None:
            query = query.where(Task.id != task_id)
        if db.session.scalar(query.limit(1)) is not None:
            problems.add("code", f"There is already a task with code {code}.")
    if kind not in (TaskKind.administrative, TaskKind.clinical):
        problems.add(
            "kind",
            "Reserved tasks are for licensed providers only; a practice may add only "
            "administrative or clinical tasks.",
        )


def create_task(
    actor: Person, *, code: str, name: str, kind: TaskKind, description: str = ""
) -> Task:
    """Add one of the practice's own tasks (administrative or clinical, never reserved)."""
    problems = _Problems()
    kind = _task_kind(kind)
    _check_task(problems, code, name, kind)
    problems.raise_any()
    task = Task(code=code, name=name, kind=kind, description=description or "", builtin=False)
    return _record_create(task, actor)


def update_task(
    actor: Person, task: Task, *, code: str, name: str, kind: TaskKind, description: str = ""
) -> None:
    problems = _Problems()
    if task.builtin:
        problems.add(None, f"{task.name} is in the built-in catalog and cannot be changed.")
    kind = _task_kind(kind)
    _check_task(problems, code, name, kind, task.id)
    problems.raise_any()
    before = snapshot(task)
    task.code, task.name, task.kind, task.description = code, name, kind, description or ""
    db.session.flush()
    _record_update(task, before, actor)


def _task_kind(kind) -> TaskKind | None:
    try:
        return TaskKind(kind)
    except ValueError:
        return None
