"""The practice file's sections (DESIGN section 5): how each is read, keyed and exported.

Each section is declared once, as its fields in order: how each value is read from an entry
(checking it and naming each problem's place) and how a stored record gives it back. The
reader accepts exactly those fields and the exporter writes them, in that order; a section's
``check`` adds what concerns several fields at once. The importer (``importer.py``) writes
each entry through the feature's verbs; the exporter (``exporter.py``) writes every stored
record as an entry.
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


#: A field's reader refuses the whole entry: the fields after it are not read.
REFUSED = object()

#: (reader, refs, the field's key, the values read before it) -> the value (ABSENT, INVALID,
#: REFUSED or the file-level value: emails and codes, not ids).
ReadField = Callable[[Reader, Refs, str, dict], Any]


@dataclass(frozen=True)
class Field:
    """One key of a section's entries, declared once: the reader accepts it and the exporter
    writes it, in the order the section lists its fields."""

    name: str
    read: ReadField
    #: A stored record -> the file-level value (ABSENT leaves the key out); None: the
    #: record's attribute of that name.
    export: Callable[[Any, Refs], Any] | None = None

    def value_of(self, record, refs: Refs):
        return getattr(record, self.name) if self.export is None else self.export(record, refs)


@dataclass(frozen=True)
class Section:
    name: str
    model: type
    #: Natural key, as names of the entry's (file-level) values.
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    #: What the section checks across its fields once they are read: (reader, refs, values)
    #: -> the values (defaults filled in), or None when the entry is refused outright.
    check: Callable[[Reader, Refs, dict], dict | None] | None = None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def read(self, r: Reader, refs: Refs) -> dict | None:
        """One entry as file-level values, or None when it is bad (the problems recorded)."""
        values: dict[str, Any] = {}
        for field in self.fields:
            value = field.read(r, refs, field.name, values)
            if value is REFUSED:
                return None
            values[field.name] = value
        if self.check is not None:
            values = self.check(r, refs, values)
        return None if values is None else _all_present(values)

    def to_entry(self, record, refs: Refs) -> dict:
        """A stored record -> file-level values (for keys and export), in the fields' order."""
        entry = {}
        for field in self.fields:
            value = field.value_of(record, refs)
            if value is not ABSENT:
                entry[field.name] = value
        return entry


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


def _number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


# --------------------------------------------------------------------------- fields


def _read(method, *args, **options) -> ReadField:
    """Read the key with one of Reader's methods: ``_read(Reader.text, True, max_len=32)``."""
    return lambda r, refs, key, values: method(r, key, *args, **options)


def _choice(name: str, enum_cls, required: bool = True) -> Field:
    """One of an enumeration's values, stored as the member."""
    return Field(
        name,
        _read(Reader.choice, enum_cls, required=required),
        lambda record, refs: getattr(record, name).value,
    )


def _person(name: str, required: bool = True) -> Field:
    """A person, named by email; stored as ``<name>_id``."""
    return Field(
        name,
        lambda r, refs, key, values: refs.check_person(r, key, r.email(key, required)),
        lambda record, refs: refs.email.get(getattr(record, f"{name}_id")),
    )


def _site(name: str = "site", required: bool = True) -> Field:
    """A site, named by code; stored as ``site_id``."""
    return Field(
        name,
        lambda r, refs, key, values: refs.check_site(r, key, r.code(key, required=required)),
        lambda record, refs: refs.site_code.get(getattr(record, f"{name}_id")),
    )


def _task(name: str = "task") -> Field:
    """A task, named by code; stored as ``task_id``."""
    return Field(
        name,
        lambda r, refs, key, values: refs.check_task(r, key, r.code(key)),
        lambda record, refs: refs.task_code[getattr(record, f"{name}_id")],
    )


def _hours(name: str) -> Field:
    """A number of hours: written as a whole number when it is one."""
    return Field(name, _read(Reader.number), lambda record, refs: _number(getattr(record, name)))


def _credentials() -> Field:
    """The credential types a rule requires (any one of them)."""
    return Field(
        "requires_credentials",
        _read(Reader.text_list),
        lambda record, refs: list(record.requires_credentials or []),
    )


