"""Benchmark the JSON API and the finder, in one run.

    .venv/bin/python bench/api.py [--assistants N] [--at-main M] [--requests K]

Builds the synthetic practice of bench/decisions.py (N assistants, default 1,000), then
moves all but M of them (default 300) from the main site to another, so the main site
holds M. Through ``app.test_client()``, interleaved, it times:

- ``decision_ms_median``: ``POST /api/v1/decisions`` (one decision, kept in the log);
- ``batch500_ms_median``: ``POST /api/v1/decisions/batch`` with 500 checks (assistants of
  the main site × delegable tasks), and ``batch_decisions_per_second``;
- ``trivial_api_ms_median``: an authenticated ``GET /api/v1/delegations?limit=1`` on an
  empty delegation list (the token check and one query: the API's floor);
- ``eligible_page_ms_median``: ``GET /eligible`` for the main site (M assistants decided)
  as a signed-in manager, against ``trivial_page_ms_median`` (``GET /login``, anonymous),
  and ``eligible_api_ms_median``: ``GET /api/v1/eligible`` for the same question.

Prints ONE JSON line. Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from decisions import MAIN, PASSWORD, SITES, BenchConfig, build_practice  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.api.tokens import create_token  # noqa: E402
from tracker.catalog.services import ensure_catalog  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.sites.models import Site  # noqa: E402
from tracker.staff.models import Person, person_sites  # noqa: E402
from tracker.vocabulary import Role  # noqa: E402

OTHER = "bay"


def move_assistants(keep_at_main: int) -> int:
    """Keep the first ``keep_at_main`` active assistants at main; move the rest to OTHER."""
    site = {s.code: s.id for s in db.session.scalars(select(Site))}
    ids = list(
        db.session.scalars(
            select(Person.id)
            .join(person_sites, person_sites.c.person_id == Person.id)
            .where(person_sites.c.site_id == site[MAIN], Person.role == Role.assistant,
                   Person.active)
            .order_by(Person.id)
        )
    )  # fmt: skip
    moving = ids[keep_at_main:]
    already = set(
        db.session.scalars(
            select(person_sites.c.person_id).where(
                person_sites.c.site_id == site[OTHER], person_sites.c.person_id.in_(moving)
            )
        )
    )
    db.session.execute(
        delete(person_sites).where(
            person_sites.c.site_id == site[MAIN], person_sites.c.person_id.in_(moving)
        )
    )
    rows = [{"person_id": pid, "site_id": site[OTHER]} for pid in moving if pid not in already]
    if rows:
        db.session.execute(insert(person_sites), rows)
    db.session.commit()
    return len(ids) - len(moving)


def median_ms(values):
    return round(statistics.median(values) * 1000, 3)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assistants", type=int, default=1000)
    parser.add_argument("--at-main", type=int, default=300)
    parser.add_argument("--requests", type=int, default=60, help="requests per call kind")
    parser.add_argument(
        "--database-url",
        help="an empty scratch database to use instead of a temporary SQLite file "
        "(its tables are dropped and created), e.g. postgresql+psycopg://postgres@127.0.0.1/bench",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tracker-bench-api-") as folder:
        url = args.database_url or f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
        app = create_app(
            type("Bench", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                           "API_RATE_LIMIT": "1000000/minute"})
        )  # fmt: skip
        with app.app_context():
            if args.database_url:
                db.drop_all()
            db.create_all()
            ensure_catalog()
            db.session.commit()
            zone = ZoneInfo(SITES[0][3])
            day = datetime.now(zone).date() + timedelta(days=7)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            moment = datetime.combine(day, time(10, 30), zone)
            practice = build_practice(args.assistants, moment.astimezone(UTC))
            at_main = move_assistants(args.at_main)
            # The practice was written with explicit ids, which PostgreSQL's sequences do
            # not see: number the manager after them.
            last_id = db.session.scalar(select(func.max(Person.id)))
            manager = Person(id=last_id + 1, email="bench.manager@example.org",
                             name="Bench Manager", role=Role.manager)  # fmt: skip
            manager.set_password(PASSWORD)
            db.session.add(manager)
            db.session.flush()
            token, _ = create_token(manager, "bench", ["decide", "read"], 30, manager)
            main_emails = list(
                db.session.scalars(
                    select(Person.email)
                    .join(person_sites, person_sites.c.person_id == Person.id)
                    .join(Site, Site.id == person_sites.c.site_id)
                    .where(Site.code == MAIN, Person.role == Role.assistant, Person.active)
                    .order_by(Person.email)
                )
            )
            db.session.commit()

        api = app.test_client()
        page = app.test_client()
        anonymous = app.test_client()
        page.post("/login", data={"email": "bench.manager@example.org", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token}"}
        at = moment.isoformat()
        tasks = practice["delegable"]
        batch = {
            "checks": [
                {"assistant": main_emails[i % len(main_emails)],
                 "task": tasks[(i // len(main_emails)) % len(tasks)], "site": MAIN, "at": at}
                for i in range(500)
            ]
        }  # fmt: skip
        local = moment.strftime("%Y-%m-%dT%H:%M")

        def expect(response, status=200):
            if response.status_code != status:
                raise SystemExit(f"bench: {response.status_code} {response.get_data()[:300]}")

        def decision(i):
            expect(api.post("/api/v1/decisions", headers=headers, json={
                "assistant": main_emails[i % len(main_emails)], "task": tasks[i % len(tasks)],
                "site": MAIN, "at": at}))  # fmt: skip

        def batch500(_i):
            expect(api.post("/api/v1/decisions/batch", headers=headers, json=batch))

        def trivial_api(_i):
            expect(api.get("/api/v1/delegations?limit=1", headers=headers))

        def eligible_page(i):
            expect(page.get(f"/eligible?task={tasks[i % len(tasks)]}&site={MAIN}&at={local}"))

        def eligible_api(i):
            expect(api.get(f"/api/v1/eligible?task={tasks[i % len(tasks)]}&site={MAIN}",
                           headers=headers))  # fmt: skip

        def trivial_page(_i):
            expect(anonymous.get("/login"))

        calls = [decision, batch500, trivial_api, eligible_page, eligible_api, trivial_page]
        for i in range(3):
            for call in calls:
                call(i)
        timings = {call: [] for call in calls}
        for i in range(args.requests):
            turn = i % len(calls)
            for call in calls[turn:] + calls[:turn]:
                started = clock.perf_counter()
                call(i)
                timings[call].append(clock.perf_counter() - started)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    single = statistics.median(timings[decision])
    batch_s = statistics.median(timings[batch500])
    print(
        json.dumps(
            {
                "assistants": args.assistants,
                "assistants_at_main": at_main,
                "decision_ms_median": median_ms(timings[decision]),
                "batch500_ms_median": median_ms(timings[batch500]),
                "batch500_over_decision": round(batch_s / single, 2),
                "batch_decisions_per_second": round(500 / batch_s),
                "trivial_api_ms_median": median_ms(timings[trivial_api]),
                "decision_over_trivial_api": round(
                    single / statistics.median(timings[trivial_api]), 2
                ),
                "eligible_page_ms_median": median_ms(timings[eligible_page]),
                "eligible_api_ms_median": median_ms(timings[eligible_api]),
                "trivial_page_ms_median": median_ms(timings[trivial_page]),
                "eligible_page_over_trivial_page": round(
                    statistics.median(timings[eligible_page])
                    / statistics.median(timings[trivial_page]),
                    2,
                ),
                "requests_per_kind": args.requests,
                "database": url.split(":", 1)[0] if args.database_url else "sqlite (file)",
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "python": sys.version.split()[0],
            }
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
