"""The practice file's sections (DESIGN section 5): how each is read, keyed and exported.

Each section is described once: how to read an entry (checking its values and naming each
problem's place), its natural key, and how a stored record looks as an entry. The importer
(``importer.py``) writes each entry through the feature's verbs; the exporter
(``exporter.py``) writes every stored record as an entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.builtin import BUILTIN_TASK_CODES, custom_task_problems
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.documents.models import Document
from tracker.documents.records import KINDS, NOT_KEPT
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.practice_file.parsing import ABSENT, INVALID, Reader
from tracker.protocols.models import Direction, Protocol, ProtocolAcknowledgment
from tracker.sites.models import Site
from tracker.staff.models import Credential, License, Person
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.vocabulary import (
    DOCUMENT_TYPES,
    DocumentRecordType,
    ProtocolState,
    Role,
    RuleStatus,
    SupervisionLevel,
    TaskKind,
)


class Refs:
    """Codes and emails known to the import: those stored plus those in the file."""

    def __init__(self):
        self.sites = {s.code: s for s in db.session.scalars(select(Site))}
        self.people = {p.email: p for p in db.session.scalars(select(Person))}
        self.tasks = {t.code: t for t in db.session.scalars(select(Task))}
        self.file_sites: set[str] = set()
        self.file_people: set[str] = set()
        self.file_task_kinds: dict[str, TaskKind] = {}

    def task_kind(self, code: str) -> TaskKind | None:
        if code in self.file_task_kinds:
            return self.file_task_kinds[code]
        task = self.tasks.get(code)
        return task.kind if task else None

    def check_site(self, reader: Reader, key: str, value):
        if isinstance(value, str) and value not in self.sites and value not in self.file_sites:
            reader.problem(key, f"no site with code {value}")
            return INVALID
        return value

    def check_person(self, reader: Reader, key: str, value):
        if isinstance(value, str) and value not in self.people and value not in self.file_people:
            reader.problem(key, f"no person with email {value}")
            return INVALID
        return value

    def check_task(self, reader: Reader, key: str, value):
        if isinstance(value, str) and self.task_kind(value) is None:
            reader.problem(key, f"no task with code {value}")
            return INVALID
        return value

    def index(self):
        """Reload sites, people and tasks (after some were written), with ids both ways.

        People come with their sites and licenses: the verbs' checks read them (today at
        the person's site, whether a validator was licensed), one query for all.
        """
        self.sites = {s.code: s for s in db.session.scalars(select(Site))}
        people = select(Person).options(selectinload(Person.sites), selectinload(Person.licenses))
        self.people = {p.email: p for p in db.session.scalars(people)}
        self.tasks = {t.code: t for t in db.session.scalars(select(Task))}
        self.site_code = {s.id: s.code for s in self.sites.values()}
        self.email = {p.id: p.email for p in self.people.values()}
        self.task_code = {t.id: t.code for t in self.tasks.values()}
        self.site_zone = {s.id: s.timezone for s in self.sites.values()}
        self._document_targets = None

    def document_targets(self) -> dict[tuple[DocumentRecordType, int], dict]:
        """Every record a document may name, as the practice file names it: (record type,
        id) -> the record's key in its own section. One query per kind of record."""
        if getattr(self, "_document_targets", None) is None:
            targets = {}
            for kind in KINDS.values():
                section = SECTION_BY_NAME[kind.section]
                for record in db.session.scalars(select(kind.model)):
                    targets[(kind.record_type, record.id)] = record_reference(
                        section, section.to_entry(record, self)
                    )
            self._document_targets = targets
        return self._document_targets

    def document_target_id(self, record_type, reference: dict) -> int | None:
        """The id of the record a document's reference names (stored, or just written)."""
        wanted = (DocumentRecordType(record_type), _hashable(reference))
        for (kind, record_id), ref in self.document_targets().items():
            if (kind, _hashable(ref)) == wanted:
                return record_id
        return None


@dataclass(frozen=True)
class Section:
    name: str
    model: type
    #: Natural key, as names of the entry's (file-level) values.
    key: tuple[str, ...]
    #: Reads one entry into file-level values (emails, codes), or None when it is bad.
    read: Callable[[Reader, Refs], dict | None]
    #: A stored record -> file-level values (for keys and export).
    to_entry: Callable[[Any, Refs], dict]


