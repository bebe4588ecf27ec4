"""Imports every model so the metadata (and Alembic) sees every table."""

from tracker.audit.models import AuditEvent
from tracker.decision.models import FactStamp
from tracker.delegations.models import DecisionRecord, Delegation
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
    "Shift",
    "Site",
    "ReminderSent",
    "StateRule",
    "SupervisionAssignment",
    "Task",
    "incident_raised_with",
    "person_sites",
]