def _at_site(name: str, required: bool = True) -> Field:
    """A moment, written on the clock of the record's site."""
    return Field(
        name,
        _read(Reader.moment, required=required),
        lambda record, refs: getattr(record, name).astimezone(
            ZoneInfo(refs.site_zone[record.site_id])
        ),
    )


def _reserved_problem(r: Reader, refs: Refs, task, key: str, what: str) -> bool:
    if isinstance(task, str) and refs.task_kind(task) == TaskKind.reserved:
        r.problem(
            key,
            f"{task} is reserved for licensed providers in every state; {what} cannot make it "
            "delegable to a medical assistant",
        )
        return True
    return False


# --------------------------------------------------------------------------- sections


SITES = Section(
    "sites",
    Site,
    ("code",),
    (
        Field("code", _read(Reader.code)),
        Field("name", _read(Reader.text, True)),
        Field("state", _read(Reader.state)),
        Field("timezone", _read(Reader.timezone)),
    ),
)


def _check_task(r: Reader, refs: Refs, values: dict) -> dict | None:
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
    return values


TASKS = Section(
    "tasks",
    Task,
    ("code",),
    (
        Field("code", _read(Reader.code)),
        Field("name", _read(Reader.text, True)),
        _choice("kind", TaskKind),
        # Written only when they say something: most tasks have neither.
        Field(
            "description",
            _read(Reader.text, max_len=2000),
            lambda task, refs: task.description or ABSENT,
        ),
        Field(
            "needs_direction",
            _read(Reader.boolean),
            lambda task, refs: True if task.needs_direction else ABSENT,
        ),
    ),
    _check_task,
)


def _check_person(r: Reader, refs: Refs, values: dict) -> dict:
    if isinstance(values["sites"], list):
        for index, code in enumerate(values["sites"]):
            if refs.check_site(r, f"sites[{index}]", code) is INVALID:
                values["sites"] = INVALID
    return values


PEOPLE = Section(
    "people",
    Person,
    ("email",),
    (
        Field("email", _read(Reader.email)),
        Field("name", _read(Reader.text, True)),
        _choice("role", Role),
        Field("job_level", _read(Reader.text, max_len=64)),
        Field(
            "sites",
            _read(Reader.text_list),
            lambda person, refs: sorted(s.code for s in person.sites),
        ),
        Field("can_validate", _read(Reader.boolean)),
        Field("active", _read(Reader.boolean)),
    ),
    _check_person,
)

LICENSES = Section(
    "licenses",
    License,
    ("person", "type", "number", "state"),
    (
        _person("person"),
        Field("type", _read(Reader.text, True, max_len=32)),
        Field("number", _read(Reader.text, True, max_len=64)),
        Field("state", _read(Reader.state)),
        Field("expires_on", _read(Reader.day)),
    ),
)


def _check_credential(r: Reader, refs: Refs, values: dict) -> dict:
    _in_order(r, "issued_on", values["issued_on"], "expires_on", values["expires_on"])
    if "number" not in r.entry:
        values["number"] = None
    return values


CREDENTIALS = Section(
    "credentials",
    Credential,
    ("person", "type", "number"),
    (
        _person("person"),
        Field("type", _read(Reader.text, True, max_len=64)),
        Field("number", _read(Reader.text, max_len=64)),
        Field("issuer", _read(Reader.text, max_len=200)),
        Field("issued_on", _read(Reader.day)),
        Field("expires_on", _read(Reader.day)),
        Field("verified_on", _read(Reader.day)),
    ),
    _check_credential,
)


def _check_state_rule(r: Reader, refs: Refs, values: dict) -> dict | None:
    if values["status"] == RuleStatus.permitted and _reserved_problem(
        r, refs, values["task"], "status", "a state rule"
    ):
        return None
    return values


STATE_RULES = Section(
    "state_rules",
    StateRule,
    ("state", "task"),
    (
        Field("state", _read(Reader.state)),
        _task(),
        _choice("status", RuleStatus),
        _credentials(),
        _hours("min_training_hours"),
        _choice("supervision", SupervisionLevel, required=False),
        Field("citation", _read(Reader.text, max_len=500)),
        Field("verified_on", _read(Reader.day)),
    ),
    _check_state_rule,
)


