"""The records a document may be attached to: who may see each, who may attach to it.

One declaration per kind of record, mirroring the record's own pages (tracker.access and
their views): whoever may open the record sees its documents; whoever may change it
attaches and withdraws them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from tracker.competencies.models import Competency
from tracker.competencies.services import may_correct, visible_competencies
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.protocols.models import Protocol
from tracker.protocols.queries import covers_person
from tracker.staff.models import Credential, License, Person
from tracker.vocabulary import RECORD_KEEPERS, DocumentRecordType, ProtocolState, Role


@dataclass(frozen=True)
class RecordKind:
    record_type: DocumentRecordType
    model: type
    #: The practice file's section holding these records (their natural keys).
    section: str
    #: May this person see the record (open its page)?
    may_see: Callable[[Person, object], bool]
    #: May this person change the record (and so attach and withdraw its documents)?
    may_edit: Callable[[Person, object], bool]
    #: The record's page, where its documents are listed and attached.
    page: Callable[[object], str]
    #: The record in a few words ("Ana Ruiz's CMA credential").
    describe: Callable[[object], str]


def _sees_competency(person: Person, comp: Competency) -> bool:
    query = visible_competencies(person).where(Competency.id == comp.id)
    return db.session.scalar(query.with_only_columns(Competency.id)) is not None


def _sees_persons_record(person: Person, record) -> bool:
    """A credential or license: on its person's training file (an assistant sees only
    their own)."""
    return person.role != Role.assistant or record.person_id == person.id


def _keeps_records(person: Person, record) -> bool:
    return person.active and person.role in RECORD_KEEPERS


def _everyone(person: Person, record) -> bool:
    return True


def _sees_protocol(person: Person, protocol: Protocol) -> bool:
    """As the protocol's page: an assistant sees the approved or retired versions that
    cover her sites, never a draft."""
    if person.role != Role.assistant:
        return True
    return protocol.state != ProtocolState.draft and covers_person(protocol, person)


KINDS: dict[DocumentRecordType, RecordKind] = {
    kind.record_type: kind
    for kind in (
        RecordKind(
            DocumentRecordType.competency,
            Competency,
            "competencies",
            _sees_competency,
            lambda person, comp: person.active and may_correct(person, comp),
            lambda comp: url_for("competencies.detail", competency_id=comp.id),
            lambda comp: f"{comp.person.name}'s {comp.task.name} competency",
        ),
        RecordKind(
            DocumentRecordType.credential,
            Credential,
            "credentials",
            _sees_persons_record,
            _keeps_records,
            lambda cred: url_for("staff.credential_edit", credential_id=cred.id),
            lambda cred: f"{cred.person.name}'s {cred.type} credential",
        ),
        RecordKind(
            DocumentRecordType.license,
            License,
            "licenses",
            _sees_persons_record,
            _keeps_records,
            lambda lic: url_for("staff.license_edit", license_id=lic.id),
            lambda lic: f"{lic.person.name}'s {lic.type} license ({lic.state})",
        ),
        RecordKind(
            DocumentRecordType.state_rule,
            StateRule,
            "state_rules",
            _everyone,
            _keeps_records,
            lambda rule: url_for("policy.edit_state_rule", rule_id=rule.id),
            lambda rule: f"the {rule.state} rule for {rule.task.name}",
        ),
        RecordKind(
            DocumentRecordType.policy,
            Policy,
            "policies",
            _everyone,
            _keeps_records,
            lambda policy: url_for("policy.edit_policy", policy_id=policy.id),
            lambda policy: (
                f"the policy for {policy.task.name}"
                + (f" ({policy.document})" if policy.document else "")
            ),
        ),
        RecordKind(
            DocumentRecordType.protocol,
            Protocol,
            "protocols",
            _sees_protocol,
            _keeps_records,
            lambda protocol: url_for("protocols.detail", protocol_id=protocol.id),
            lambda protocol: f"{protocol.title} (version {protocol.version})",
        ),
    )
}

#: Why a document names no kind of record tracker keeps documents for.
NOT_KEPT = (
    "documents are kept for competencies, credentials, licenses, state rules, "
    "policies and protocols only"
)


def kind_of(record_type) -> RecordKind | None:
    try:
        return KINDS.get(DocumentRecordType(record_type))
    except ValueError:
        return None


def record_of(kind: RecordKind, record_id: int):
    return db.session.get(kind.model, record_id)


def records_by_id(kind: RecordKind, ids) -> dict[int, object]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(kind.model).where(kind.model.id.in_(ids)))}
