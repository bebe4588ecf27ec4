"""Benchmark the decision: the compliance matrix in bulk, the pure rule, and the self-check.

    .venv/bin/python bench/decisions.py [--assistants N] [--repeat R] [--requests K]

Builds a synthetic practice in a temporary SQLite file (every assistant at one site, the
whole catalog, records with the usual mess: expired and revoked competencies, lapsed and
unverified credentials, ended supervision), then prints ONE JSON line:

- ``matrix_seconds``: facts loading plus every decision, through
  ``tracker.decision.matrix.build_matrix`` (the compliance matrix page's code), the median
  of ``--repeat`` warm runs (``matrix_seconds_cold`` is the first); ``load_seconds`` and
  ``decide_seconds`` split one run between ``load_facts`` and the decisions
  (``load_cpu_seconds`` and ``decide_cpu_seconds``: the same in CPU time);
- ``matrix_queries``: SQL statements during one ``build_matrix`` (a before_cursor_execute
  listener); it must not grow with the number of assistants;
- ``evaluate_us_median``: the pure ``tracker.rule.rules.decide`` per decision, on
  pre-built facts, over every cell of the matrix (``..._nonreserved`` leaves out the
  reserved tasks, which return at once);
- ``cedar_us_median``: cedarpy's ``is_authorized`` (the ``bench`` extra) per call in the
  same run, for a comparable request (an assistant, a task, four conditions as Cedar
  policies, parsed once: a ``PolicySet`` and ``Entities`` handle, its quickest use), and
  ``rule_over_cedar``, the rule's median over it (``cedar_text_us_median``: the same
  call with the policies and entities as text, parsed on every call);
- ``matrix_page_bytes``: the largest of the matrix page's first and last pages
  (``GET /matrix?group=all``, signed in as the manager), uncompressed;
- ``selfcheck_ms_median`` / ``trivial_ms_median``: ``--requests`` requests each through
  ``app.test_client()``, interleaved: the self-check (``POST /may-i`` as a signed-in
  assistant, which also keeps its decision in the log) and ``trivial_page``;
  ``selfcheck_form_ms_median`` is ``GET /may-i`` (the same page, empty form, no decision);
  ``signed_in_page_ms_median`` is ``GET /account/`` for the same assistant (a plain page
  that, like the self-check, loads the sign-in session from the database), and
  ``selfcheck_over_signed_in_page`` the self-check over it.
  The self-check keeps the facts it loads while the fact stamp holds (an assistant asking
  about one task after another); ``selfcheck_uncached_ms_median`` is the same request
  with every kept fact dropped first, as after a change to any record.

Times are wall-clock; the ``*_cpu_*`` twins are this process's CPU time, which other
processes on a busy machine do not inflate (``load_average`` says how busy it was). The
rule's per-call times are this thread's CPU time. Figures, not tests: nothing here asserts
a time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from config import TestingConfig  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.catalog.models import Task  # noqa: E402
from tracker.catalog.services import ensure_catalog  # noqa: E402
from tracker.competencies.models import Competency  # noqa: E402
from tracker.decision.cache import fact_cache  # noqa: E402
from tracker.decision.facts import load_facts  # noqa: E402
from tracker.decision.matrix import build_matrix, matrix_from_book  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.policy.models import Policy, StateRule  # noqa: E402
from tracker.rule.rules import decide  # noqa: E402
from tracker.sites.models import (
    Practice,  # noqa: E402
    Site,  # noqa: E402
)
from tracker.staff.models import Credential, License, Person, person_sites  # noqa: E402
from tracker.supervision.models import Shift, SupervisionAssignment  # noqa: E402
from tracker.vocabulary import Role, RuleStatus, SupervisionLevel, TaskKind  # noqa: E402

try:  # the matrix page holds the garbage collector while it builds (see matrix.py)
    from tracker.decision.matrix import collection_paused  # noqa: E402
except ImportError:  # an older tree: measure without
    from contextlib import nullcontext as collection_paused  # noqa: E402

PASSWORD = "bench-password-2026"
#: The site every assistant works at (others hold providers, rules and a few assistants).
MAIN = "main"
SITES = [
    ("main", "Main Street Clinic", "CA", "America/Los_Angeles"),
    ("bay", "Bay Pediatrics", "CA", "America/Los_Angeles"),
    ("austin", "Austin North", "TX", "America/Chicago"),
    ("albany", "Albany Family Care", "NY", "America/New_York"),
]
JOB_LEVELS = ["MA I", "MA II", "CMA", "RMA", "CCMA"]
CREDENTIAL_FOR_LEVEL = {"CMA": "CMA", "RMA": "RMA", "CCMA": "CCMA"}
PROVIDERS_PER_SITE = 6
TRIVIAL_PAGE = "GET /login (anonymous client)"


class BenchConfig(TestingConfig):
    """Testing settings (CSRF off for the test client) on a file database."""

    SQLALCHEMY_DATABASE_URI = None  # set per run


def build_practice(n_assistants: int, moment: datetime, seed: int = 2026) -> dict:
    """Insert a synthetic practice in bulk; returns ids and codes the bench needs."""
    rng = random.Random(seed)
    zones = {code: ZoneInfo(tz) for code, _, _, tz in SITES}
    today = moment.astimezone(zones[MAIN]).date()

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    db.session.add(Practice(name="Bench Family Medicine"))
    db.session.add(Task(code="spirometry", name="Spirometry", kind=TaskKind.clinical))
    db.session.flush()
    tasks = {t.code: t for t in db.session.scalars(select(Task))}
    delegable = sorted(code for code, t in tasks.items() if t.kind != TaskKind.reserved)
    clinical = [c for c in delegable if tasks[c].kind == TaskKind.clinical]

    db.session.execute(
        insert(Site),
        [
            {"id": i, "code": c, "name": n, "state": s, "timezone": tz}
            for i, (c, n, s, tz) in enumerate(SITES, 1)
        ],
    )
    site_id = {c: i for i, (c, *_rest) in enumerate(SITES, 1)}
    site_state = {c: s for c, _n, s, _tz in SITES}

    people, memberships, licenses, credentials = [], [], [], []
    next_id = 1

    def person(email, name, role, job_level=None, can_validate=False, active=True):
        nonlocal next_id
        people.append({
            "id": next_id, "email": email, "name": name, "role": role,
            "job_level": job_level, "can_validate": can_validate, "active": active,
        })  # fmt: skip
        next_id += 1
        return next_id - 1

    manager = person("manager@bench.example.org", "Morgan Manager", Role.manager)
    for code in site_id:
        memberships.append({"person_id": manager, "site_id": site_id[code]})

    providers: dict[str, list[int]] = {code: [] for code in site_id}
    for code, _name, state, _tz in SITES:
        for k in range(PROVIDERS_PER_SITE):
            pid = person(f"dr.{code}{k}@bench.example.org", f"Dr. {code.title()} {k}",
                         Role.provider,
                         can_validate=True)  # fmt: skip
            providers[code].append(pid)
            memberships.append({"person_id": pid, "site_id": site_id[code]})
            # One provider per site lets the license lapse: supervision by them fails.
            expires = day(-10) if k == PROVIDERS_PER_SITE - 1 else day(rng.randint(60, 900))
            licenses.append({"person_id": pid, "type": rng.choice(["MD", "DO", "NP", "PA"]),
                             "number": f"{state}-{pid:06d}", "state": state,
                             "expires_on": expires})  # fmt: skip
            if k == 0 and state != "CA":  # a few providers hold a second state's license
                licenses.append({"person_id": pid, "type": "MD", "number": f"CA-{pid:06d}",
                                 "state": "CA", "expires_on": day(400)})  # fmt: skip

    assistants = []
    # N active assistants, and one in a hundred more who left (deactivated: not in the matrix).
    for k in range(n_assistants + n_assistants // 100):
        level = rng.choice(JOB_LEVELS)
        active = k < n_assistants
        aid = person(f"ma{k:05d}@bench.example.org", f"Assistant {k:05d}", Role.assistant,
                     job_level=level, can_validate=(k % 50 == 0), active=active)  # fmt: skip
        assistants.append(aid)
        memberships.append({"person_id": aid, "site_id": site_id[MAIN]})
        if k % 10 == 0:  # some float to a second site
            memberships.append(
                {"person_id": aid, "site_id": site_id[rng.choice(["bay", "austin"])]}
            )
        kind = CREDENTIAL_FOR_LEVEL.get(level) or rng.choice(["CMA", "CCMA", None])
        if kind:
            issued = day(-rng.randint(100, 2000))
            expires = None if rng.random() < 0.2 else day(rng.randint(-60, 1500))
            credentials.append({
                "person_id": aid, "type": kind, "number": f"{kind}-{aid}", "issuer": "AAMA",
                "issued_on": issued, "expires_on": expires,
                "verified_on": None if rng.random() < 0.1 else issued + timedelta(days=10),
            })  # fmt: skip
        if rng.random() < 0.15:
            credentials.append({
                "person_id": aid, "type": "limited-scope x-ray permit", "number": f"XR-{aid}",
                "issuer": "CDPH-RHB", "issued_on": day(-300), "expires_on": day(430),
                "verified_on": day(-290),
            })  # fmt: skip
    db.session.execute(insert(Person), people)
    db.session.execute(insert(person_sites), memberships)
    db.session.execute(insert(License), licenses)
    db.session.execute(insert(Credential), credentials)

    # State rules for every delegable task in every state; a few prohibited or needing a
    # credential, one state stale.
    rules = []
    for state in sorted(set(site_state.values())):
        for code in delegable:
            prohibited = state == "NY" and code in ("injection", "venipuncture", "iv-therapy")
            needs = ["limited-scope x-ray permit"] if code == "xray" and state == "CA" else []
            rules.append({
                "state": state, "task_id": tasks[code].id,
                "status": RuleStatus.prohibited if prohibited else RuleStatus.permitted,
                "requires_credentials": needs,
                "min_training_hours": 10 if code in ("injection", "venipuncture") else None,
                "supervision": (SupervisionLevel.on_site
                                if code in ("injection", "venipuncture", "xray", "iv-therapy")
                                else SupervisionLevel.available
                                if code in clinical else SupervisionLevel.none),
                "citation": f"{state} scope-of-practice reference for {code}",
                "verified_on": day(-500 if state == "TX" else -90),
            })  # fmt: skip
    db.session.execute(insert(StateRule), rules)

    # Policies: practice-wide for every task, a refusal for MA I on injections, a site
    # policy for x-ray at main, an ended policy and a future one.
    policies = []
    for code in delegable:
        policies.append({
            "task_id": tasks[code].id, "site_id": None, "job_levels": [], "authorized": True,
            "requires_credentials": [], "supervision": (
                SupervisionLevel.none if tasks[code].kind == TaskKind.administrative
                else SupervisionLevel.available),
            "competency_valid_months": None if code in ("scheduling", "records-entry") else 24,
            "document": "Clinical Task Policy v3", "effective_from": day(-700),
            "effective_to": None,
        })  # fmt: skip
    policies += [
        {"task_id": tasks["injection"].id, "site_id": None, "job_levels": ["MA I"],
         "authorized": False, "requires_credentials": [], "supervision": SupervisionLevel.on_site,
         "competency_valid_months": 12, "document": "Clinical Task Policy v3",
         "effective_from": day(-700), "effective_to": None},
        {"task_id": tasks["injection"].id, "site_id": None, "job_levels": ["CMA", "RMA", "CCMA"],
         "authorized": True, "requires_credentials": ["CMA", "RMA", "CCMA"],
         "supervision": SupervisionLevel.on_site, "competency_valid_months": 12,
         "document": "Clinical Task Policy v3", "effective_from": day(-700), "effective_to": None},
        {"task_id": tasks["xray"].id, "site_id": site_id[MAIN], "job_levels": [],
         "authorized": True, "requires_credentials": ["limited-scope x-ray permit"],
         "supervision": SupervisionLevel.on_site, "competency_valid_months": 12,
         "document": "Imaging Policy v1", "effective_from": day(-200), "effective_to": None},
        {"task_id": tasks["iv-therapy"].id, "site_id": None, "job_levels": ["MA II"],
         "authorized": True, "requires_credentials": [], "supervision": SupervisionLevel.in_room,
         "competency_valid_months": 12, "document": "IV Policy v1",
         "effective_from": day(-900), "effective_to": day(-200)},
        {"task_id": tasks["procedure-assist"].id, "site_id": None, "job_levels": ["CMA"],
         "authorized": True, "requires_credentials": [], "supervision": SupervisionLevel.in_room,
         "competency_valid_months": 12, "document": "Procedures Policy v2",
         "effective_from": day(30), "effective_to": None},
    ]  # fmt: skip
    db.session.execute(insert(Policy), policies)

    # Competencies for most delegable tasks: mostly current, some expired, revoked, from a
    # prior employer, not yet validated, signed off by themselves or short of hours.
    competencies = []
    validators = providers[MAIN] + providers["bay"]
    for aid in assistants:
        for code in delegable:
            if rng.random() < 0.2:
                continue
            roll = rng.random()
            validated = day(-rng.randint(5, 600))
            row = {
                "person_id": aid, "task_id": tasks[code].id,
                "trained_on": validated - timedelta(days=7),
                "training_hours": rng.choice([4, 8, 12, 16]),
                "validated_on": validated, "validated_by_id": rng.choice(validators),
                "expires_on": None, "prior_employer": False, "revoked_on": None,
                "evidence": "Skills checklist observed",
            }  # fmt: skip
            if roll < 0.07:
                row["expires_on"] = day(-rng.randint(1, 200))
            elif roll < 0.10:
                row["revoked_on"] = day(-rng.randint(0, 60))
            elif roll < 0.12:
                row.update(prior_employer=True, validated_on=None, validated_by_id=None)
            elif roll < 0.13:
                row["validated_by_id"] = aid
            elif roll < 0.14:
                row["validated_on"] = day(rng.randint(1, 30))
            elif roll < 0.40:
                row["expires_on"] = day(rng.randint(1, 700))
            competencies.append(row)
    db.session.execute(insert(Competency), competencies)

    # Supervision: each assistant to one or two providers at main, a few assignments ended.
    assignments = []
    for aid in assistants:
        for pid in rng.sample(providers[MAIN], rng.choice([1, 1, 2])):
            ended = rng.random() < 0.05
            assignments.append({
                "assistant_id": aid, "provider_id": pid, "site_id": site_id[MAIN],
                "starts_on": day(-rng.randint(30, 700)), "ends_on": day(-3) if ended else None,
            })  # fmt: skip
    db.session.execute(insert(SupervisionAssignment), assignments)

    # A week of shifts at every site; at main, most providers are on site at the moment.
    shifts = []
    monday = today - timedelta(days=today.weekday())
    for code, pids in providers.items():
        for offset in range(7):
            shift_day = monday + timedelta(days=offset)
            if shift_day.weekday() >= 5:
                continue
            for pid in pids:
                if code == MAIN and shift_day == today and pid == pids[1]:
                    continue  # off today: on-site tasks supervised only by them fail
                start = datetime.combine(shift_day, time(8), zones[code])
                shifts.append({"provider_id": pid, "site_id": site_id[code],
                               "starts_at": start,
                               "ends_at": start + timedelta(hours=9)})  # fmt: skip
    db.session.execute(insert(Shift), shifts)

    login_as = db.session.get(Person, assistants[0])
    login_as.set_password(PASSWORD)
    db.session.commit()
    return {
        "assistant_id": assistants[0],
        "assistant_email": login_as.email,
        "delegable": delegable,
        "records": {
            "people": len(people),
            "credentials": len(credentials),
            "licenses": len(licenses),
            "state_rules": len(rules),
            "policies": len(policies),
            "competencies": len(competencies),
            "supervision": len(assignments),
            "shifts": len(shifts),
        },
    }


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def bench_matrix(moment: datetime, repeat: int) -> dict:
    """build_matrix at the main site: cold once, then ``repeat`` warm runs."""
    runs, cpu_runs, counts = [], [], []
    matrix = None
    for _ in range(repeat + 1):
        matrix = None  # let the previous run go, as between two page views
        db.session.expire_all()
        with QueryCounter(db.engine) as queries:
            started, cpu_started = clock.perf_counter(), clock.process_time()
            matrix = build_matrix(MAIN, moment)
            runs.append(clock.perf_counter() - started)
            cpu_runs.append(clock.process_time() - cpu_started)
        counts.append(queries.count)
    # One more run split in two: loading the facts, then deciding every cell.
    site = db.session.scalar(select(Site).where(Site.code == MAIN))
    matrix = None
    with collection_paused():
        started, cpu_started = clock.perf_counter(), clock.process_time()
        book = load_facts(site_ids=[site.id], shifts_from=moment, shifts_to=moment)
        loaded, cpu_loaded = clock.perf_counter(), clock.process_time()
        matrix = matrix_from_book(book, MAIN, moment)
        decided, cpu_decided = clock.perf_counter(), clock.process_time()
    return {
        "matrix": matrix,
        "book": book,
        "matrix_seconds": statistics.median(runs[1:]) if repeat else runs[0],
        "matrix_cpu_seconds": statistics.median(cpu_runs[1:]) if repeat else cpu_runs[0],
        "matrix_seconds_cold": runs[0],
        "matrix_queries": counts[-1],
        "load_seconds": loaded - started,
        "decide_seconds": decided - loaded,
        "load_cpu_seconds": cpu_loaded - cpu_started,
        "decide_cpu_seconds": cpu_decided - cpu_loaded,
    }


def bench_rule(book, matrix, moment: datetime) -> dict:
    """The pure rule, per decision, on facts looked up beforehand (as the matrix cells)."""
    site = book.sites[MAIN]
    calls = []
    for person in matrix.assistants:
        for task in matrix.tasks:
            kwargs = {
                "state_rule": book.rules.get((site.state, task.code)),
                "policies": book.policies_by_task.get(task.code, ()),
                "competencies": book.competencies.get((person.id, task.code), ()),
                "supervision": book.supervision.get((person.id, MAIN), ()),
                "shifts": book.shifts_by_site.get(MAIN, ()),
            }
            calls.append((person, task, kwargs))
    all_us, delegable_us = [], []
    gc.disable()  # a collection landing in one call would say nothing about the rule
    try:
        for person, task, kwargs in calls:
            started = clock.thread_time_ns()
            decide(person, task, site, moment, **kwargs)
            elapsed = (clock.thread_time_ns() - started) / 1000
            all_us.append(elapsed)
            if task.kind != TaskKind.reserved:
                delegable_us.append(elapsed)
    finally:
        gc.enable()
    cedar = bench_cedar(len(delegable_us))
    rule_median = statistics.median(all_us)
    return {
        **cedar,
        "rule_over_cedar": round(rule_median / cedar["cedar_us_median"], 3)
        if cedar.get("cedar_us_median")
        else None,
        "evaluate_us_median": round(rule_median, 2),
        "evaluate_us_median_nonreserved": round(statistics.median(delegable_us), 2),
        "evaluate_us_p90_nonreserved": round(statistics.quantiles(delegable_us, n=10)[-1], 2),
    }


#: Four conditions as Cedar policies: the state permits it, the written policy covers the
#: job level, a current competency and (unless none is needed) a provider on shift; a
#: reserved task, or a missing required credential, forbids it.
CEDAR_POLICIES = """
permit(principal is MA, action == Action::"perform", resource is Task)
when {
  resource.state_permitted &&
  principal.sites.contains(context.site) &&
  resource.policy_levels.contains(principal.job_level) &&
  context.competency_current &&
  (resource.supervision == "none" || context.supervisor_on_shift)
};
forbid(principal, action, resource is Task) when { resource.kind == "reserved" };
forbid(principal is MA, action, resource is Task)
when {
  resource.needs_credential != "" &&
  !(principal.credentials.contains(resource.needs_credential))
};
"""
CEDAR_ENTITIES = [
    {"uid": {"type": "MA", "id": "ma00001@bench.example.org"}, "parents": [],
     "attrs": {"job_level": "CMA", "credentials": ["CMA"], "sites": ["main"]}},
    {"uid": {"type": "Task", "id": "injection"}, "parents": [],
     "attrs": {"kind": "clinical", "state_permitted": True, "supervision": "on_site",
               "policy_levels": ["CMA", "RMA", "CCMA"], "needs_credential": ""}},
]  # fmt: skip
CEDAR_REQUEST = {
    "principal": 'MA::"ma00001@bench.example.org"',
    "action": 'Action::"perform"',
    "resource": 'Task::"injection"',
    "context": {"site": "main", "competency_current": True, "supervisor_on_shift": True},
}


def bench_cedar(calls: int) -> dict:
    """cedarpy's is_authorized per call, in this thread's CPU time (absent: no figures)."""
    try:
        import cedarpy
    except ImportError:
        return {"cedar": "not installed (pip install -e '.[bench]')"}
    policies = cedarpy.PolicySet.from_str(CEDAR_POLICIES)
    entities = cedarpy.Entities.from_json_str(json.dumps(CEDAR_ENTITIES))
    answer = cedarpy.is_authorized(CEDAR_REQUEST, policies, entities)
    if answer.decision != cedarpy.Decision.Allow:
        raise SystemExit(f"bench: the Cedar request was not allowed: {answer.diagnostics}")

    def per_call(run, count) -> float:
        times = []
        gc.disable()
        try:
            for _ in range(count):
                started = clock.thread_time_ns()
                run()
                times.append((clock.thread_time_ns() - started) / 1000)
        finally:
            gc.enable()
        return statistics.median(times)

    count = max(1000, min(calls, 20000))
    handles = per_call(lambda: cedarpy.is_authorized(CEDAR_REQUEST, policies, entities), count)
    text = per_call(
        lambda: cedarpy.is_authorized(CEDAR_REQUEST, CEDAR_POLICIES, CEDAR_ENTITIES), 1000
    )
    return {"cedar_us_median": round(handles, 2), "cedar_text_us_median": round(text, 2)}


def bench_matrix_page(app, moment: datetime) -> dict:
    """The matrix page's size at its first and last page (every task group), uncompressed."""
    manager = app.test_client()
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.role == Role.manager))
        person.set_password(PASSWORD)
        email = person.email
        db.session.commit()
    response = manager.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"bench: the manager could not sign in ({response.status_code})")
    local = moment.astimezone(ZoneInfo(SITES[0][3])).strftime("%Y-%m-%dT%H:%M")
    url = f"/matrix?site={MAIN}&group=all&at={local}"
    sizes = []
    last = None
    for page_url in (url, None):
        if page_url is None:  # the last page, as the first one names it
            page_url = f"{url}&page={last}"
        response = manager.get(page_url)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {page_url} answered {response.status_code}")
        if last is None:
            found = re.search(rb"Page \d+ of (\d+)", response.data)
            last = found.group(1).decode() if found else "1"
        gzipped = manager.get(page_url, headers={"Accept-Encoding": "gzip"})
        sizes.append((len(response.data), len(gzipped.data)))
    return {
        "matrix_page_bytes": max(plain for plain, _ in sizes),
        "matrix_page_gzip_bytes": max(packed for _, packed in sizes),
    }


