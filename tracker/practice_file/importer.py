"""Importing a practice file: read and check every entry, then write each through the verbs.

All or nothing. The file is read first (``read_practice_file``): every bad value is named
with its place (``shifts[4].starts_at: is required``) and nothing is written. Then each entry
goes through its feature's verb (``create_shift``, ``update_license``, ...), which refuses
what the pages refuse: a verb's refusal is reported at the entry's place
(``shifts[4].starts_at: Dr. Lee already has a shift ... that overlaps it.``) and the import
goes on, to report every problem at once; the import is then refused and the caller rolls
back, so nothing is kept. An entry equal to the stored record is left alone (importing the
same file twice changes nothing).

One deliberate difference from the sign-off form: a competency the rule will not count
(signed off by the assistant herself, or by someone who may not validate) is a practice's
history, so it is kept, with a warning at its place.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.services import SystemActor
from tracker.catalog import services as catalog
from tracker.catalog.builtin import BUILTIN_TASK_CODES
from tracker.competencies.models import Competency
from tracker.competencies.services import (
    CompetencyInput,
    check_competency,
    create_competency,
    update_competency,
)
from tracker.documents import storage
from tracker.documents.services import attach_document, withdraw_document
from tracker.errors import Problem, Refused
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.policy.overlap import describe_span, policies_overlap
from tracker.policy.services import (
    PolicyDraft,
    StateRuleDraft,
    create_policy,
    create_state_rule,
    update_policy,
    update_state_rule,
)
from tracker.practice_file.parsing import Reader
from tracker.practice_file.sections import (
    CREDENTIALS,
    DIRECTIONS,
    LICENSES,
    POLICIES,
    PROTOCOLS,
    SECTION_NAMES,
    SECTIONS,
    SITES,
    Refs,
    Section,
    _given,
    _key,
)
from tracker.protocols import services as protocols
from tracker.protocols.models import Protocol, ProtocolAcknowledgment
from tracker.sites import services as sites
from tracker.sites.queries import practice_today
from tracker.staff import services as staff
from tracker.staff.models import Person
from tracker.supervision import services as supervision
from tracker.vocabulary import (
    DocumentRecordType,
    ProtocolState,
    RuleStatus,
    SupervisionLevel,
    TaskKind,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


# --------------------------------------------------------------------------- reading


def read_practice_file(data) -> tuple[dict, list[str]]:
    """Read and check the whole file; return the entries per section and the warnings.

    Refuses (``Refused``, each problem located in the file) when any value is bad.
    """
    if not isinstance(data, dict):
        raise Refused.because("the practice file must be a JSON object with sections")
    # An unknown section is most often a misspelt one ("competences"): importing the rest
    # would silently leave out what the practice meant to load, so it refuses the file.
    problems: list[Problem] = [
        Problem(None, _unknown_section(name), str(name))
        for name in data
        if name not in SECTION_NAMES
    ]
    warnings: list[str] = []
    refs = Refs()
    entries: dict[str, list[tuple[int, dict]]] = {}

    practice = data.get("practice")
    if practice is not None:
        _read_practice_name(practice, entries, problems, warnings)
    _note_file_references(data, refs)
    for section in SECTIONS:
        raw = data.get(section.name)
        if raw is None:
            continue
        if not isinstance(raw, list):
            problems.append(Problem(None, "must be a list", section.name))
            continue
        entries[section.name] = _read_section(section, raw, refs, problems, warnings)

    _check_policy_overlaps(entries.get("policies", []), refs, problems)
    if problems:
        raise Refused(problems)
    return entries, warnings


def _read_practice_name(practice, entries: dict, problems: list[Problem], warnings: list[str]):
    if not isinstance(practice, dict):
        problems.append(Problem(None, "must be an object with a name", "practice"))
        return
    name = Reader(practice, "practice", problems).text("name", True)
    entries["practice"] = [(0, {"name": name})] if isinstance(name, str) else []
    extra = sorted(set(practice) - {"name"})
    warnings.extend(f"practice.{key}: unknown field, ignored" for key in extra)


def _note_file_references(data: dict, refs: Refs) -> None:
    """Sites, people and tasks named in the file may be referenced before they are written."""
    for name, key, known in (
        ("sites", "code", refs.file_sites),
        ("people", "email", refs.file_people),
    ):
        for item in _list_of(data.get(name)):
            if isinstance(item, dict) and isinstance(item.get(key), str):
                value = item[key].strip()
                known.add(value.lower() if key == "email" else value)
    for item in _list_of(data.get("tasks")):
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            try:
                kind = TaskKind(item.get("kind"))
            except ValueError:
                kind = TaskKind.clinical  # its own problem is reported where it is read
            if item["code"].strip() not in BUILTIN_TASK_CODES:
                refs.file_task_kinds[item["code"].strip()] = kind


def _read_section(
    section: Section, raw: list, refs: Refs, problems: list[Problem], warnings: list[str]
) -> list[tuple[int, dict]]:
    """A section's good entries (with their index); each bad one becomes problems."""
    not_null = _not_null(section.model)
    seen: dict[tuple, int] = {}
    rows = []
    for index, item in enumerate(raw):
        where = f"{section.name}[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(None, "must be an object", where))
            continue
        before = len(problems)
        values = section.read(Reader(item, where, problems, not_null), refs)
        if values is None or len(problems) > before:
            continue
        values = _given(values)
        key = _key(section, values)
        if key in seen:
            keys = ", ".join(section.key)
            problems.append(
                Problem(None, f"duplicate of {section.name}[{seen[key]}] (same {keys})", where)
            )
            continue
        seen[key] = index
        rows.append((index, values))
        extra = sorted(set(item) - set(section.field_names))
        warnings.extend(f"{where}.{name}: unknown field, ignored" for name in extra)
    return rows