def _check_policy(r: Reader, refs: Refs, values: dict) -> dict | None:
    # The key needs site and job levels even when left out (every site, every level).
    if "site" not in r.entry:
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
    return values


POLICIES = Section(
    "policies",
    Policy,
    ("task", "site", "job_levels", "effective_from"),
    (
        _task(),
        Field(
            "job_levels",
            lambda r, refs, key, values: _sorted_levels(r.text_list(key)),
            lambda policy, refs: sorted(policy.job_levels or []),
        ),
        _site(required=False),
        Field("authorized", _read(Reader.boolean, required=True)),
        _credentials(),
        _choice("supervision", SupervisionLevel, required=False),
        Field("competency_valid_months", _read(Reader.number, integer=True, minimum=1)),
        Field("document", _read(Reader.text, max_len=200)),
        Field("effective_from", _read(Reader.day)),
        Field("effective_to", _read(Reader.day)),
    ),
    _check_policy,
)


def _check_competency(r: Reader, refs: Refs, values: dict) -> dict:
    for key in ("trained_on", "validated_on"):
        if key not in r.entry:
            values[key] = None
    _in_order(r, "trained_on", values["trained_on"], "validated_on", values["validated_on"])
    _in_order(r, "validated_on", values["validated_on"], "expires_on", values["expires_on"])
    return values


COMPETENCIES = Section(
    "competencies",
    Competency,
    ("person", "task", "trained_on", "validated_on"),
    (
        _person("person"),
        _task(),
        Field("trained_on", _read(Reader.day)),
        _hours("training_hours"),
        Field("validated_on", _read(Reader.day)),
        _person("validated_by", required=False),
        Field("expires_on", _read(Reader.day)),
        Field("prior_employer", _read(Reader.boolean)),
        Field("revoked_on", _read(Reader.day)),
        Field("evidence", _read(Reader.text, max_len=2000)),
    ),
    _check_competency,
)


def _check_supervision(r: Reader, refs: Refs, values: dict) -> dict:
    _in_order(r, "starts_on", values["starts_on"], "ends_on", values["ends_on"])
    return values


SUPERVISION = Section(
    "supervision",
    SupervisionAssignment,
    ("assistant", "provider", "site", "starts_on"),
    (
        _person("assistant"),
        _person("provider"),
        _site(),
        Field("starts_on", _read(Reader.day, required=True)),
        Field("ends_on", _read(Reader.day)),
    ),
    _check_supervision,
)


def _check_shift(r: Reader, refs: Refs, values: dict) -> dict | None:
    if not _in_order(r, "starts_at", values["starts_at"], "ends_at", values["ends_at"], True):
        return None
    return values


SHIFTS = Section(
    "shifts",
    Shift,
    ("provider", "site", "starts_at"),
    (_person("provider"), _site(), _at_site("starts_at"), _at_site("ends_at")),
    _check_shift,
)


# ------------------------------------------------- protocols and directions (DESIGN 15)


def _check_protocol(r: Reader, refs: Refs, values: dict) -> dict:
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
    return values


PROTOCOLS = Section(
    "protocols",
    Protocol,
    ("code", "version"),
    (
        Field("code", _read(Reader.code)),
        Field("title", _read(Reader.text, True)),
        Field("version", _read(Reader.number, required=True, integer=True, minimum=1)),
        Field(
            "tasks",
            _read(Reader.text_list),
            lambda protocol, refs: sorted(refs.task_code[t.id] for t in protocol.tasks),
        ),
        Field(
            "sites",
            _read(Reader.text_list),
            lambda protocol, refs: sorted(refs.site_code[s.id] for s in protocol.sites),
        ),
        _person("approved_by", required=False),
        Field("approved_on", _read(Reader.day)),
        Field("review_by", _read(Reader.day)),
        Field("document", _read(Reader.text, max_len=200)),
        _choice("state", ProtocolState, required=False),
    ),
    _check_protocol,
)

