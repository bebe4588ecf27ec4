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
    SECTION_NAMES,
    SECTIONS,
    Refs,
    Section,
    _given,
    _key,
    _policy_entry,
)
from tracker.sites import services as sites
from tracker.sites.queries import practice_today
from tracker.staff import services as staff
from tracker.staff.models import Person
from tracker.supervision import services as supervision
from tracker.vocabulary import RuleStatus, SupervisionLevel, TaskKind

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
        if not isinstance(practice, dict):
            problems.append(Problem(None, "must be an object with a name", "practice"))
        else:
            name = Reader(practice, "practice", problems).text("name", True)
            entries["practice"] = [(0, {"name": name})] if isinstance(name, str) else []
            extra = sorted(set(practice) - {"name"})
            warnings.extend(f"practice.{key}: unknown field, ignored" for key in extra)

    # Sites, people and tasks named in the file may be referenced before they are written.
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

    for section in SECTIONS:
        raw = data.get(section.name)
        if raw is None:
            continue
        if not isinstance(raw, list):
            problems.append(Problem(None, "must be a list", section.name))
            continue
        seen: dict[tuple, int] = {}
        rows = []
        for index, item in enumerate(raw):
            where = f"{section.name}[{index}]"
            if not isinstance(item, dict):
                problems.append(Problem(None, "must be an object", where))
                continue
            reader = Reader(item, where, problems, _not_null(section.model))
            before = len(problems)
            values = section.read(reader, refs)
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
            extra = sorted(set(item) - set(values) - set(section.key))
            warnings.extend(f"{where}.{name}: unknown field, ignored" for name in extra)
        entries[section.name] = rows

    _check_policy_overlaps(entries.get("policies", []), refs, problems)
    if problems:
        raise Refused(problems)
    return entries, warnings


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
    section = next(s for s in SECTIONS if s.name == "policies")
    refs.index()
    stored = {}
    for policy in db.session.scalars(select(Policy)):
        entry = _policy_entry(policy, refs)
        stored[_key(section, entry)] = entry
    file_keys = {_key(section, values) for _, values in rows}
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
    """What every entry's write needs: the references, who imports, the practice's day."""

    def __init__(self, refs: Refs, actor: Person | SystemActor):
        self.refs = refs
        self.actor = actor
        self.today = practice_today()


#: An entry's write: (context, the entry merged over the stored record, the record or None)
#: -> created / updated / unchanged, and warnings (problems kept, not refused).
Writer = Callable[[_Context, dict, object], tuple[str, list[Problem]]]


def _site(ctx: _Context, v: dict, site) -> tuple[str, list[Problem]]:
    fields = {k: v[k] for k in ("code", "name", "state", "timezone")}
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
    fields = {k: v.get(k) for k in ("type", "number", "state", "expires_on")}
    if lic is None:
        staff.create_license(ctx.actor, ctx.refs.people[v["person"]], **fields)
        return CREATED, []
    staff.update_license(ctx.actor, lic, **fields)
    return UPDATED, []


def _credential(ctx: _Context, v: dict, cred) -> tuple[str, list[Problem]]:
    fields = {
        k: v.get(k) for k in ("type", "number", "issuer", "issued_on", "expires_on", "verified_on")
    }
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
}

#: What a stored record is loaded with, so that writing and checking it need no more queries.
LOAD = {
    "people": (selectinload(Person.sites),),
    "competencies": (selectinload(Competency.validated_by),),
}


def _comparable(value):
    if isinstance(value, list | tuple):
        return sorted(value, key=str)
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo("UTC"))
    return value


def _unchanged(stored: dict, values: dict) -> bool:
    return all(_comparable(stored.get(k)) == _comparable(v) for k, v in values.items())


def import_practice(data, *, actor) -> tuple[dict[str, Counter], list[str]]:
    """Import a practice file inside the caller's transaction (the caller commits).

    Returns per-section counts of created / updated / unchanged records, and warnings.
    Refuses (``Refused``, every problem located in the file) when any entry is bad or any
    verb refuses one; some entries may then have been written, so the caller rolls back.
    """
    entries, warnings = read_practice_file(data)
    counts: dict[str, Counter] = {}
    refs = Refs()
    ctx = _Context(refs, actor)
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
