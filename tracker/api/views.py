"""The JSON API's endpoints: thin, over the same verbs and queries as the pages.

Each view reads its request (the schemas), asks a feature's verb or query (which decide
who may see what) and answers with the result's JSON. What every endpoint shares (the
token, scopes and roles, the rate limit) is ``tracker.api.blueprint``.
"""

from __future__ import annotations

import functools
from datetime import UTC

import orjson
from flask import current_app, g, url_for
from sqlalchemy.exc import IntegrityError

from tracker import dates
from tracker.api import idempotency, schemas
from tracker.api.blueprint import bp, refuse, with_errors
from tracker.api.names import Names, may_ask_about
from tracker.api.shapes import decision_json, delegation_json, eligible_json
from tracker.decision.cache import Snapshot
from tracker.decision.eligible import eligible
from tracker.decision.facts import load_for_checks
from tracker.decision.matrix import collection_paused
from tracker.decision.services import evaluate, log_decisions, record_decision, stored_and_public
from tracker.delegations import queries as delegation_queries
from tracker.delegations import services as delegation_services
from tracker.delegations.models import Delegation
from tracker.errors import Refused
from tracker.extensions import db
from tracker.paging import BadCursor, decode_cursor
from tracker.problems import ApiProblem, invalid
from tracker.protocols import queries as protocol_queries
from tracker.protocols import services as protocol_services
from tracker.sites.queries import practice_timezone, practice_today
from tracker.staff import queries as staff_queries
from tracker.staff.models import Person
from tracker.training import queries as training_queries
from tracker.vocabulary import DelegationStatus, Role


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
@with_errors
def decide(args):
    """Decide: may this assistant do this task, at this site, at this moment?

    Scope `decide`. The decision is kept in the decision log (channel `api`); `id` is its
    entry. Without `at`, now.
    """
    person = g.api_person
    may_ask_about(person, [args["assistant"]])
    errors: list = []
    names = Names([args["assistant"], args["delegated_by"]], [args["task"]], [args["site"]])
    assistant = names.person(args["assistant"], "assistant", errors, "assistant")
    task = names.task(args["task"], "task", errors)
    site = names.site(args["site"], "site", errors)
    delegator = names.delegator(person, args["delegated_by"], "delegated_by", errors)
    if errors:
        raise invalid(errors)
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
    return _json(decision_json(record.id, decision))


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


def _resolve_checks(person: Person, checks: list[dict], snapshot: Snapshot) -> list[tuple]:
    """Each check's (assistant, task, site, delegator), or 422 naming every unknown one."""
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
                names.delegator(person, check["delegated_by"], prefix + "delegated_by", errors),
            )
        )
    if errors:
        raise invalid(errors)
    return resolved


@bp.route("/decisions/batch", methods=["POST"])
@_collection_paused
@bp.arguments(schemas.BatchRequestSchema)
@bp.response(200, schemas.BatchResponseSchema)
@with_errors
def decide_batch(args):
    """Decide up to 1,000 checks at once, in order.

    Scope `decide`. Any invalid item: 422 naming it (`checks[3].task`), and nothing is
    kept. The facts are loaded once for the whole batch.
    """
    person = g.api_person
    checks = args["checks"]
    may_ask_about(person, {c["assistant"] for c in checks})
    snapshot = Snapshot()
    resolved = _resolve_checks(person, checks, snapshot)
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
@with_errors
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
    return _json(eligible_json(result, at))


# --------------------------------------------------------------------------- delegations


def _delegation_or_404(delegation_id: int) -> Delegation:
    delegation = delegation_queries.visible_delegation(g.api_person, delegation_id)
    if delegation is None:
        raise ApiProblem(404, f"No delegation {delegation_id} that this token may see.")
    return delegation