def _all_present(values: dict) -> dict | None:
    """None when any value failed to read; otherwise the values."""
    if any(v is INVALID for v in values.values()):
        return None
    return values


def _given(values: dict) -> dict:
    """The values the entry actually gives (an upsert leaves the others alone)."""
    return {k: v for k, v in values.items() if v is not ABSENT}


def _in_order(reader: Reader, first_key: str, first, last_key: str, last, strict=False):
    comparable = isinstance(first, date | datetime) and isinstance(last, date | datetime)
    if comparable and (last < first or (strict and last == first)):
        word = "after" if strict else "on or after"
        reader.problem(last_key, f"must be {word} {first_key} ({first.isoformat()})")
        return False
    return True


def _sorted_levels(levels):
    return sorted(levels) if isinstance(levels, list) else levels


# --------------------------------------------------------------------------- sections


def _read_site(r: Reader, refs: Refs):
    values = {
        "code": r.code("code"),
        "name": r.text("name", True),
        "state": r.state("state"),
        "timezone": r.timezone("timezone"),
    }
    return _all_present(values)


def _site_entry(site: Site, refs: Refs) -> dict:
    return {"code": site.code, "name": site.name, "state": site.state, "timezone": site.timezone}


def _read_task(r: Reader, refs: Refs):
    values = {
        "code": r.code("code"),
        "name": r.text("name", True),
        "kind": r.choice("kind", TaskKind),
        "description": r.text("description", max_len=2000),
        "needs_direction": r.boolean("needs_direction"),
    }
    if values["code"] in BUILTIN_TASK_CODES:
        r.problem("code", f"{values['code']} is in the built-in catalog and cannot be redefined")
        return None
    if isinstance(values["code"], str) and isinstance(values["name"], str):
        lookalike = custom_task_problems(values["code"], values["name"])
        for field, message in lookalike:
            r.problem(field, message)
        if lookalike:
            return None
    if values["kind"] == TaskKind.reserved:
        r.problem("kind", "a practice may add only administrative or clinical tasks")
        return None
    return _all_present(values)


def _task_entry(task: Task, refs: Refs) -> dict:
    entry = {"code": task.code, "name": task.name, "kind": task.kind.value}
    if task.description:
        entry["description"] = task.description
    if task.needs_direction:
        entry["needs_direction"] = True
    return entry


def _read_person(r: Reader, refs: Refs):
    values = {
        "email": r.email("email"),
        "name": r.text("name", True),
        "role": r.choice("role", Role),
        "job_level": r.text("job_level", max_len=64),
        "sites": r.text_list("sites"),
        "can_validate": r.boolean("can_validate"),
        "active": r.boolean("active"),
    }
    if isinstance(values["sites"], list):
        for index, code in enumerate(values["sites"]):
            if refs.check_site(r, f"sites[{index}]", code) is INVALID:
                values["sites"] = INVALID
    return _all_present(values)


def _person_entry(person: Person, refs: Refs) -> dict:
    return {
        "email": person.email,
        "name": person.name,
        "role": person.role.value,
        "job_level": person.job_level,
        "sites": sorted(s.code for s in person.sites),
        "can_validate": person.can_validate,
        "active": person.active,
    }


def _read_license(r: Reader, refs: Refs):
    values = {
        "person": refs.check_person(r, "person", r.email("person")),
        "type": r.text("type", True, max_len=32),
        "number": r.text("number", True, max_len=64),
        "state": r.state("state"),
        "expires_on": r.day("expires_on"),
    }
    return _all_present(values)


def _license_entry(lic: License, refs: Refs) -> dict:
    return {
        "person": refs.email[lic.person_id],
        "type": lic.type,
        "number": lic.number,
        "state": lic.state,
        "expires_on": lic.expires_on,
    }


def _read_credential(r: Reader, refs: Refs):
    values = {
        "person": refs.check_person(r, "person", r.email("person")),
        "type": r.text("type", True, max_len=64),
        "number": r.text("number", max_len=64),
        "issuer": r.text("issuer", max_len=200),
        "issued_on": r.day("issued_on"),
        "expires_on": r.day("expires_on"),
        "verified_on": r.day("verified_on"),
    }
    _in_order(r, "issued_on", values["issued_on"], "expires_on", values["expires_on"])
    if "number" not in r.entry:
        values["number"] = None
    return _all_present(values)


