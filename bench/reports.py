"""Benchmark the practice dashboard (/reports) against the trivial page, in the same run.

    .venv/bin/python bench/reports.py [--assistants N] [--requests K]

Builds the synthetic practice of bench/decisions.py (N assistants, default 1000) in a
temporary SQLite file, adds delegations (three upcoming planned ones per assistant, a third
of them flagged with one to three unmet conditions, and one performed in the past), and
declined-task incidents over the last year, then prints ONE JSON line:

- ``dashboard_ms_median``: ``GET /reports/`` as a signed-in manager (the four charts and
  their tables), ``trivial_ms_median``: ``GET /login`` anonymously; interleaved, ``--requests``
  each, after a warm-up; ``dashboard_over_trivial`` is their ratio; the ``*_cpu_*`` twins
  are this process's CPU time, which other processes on a busy machine do not inflate;
- ``dashboard_queries``: SQL statements during one dashboard request (sign-in checks
  included); it must not grow with the number of assistants;
- ``delegations_csv_ms`` / ``delegations_csv_rows``: one streamed delegations export.

Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time as clock
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from decisions import PASSWORD, BenchConfig, QueryCounter, build_practice  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from tracker import create_app, dates  # noqa: E402
from tracker.catalog.models import Task  # noqa: E402
from tracker.catalog.services import ensure_catalog  # noqa: E402
from tracker.decision.models import DecisionRecord  # noqa: E402
from tracker.delegations.models import Delegation  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.incidents.models import Incident  # noqa: E402
from tracker.staff.models import Person, person_sites  # noqa: E402
from tracker.vocabulary import DeclineReason, DelegationStatus, Role, TaskKind  # noqa: E402

CONDITIONS = ("state_law", "employer_policy", "competency", "supervision")
MANAGER = "bench.manager@example.org"


def add_activity(now, seed: int = 2026) -> dict:
    """Delegations with their decisions, and incidents, inserted in bulk."""
    rng = random.Random(seed)
    assistants = db.session.execute(
        select(Person.id, person_sites.c.site_id)
        .join(person_sites, person_sites.c.person_id == Person.id)
        .where(Person.role == Role.assistant)
    ).all()
    site_of = {}
    for person_id, site_id in assistants:
        site_of.setdefault(person_id, site_id)
    providers = list(db.session.scalars(select(Person.id).where(Person.role == Role.provider)))
    clinical = list(db.session.scalars(select(Task.id).where(Task.kind == TaskKind.clinical)))
    manager = Person(email=MANAGER, name="Bench Manager", role=Role.manager)
    manager.set_password(PASSWORD)
    db.session.add(manager)
    db.session.flush()

    decisions, delegations = [], []
    next_id = 1
    for person_id, site_id in site_of.items():
        for offset in (rng.randint(1, 20), rng.randint(1, 20), rng.randint(1, 20), -30):
            flagged = rng.random() < 1 / 3
            unmet = set(rng.sample(CONDITIONS, rng.randint(1, 3))) if flagged else set()
            status = "flagged" if flagged else "clear"
            at = now + timedelta(days=offset, hours=rng.randint(0, 8))
            task_id = rng.choice(clinical)
            provider = rng.choice(providers)
            decisions.append({
                "id": next_id, "made_at": now, "source": "delegation", "asked_by_id": manager.id,
                "assistant_id": person_id, "task_id": task_id, "site_id": site_id, "at": at,
                "delegated_by_id": provider, "in_room": False, "status": status,
                "result": {"status": status, "conditions": [
                    {"condition": c, "met": c not in unmet, "reason": "bench", "evidence": []}
                    for c in CONDITIONS]},
            })  # fmt: skip
            delegations.append({
                "assistant_id": person_id, "task_id": task_id, "site_id": site_id,
                "scheduled_for": at, "delegated_by_id": provider, "entered_by_id": manager.id,
                "in_room": False, "notes": "", "decision_id": next_id, "created_at": now,
                "status": DelegationStatus.performed if offset < 0 else DelegationStatus.planned,
            })  # fmt: skip
            next_id += 1
    db.session.execute(insert(DecisionRecord), decisions)
    db.session.execute(insert(Delegation), delegations)
    ids = list(site_of)
    incidents = []
    for _ in range(len(ids) // 2):
        moment = now - timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 23))
        incidents.append({
            "logged_by_id": rng.choice(ids), "logged_at": moment, "occurred_at": moment,
            "requester_id": rng.choice(providers), "requester_name": "", "requester_role": "",
            "task_description": "", "what_was_asked": "bench", "what_was_said": "",
            "reason": DeclineReason.not_trained, "steps": ["paused"], "status": "open",
        })  # fmt: skip
    db.session.execute(insert(Incident), incidents)
    db.session.commit()
    return {"delegations": len(delegations), "incidents": len(incidents)}


def bench_requests(app, requests: int) -> dict:
    manager, anonymous = app.test_client(), app.test_client()
    if manager.post("/login", data={"email": MANAGER, "password": PASSWORD}).status_code != 302:
        raise SystemExit("bench: the manager could not sign in")

    def dashboard():
        response = manager.get("/reports/")
        if response.status_code != 200 or response.data.count(b'<svg class="chart"') != 4:
            raise SystemExit(f"bench: GET /reports/ answered {response.status_code}")

    def trivial():
        if anonymous.get("/login").status_code != 200:
            raise SystemExit("bench: GET /login failed")

    calls = [dashboard, trivial]
    for _ in range(3):
        for call in calls:
            call()
    timings = {call: [] for call in calls}
    cpu = {call: [] for call in calls}
    for i in range(requests):
        for call in calls[i % 2 :] + calls[: i % 2]:
            started, cpu_started = clock.perf_counter(), clock.process_time()
            call()
            timings[call].append((clock.perf_counter() - started) * 1000)
            cpu[call].append((clock.process_time() - cpu_started) * 1000)
    with app.app_context(), QueryCounter(db.engine) as counter:
        dashboard()
    started = clock.perf_counter()
    response = manager.get("/reports/delegations.csv")
    rows = response.get_data().count(b"\r\n") - 1
    csv_ms = (clock.perf_counter() - started) * 1000
    dash, trivial_ms = statistics.median(timings[dashboard]), statistics.median(timings[trivial])
    return {
        "dashboard_ms_median": round(dash, 2),
        "trivial_ms_median": round(trivial_ms, 3),
        "trivial_page": "GET /login (anonymous client)",
        "dashboard_over_trivial": round(dash / trivial_ms, 1),
        "dashboard_cpu_ms_median": round(statistics.median(cpu[dashboard]), 2),
        "trivial_cpu_ms_median": round(statistics.median(cpu[trivial]), 3),
        "dashboard_queries": counter.count,
        "delegations_csv_ms": round(csv_ms, 1),
        "delegations_csv_rows": rows,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assistants", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30, help="requests per page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        url = f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
        app = create_app(type("Bench", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            db.create_all()
            ensure_catalog()
            db.session.commit()
            now = dates.now_to_the_second()
            build_practice(args.assistants, now + timedelta(days=7))
            activity = add_activity(now)
            db.session.remove()
        figures = bench_requests(app, args.requests)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    print(json.dumps({
        "assistants": args.assistants, **activity, **figures, "requests": args.requests,
        "database": "sqlite (file)", "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(), "python": sys.version.split()[0],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