def _unknown_section(name: str) -> str:
    """Words for a section the file format does not have, naming the closest one."""
    close = difflib.get_close_matches(str(name), SECTION_NAMES, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown section; {hint}the sections are {', '.join(SECTION_NAMES)}"


def _not_null(model) -> frozenset[str]:
    """The file keys whose column cannot be empty (``person`` for ``person_id``)."""
    return frozenset(
        column.name.removesuffix("_id")
        for column in model.__table__.columns
        if not column.nullable and not column.primary_key
    )


def _list_of(section) -> list:
    """A section's entries; a section that is not a list is reported where it is read."""
    return section if isinstance(section, list) else []


def _check_policy_overlaps(rows, refs: Refs, problems: list[Problem]) -> None:
    """Two policies for the same task, site and job levels may not overlap in time.

    Checked on the whole file at once (the policy verb checks one policy against those
    stored), so that two overlapping entries of one file are named together.
    """
    if not rows:
        return
    refs.index()
    stored = {}
    for policy in db.session.scalars(select(Policy)):
        entry = POLICIES.to_entry(policy, refs)
        stored[_key(POLICIES, entry)] = entry
    file_keys = {_key(POLICIES, values) for _, values in rows}
    candidates = [(i, f"policies[{i}]", v) for i, v in rows] + [
        (None, f"the stored policy '{v['document'] or v['task']}'", v)
        for k, v in stored.items()
        if k not in file_keys
    ]
    for index, where, values in candidates:
        if index is None:
            continue
        for other_index, other_where, other in candidates:
            if other_index == index:
                continue
            if other_index is not None and other_index > index:
                continue  # each pair of file entries is reported once, at the later one
            if policies_overlap(values, other):
                problems.append(
                    Problem(
                        "effective_from",
                        f"overlaps {other_where} for the same task, site and job levels "
                        f"({describe_span(values)} against {describe_span(other)})",
                        where,
                    )
                )


# --------------------------------------------------------------------------- writing


class _Context:
    """What every entry's write needs: the references, who imports, the practice's day, and
    the folder the documents' files are read from."""

    def __init__(self, refs: Refs, actor: Person | SystemActor, documents_dir=None):
        self.refs = refs
        self.actor = actor
        self.today = practice_today()
        self.documents_dir = Path(documents_dir) if documents_dir is not None else None


#: An entry's write: (context, the entry merged over the stored record, the record or None)
#: -> created / updated / unchanged, and warnings (problems kept, not refused).
Writer = Callable[[_Context, dict, object], tuple[str, list[Problem]]]


def _fields(section: Section, v: dict, leaving_out: str | None = None) -> dict:
    """The entry's values of the section's fields, as the verb's keyword arguments."""
    return {name: v.get(name) for name in section.field_names if name != leaving_out}


def _site(ctx: _Context, v: dict, site) -> tuple[str, list[Problem]]:
    fields = _fields(SITES, v)
    if site is None:
        sites.create_site(ctx.actor, **fields)
        return CREATED, []
    sites.update_site(ctx.actor, site, **fields)
    return UPDATED, []


def _task(ctx: _Context, v: dict, task) -> tuple[str, list[Problem]]:
    fields = {
        "code": v["code"],
        "name": v["name"],
        "kind": TaskKind(v["kind"]),
        "description": v.get("description") or "",
        "needs_direction": bool(v.get("needs_direction")),
    }
    if task is None:
        catalog.create_task(ctx.actor, **fields)
        return CREATED, []
    catalog.update_task(ctx.actor, task, **fields)
    return UPDATED, []


def _person(ctx: _Context, v: dict, person) -> tuple[str, list[Problem]]:
    fields = {
        "email": v["email"],
        "name": v["name"],
        "role": v["role"],
        "job_level": v.get("job_level"),
        "site_ids": [ctx.refs.sites[code].id for code in v.get("sites") or []],
        "can_validate": bool(v.get("can_validate")),
    }
    if person is None:
        person = staff.create_person(ctx.actor, **fields)
        if v.get("active") is False:
            staff.set_active(ctx.actor, person, False)
        return CREATED, []
    staff.update_person(ctx.actor, person, **fields)
    if v.get("active") is not None and v["active"] != person.active:
        staff.set_active(ctx.actor, person, v["active"])
    return UPDATED, []


def _license(ctx: _Context, v: dict, lic) -> tuple[str, list[Problem]]:
    fields = _fields(LICENSES, v, leaving_out="person")
    if lic is None:
        staff.create_license(ctx.actor, ctx.refs.people[v["person"]], **fields)
        return CREATED, []
    staff.update_license(ctx.actor, lic, **fields)
    return UPDATED, []


def _credential(ctx: _Context, v: dict, cred) -> tuple[str, list[Problem]]:
    fields = _fields(CREDENTIALS, v, leaving_out="person")
    if cred is None:
        staff.create_credential(ctx.actor, ctx.refs.people[v["person"]], today=ctx.today, **fields)
        return CREATED, []
    staff.update_credential(ctx.actor, cred, today=ctx.today, **fields)
    return UPDATED, []


def _state_rule(ctx: _Context, v: dict, rule) -> tuple[str, list[Problem]]:
    draft = StateRuleDraft(
        state=v["state"],
        task=v["task"],
        status=RuleStatus(v["status"]),
        supervision=SupervisionLevel(v.get("supervision") or SupervisionLevel.none),
        requires_credentials=tuple(v.get("requires_credentials") or ()),
        min_training_hours=v.get("min_training_hours"),
        citation=v.get("citation") or "",
        verified_on=v.get("verified_on"),
    )
    if rule is None:
        create_state_rule(draft, ctx.today, actor=ctx.actor)
        return CREATED, []
    return (
        UPDATED if update_state_rule(rule, draft, ctx.today, actor=ctx.actor) else UNCHANGED
    ), []


def _policy(ctx: _Context, v: dict, policy) -> tuple[str, list[Problem]]:
    draft = PolicyDraft(
        task=v["task"],
        site=v.get("site"),
        job_levels=tuple(v.get("job_levels") or ()),
        authorized=bool(v["authorized"]),
        supervision=SupervisionLevel(v.get("supervision") or SupervisionLevel.none),
        requires_credentials=tuple(v.get("requires_credentials") or ()),
        competency_valid_months=v.get("competency_valid_months"),
        document=v.get("document") or "",
        effective_from=v.get("effective_from"),
        effective_to=v.get("effective_to"),
    )
    if policy is None:
        create_policy(draft, actor=ctx.actor)
        return CREATED, []
    return (UPDATED if update_policy(policy, draft, actor=ctx.actor) else UNCHANGED), []


def _competency(ctx: _Context, v: dict, comp) -> tuple[str, list[Problem]]:
    refs = ctx.refs
    data = CompetencyInput(
        trained_on=v.get("trained_on"),
        training_hours=v.get("training_hours"),
        validated_on=v.get("validated_on"),
        validated_by=refs.people[v["validated_by"]] if v.get("validated_by") else None,
        expires_on=v.get("expires_on"),
        prior_employer=bool(v.get("prior_employer")),
        evidence=v.get("evidence") or "",
    )
    change = check_competency(
        refs.people[v["person"]],
        refs.tasks[v["task"]],
        data,
        existing=comp,
        history=True,
        revoked_on=v.get("revoked_on"),
        unique=True,  # matched on its natural key; the reader refused duplicates in the file
    )
    if comp is None:
        create_competency(change, ctx.actor)
        return CREATED, change.warnings
    changed = update_competency(change, ctx.actor)
    return (UPDATED if changed else UNCHANGED), change.warnings


def _assignment(ctx: _Context, v: dict, assignment) -> tuple[str, list[Problem]]:
    refs = ctx.refs
    fields = {
        "assistant": refs.people[v["assistant"]],
        "provider": refs.people[v["provider"]],
        "site": refs.sites[v["site"]],
        "starts_on": v["starts_on"],
        "ends_on": v.get("ends_on"),
    }
    if assignment is None:
        supervision.create_assignment(ctx.actor, **fields)
        return CREATED, []
    supervision.update_assignment(ctx.actor, assignment, **fields)
    return UPDATED, []


def _shift(ctx: _Context, v: dict, shift) -> tuple[str, list[Problem]]:
    site = ctx.refs.sites[v["site"]]
    fields = {
        "provider": ctx.refs.people[v["provider"]],
        "site": site,
        "starts_local": v["starts_at"],
        "ends_local": v["ends_at"],
    }
    if shift is None:
        supervision.create_shift(ctx.actor, **fields)
        return CREATED, []
    supervision.update_shift(ctx.actor, shift, **fields)
    return UPDATED, []


def _document_bytes(ctx: _Context, v: dict) -> bytes:
    """A document's file: from the folder given (its SHA-256 checked), else already stored."""
    if ctx.documents_dir is not None:
        path = ctx.documents_dir / v["file"]
        if not path.is_file():
            raise Refused.because(f"{v['file']} is not in {ctx.documents_dir}", "file")
        data = path.read_bytes()
        if storage.sha256_of(data) != v["sha256"]:
            raise Refused.because(
                f"{v['file']} in {ctx.documents_dir} does not have its SHA-256 (it was changed "
                "or damaged)",
                "file",
            )
        return data
    if storage.file_problem(v["sha256"]) is None:
        return storage.read(v["sha256"])
    raise Refused.because(
        "the file is not stored here: import with --documents DIR, the folder "
        "export-practice --documents wrote",
        "file",
    )


def _document(ctx: _Context, v: dict, document) -> tuple[str, list[Problem]]:
    people = ctx.refs.people
    withdrawn_by = people.get(v.get("withdrawn_by")) if v.get("withdrawn_by") else None
    if document is not None:
        if v.get("withdrawn_at") and document.withdrawn_at is None:
            withdraw_document(
                document, actor=ctx.actor, withdrawn_by=withdrawn_by, withdrawn_at=v["withdrawn_at"]
            )
            return UPDATED, []
        raise Refused.because(
            "differs from the stored document; a document is never changed, only withdrawn"
        )
    record_id = ctx.refs.document_target_id(v["record_type"], v["record"])
    if record_id is None:
        raise Refused.because(
            f"no {DocumentRecordType(v['record_type']).label} with these keys, in the file or "
            "stored",
            "record",
        )
    document = attach_document(
        v["record_type"],
        record_id,
        title=v["title"],
        filename=v["filename"],
        data=_document_bytes(ctx, v),
        actor=ctx.actor,
        uploaded_by=people.get(v.get("uploaded_by")) if v.get("uploaded_by") else None,
        uploaded_at=v["uploaded_at"],
    )
    if v.get("withdrawn_at"):
        withdraw_document(
            document, actor=ctx.actor, withdrawn_by=withdrawn_by, withdrawn_at=v["withdrawn_at"]
        )
    return CREATED, []


def _same_but_defaults(stored: dict, values: dict, defaults: tuple[str, ...]) -> bool:
    """The entry says what is stored, a null in ``defaults`` meaning the default it got."""
    return all(
        _comparable(stored.get(k)) == _comparable(value)
        for k, value in values.items()
        if not (k in defaults and value is None)
    )


def _protocol(ctx: _Context, v: dict, protocol) -> tuple[str, list[Problem]]:
    refs = ctx.refs
    if protocol is not None and _same_but_defaults(
        PROTOCOLS.to_entry(protocol, refs), v, ("review_by",)
    ):
        return UNCHANGED, []
    tasks = [refs.tasks[code] for code in v.get("tasks") or ()]
    sites_ = [refs.sites[code] for code in v.get("sites") or ()]
    state = ProtocolState(v.get("state") or ProtocolState.draft)
    if protocol is None:
        protocol = protocols.create_protocol(
            ctx.actor, code=v["code"], title=v["title"], version=v["version"], tasks=tasks,
            sites=sites_, document=v.get("document") or "",
        )  # fmt: skip
        outcome = CREATED
    elif protocol.state == ProtocolState.draft:
        protocols.update_protocol(
            ctx.actor, protocol, title=v["title"], tasks=tasks, sites=sites_,
            document=v.get("document") or "",
        )  # fmt: skip
        outcome = UPDATED
    elif state == ProtocolState.retired and protocol.state == ProtocolState.approved:
        protocols.retire_protocol(ctx.actor, protocol)
        return UPDATED, []
    else:
        raise Refused.because(
            f"protocol {protocol.code} version {protocol.version} is {protocol.state.value}; "
            "an approved protocol is changed by writing a new version"
        )
    if state != ProtocolState.draft:
        protocols.approve_protocol(
            ctx.actor, protocol, approved_by=refs.people[v["approved_by"]],
            approved_on=v["approved_on"], review_by=v.get("review_by"),
        )  # fmt: skip
        if state == ProtocolState.retired:
            protocols.retire_protocol(ctx.actor, protocol)
    return outcome, []


def _acknowledgment(ctx: _Context, v: dict, ack) -> tuple[str, list[Problem]]:
    if ack is not None:
        raise Refused.because(
            "an acknowledgment is kept as it was made and never edited", "acknowledged_at"
        )
    protocol = db.session.scalar(
        select(Protocol).where(Protocol.code == v["protocol"], Protocol.version == v["version"])
    )
    if protocol is None:
        raise Refused.because(f"no protocol {v['protocol']} version {v['version']}", "protocol")
    person = ctx.refs.people[v["person"]]
    protocols.acknowledge_protocol(ctx.actor, protocol, person, v["acknowledged_at"])
    return CREATED, []


def _direction(ctx: _Context, v: dict, direction) -> tuple[str, list[Problem]]:
    refs = ctx.refs
    if direction is not None:
        if _same_but_defaults(DIRECTIONS.to_entry(direction, refs), v, ("valid_until",)):
            return UNCHANGED, []
        if v.get("carried_out") and not direction.carried_out:
            protocols.mark_carried_out(ctx.actor, direction)
            return UPDATED, []
        raise Refused.because(
            "a direction is kept as the provider gave it; give a new one instead", None
        )
    protocols.give_direction(
        ctx.actor, provider=refs.people[v["provider"]], assistant=refs.people[v["assistant"]],
        task=refs.tasks[v["task"]], site=refs.sites[v["site"]], given_at=v["given_at"],
        valid_until=v.get("valid_until"), reference=v["reference"],
        carried_out=bool(v.get("carried_out")),
    )  # fmt: skip
    return CREATED, []


WRITERS: dict[str, Writer] = {
    "sites": _site,
    "tasks": _task,
    "people": _person,
    "licenses": _license,
    "credentials": _credential,
    "state_rules": _state_rule,
    "policies": _policy,
    "competencies": _competency,
    "supervision": _assignment,
    "shifts": _shift,
    "documents": _document,
    "protocols": _protocol,
    "acknowledgments": _acknowledgment,
    "directions": _direction,
}

#: What a stored record is loaded with, so that writing and checking it need no more queries.
LOAD = {
    "people": (selectinload(Person.sites),),
    "competencies": (selectinload(Competency.validated_by),),
    "protocols": (selectinload(Protocol.tasks), selectinload(Protocol.sites)),
    "acknowledgments": (selectinload(ProtocolAcknowledgment.protocol),),
}


def _comparable(value):
    if isinstance(value, list | tuple):
        return sorted(value, key=str)
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo("UTC"))
    return value