def _credential_entry(cred: Credential, refs: Refs) -> dict:
    return {
        "person": refs.email[cred.person_id],
        "type": cred.type,
        "number": cred.number,
        "issuer": cred.issuer,
        "issued_on": cred.issued_on,
        "expires_on": cred.expires_on,
        "verified_on": cred.verified_on,
    }


def _reserved_problem(r: Reader, refs: Refs, task, key: str, what: str) -> bool:
    if isinstance(task, str) and refs.task_kind(task) == TaskKind.reserved:
        r.problem(
            key,
            f"{task} is reserved for licensed providers in every state; {what} cannot make it "
            "delegable to a medical assistant",
        )
        return True
    return False


def _read_state_rule(r: Reader, refs: Refs):
    values = {
        "state": r.state("state"),
        "task": refs.check_task(r, "task", r.code("task")),
        "status": r.choice("status", RuleStatus),
        "requires_credentials": r.text_list("requires_credentials"),
        "min_training_hours": r.number("min_training_hours"),
        "supervision": r.choice("supervision", SupervisionLevel, required=False),
        "citation": r.text("citation", max_len=500),
        "verified_on": r.day("verified_on"),
    }
    if values["status"] == RuleStatus.permitted and _reserved_problem(
        r, refs, values["task"], "status", "a state rule"
    ):
        return None
    return _all_present(values)


def _state_rule_entry(rule: StateRule, refs: Refs) -> dict:
    return {
        "state": rule.state,
        "task": refs.task_code[rule.task_id],
        "status": rule.status.value,
        "requires_credentials": list(rule.requires_credentials or []),
        "min_training_hours": _number(rule.min_training_hours),
        "supervision": rule.supervision.value,
        "citation": rule.citation,
        "verified_on": rule.verified_on,
    }


def _read_policy(r: Reader, refs: Refs):
    site = r.raw("site", False)
    values = {
        "task": refs.check_task(r, "task", r.code("task")),
        "job_levels": _sorted_levels(r.text_list("job_levels")),
        "site": refs.check_site(r, "site", r.code("site", required=False)),
        "authorized": r.boolean("authorized", required=True),
        "requires_credentials": r.text_list("requires_credentials"),
        "supervision": r.choice("supervision", SupervisionLevel, required=False),
        "competency_valid_months": r.number("competency_valid_months", integer=True, minimum=1),
        "document": r.text("document", max_len=200),
        "effective_from": r.day("effective_from"),
        "effective_to": r.day("effective_to"),
    }
    # The key needs site and job levels even when left out (every site, every level).
    if site is ABSENT:
        values["site"] = None
    if values["job_levels"] is ABSENT:
        values["job_levels"] = []
    if "effective_from" not in r.entry:
        values["effective_from"] = None
    _in_order(r, "effective_from", values["effective_from"], "effective_to", values["effective_to"])
    if values["authorized"] is True and _reserved_problem(
        r, refs, values["task"], "authorized", "a policy"
    ):
        return None
    return _all_present(values)


def _policy_entry(policy: Policy, refs: Refs) -> dict:
    return {
        "task": refs.task_code[policy.task_id],
        "job_levels": sorted(policy.job_levels or []),
        "site": refs.site_code[policy.site_id] if policy.site_id else None,
        "authorized": policy.authorized,
        "requires_credentials": list(policy.requires_credentials or []),
        "supervision": policy.supervision.value,
        "competency_valid_months": policy.competency_valid_months,
        "document": policy.document,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
    }


def _read_competency(r: Reader, refs: Refs):
    values = {
        "person": refs.check_person(r, "person", r.email("person")),
        "task": refs.check_task(r, "task", r.code("task")),
        "trained_on": r.day("trained_on"),
        "training_hours": r.number("training_hours"),
        "validated_on": r.day("validated_on"),
        "validated_by": refs.check_person(r, "validated_by", r.email("validated_by", False)),
        "expires_on": r.day("expires_on"),
        "prior_employer": r.boolean("prior_employer"),
        "revoked_on": r.day("revoked_on"),
        "evidence": r.text("evidence", max_len=2000),
    }
    for key in ("trained_on", "validated_on"):
        if key not in r.entry:
            values[key] = None
    _in_order(r, "trained_on", values["trained_on"], "validated_on", values["validated_on"])
    _in_order(r, "validated_on", values["validated_on"], "expires_on", values["expires_on"])
    return _all_present(values)