ACKNOWLEDGMENTS = Section(
    "acknowledgments",
    ProtocolAcknowledgment,
    ("person", "protocol", "version"),
    (
        _person("person"),
        Field("protocol", _read(Reader.code), lambda ack, refs: ack.protocol.code),
        Field(
            "version",
            _read(Reader.number, required=True, integer=True, minimum=1),
            lambda ack, refs: ack.protocol.version,
        ),
        Field("acknowledged_at", _read(Reader.moment, required=True)),
    ),
)


def _read_valid_until(r: Reader, refs: Refs, key: str, values: dict):
    # null: the end of that day at the site (the verb's default)
    return r.moment(key) if r.entry.get(key) else None


def _check_direction(r: Reader, refs: Refs, values: dict) -> dict:
    _in_order(r, "given_at", values["given_at"], "valid_until", values["valid_until"], True)
    _reserved_problem(r, refs, values["task"], "task", "a direction")
    return values


DIRECTIONS = Section(
    "directions",
    Direction,
    ("provider", "assistant", "task", "site", "given_at"),
    (
        _person("provider"),
        _person("assistant"),
        _task(),
        _site(),
        _at_site("given_at"),
        Field(
            "valid_until",
            _read_valid_until,
            lambda d, refs: d.valid_until.astimezone(ZoneInfo(refs.site_zone[d.site_id])),
        ),
        Field("reference", _read(Reader.text, True, max_len=100)),
        Field("carried_out", _read(Reader.boolean)),
    ),
    _check_direction,
)


# --------------------------------------------------------------------------- documents


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


def _read_record_type(r: Reader, refs: Refs, key: str, values: dict):
    record_type = r.choice(key, DocumentRecordType)
    if record_type is not INVALID and record_type not in KINDS:
        r.problem(key, NOT_KEPT)
        return REFUSED
    return record_type


def _read_reference(r: Reader, refs: Refs, key: str, values: dict):
    """The record a document names, by the keys of that record's own section."""
    value = r.raw(key, True, "an object naming the record by its keys")
    if value is INVALID:
        return INVALID
    record_type = values["record_type"]
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
        r.problem(key, f"must be an object with {', '.join(keys)} (the {kind.section} keys)")
        return INVALID
    return {k: (v.strip().lower() if k in _EMAIL_KEYS and isinstance(v, str) else v)
            for k, v in value.items()}  # fmt: skip


#: Keys of a record reference that hold an email (compared as the people section does).
_EMAIL_KEYS = frozenset({"person", "assistant", "provider"})


def _check_document(r: Reader, refs: Refs, values: dict) -> dict | None:
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
    return values


DOCUMENTS = Section(
    "documents",
    Document,
    ("record_type", "record", "sha256", "uploaded_at"),
    (
        Field("record_type", _read_record_type, lambda doc, refs: doc.record_type.value),
        Field(
            "record",
            _read_reference,
            lambda doc, refs: refs.document_targets().get((doc.record_type, doc.record_id)),
        ),
        Field("title", _read(Reader.text, True, max_len=200)),
        Field(
            "file",
            _read(Reader.text, True, max_len=80),
            lambda doc, refs: f"{doc.sha256}.{DOCUMENT_TYPES[doc.content_type]}",
        ),
        Field("sha256", _read(Reader.text, True, max_len=64)),
        Field("content_type", _read(Reader.text, True, max_len=64)),
        Field("size", _read(Reader.number, integer=True)),
        Field("filename", _read(Reader.text, True, max_len=255)),
        _person("uploaded_by", required=False),
        Field("uploaded_at", _read(Reader.moment, required=True)),
        Field("withdrawn_at", _read(Reader.moment)),
        _person("withdrawn_by", required=False),
    ),
    _check_document,
)


SECTIONS: tuple[Section, ...] = (
    SITES,
    TASKS,
    PEOPLE,
    LICENSES,
    CREDENTIALS,
    STATE_RULES,
    POLICIES,
    COMPETENCIES,
    SUPERVISION,
    SHIFTS,
    PROTOCOLS,
    ACKNOWLEDGMENTS,
    DIRECTIONS,
    # Last: a document names a record of any section above by that section's own key.
    DOCUMENTS,
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
