"""How current a competency (or any record with an expiry) is: the statuses the
competency pages and the training file show, with their badge colours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.competencies.models import Competency

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