def _competency_entry(comp: Competency, refs: Refs) -> dict:
    return {
        "person": refs.email[comp.person_id],
        "task": refs.task_code[comp.task_id],
        "trained_on": comp.trained_on,
        "training_hours": _number(comp.training_hours),
        "validated_on": comp.validated_on,
        "validated_by": refs.email[comp.validated_by_id] if comp.validated_by_id else None,
        "expires_on": comp.expires_on,
        "prior_employer": comp.prior_employer,
        "revoked_on": comp.revoked_on,
        "evidence": comp.evidence,
    }


def _read_supervision(r: Reader, refs: Refs):
    values = {
        "assistant": refs.check_person(r, "assistant", r.email("assistant")),
        "provider": refs.check_person(r, "provider", r.email("provider")),
        "site": refs.check_site(r, "site", r.code("site")),
        "starts_on": r.day("starts_on", required=True),
        "ends_on": r.day("ends_on"),
    }
    _in_order(r, "starts_on", values["starts_on"], "ends_on", values["ends_on"])
    return _all_present(values)


def _supervision_entry(a: SupervisionAssignment, refs: Refs) -> dict:
    return {
        "assistant": refs.email[a.assistant_id],
        "provider": refs.email[a.provider_id],
        "site": refs.site_code[a.site_id],
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
    }


def _read_shift(r: Reader, refs: Refs):
    values = {
        "provider": refs.check_person(r, "provider", r.email("provider")),
        "site": refs.check_site(r, "site", r.code("site")),
        "starts_at": r.moment("starts_at", required=True),
        "ends_at": r.moment("ends_at", required=True),
    }
    if not _in_order(r, "starts_at", values["starts_at"], "ends_at", values["ends_at"], True):
        return None
    return _all_present(values)


def _shift_entry(shift: Shift, refs: Refs) -> dict:
    tz = ZoneInfo(refs.site_zone[shift.site_id])
    return {
        "provider": refs.email[shift.provider_id],
        "site": refs.site_code[shift.site_id],
        "starts_at": shift.starts_at.astimezone(tz),
        "ends_at": shift.ends_at.astimezone(tz),
    }


def _plain(value):
    """A value as the practice file writes it (dates and moments as ISO-8601 text)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return sorted(_plain(v) for v in value)
    return value


def record_reference(section: Section, entry: dict) -> dict:
    """A record named by its section's own key (a competency by person, task, trained_on
    and validated_on), as a document entry's ``record``."""
    return {name: _plain(entry.get(name)) for name in section.key}


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(sorted(_hashable(v) for v in value))
    return value


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _read_reference(r: Reader, record_type) -> dict | object:
    value = r.raw("record", True, "an object naming the record by its keys")
    if value is INVALID:
        return INVALID
    kind = KINDS.get(record_type) if isinstance(record_type, DocumentRecordType) else None
    if kind is None:
        return INVALID
    keys = SECTION_BY_NAME[kind.section].key
    fine = (
        isinstance(value, dict)
        and set(value) == set(keys)
        and all(
            v is None
            or isinstance(v, str)
            or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in value.values()
        )
    )
    if not fine:
        r.problem("record", f"must be an object with {', '.join(keys)} (the {kind.section} keys)")
        return INVALID
    return {k: (v.strip().lower() if k in _EMAIL_KEYS and isinstance(v, str) else v)
            for k, v in value.items()}  # fmt: skip


#: Keys of a record reference that hold an email (compared as the people section does).
_EMAIL_KEYS = frozenset({"person", "assistant", "provider"})


