"""Imports every model so the metadata (and Alembic) sees every table."""

from tracker.api.models import ApiToken, IdempotencyKey
from tracker.audit.models import AuditEvent
from tracker.auth.models import RecoveryCode, SignInSession, TwoFactor
from tracker.decision.models import FactStamp
from tracker.delegations.models import DecisionRecord, Delegation, DelegationCheck
from tracker.incidents.models import Incident, IncidentAddendum, incident_raised_with
from tracker.records.models import Competency, Policy, Practice, StateRule, Task
from tracker.reminders.models import ReminderSent
from tracker.staff.models import (
    Credential,
    License,
    Person,
    Shift,
    Site,
    SupervisionAssignment,
    person_sites,
)

__all__ = [
    "ApiToken",
    "IdempotencyKey",
    "DelegationCheck",
    "AuditEvent",
    "Competency",
    "Credential",
    "DecisionRecord",
    "Delegation",
    "FactStamp",
    "Incident",
    "IncidentAddendum",
    "License",
    "Person",
    "Policy",
    "Practice",
    "RecoveryCode",
    "Shift",
    "SignInSession",
    "Site",
    "ReminderSent",
    "StateRule",
    "SupervisionAssignment",
    "Task",
    "TwoFactor",
    "incident_raised_with",
    "person_sites",
]