def _unchanged(stored: dict, values: dict) -> bool:
    return all(_comparable(stored.get(k)) == _comparable(v) for k, v in values.items())


def import_practice(data, *, actor, documents_dir=None) -> tuple[dict[str, Counter], list[str]]:
    """Import a practice file inside the caller's transaction (the caller commits).

    Documents' files are read from ``documents_dir`` (the folder ``export-practice
    --documents`` wrote), each checked against its SHA-256; without it, only files already
    stored here can be named.

    Returns per-section counts of created / updated / unchanged records, and warnings.
    Refuses (``Refused``, every problem located in the file) when any entry is bad or any
    verb refuses one; some entries may then have been written, so the caller rolls back.
    """
    entries, warnings = read_practice_file(data)
    counts: dict[str, Counter] = {}
    refs = Refs()
    ctx = _Context(refs, actor, documents_dir)
    problems: list[Problem] = []

    if entries.get("practice"):
        problems.extend(_import_practice_name(entries["practice"][0][1]["name"], counts, actor))

    for section in SECTIONS:
        rows = entries.get(section.name)
        if not rows:
            continue
        refs.index()
        query = select(section.model).options(*LOAD.get(section.name, ()))
        stored = {
            _key(section, section.to_entry(obj, refs)): obj for obj in db.session.scalars(query)
        }
        tally = counts.setdefault(section.name, Counter())
        write = WRITERS[section.name]
        for index, values in rows:
            where = f"{section.name}[{index}]"
            obj = stored.get(_key(section, values))
            current = section.to_entry(obj, refs) if obj is not None else {}
            if obj is not None and _unchanged(current, values):
                tally[UNCHANGED] += 1
                continue
            if not _references_written(values, refs):
                continue  # it names an entry whose own write was refused (reported there)
            try:
                outcome, kept = write(ctx, {**current, **values}, obj)
            except Refused as refused:
                problems.extend(refused.at(where).problems)
                continue
            tally[outcome] += 1
            warnings.extend(str(problem.at(where)) for problem in kept)
        db.session.flush()
    if problems:
        raise Refused(problems)
    return counts, warnings


def _references_written(values: dict, refs: Refs) -> bool:
    """Every site, person and task the entry names is stored (or was just written)."""
    named = {
        "people": [values.get(k) for k in ("person", "assistant", "provider", "validated_by")],
        "sites": [values.get("site"), *(values.get("sites") or ())],
        "tasks": [values.get("task")],
    }
    known = {"people": refs.people, "sites": refs.sites, "tasks": refs.tasks}
    return all(v in known[kind] for kind, names in named.items() for v in names if v)


def _import_practice_name(name: str, counts: dict, actor) -> list[Problem]:
    """The practice's name through its verb; its refusal placed at ``practice``."""
    try:
        outcome = sites.set_practice_name(actor, name)
    except Refused as refused:
        return list(refused.at("practice").problems)
    counts.setdefault("practice", Counter())[outcome] += 1
    return []


__all__ = ["Section", "import_practice", "read_practice_file"]