def _read_document(r: Reader, refs: Refs):
    record_type = r.choice("record_type", DocumentRecordType)
    if record_type is not INVALID and record_type not in KINDS:
        r.problem("record_type", NOT_KEPT)
        return None
    values = {
        "record_type": record_type,
        "record": _read_reference(r, record_type),
        "title": r.text("title", True, max_len=200),
        "file": r.text("file", True, max_len=80),
        "sha256": r.text("sha256", True, max_len=64),
        "content_type": r.text("content_type", True, max_len=64),
        "size": r.number("size", integer=True),
        "filename": r.text("filename", True, max_len=255),
        "uploaded_by": refs.check_person(r, "uploaded_by", r.email("uploaded_by", False)),
        "uploaded_at": r.moment("uploaded_at", required=True),
        "withdrawn_at": r.moment("withdrawn_at"),
        "withdrawn_by": refs.check_person(r, "withdrawn_by", r.email("withdrawn_by", False)),
    }
    sha256, content_type = values["sha256"], values["content_type"]
    if isinstance(sha256, str) and not _SHA256.match(sha256):
        r.problem("sha256", "must be 64 lower-case hexadecimal digits")
        return None
    if isinstance(content_type, str) and content_type not in DOCUMENT_TYPES:
        r.problem("content_type", "must be one of " + ", ".join(DOCUMENT_TYPES))
        return None
    if isinstance(sha256, str) and isinstance(content_type, str):
        expected = f"{sha256}.{DOCUMENT_TYPES[content_type]}"
        if values["file"] != expected:
            r.problem("file", f"must be {expected} (the file's SHA-256 and type)")
            return None
    return _all_present(values)


def _document_entry(doc: Document, refs: Refs) -> dict:
    return {
        "record_type": doc.record_type.value,
        "record": refs.document_targets().get((doc.record_type, doc.record_id)),
        "title": doc.title,
        "file": f"{doc.sha256}.{DOCUMENT_TYPES[doc.content_type]}",
        "sha256": doc.sha256,
        "content_type": doc.content_type,
        "size": doc.size,
        "filename": doc.filename,
        "uploaded_by": refs.email.get(doc.uploaded_by_id) if doc.uploaded_by_id else None,
        "uploaded_at": doc.uploaded_at,
        "withdrawn_at": doc.withdrawn_at,
        "withdrawn_by": refs.email.get(doc.withdrawn_by_id) if doc.withdrawn_by_id else None,
    }


# ------------------------------------------------- protocols and directions (DESIGN 15)


def _read_protocol(r: Reader, refs: Refs):
    values = {
        "code": r.code("code"),
        "title": r.text("title", True),
        "version": r.number("version", required=True, integer=True, minimum=1),
        "tasks": r.text_list("tasks"),
        "sites": r.text_list("sites"),
        "approved_by": refs.check_person(r, "approved_by", r.email("approved_by", False)),
        "approved_on": r.day("approved_on"),
        "review_by": r.day("review_by"),
        "document": r.text("document", max_len=200),
        "state": r.choice("state", ProtocolState, required=False),
    }
    for key, check in (("tasks", refs.check_task), ("sites", refs.check_site)):
        if isinstance(values[key], list):
            for index, code in enumerate(values[key]):
                if check(r, f"{key}[{index}]", code) is INVALID:
                    values[key] = INVALID
    if values["sites"] is ABSENT:
        values["sites"] = []
    if values["state"] is ABSENT:
        values["state"] = ProtocolState.draft
    if values["state"] != ProtocolState.draft and values["approved_by"] in (None, ABSENT):
        r.problem(
            "approved_by", "an approved or retired protocol names the provider who approved it"
        )
    if values["state"] != ProtocolState.draft and values["approved_on"] in (None, ABSENT):
        r.problem("approved_on", "an approved or retired protocol has its approval date")
    _in_order(r, "approved_on", values["approved_on"], "review_by", values["review_by"])
    return _all_present(values)


def _protocol_entry(protocol: Protocol, refs: Refs) -> dict:
    return {
        "code": protocol.code,
        "title": protocol.title,
        "version": protocol.version,
        "tasks": sorted(refs.task_code[t.id] for t in protocol.tasks),
        "sites": sorted(refs.site_code[s.id] for s in protocol.sites),
        "approved_by": refs.email.get(protocol.approved_by_id),
        "approved_on": protocol.approved_on,
        "review_by": protocol.review_by,
        "document": protocol.document,
        "state": protocol.state.value,
    }


