"""Verbs on people and what they hold: licenses and credentials.

Each verb checks everything first and raises ``Refused`` (every problem, each named
by the form field it belongs to) before it changes anything; then it changes the record,
flushes and writes an audit event with the values before and after. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tracker.audit.services import SystemActor, record_create, record_event, record_update, snapshot
from tracker.errors import Problems, Refused
from tracker.extensions import db
from tracker.passwords import check_password_rules, password_problem
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff import signals
from tracker.staff.models import Credential, License, Person
from tracker.validation import EMAIL_RE, check_one_line, unfit_text
from tracker.vocabulary import STAFF_ROLES, Role

# --------------------------------------------------------------------------- people


def roles_for(actor: Person) -> list[Role]:
    """The roles the actor may give a person."""
    if isinstance(actor, SystemActor) or actor.role == Role.admin:  # the command line
        return list(Role)
    if actor.role == Role.manager:
        return [r for r in Role if r in STAFF_ROLES]
    return []


def may_keep_person(actor: Person, person: Person) -> bool:
    """Admins keep everyone's record; managers keep assistants' and providers'."""
    return actor.role == Role.admin or (actor.role == Role.manager and person.role in STAFF_ROLES)


def person_snapshot(person: Person) -> dict:
    """The person's columns (never the password) and their sites, for the audit log."""
    return {**snapshot(person), "sites": sorted(s.code for s in person.sites)}


def set_password(person: Person, password: str, min_length: int = 12, *, actor) -> None:
    """Give the person a new password; every session they had ends (the caller commits).

    ``actor`` is who sets it: the person, an administrator, or ``CLI``."""
    check_password_rules(password, person.email, min_length)
    person.set_password(password)
    if person.id is not None:
        signals.password_set.send(person)
    record_event("password_set", person, actor=actor, after={"email": person.email})


def _sites_by_id(site_ids: Iterable[int], problems: Problems) -> list[Site]:
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


#: The columns' lengths: a longer value is refused here, in every writer, not by the database.
NAME_MAX_LENGTH = 200
JOB_LEVEL_MAX_LENGTH = 64
EMAIL_MAX_LENGTH = 254


def _check_one_line(problems: Problems, field: str, label: str, value, max_length: int) -> None:
    """A one-line text value: no line break or control character, not over its column."""
    if not value:
        return
    problem = unfit_text(value, multiline=False)
    if problem:
        problems.add(field, problem)
    elif len(value) > max_length:
        problems.add(
            field,
            f"The {label} is {len(value)} characters long; at most {max_length} are allowed.",
        )


def _check_person(
    problems: Problems, *, role, job_level, password, min_password_length, email=None, name=None
):
    """What the people form refuses, for every writer (form, command line, CSV, practice
    file): a name and job level on one line and within their columns, an email address,
    a job level only for an assistant, an acceptable password."""
    if email is not None and (not EMAIL_RE.match(email) or len(email) > EMAIL_MAX_LENGTH):
        problems.add("email", f"{email!r} is not an email address.")
    if name is not None and not name.strip():
        problems.add("name", "Give the person's name.")
    _check_one_line(problems, "name", "name", name, NAME_MAX_LENGTH)
    _check_one_line(problems, "job_level", "job level", job_level, JOB_LEVEL_MAX_LENGTH)
    if job_level and role != Role.assistant:
        problems.add("job_level", "Only medical assistants have a job level; leave it empty.")
    if password:
        problem = password_problem(password, email, min_password_length)
        if problem:
            problems.add("password", problem)


def _check_force_change(problems: Problems, actor: Person, must_change) -> None:
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
    needs_password: bool = False,
) -> Person:
    """Add a person to the practice (an account when a password is given).

    ``needs_password``: the person is created to sign in (``create-user``), so an empty
    password is refused like a short one."""
    problems = Problems()
    check_one_line(problems, email=email)  # name and job level: _check_person
    if needs_password and not password:
        problems.add("password", password_problem(password or "", email, min_password_length))
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
        name=name,
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
    problems = Problems()
    check_one_line(problems, email=email)  # name and job level: _check_person
    email = email.strip().lower()
    role = Role(role)
    if role != person.role:
        if not isinstance(actor, SystemActor) and actor.role != Role.admin:
            problems.add("role", "Only an administrator may change a person's role.")
        elif not isinstance(actor, SystemActor) and actor.id == person.id:
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
        name=name,
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


@dataclass(frozen=True)
class ActiveChange:
    """What (de)activating a person did: whether anything changed, and what the features
    that rest on the person did about it, in a sentence each (for the page to say)."""

    changed: bool
    said: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.changed


def set_active(actor: Person, person: Person, active: bool) -> ActiveChange:
    """Deactivate or reactivate a person (nobody is deleted); falsy when nothing changed.

    A deactivation keeps its day (the practice's today): from that day the person no longer
    meets the employer's policy as an assistant, nor supervises or delegates as a provider.
    What rests on them is decided again at once (``signals.active_settled``)."""
    if not active and not isinstance(actor, SystemActor) and actor.id == person.id:
        raise Refused.because("You cannot deactivate your own account.")
    if person.active == active:
        return ActiveChange(False)
    before = person_snapshot(person)
    person.active = active
    person.deactivated_on = None if active else practice_today()
    # Either way no session from before survives: a reactivated person signs in afresh.
    signals.active_changed.send(person, active=active)
    db.session.flush()
    record_event(
        "reactivate" if active else "deactivate",
        person,
        before=before,
        after=person_snapshot(person),
        actor=actor,
    )
    if not active:
        signals.person_deactivated.send(person, actor=actor)
    replies = signals.active_settled.send(person, actor=actor, active=active)
    return ActiveChange(True, tuple(said for _, said in replies if said))


# --------------------------------------------------------------------------- licenses


def _check_license(problems, person, type_, number, state, license_id=None):
    check_one_line(problems, type=type_, number=number)
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
    problems = Problems()
    _check_license(problems, person, type, number, state)
    problems.raise_any()
    lic = License(person=person, type=type, number=number, state=state, expires_on=expires_on)
    return record_create(lic, actor)


def update_license(
    actor: Person,
    lic: License,
    *,
    type: str,
    number: str,
    state: str,
    expires_on: date | None,
) -> None:
    problems = Problems()
    _check_license(problems, lic.person, type, number, state, lic.id)
    problems.raise_any()
    before = snapshot(lic)
    lic.type, lic.number, lic.state, lic.expires_on = type, number, state, expires_on
    db.session.flush()
    record_update(lic, before, actor)


# --------------------------------------------------------------------------- credentials


def _check_credential(problems, person, values: dict, today: date, credential_id=None):
    check_one_line(problems, **{k: values.get(k) for k in ("type", "number", "issuer")})
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
    problems = Problems()
    _check_credential(problems, person, values, today)
    problems.raise_any()
    cred = Credential(person=person, **values)
    return record_create(cred, actor)


def update_credential(actor: Person, cred: Credential, *, today: date, **values) -> None:
    values = _credential_values(values)
    problems = Problems()
    _check_credential(problems, cred.person, values, today, cred.id)
    problems.raise_any()
    before = snapshot(cred)
    for key, value in values.items():
        setattr(cred, key, value)
    db.session.flush()
    record_update(cred, before, actor)


def _credential_values(values: dict) -> dict:
    out = {key: values.get(key) for key in CREDENTIAL_FIELDS}
    for key in ("number", "issuer"):
        out[key] = out[key] or None
    return out