def _delegation_filters(person: Person, args: dict):
    """The list's filters and the cursor's key, or 403 / 422 as the request deserves."""
    errors: list = []
    site_code, email = args.get("site"), args.get("assistant")
    names = Names([email], [], [site_code] if site_code else [])
    site = names.site(site_code, "site", errors) if site_code else None
    assistant = None
    if email:
        may_ask_about(person, [email])
        assistant = names.person(email, "assistant", errors, "assistant")
    try:
        after = decode_cursor(args["cursor"]) if args.get("cursor") else None
    except BadCursor:
        raise invalid([("cursor", "not a cursor this API gave out")]) from None
    if errors:
        raise invalid(errors)
    filters = delegation_queries.DelegationFilters(
        site_id=site.id if site is not None else None,
        assistant_id=assistant.id if assistant is not None else None,
        status=DelegationStatus(args["status"]) if args.get("status") else None,
        flagged=args.get("flagged"),
        first=args.get("from_"),
        last=args.get("to"),
    )
    return filters, after


@bp.route("/delegations", methods=["GET"])
@bp.arguments(schemas.DelegationListQuerySchema, location="query")
@bp.response(200, schemas.DelegationPageSchema)
@with_errors
def delegations(args):
    """The delegations this token's person may see, soonest first.

    Scope `read`. Filters: `site`, `assistant`, `status`, `flagged` (by the standing),
    `from` and `to` (dates, inclusive, in each delegation's site time zone). Pages of
    `limit` items; pass `next_cursor` back as `cursor` for the next page. A page never
    skips or repeats a delegation, even when others are recorded between pages.
    """
    person = g.api_person
    filters, after = _delegation_filters(person, args)
    page = delegation_queries.delegation_page(person, filters, args["limit"], after)
    return _json(
        {"items": [delegation_json(d) for d in page.items], "next_cursor": page.next_cursor}
    )


def _replay(delegation_id: int):
    return _json(delegation_json(_delegation_or_404(delegation_id)), 200)


