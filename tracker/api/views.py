"""The JSON API's endpoints: thin, over the same verbs and queries as the pages.

Every request carries ``Authorization: Bearer <token>``; the token acts as its person,
with that person's role (the access table) and the object rules of the pages. Cookies
are never read here and there is no CSRF: nothing a browser sends on its own is enough.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import orjson
from flask import current_app, g, request, url_for
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from sqlalchemy import and_, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.access import ACCESS, API_SCOPES
from tracker.api import schemas
from tracker.api.models import IdempotencyKey
from tracker.api.tokens import authenticate, hash_token
from tracker.audit.services import record_event
from tracker.catalog.models import Task
from tracker.decision.cache import Snapshot
from tracker.decision.eligible import eligible
from tracker.decision.facts import load_for_checks
from tracker.decision.matrix import collection_paused
from tracker.decision.models import DecisionRecord
from tracker.decision.services import (
    evaluate,
    log_decisions,
    public_result,
    record_decision,
    stored_and_public,
)
from tracker.delegations import services as delegation_services
from tracker.delegations.models import Delegation
from tracker.delegations.queries import standing_of, visible_delegations
from tracker.errors import Refused
from tracker.extensions import db, limiter
from tracker.problems import API_MESSAGES, ApiProblem, invalid
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff.models import Person
from tracker.training import queries as training_queries
from tracker.vocabulary import DelegationStatus, Role

bp = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Decisions, who may do a task, delegations and training records.",
)

#: Endpoints whose body must be JSON (400 otherwise, before anything else is read).
JSON_BODY = {
    "api_v1.decide",
    "api_v1.decide_batch",
    "api_v1.record_delegation",
    "api_v1.delegation_status",
}
UNAUTHORIZED = API_MESSAGES[401]


def _rate_key() -> str:
    """Per token (by its hash: the token itself is never kept, even in memory stores)."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hash_token(header)
    return "api-ip:" + (get_remote_address() or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def _refuse(person: Person, reason: str, detail: str):
    record_event(
        "access_denied",
        record_type="endpoint",
        record_id=request.endpoint,
        after={"path": request.path, "method": request.method, "reason": reason, "api": True},
        actor=person,
    )
    db.session.commit()
    raise ApiProblem(403, detail)


@bp.before_request
def _authenticate_and_authorise():
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = authenticate(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if token is None:
        raise ApiProblem(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    person = token.person
    g.api_token, g.api_person = token, person
    endpoint = request.endpoint
    scope, roles = API_SCOPES.get(endpoint), ACCESS.get(endpoint)
    if scope is None or not isinstance(roles, frozenset):
        _refuse(person, "endpoint missing from the access table", "This call is not open.")
    if scope not in token.scopes:
        _refuse(
            person,
            f"token lacks the {scope} scope",
            f"This token does not have the '{scope}' scope this call needs.",
        )
    if person.role not in roles:
        _refuse(
            person,
            f"role {person.role.value} not allowed",
            f"A {person.role.label.lower()}'s token may not make this call.",
        )
    if endpoint in JSON_BODY and not request.is_json:
        raise ApiProblem(400, "Send a JSON body with Content-Type: application/json.")


def _with_errors(view):
    """Document the errors every endpoint may answer (all RFC 9457 problem+json)."""
    for status in (400, 401, 403, 429):
        view = bp.alt_response(status, response=_status_name(status))(view)
    return view


def _status_name(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).name


# --------------------------------------------------------------------------- lookups


def _norm_email(value: str) -> str:
    return value.strip().lower()


class PersonRow(NamedTuple):
    id: int
    email: str
    role: Role


class CodeRow(NamedTuple):
    id: int
    code: str


class Names:
    """People, tasks and sites named in a request, each loaded in one query.

    With a ``snapshot`` (a batch, which names hundreds of people and needs no more of
    them): plain rows (id, email and role; id and code) instead of records, kept under the
    fact stamp like the facts themselves (people, tasks and sites are fact tables), so a
    scheduler asking about the same people again reads nothing more.
    """

    def __init__(self, emails=(), task_codes=(), site_codes=(), snapshot: Snapshot | None = None):
        def load(model, key, wanted, row_type):
            if not wanted:
                return {}
            if snapshot is None:
                found = db.session.scalars(select(model).where(key.in_(wanted)))
                return {getattr(r, key.key): r for r in found}

            def rows():
                columns = [getattr(model, name) for name in row_type._fields]
                found = db.session.execute(select(*columns).where(key.in_(wanted)))
                return {getattr(r, key.key): row_type(*r) for r in found}

            return snapshot.get(("names", model.__tablename__, frozenset(wanted)), rows)

        self.people = load(Person, Person.email, {_norm_email(e) for e in emails if e}, PersonRow)
        self.tasks = load(Task, Task.code, {c.strip() for c in task_codes}, CodeRow)
        self.sites = load(Site, Site.code, {c.strip() for c in site_codes}, CodeRow)

    def person(self, email, field, errors, what="person"):
        if email is None:
            return None
        found = self.people.get(_norm_email(email))
        if found is None:
            errors.append((field, f"no {what} with email {email}"))
        return found

    def task(self, code, field, errors):
        found = self.tasks.get(code.strip())
        if found is None:
            errors.append((field, f"no task with code {code}"))
        return found

    def site(self, code, field, errors):
        found = self.sites.get(code.strip())
        if found is None:
            errors.append((field, f"no site with code {code}"))
        return found


def _may_ask_about(person: Person, assistant: Person) -> None:
    """An assistant's token asks only about that assistant."""
    if person.role == Role.assistant and assistant.id != person.id:
        _refuse(
            person,
            "assistant asked about another person",
            "An assistant's token may ask only about that assistant.",
        )


def _decision_json(record_id: int, decision) -> dict:
    return {"id": record_id, **decision.to_json()}


def _json(data, status: int = 200, headers: dict | None = None):
    response = current_app.response_class(
        orjson.dumps(data), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# --------------------------------------------------------------------------- decisions


@bp.route("/decisions", methods=["POST"])
@bp.arguments(schemas.DecisionRequestSchema)
@bp.response(200, schemas.DecisionSchema)
@_with_errors
def decide(args):
    """Decide: may this assistant do this task, at this site, at this moment?

    Scope `decide`. The decision is kept in the decision log (channel `api`); `id` is its
    entry. Without `at`, now.
    """
    person = g.api_person
    errors: list = []
    names = Names([args["assistant"], args["delegated_by"]], [args["task"]], [args["site"]])
    assistant = names.person(args["assistant"], "assistant", errors, "assistant")
    task = names.task(args["task"], "task", errors)
    site = names.site(args["site"], "site", errors)
    delegator = names.person(args["delegated_by"], "delegated_by", errors, "delegator")
    if errors:
        raise invalid(errors)
    _may_ask_about(person, assistant)
    at = args["at"] or dates.now_to_the_second()
    decision = evaluate(assistant, task, site, at, delegator, args["in_room"])
    record = record_decision(
        decision,
        source="api",
        assistant=assistant,
        task=task,
        site=site,
        delegated_by=delegator,
        in_room=args["in_room"],
        asked_by=person,
    )
    db.session.commit()
    return _json(_decision_json(record.id, decision))


def _collection_paused(view):
    """Run the view, its request parsing included, with the cyclic collector held.

    A batch makes and drops thousands of small values (parsed checks, facts, decisions,
    rows); the collector re-scanning them cost as much as the decisions themselves, as for
    the matrix (tracker.decision.matrix). It runs again as usual afterwards.
    """

    @functools.wraps(view)
    def paused(*args, **kwargs):
        with collection_paused():
            return view(*args, **kwargs)

    return paused


@bp.route("/decisions/batch", methods=["POST"])
@_collection_paused
@bp.arguments(schemas.BatchRequestSchema)
@bp.response(200, schemas.BatchResponseSchema)
@_with_errors
def decide_batch(args):
    """Decide up to 1,000 checks at once, in order.

    Scope `decide`. Any invalid item: 422 naming it (`checks[3].task`), and nothing is
    kept. The facts are loaded once for the whole batch.
    """
    person = g.api_person
    checks = args["checks"]
    snapshot = Snapshot()
    names = Names(
        [c["assistant"] for c in checks] + [c["delegated_by"] for c in checks],
        [c["task"] for c in checks],
        [c["site"] for c in checks],
        snapshot,
    )
    errors: list = []
    resolved = []
    for i, check in enumerate(checks):
        prefix = f"checks[{i}]."
        resolved.append(
            (
                names.person(check["assistant"], prefix + "assistant", errors, "assistant"),
                names.task(check["task"], prefix + "task", errors),
                names.site(check["site"], prefix + "site", errors),
                names.person(check["delegated_by"], prefix + "delegated_by", errors, "delegator"),
            )
        )
    if errors:
        raise invalid(errors)
    for assistant in {assistant.id: assistant for assistant, *_ in resolved}.values():
        _may_ask_about(person, assistant)
    if not checks:
        return _json({"decisions": []})
    now = dates.now_to_the_second()
    moments = [c["at"] or now for c in checks]
    book = load_for_checks(
        [
            (assistant, task, site, at, delegator)
            for (assistant, task, site, delegator), at in zip(resolved, moments, strict=True)
        ],
        snapshot,
    )
    decisions = [
        book.decide(
            assistant.email,
            task.code,
            site.code,
            at,
            delegator.email if delegator is not None else None,
            check["in_room"],
        )
        for (assistant, task, site, delegator), check, at in zip(
            resolved, checks, moments, strict=True
        )
    ]
    results = [stored_and_public(decision) for decision in decisions]
    ids = log_decisions(
        [
            (
                decision,
                {
                    "source": "api",
                    "assistant": assistant,
                    "task": task,
                    "site": site,
                    "delegated_by": delegator,
                    "in_room": check["in_room"],
                    "asked_by": person,
                },
            )
            for decision, (assistant, task, site, delegator), check in zip(
                decisions, resolved, checks, strict=True
            )
        ],
        [stored for stored, _public in results],
    )
    db.session.commit()
    return _json(
        {
            "decisions": [
                {"id": i, **public} for i, (_stored, public) in zip(ids, results, strict=True)
            ]
        }
    )


# --------------------------------------------------------------------------- the finder


@bp.route("/eligible", methods=["GET"])
@bp.arguments(schemas.EligibleQuerySchema, location="query")
@bp.response(200, schemas.EligibleSchema)
@_with_errors
def eligible_assistants(args):
    """Who may do this task at this site at this moment?

    Scope `decide`. Every active assistant working at the site: the clear ones first, then
    the flagged ones by how many conditions are unmet, with those conditions. A reserved
    task lists nobody and says why.
    """
    at = args["at"] or dates.now_to_the_second()
    try:
        result = eligible(args["task"].strip(), args["site"].strip(), at)
    except LookupError as exc:
        field = str(exc).strip("'")
        raise invalid([(field, f"no {field} with code {args[field]}")]) from None
    return _json(
        {
            "task": result.task.code,
            "site": result.site.code,
            "at": dates.format_utc(at),
            "clear": [c.assistant.email for c in result.clear],
            "flagged": [
                {
                    "assistant": c.assistant.email,
                    "unmet": [u.condition for u in c.unmet],
                    "reasons": [u.reason for u in c.unmet],
                }
                for c in result.flagged
            ],
            "reason": result.reserved,
        }
    )


# --------------------------------------------------------------------------- delegations


def _stored(record: DecisionRecord) -> dict:
    return {
        "id": record.id,
        **public_result(record.result),
        "made_at": dates.format_utc(record.made_at),
    }


def delegation_json(d: Delegation) -> dict:
    standing = standing_of(d)
    return {
        "id": d.id,
        "assistant": d.assistant.email,
        "task": d.task.code,
        "site": d.site.code,
        "scheduled_for": dates.format_utc(d.scheduled_for),
        "delegated_by": d.delegated_by.email,
        "entered_by": d.entered_by.email,
        "in_room": d.in_room,
        "notes": d.notes or "",
        "status": d.status.value,
        "status_reason": d.status_reason,
        "performed_while_flagged": d.performed_while_flagged,
        "decision": _stored(d.decision),
        "standing": _stored(standing),
        "standing_changed_at": (
            dates.format_utc(d.standing_changed_at) if d.standing_changed_at else None
        ),
        "rechecks": len(d.checks),
    }


def _visible(person: Person):
    return visible_delegations(person).options(
        selectinload(Delegation.entered_by), selectinload(Delegation.checks)
    )


def _delegation_or_404(delegation_id: int) -> Delegation:
    delegation = db.session.scalar(_visible(g.api_person).where(Delegation.id == delegation_id))
    if delegation is None:
        raise ApiProblem(404, f"No delegation {delegation_id} that this token may see.")
    return delegation


def _encode_cursor(d: Delegation) -> str:
    raw = json.dumps([d.scheduled_for.isoformat(), d.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, ident = json.loads(raw)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or not isinstance(ident, int) or isinstance(ident, bool):
            raise ValueError
        return moment.astimezone(UTC), ident
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise invalid([("cursor", "not a cursor this API gave out")]) from None


@bp.route("/delegations", methods=["GET"])
@bp.arguments(schemas.DelegationListQuerySchema, location="query")
@bp.response(200, schemas.DelegationPageSchema)
@_with_errors
def delegations(args):
    """The delegations this token's person may see, soonest first.

    Scope `read`. Filters: `site`, `assistant`, `status`, `flagged` (by the standing),
    `from` and `to` (dates, inclusive, in each delegation's site time zone). Pages of
    `limit` items; pass `next_cursor` back as `cursor` for the next page. A page never
    skips or repeats a delegation, even when others are recorded between pages.
    """
    person = g.api_person
    errors: list = []
    names = Names([args.get("assistant")], [], [args["site"]] if args.get("site") else [])
    query = _visible(person).join(Delegation.standing)
    if args.get("site"):
        site = names.site(args["site"], "site", errors)
        if site is not None:
            query = query.where(Delegation.site_id == site.id)
    if args.get("assistant"):
        assistant = names.person(args["assistant"], "assistant", errors, "assistant")
        if assistant is not None:
            query = query.where(Delegation.assistant_id == assistant.id)
    cursor = _decode_cursor(args["cursor"]) if args.get("cursor") else None
    if errors:
        raise invalid(errors)
    if args.get("status"):
        query = query.where(Delegation.status == DelegationStatus(args["status"]))
    if args.get("flagged") is True:
        query = query.where(DecisionRecord.status != "clear")
    elif args.get("flagged") is False:
        query = query.where(DecisionRecord.status == "clear")
    first, last = args.get("from_"), args.get("to")
    # A day's bounds depend on the site's zone: widen by a day in SQL, then keep the
    # delegations whose local date is in range.
    try:
        if first is not None:
            start = datetime.combine(first, datetime.min.time(), UTC) - timedelta(days=1)
            query = query.where(Delegation.scheduled_for >= start)
        if last is not None:
            end = datetime.combine(last, datetime.min.time(), UTC) + timedelta(days=2)
            query = query.where(Delegation.scheduled_for < end)
    except OverflowError:
        pass  # a bound at year 1 or 9999 bounds nothing
    if cursor is not None:
        when, ident = cursor
        query = query.where(
            or_(
                Delegation.scheduled_for > when,
                and_(Delegation.scheduled_for == when, Delegation.id > ident),
            )
        )
    query = query.order_by(Delegation.scheduled_for, Delegation.id)
    limit = args["limit"]
    items: list[Delegation] = []
    more = False
    chunk = limit + 1
    while True:
        rows = db.session.scalars(query.limit(chunk)).all()
        for d in rows:
            day = dates.local_day(d.scheduled_for, d.site.timezone)
            if (first is not None and day < first) or (last is not None and day > last):
                continue
            if len(items) == limit:
                more = True
                break
            items.append(d)
        if more or len(rows) < chunk:
            break
        tail = rows[-1]
        query = query.where(
            or_(
                Delegation.scheduled_for > tail.scheduled_for,
                and_(Delegation.scheduled_for == tail.scheduled_for, Delegation.id > tail.id),
            )
        )
    return _json(
        {
            "items": [delegation_json(d) for d in items],
            "next_cursor": _encode_cursor(items[-1]) if more else None,
        }
    )


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Repeating a request with the same key returns the first delegation (200) "
        "instead of recording a second; the same key with a different body: 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def _request_hash(args: dict) -> str:
    canonical = {
        k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        for k, v in sorted(args.items())
    }
    for key in ("assistant", "delegated_by"):
        if canonical.get(key):
            canonical[key] = _norm_email(canonical[key])
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _idempotent_replay(person: Person, key: str, body_hash: str):
    earlier = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.person_id == person.id,
                                     IdempotencyKey.key == key)
    )  # fmt: skip
    if earlier is None:
        return None
    if earlier.request_hash != body_hash:
        raise invalid(
            [("Idempotency-Key", "this key was used with a different request")],
            "This Idempotency-Key was already used with a different request body.",
        )
    delegation = _delegation_or_404(earlier.delegation_id)
    return _json(delegation_json(delegation), 200)


@bp.route("/delegations", methods=["POST"])
@bp.arguments(schemas.DelegationRequestSchema)
@bp.response(201, schemas.DelegationSchema, headers={"Location": {"schema": {"type": "string"}}})
@bp.alt_response(200, schema=schemas.DelegationSchema, description="Replayed (Idempotency-Key)")
@bp.doc(parameters=[IDEMPOTENCY_HEADER])
@_with_errors
def record_delegation(args):
    """Record a delegation, decided at once (as the page does).

    Scope `write`. A provider's token records the provider's own delegations
    (`delegated_by` defaults to them); a manager's or admin's names the provider.
    """
    person = g.api_person
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 200 and key.isprintable()):
        raise invalid([("Idempotency-Key", "give 1 to 200 printable characters")])
    body_hash = _request_hash(args)
    if key is not None:
        if db.session.get_bind().dialect.name == "sqlite":
            # Take SQLite's write lock first: the look-up and the insert are then one step.
            db.session.execute(text("UPDATE api_idempotency_keys SET id = id WHERE 1 = 0"))
        replay = _idempotent_replay(person, key, body_hash)
        if replay is not None:
            return replay
    # Names become records here; whether they may be delegated is the verb's to say, in the
    # same words as on the page (DESIGN section 13).
    errors: list = []
    delegator_email = args["delegated_by"]
    if person.role == Role.provider and delegator_email is None:
        delegator_email = person.email  # a provider's token delegates in its own name
    names = Names([args["assistant"], delegator_email], [args["task"]], [args["site"]])
    assistant = names.person(args["assistant"], "assistant", errors, "assistant")
    task = names.task(args["task"], "task", errors)
    site = names.site(args["site"], "site", errors)
    provider = names.person(delegator_email, "delegated_by", errors, "delegator")
    try:
        delegation = delegation_services.record_delegation(
            assistant=assistant,
            task=task,
            site=site,
            scheduled_for=args["scheduled_for"].astimezone(UTC),
            delegated_by=provider,
            entered_by=person,
            in_room=args["in_room"],
            notes=(args["notes"] or "").strip(),
        )
    except Refused as refused:
        # An unknown name is said as such ("no site with code x"), not as a missing choice.
        unknown = {field for field, _ in errors}
        errors += [
            (p.field or "body", p.message) for p in refused.problems if p.field not in unknown
        ]
        raise invalid(errors) from None
    if key is not None:
        db.session.add(
            IdempotencyKey(
                person_id=person.id, key=key, request_hash=body_hash, delegation_id=delegation.id
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent duplicate with the same key won: answer with its delegation.
        db.session.rollback()
        replay = _idempotent_replay(person, key, body_hash) if key is not None else None
        if replay is None:
            raise
        return replay
    delegation = _delegation_or_404(delegation.id)
    location = url_for("api_v1.delegation", delegation_id=delegation.id)
    return _json(delegation_json(delegation), 201, {"Location": location})


@bp.route("/delegations/<int:delegation_id>", methods=["GET"])
@bp.response(200, schemas.DelegationSchema)
@bp.alt_response(404, response="NOT_FOUND")
@_with_errors
def delegation(delegation_id: int):
    """One delegation with the decision it was recorded with and its standing.

    Scope `read`. 404 for one this token's person may not see.
    """
    return _json(delegation_json(_delegation_or_404(delegation_id)))


@bp.route("/delegations/<int:delegation_id>/recheck", methods=["POST"])
@bp.response(200, schemas.DelegationSchema)
@bp.alt_response(404, response="NOT_FOUND")
@_with_errors
def recheck(delegation_id: int):
    """Decide it again on today's records; the new decision becomes its standing.

    Scope `write`.
    """
    delegation = _delegation_or_404(delegation_id)
    delegation_services.recheck_delegation(delegation, g.api_person)
    db.session.commit()
    return _json(delegation_json(_delegation_or_404(delegation_id)))


@bp.route("/delegations/<int:delegation_id>/status", methods=["POST"])
@bp.arguments(schemas.StatusRequestSchema)
@bp.response(200, schemas.DelegationSchema)
@bp.alt_response(404, response="NOT_FOUND")
@_with_errors
def delegation_status(args, delegation_id: int):
    """Mark a planned delegation performed or cancelled.

    Scope `write`. Performed: not before its time (422 on `status`), and for a flagged
    standing only with a written `reason` (422 on `reason`), kept and listed for
    compliance as performed while flagged.
    """
    person = g.api_person
    delegation = _delegation_or_404(delegation_id)
    if not delegation_services.may_change_status(person, delegation):
        _refuse(
            person,
            "not the delegating provider",
            "Only the delegating provider, a manager or an admin may change its status.",
        )
    # A refusal (a future delegation, a flagged one without a reason) is answered by the
    # app's handler of Refused: 422 naming the field, nothing written.
    delegation_services.change_status(
        delegation, DelegationStatus(args["status"]), person, reason=args["reason"]
    )
    db.session.commit()
    return _json(delegation_json(_delegation_or_404(delegation_id)))


# --------------------------------------------------------------------------- records


@bp.route("/people/<string:email>/training-file", methods=["GET"])
@bp.response(200, schemas.TrainingFileSchema)
@bp.alt_response(404, response="NOT_FOUND")
@_with_errors
def training_file(email: str):
    """A person's training file: sites, competencies with their status, credentials,
    licenses and supervision.

    Scope `read`. An assistant's token sees only the assistant's own (404 otherwise).
    """
    viewer = g.api_person
    person = db.session.scalar(
        select(Person)
        .where(Person.email == _norm_email(email))
        .options(selectinload(Person.sites), selectinload(Person.licenses),
                 selectinload(Person.credentials))
    )  # fmt: skip
    if person is None or (viewer.role == Role.assistant and person.id != viewer.id):
        raise ApiProblem(404, "No such person that this token may see.")
    today = practice_today()
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    lines = training_queries.competency_lines(person, today, within)
    return _json(
        {
            "email": person.email,
            "name": person.name,
            "role": person.role.value,
            "job_level": person.job_level,
            "active": person.active,
            "today": today.isoformat(),
            "sites": [
                {"code": s.code, "name": s.name, "state": s.state, "timezone": s.timezone}
                for s in person.sites
            ],
            "competencies": [
                {
                    "id": line.record.id,
                    "task": line.record.task.code,
                    "task_name": line.record.task.name,
                    "status": line.status,
                    "trained_on": _day(line.record.trained_on),
                    "training_hours": (
                        float(line.record.training_hours)
                        if line.record.training_hours is not None
                        else None
                    ),
                    "validated_on": _day(line.record.validated_on),
                    "validated_by": (
                        line.record.validated_by.email if line.record.validated_by else None
                    ),
                    "expires_on": _day(line.expires_on),
                    "expiry_from_policy": line.expiry_derived,
                    "expiry_site": line.earliest.expiry.site if line.varies_by_site else None,
                    "expiry_by_site": [
                        {
                            "site": s.expiry.site or None,
                            "expires_on": _day(s.on),
                            "expiry_from_policy": s.expiry.from_policy,
                        }
                        for s in line.by_site
                    ],
                    "prior_employer": line.record.prior_employer,
                    "revoked_on": _day(line.record.revoked_on),
                }
                for line in lines
            ],
            "credentials": [
                {
                    "id": c.id,
                    "type": c.type,
                    "number": c.number,
                    "issuer": c.issuer,
                    "issued_on": _day(c.issued_on),
                    "expires_on": _day(c.expires_on),
                    "verified_on": _day(c.verified_on),
                    "status": training_queries.credential_status(c, today, within),
                }
                for c in person.credentials
            ],
            "licenses": [
                {
                    "id": lic.id,
                    "type": lic.type,
                    "number": lic.number,
                    "state": lic.state,
                    "expires_on": _day(lic.expires_on),
                    "status": training_queries.expiry_status(lic.expires_on, today, within),
                }
                for lic in person.licenses
            ],
            "supervision": [
                {
                    "id": a.id,
                    "assistant": a.assistant.email,
                    "provider": a.provider.email,
                    "site": a.site.code,
                    "starts_on": _day(a.starts_on),
                    "ends_on": _day(a.ends_on),
                }
                for a in training_queries.supervision_of(person)
            ],
        }
    )


def _day(value):
    return value.isoformat() if value is not None else None


def _expiring_item(item) -> dict:
    return {
        "kind": item.kind,
        "record_id": item.record_id,
        "person": item.person.email,
        "name": item.person.name,
        "what": item.what,
        "expires_on": _day(item.expires_on),
        "status": item.status,
        "expiry_from_policy": item.derived,
        "expiry_site": item.site_code or None,
    }


@bp.route("/expiring", methods=["GET"])
@bp.arguments(schemas.ExpiringQuerySchema, location="query")
@bp.response(200, schemas.ExpiringSchema)
@_with_errors
def expiring(args):
    """What the expiring page lists: competencies, credentials and licenses expired or
    expiring within `days` (default the practice's setting), and those with no expiry.

    Scope `read`; managers, compliance and admins.
    """
    days = args.get("days")
    if days is None:
        days = current_app.config["EXPIRING_WITHIN_DAYS"]
    site_code = (args.get("site") or "").strip() or None
    if site_code and db.session.scalar(select(Site.id).where(Site.code == site_code)) is None:
        raise invalid([("site", f"no site with code {site_code}")])
    report = training_queries.expiring_items(practice_today(), days, site_code=site_code)
    return _json(
        {
            "today": report.today.isoformat(),
            "days": days,
            "site": site_code,
            "items": [_expiring_item(i) for i in report.due],
            "no_expiry": [_expiring_item(i) for i in report.no_expiry],
        }
    )