def bench_requests(app, practice: dict, moment: datetime, requests: int) -> dict:
    """Self-check and the trivial page, interleaved, through the test client."""
    assistant = app.test_client()
    anonymous = app.test_client()
    response = assistant.post(
        "/login", data={"email": practice["assistant_email"], "password": PASSWORD}
    )
    if response.status_code != 302:
        raise SystemExit(f"bench: the assistant could not sign in ({response.status_code})")
    local = moment.astimezone(ZoneInfo(SITES[0][3])).strftime("%Y-%m-%dT%H:%M")
    tasks = practice["delegable"]

    def self_check(i):
        response = assistant.post("/may-i", data={
            "assistant_id": practice["assistant_id"], "task_code": tasks[i % len(tasks)],
            "site_code": MAIN, "at": local,
        })  # fmt: skip
        if response.status_code != 200 or b"The four answers" not in response.data:
            raise SystemExit(f"bench: POST /may-i answered {response.status_code}")

    def trivial(_i):
        response = anonymous.get("/login")
        if response.status_code != 200:
            raise SystemExit(f"bench: GET /login answered {response.status_code}")

    def self_check_uncached(i):  # the same, after every kept fact is dropped (a change)
        with app.app_context():
            fact_cache().clear()
        self_check(i)

    def account(_i):  # a plain page for the same signed-in assistant: the session's own cost
        response = assistant.get("/account/")
        if response.status_code != 200:
            raise SystemExit(f"bench: GET /account/ answered {response.status_code}")

    def empty_form(_i):  # the self-check page without a decision: what the page itself costs
        response = assistant.get("/may-i")
        if response.status_code != 200:
            raise SystemExit(f"bench: GET /may-i answered {response.status_code}")

    calls = [self_check, trivial, empty_form, self_check_uncached, account]
    for i in range(10):  # warm every path (templates, statement caches)
        for call in calls:
            call(i)
    timings = {call: [] for call in calls}
    cpu = {call: [] for call in calls}
    for i in range(requests):
        turn = i % len(calls)
        for call in calls[turn:] + calls[:turn]:  # rotate, so no page always goes first
            started, cpu_started = clock.perf_counter(), clock.process_time()
            call(i)
            timings[call].append((clock.perf_counter() - started) * 1000)
            cpu[call].append((clock.process_time() - cpu_started) * 1000)
    selfcheck_ms = statistics.median(timings[self_check])
    trivial_ms = statistics.median(timings[trivial])
    selfcheck_cpu = statistics.median(cpu[self_check])
    trivial_cpu = statistics.median(cpu[trivial])
    signed_in_ms = statistics.median(timings[account])
    return {
        "selfcheck_ms_median": round(selfcheck_ms, 3),
        "trivial_ms_median": round(trivial_ms, 3),
        "trivial_page": TRIVIAL_PAGE,
        "selfcheck_over_trivial": round(selfcheck_ms / trivial_ms, 2),
        "selfcheck_form_ms_median": round(statistics.median(timings[empty_form]), 3),
        "selfcheck_uncached_ms_median": round(statistics.median(timings[self_check_uncached]), 3),
        "selfcheck_cpu_ms_median": round(selfcheck_cpu, 3),
        "trivial_cpu_ms_median": round(trivial_cpu, 3),
        "selfcheck_over_trivial_cpu": round(selfcheck_cpu / trivial_cpu, 2),
        "signed_in_page_ms_median": round(signed_in_ms, 3),
        "selfcheck_over_signed_in_page": round(selfcheck_ms / signed_in_ms, 2),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assistants", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="warm matrix runs (median)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        url = f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
        app = create_app(type("Bench", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            db.create_all()
            ensure_catalog()
            db.session.commit()
            # A weekday mid-morning at main, a week from now: providers are on shift.
            zone = ZoneInfo(SITES[0][3])
            day = datetime.now(zone).date() + timedelta(days=7)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            moment = datetime.combine(day, time(10, 30), zone).astimezone(UTC)

            started = clock.perf_counter()
            practice = build_practice(args.assistants, moment)
            seed_seconds = clock.perf_counter() - started

            matrix = bench_matrix(moment, args.repeat)
            rule = bench_rule(matrix["book"], matrix["matrix"], moment)
            cells = matrix["matrix"].cells
            statuses = Counter(d.status for d in cells.values())
            db.session.remove()
        web = bench_requests(app, practice, moment, args.requests)
        page = bench_matrix_page(app, moment)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    print(
        json.dumps(
            {
                "assistants": args.assistants,
                "assistants_in_matrix": len(matrix["matrix"].assistants),
                "tasks": len(matrix["matrix"].tasks),
                "decisions": len(cells),
                "outcomes": dict(sorted(statuses.items())),
                "matrix_seconds": round(matrix["matrix_seconds"], 4),
                "matrix_cpu_seconds": round(matrix["matrix_cpu_seconds"], 4),
                "matrix_seconds_cold": round(matrix["matrix_seconds_cold"], 4),
                "load_seconds": round(matrix["load_seconds"], 4),
                "decide_seconds": round(matrix["decide_seconds"], 4),
                "load_cpu_seconds": round(matrix["load_cpu_seconds"], 4),
                "decide_cpu_seconds": round(matrix["decide_cpu_seconds"], 4),
                "matrix_queries": matrix["matrix_queries"],
                **rule,
                **web,
                **page,
                "database": "sqlite (file)",
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
                "seed_seconds": round(seed_seconds, 2),
                "records": practice["records"],
                "python": sys.version.split()[0],
            }
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