def _read_acknowledgment(r: Reader, refs: Refs):
    values = {
        "person": refs.check_person(r, "person", r.email("person")),
        "protocol": r.code("protocol"),
        "version": r.number("version", required=True, integer=True, minimum=1),
        "acknowledged_at": r.moment("acknowledged_at", required=True),
    }
    return _all_present(values)


def _acknowledgment_entry(ack: ProtocolAcknowledgment, refs: Refs) -> dict:
    return {
        "person": refs.email[ack.person_id],
        "protocol": ack.protocol.code,
        "version": ack.protocol.version,
        "acknowledged_at": ack.acknowledged_at,
    }


def _read_direction(r: Reader, refs: Refs):
    values = {
        "provider": refs.check_person(r, "provider", r.email("provider")),
        "assistant": refs.check_person(r, "assistant", r.email("assistant")),
        "task": refs.check_task(r, "task", r.code("task")),
        "site": refs.check_site(r, "site", r.code("site")),
        "given_at": r.moment("given_at", required=True),
        # null: the end of that day at the site (the verb's default)
        "valid_until": r.moment("valid_until") if r.entry.get("valid_until") else None,
        "reference": r.text("reference", True, max_len=100),
        "carried_out": r.boolean("carried_out"),
    }
    _in_order(r, "given_at", values["given_at"], "valid_until", values["valid_until"], True)
    _reserved_problem(r, refs, values["task"], "task", "a direction")
    return _all_present(values)


def _direction_entry(d: Direction, refs: Refs) -> dict:
    tz = ZoneInfo(refs.site_zone[d.site_id])
    return {
        "provider": refs.email[d.provider_id],
        "assistant": refs.email[d.assistant_id],
        "task": refs.task_code[d.task_id],
        "site": refs.site_code[d.site_id],
        "given_at": d.given_at.astimezone(tz),
        "valid_until": d.valid_until.astimezone(tz),
        "reference": d.reference,
        "carried_out": d.carried_out,
    }


def _number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


SECTIONS: tuple[Section, ...] = (
    Section("sites", Site, ("code",), _read_site, _site_entry),
    Section("tasks", Task, ("code",), _read_task, _task_entry),
    Section("people", Person, ("email",), _read_person, _person_entry),
    Section(
        "licenses", License, ("person", "type", "number", "state"), _read_license, _license_entry
    ),
    Section(
        "credentials",
        Credential,
        ("person", "type", "number"),
        _read_credential,
        _credential_entry,
    ),
    Section("state_rules", StateRule, ("state", "task"), _read_state_rule, _state_rule_entry),
    Section(
        "policies",
        Policy,
        ("task", "site", "job_levels", "effective_from"),
        _read_policy,
        _policy_entry,
    ),
    Section(
        "competencies",
        Competency,
        ("person", "task", "trained_on", "validated_on"),
        _read_competency,
        _competency_entry,
    ),
    Section(
        "supervision",
        SupervisionAssignment,
        ("assistant", "provider", "site", "starts_on"),
        _read_supervision,
        _supervision_entry,
    ),
    Section("shifts", Shift, ("provider", "site", "starts_at"), _read_shift, _shift_entry),
    Section("protocols", Protocol, ("code", "version"), _read_protocol, _protocol_entry),
    Section(
        "acknowledgments",
        ProtocolAcknowledgment,
        ("person", "protocol", "version"),
        _read_acknowledgment,
        _acknowledgment_entry,
    ),
    Section(
        "directions",
        Direction,
        ("provider", "assistant", "task", "site", "given_at"),
        _read_direction,
        _direction_entry,
    ),
    # Last: a document names a record of any section above by that section's own key.
    Section(
        "documents",
        Document,
        ("record_type", "record", "sha256", "uploaded_at"),
        _read_document,
        _document_entry,
    ),
)
SECTION_BY_NAME = {section.name: section for section in SECTIONS}

SECTION_NAMES = ("practice",) + tuple(s.name for s in SECTIONS)


def _key(section: Section, values: dict) -> tuple:
    key = []
    for name in section.key:
        value = values.get(name)
        if isinstance(value, list | dict):
            value = _hashable(value)
        elif isinstance(value, datetime):
            value = value.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        key.append(value)
    return tuple(key)
