"""Imports every model so the metadata (and Alembic) sees every table."""

from tracker.api.models import ApiToken, IdempotencyKey
from tracker.audit.models import AuditEvent
from tracker.auth.models import RecoveryCode, SignInSession, TwoFactor
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.decision.models import DecisionRecord, FactStamp
from tracker.delegations.models import Delegation, DelegationCheck
from tracker.documents.models import Document
from tracker.incidents.models import Incident, IncidentAddendum, incident_raised_with
from tracker.policy.models import Policy, StateRule
from tracker.protocols.models import (
    Direction,
    Protocol,
    ProtocolAcknowledgment,
    protocol_sites,
    protocol_tasks,
)
from tracker.reminders.models import ReminderSent
from tracker.sites.models import Practice, Site
from tracker.staff.models import Credential, License, Person, person_sites
from tracker.supervision.models import Shift, SupervisionAssignment

__all__ = [
    "ApiToken",
    "IdempotencyKey",
    "DelegationCheck",
    "AuditEvent",
    "Competency",
    "Credential",
    "DecisionRecord",
    "Delegation",
    "Document",
    "Direction",
    "FactStamp",
    "Incident",
    "IncidentAddendum",
    "License",
    "Person",
    "Policy",
    "Practice",
    "Protocol",
    "ProtocolAcknowledgment",
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
    "protocol_sites",
    "protocol_tasks",
]
