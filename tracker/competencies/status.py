"""How current a competency (or any record with an expiry) is: the statuses the
competency pages and the training file show, with their badge colours, and a competency's
expiry at each of the person's sites, taken from the rule's ``competency_expiry`` (the one
place it is computed, DESIGN section 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.competencies.models import Competency
from tracker.rule.rules import earliest_expiry, expiry_at_sites
from tracker.rule.values import CompetencyFacts, Expiry, PolicyFacts
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
class SiteExpiry:
    """A competency's expiry at one site, with the site's name for the page."""

    expiry: Expiry
    site_name: str

    @property
    def on(self) -> date | None:
        return self.expiry.on


@dataclass(frozen=True)
class CompetencyLine:
    """A competency with its expiry at each of the person's sites and its status (by the
    earliest of them)."""

    record: Competency
    #: One per site the person works at, by site code (one, site "", when they work at none).
    by_site: tuple[SiteExpiry, ...]
    status: str

    @property
    def earliest(self) -> SiteExpiry:
        first = earliest_expiry(s.expiry for s in self.by_site)
        return next(s for s in self.by_site if s.expiry is first)

    @property
    def expires_on(self) -> date | None:
        return self.earliest.on

    @property
    def expiry_derived(self) -> bool:
        return self.earliest.expiry.from_policy

    @property
    def varies_by_site(self) -> bool:
        """The sites' policies give different dates: each is shown."""
        return len({s.on for s in self.by_site}) > 1


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


def competency_facts(
    task_code: str,
    validated_on: date | None,
    expires_on: date | None,
    revoked_on: date | None,
) -> CompetencyFacts:
    """The dates a competency's expiry rests on, as the rule's facts."""
    return CompetencyFacts(
        task=task_code, validated_on=validated_on, expires_on=expires_on, revoked_on=revoked_on
    )


def site_expiries(
    facts: CompetencyFacts, person: Person, policies: list[PolicyFacts], today: date
) -> tuple[SiteExpiry, ...]:
    """The competency's expiry at each site the person works at (the rule's
    ``expiry_at_sites``), each with the site's name."""
    names = {s.code: s.name for s in person.sites}
    return tuple(
        SiteExpiry(expiry, names.get(expiry.site, ""))
        for expiry in expiry_at_sites(facts, policies, person.job_level, names, today)
    )


def competency_line(
    comp: Competency, person: Person, policies: list[PolicyFacts], today: date, within_days: int
) -> CompetencyLine:
    """One competency of the person (their sites loaded) with its expiry and status."""
    facts = competency_facts(comp.task.code, comp.validated_on, comp.expires_on, comp.revoked_on)
    by_site = site_expiries(facts, person, policies, today)
    earliest = earliest_expiry(s.expiry for s in by_site)
    return CompetencyLine(comp, by_site, competency_status(comp, earliest.on, today, within_days))
