"""Read models for the staff pages: the staff list and one person's training file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.decision.rules import (
    PolicyFacts,
    competency_expiry,
    credential_held,
    select_policy,
)
from tracker.domain import Role
from tracker.extensions import db
from tracker.records.models import Competency, Policy
from tracker.staff.models import Person, Site, SupervisionAssignment

CURRENT, EXPIRING, EXPIRED, REVOKED = "current", "expiring", "expired", "revoked"
NOT_VALIDATED, PRIOR_EMPLOYER = "not validated", "prior employer"
NOT_YET = "not yet valid"

#: Bootstrap colour for each status badge.
STATUS_STYLE = {
    CURRENT: "success",
    EXPIRING: "warning",
    EXPIRED: "danger",
    REVOKED: "dark",
    NOT_VALIDATED: "secondary",
    PRIOR_EMPLOYER: "info",
    NOT_YET: "secondary",
}


def expiry_status(expires_on: date | None, today: date, within_days: int) -> str:
    if expires_on is not None and today > expires_on:
        return EXPIRED
    if expires_on is not None and expires_on <= today + timedelta(days=within_days):
        return EXPIRING
    return CURRENT


@dataclass(frozen=True)
class CompetencyLine:
    record: Competency
    expires_on: date | None
    expiry_derived: bool
    status: str


def competency_status(comp: Competency, expires_on: date | None, today: date, within: int) -> str:
    if comp.revoked_on is not None and comp.revoked_on <= today:
        return REVOKED
    if comp.prior_employer:
        return PRIOR_EMPLOYER
    if comp.validated_on is None:
        return NOT_VALIDATED
    if comp.validated_on > today:
        return NOT_YET
    return expiry_status(expires_on, today, within)


def _policy_facts(policy: Policy) -> PolicyFacts:
    return PolicyFacts(
        task=policy.task.code,
        authorized=policy.authorized,
        supervision=policy.supervision,
        site=policy.site.code if policy.site else None,
        job_levels=tuple(policy.job_levels or ()),
        competency_valid_months=policy.competency_valid_months,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        id=policy.id,
    )


def staff_list(site_code: str | None = None, role: Role | None = None) -> list[Person]:
    query = select(Person).options(selectinload(Person.sites)).order_by(Person.name)
    if site_code:
        query = query.where(Person.sites.any(Site.code == site_code))
    if role:
        query = query.where(Person.role == role)
    return list(db.session.scalars(query))


def competency_lines(person: Person, today: date, within_days: int) -> list[CompetencyLine]:
    """The person's competencies with their expiry (own or derived from the policy)."""
    competencies = db.session.scalars(
        select(Competency)
        .where(Competency.person_id == person.id)
        .options(selectinload(Competency.task), selectinload(Competency.validated_by))
    ).all()
    policies = [
        _policy_facts(p)
        for p in db.session.scalars(
            select(Policy).options(selectinload(Policy.task), selectinload(Policy.site))
        )
    ]
    home_site = person.sites[0].code if person.sites else ""
    lines = []
    for comp in competencies:
        policy = select_policy(
            policies, comp.task.code, person.job_level, home_site, comp.validated_on or today
        )
        facts = _competency_facts(comp)
        expires_on = competency_expiry(facts, policy)
        lines.append(
            CompetencyLine(
                comp,
                expires_on,
                comp.expires_on is None and expires_on is not None,
                competency_status(comp, expires_on, today, within_days),
            )
        )
    lines.sort(key=lambda line: (line.record.task.name, line.record.validated_on or date.min))
    return lines


def _competency_facts(comp: Competency):
    from tracker.decision.rules import CompetencyFacts

    return CompetencyFacts(
        task=comp.task.code, validated_on=comp.validated_on, expires_on=comp.expires_on
    )


def credential_status(cred, today: date, within_days: int) -> str:
    if cred.issued_on is not None and cred.issued_on > today:
        return NOT_YET
    if not credential_held(cred, today):
        return EXPIRED
    return expiry_status(cred.expires_on, today, within_days)


def supervision_of(person: Person) -> list[SupervisionAssignment]:
    """Assignments where the person is the assistant or the supervising provider."""
    return list(
        db.session.scalars(
            select(SupervisionAssignment)
            .where(
                (SupervisionAssignment.assistant_id == person.id)
                | (SupervisionAssignment.provider_id == person.id)
            )
            .options(
                selectinload(SupervisionAssignment.assistant),
                selectinload(SupervisionAssignment.provider),
                selectinload(SupervisionAssignment.site),
            )
            .order_by(SupervisionAssignment.starts_on.desc())
        )
    )
