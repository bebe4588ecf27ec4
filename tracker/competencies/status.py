"""How current a competency (or any record with an expiry) is: the statuses the
competency pages and the training file show, with their badge colours, and a competency's
expiry from the written policy at the person's home site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.competencies.models import Competency
from tracker.rule.rules import competency_expiry, select_policy
from tracker.rule.values import CompetencyFacts, PolicyFacts
from tracker.staff.models import Person

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


def _competency_facts(comp: Competency) -> CompetencyFacts:
    return CompetencyFacts(
        task=comp.task.code, validated_on=comp.validated_on, expires_on=comp.expires_on
    )


def home_site(person: Person) -> str:
    """The site whose written policy sets a person's competencies' validity: their first
    ("" when they work at none, so only practice-wide policies apply)."""
    return person.sites[0].code if person.sites else ""


def policy_at_home_site(
    policies: list[PolicyFacts], person: Person, task_code: str, day: date
) -> PolicyFacts | None:
    """The policy for the person's job level at their home site, in effect on ``day``."""
    return select_policy(policies, task_code, person.job_level, home_site(person), day)


def competency_expires_on(
    comp: Competency, person: Person, policies: list[PolicyFacts], today: date
) -> date | None:
    """The competency's last day: its own expiry, else the validity of the policy at the
    person's home site in effect on the day it was validated."""
    policy = policy_at_home_site(policies, person, comp.task.code, comp.validated_on or today)
    return competency_expiry(_competency_facts(comp), policy)