def _record(person: Person, args: dict) -> Delegation:
    """Record the delegation the body describes (the verb's refusals: 422 naming fields)."""
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
        return delegation_services.record_delegation(
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


@bp.route("/delegations", methods=["POST"])
@bp.arguments(schemas.DelegationRequestSchema)
@bp.response(201, schemas.DelegationSchema, headers={"Location": {"schema": {"type": "string"}}})
@bp.alt_response(200, schema=schemas.DelegationSchema, description="Replayed (Idempotency-Key)")
@bp.doc(parameters=[idempotency.IDEMPOTENCY_HEADER])
@with_errors
def record_delegation(args):
    """Record a delegation, decided at once (as the page does).

    Scope `write`. A provider's token records the provider's own delegations
    (`delegated_by` defaults to them); a manager's or admin's names the provider.
    """
    person = g.api_person
    key = idempotency.key_of_request()
    body_hash = idempotency.request_hash(args)
    if key is not None:
        idempotency.hold_the_keys()
        if (earlier := idempotency.earlier_delegation_id(person, key, body_hash)) is not None:
            return _replay(earlier)
    delegation = _record(person, args)
    if key is not None:
        idempotency.remember(person, key, body_hash, delegation.id)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent duplicate with the same key won: answer with its delegation.
        db.session.rollback()
        earlier = (
            idempotency.earlier_delegation_id(person, key, body_hash) if key is not None else None
        )
        if earlier is None:
            raise
        return _replay(earlier)
    delegation = _delegation_or_404(delegation.id)
    location = url_for("api_v1.delegation", delegation_id=delegation.id)
    return _json(delegation_json(delegation), 201, {"Location": location})


@bp.route("/delegations/<int:delegation_id>", methods=["GET"])
@bp.response(200, schemas.DelegationSchema)
@bp.alt_response(404, response="NOT_FOUND")
@with_errors
def delegation(delegation_id: int):
    """One delegation with the decision it was recorded with and its standing.

    Scope `read`. 404 for one this token's person may not see.
    """
    return _json(delegation_json(_delegation_or_404(delegation_id)))


@bp.route("/delegations/<int:delegation_id>/recheck", methods=["POST"])
@bp.response(200, schemas.DelegationSchema)
@bp.alt_response(404, response="NOT_FOUND")
@with_errors
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
@with_errors
def delegation_status(args, delegation_id: int):
    """Mark a planned delegation performed or cancelled.

    Scope `write`. Performed: not before its time (422 on `status`), and for a flagged
    standing only with a written `reason` (422 on `reason`), kept and listed for
    compliance as performed while flagged.
    """
    person = g.api_person
    delegation = _delegation_or_404(delegation_id)
    if not delegation_services.may_change_status(person, delegation):
        refuse(
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
@with_errors
def training_file(email: str):
    """A person's training file: sites, competencies with their status, credentials,
    licenses and supervision.

    Scope `read`. An assistant's token sees only the assistant's own (404 otherwise).
    """
    person = staff_queries.visible_person_by_email(g.api_person, email)
    if person is None:
        raise ApiProblem(404, "No such person that this token may see.")
    within = current_app.config["EXPIRING_WITHIN_DAYS"]
    found = training_queries.training_file(person, practice_today(), within)
    return _json(schemas.TrainingFileSchema().dump(found))


@bp.route("/expiring", methods=["GET"])
@bp.arguments(schemas.ExpiringQuerySchema, location="query")
@bp.response(200, schemas.ExpiringSchema)
@with_errors
def expiring(args):
    """What the expiring page lists: competencies, credentials and licenses expired or
    expiring within `days` (default the practice's setting), and those with no expiry.

    Scope `read`; managers, compliance and admins.
    """
    days = args.get("days")
    if days is None:
        days = current_app.config["EXPIRING_WITHIN_DAYS"]
    site_code = (args.get("site") or "").strip() or None
    errors: list = []
    if site_code:
        Names(site_codes=[site_code]).site(site_code, "site", errors)
    if errors:
        raise invalid(errors)
    report = training_queries.expiring_items(practice_today(), days, site_code=site_code)
    return _json(schemas.ExpiringSchema().dump(report))


# ------------------------------------------------- directions (DESIGN section 15)


@bp.route("/directions", methods=["POST"])
@bp.arguments(schemas.DirectionRequestSchema)
@bp.response(201, schemas.DirectionSchema)
@with_errors
def give_direction(args):
    """A provider's direction for one request (an EHR sends it when the order is signed).

    Scope `write`; a provider's token only: the direction is the token's provider's.
    Valid from `given_at` (default now) to `valid_until` (default the end of that day at
    the site); the assistant's decision for that task, site and moment then rests on it.
    """
    person = g.api_person
    errors: list = []
    names = Names([args["assistant"]], [args["task"]], [args["site"]])
    assistant = names.person(args["assistant"], "assistant", errors, "assistant")
    task = names.task(args["task"], "task", errors)
    site = names.site(args["site"], "site", errors)
    if errors:
        raise invalid(errors)
    # The verb refuses what the page refuses; the app's handler answers 422 naming fields.
    direction = protocol_services.give_direction(
        person,
        provider=person,
        assistant=assistant,
        task=task,
        site=site,
        given_at=args["given_at"] or dates.now_to_the_second(),
        valid_until=args["valid_until"],
        reference=args["reference"],
    )
    db.session.commit()
    return _json(schemas.DirectionSchema().dump(direction), 201)


@bp.route("/directions", methods=["GET"])
@bp.arguments(schemas.DirectionListQuerySchema, location="query")
@bp.response(200, schemas.DirectionListSchema)
@with_errors
def directions(args):
    """The directions of a day (default today) this token's person may see: an
    assistant's own, a provider's own, everyone's for managers, compliance and admins.

    Scope `read`.
    """
    tz = practice_timezone()
    day = args.get("date") or dates.today(tz)
    first, last = protocol_queries.day_window(day, tz)
    found = protocol_queries.visible_directions(g.api_person, first, last)
    return _json(schemas.DirectionListSchema().dump({"date": day, "items": found}))
