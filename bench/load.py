"""Load test: many signed-in users at once against gunicorn and PostgreSQL on this machine.

    .venv/bin/pip install -e ".[test,bench]"     # Locust
    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--assistants 200]
        [--workers 3] [--database postgresql+psycopg://postgres@127.0.0.1:5432/test_speed]

Empties the database it is given (every table dropped and made again: give it one of its
own, never a real one), fills it with bench/decisions.py's synthetic practice (three
sites, ``--assistants`` assistants, providers, rules, policies, competencies, shifts), starts
gunicorn on a free port of 127.0.0.1 with production settings (cookies not marked Secure,
since it is plain HTTP; sign-in throttling raised above what 50 users from one address
need), then runs Locust headless, as a library, for ``--seconds``:

- assistants (7 in 10 users): the home page, "May I?" (the form, then a question about a
  random task), their own training file;
- managers (3 in 10): the home page, the compliance matrix, "who may do this?" for a random
  task, and recording a delegation (the form, then the POST and its redirect).

Every user signs in first, with its own account, and sends the CSRF token of each form.
Prints ONE JSON line: ``requests``, ``errors`` (any non-2xx/3xx answer or failed request),
``p50_ms`` and ``p95_ms`` over every request, and the same per kind of request. Figures,
not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test_speed"
PASSWORD = "load-password-2026"
MANAGERS = 15
USERS_FILE = "load-users.json"


# --------------------------------------------------------------------------- the server side


def server_app():
    """gunicorn's app factory (``load:server_app()``): production settings on plain HTTP."""
    sys.path.insert(0, str(ROOT))
    from config import ProductionConfig
    from tracker import create_app

    class LoadConfig(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = os.environ["LOAD_DATABASE_URL"]
        SECRET_KEY = os.environ["LOAD_SECRET_KEY"]
        SESSION_COOKIE_SECURE = False
        REMEMBER_COOKIE_SECURE = False
        HSTS_SECONDS = 0
        REQUIRE_2FA_ROLES = ""
        LOGIN_LIMIT_PER_ADDRESS = "10000 per minute"
        LOGIN_LIMIT_PER_ACCOUNT = "10000 per minute"

    import logging

    logging.getLogger("tracker.requests").setLevel(logging.WARNING)
    return create_app(LoadConfig)


def seed(url: str, assistants: int, folder: Path) -> None:
    """Empty the database, build the synthetic practice, give the load's users passwords."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from decisions import SITES, BenchConfig, build_practice
    from sqlalchemy import insert, select, text

    from tracker import create_app
    from tracker.catalog.services import ensure_catalog
    from tracker.extensions import db
    from tracker.sites.models import Site
    from tracker.staff.models import Person, person_sites
    from tracker.vocabulary import Role

    app = create_app(type("Seed", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_catalog()
        db.session.commit()
        moment = datetime.now(ZoneInfo(SITES[0][3])).astimezone(UTC)
        build_practice(assistants, moment)
        # More managers, each at every site (the practice has one).
        first_id = db.session.scalar(select(db.func.max(Person.id))) + 1
        site_ids = list(db.session.scalars(select(Site.id)))
        db.session.execute(
            insert(Person),
            [
                {"id": first_id + k, "email": f"manager{k:02d}@bench.example.org",
                 "name": f"Manager {k:02d}", "role": Role.manager, "active": True,
                 "can_validate": False, "job_level": None}
                for k in range(MANAGERS)
            ],
        )  # fmt: skip
        db.session.execute(
            insert(person_sites),
            [{"person_id": first_id + k, "site_id": s} for k in range(MANAGERS) for s in site_ids],
        )
        if db.engine.dialect.name == "postgresql":  # rows were given their ids: move on
            for table in ("people", "sites"):
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        people = db.session.scalars(
            select(Person).where(Person.active, Person.role.in_([Role.assistant, Role.manager]))
        ).all()
        users = {"assistant": [], "manager": [], "providers": [], "tasks": []}
        for person in people:
            if person.role == Role.manager or len(users["assistant"]) < 60:
                person.set_password(PASSWORD)
                users[person.role.value].append([person.id, person.email])
        users["providers"] = [
            pid
            for pid in db.session.scalars(
                select(person_sites.c.person_id)
                .join(Person, Person.id == person_sites.c.person_id)
                .join(Site, Site.id == person_sites.c.site_id)
                .where(Person.role == Role.provider, Site.code == "main")
            )
        ]
        users["assistants_at_main"] = [a for a, _ in users["assistant"]]
        from tracker.catalog.models import Task
        from tracker.vocabulary import TaskKind

        users["tasks"] = list(
            db.session.scalars(select(Task.code).where(Task.kind != TaskKind.reserved))
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    (folder / USERS_FILE).write_text(json.dumps(users))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, workers: int, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "LOAD_DATABASE_URL": url,
        # One random key for every worker of this run (production refuses a guessable one).
        "LOAD_SECRET_KEY": secrets.token_urlsafe(48),
        "STATIC_CACHE_DIR": str(ROOT / "instance" / "static-cache"),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--chdir", str(ROOT / "bench"), "--log-level", "warning", "load:server_app()"],
        env=env,
    )  # fmt: skip
    # The port answers as soon as gunicorn binds it; wait until every worker has made its
    # app and answers (one /healthz per worker, each answered within the deadline).
    deadline = time.monotonic() + 120
    answered = 0
    while time.monotonic() < deadline and answered < workers:
        if server.poll() is not None:
            raise SystemExit("bench: gunicorn did not start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as reply:
                answered += reply.status == 200
        except OSError:
            time.sleep(0.5)
    if answered < workers:
        server.terminate()
        raise SystemExit("bench: gunicorn did not answer within 120 s")
    return server


# --------------------------------------------------------------------------- the users


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if found is None:
        raise ValueError("no CSRF token on the page")
    return found.group(1)


def run_load(host: str, users: dict, count: int, seconds: int) -> dict:
    """Locust, headless, as a library; returns the figures."""
    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment
    from locust.log import setup_logging

    setup_logging("WARNING")  # a user's exception is printed, not lost

    assistants = iter(users["assistant"] * 10)
    managers = iter(users["manager"] * 10)
    tasks, providers = users["tasks"], users["providers"]
    main_assistants = users["assistants_at_main"]

    class Person(HttpUser):
        abstract = True
        wait_time = between(0.5, 2.0)
        accounts = None

        def on_start(self):
            self.person_id, email = next(self.accounts)
            page = self.client.get("/login", name="GET /login")
            self.client.post(
                "/login",
                data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
                name="POST /login",
            )

        @task(3)
        def home(self):
            self.client.get("/", name="GET /")

    class Assistant(Person):
        weight = 7
        accounts = assistants

        @task(6)
        def may_i(self):
            page = self.client.get("/may-i", name="GET /may-i")
            self.client.post(
                "/may-i",
                data={
                    "csrf_token": csrf_token(page.text),
                    "assistant_id": self.person_id,
                    "task_code": random.choice(tasks),
                    "site_code": "main",
                    "at": "",
                },
                name="POST /may-i",
            )

        @task(1)
        def training_file(self):
            self.client.get("/staff/me", name="GET /staff/me")

    class Manager(Person):
        weight = 3
        accounts = managers

        @task(2)
        def matrix(self):
            self.client.get("/matrix?site=main", name="GET /matrix")

        @task(2)
        def finder(self):
            self.client.get(
                f"/eligible?task={random.choice(tasks)}&site=main", name="GET /eligible"
            )

        @task(2)
        def record_delegation(self):
            page = self.client.get("/delegations/new", name="GET /delegations/new")
            when = datetime.now(ZoneInfo("America/Los_Angeles")) + timedelta(days=1)
            self.client.post(
                "/delegations/new",
                data={
                    "csrf_token": csrf_token(page.text),
                    "assistant_id": random.choice(main_assistants),
                    "task_code": random.choice(tasks),
                    "site_code": "main",
                    "scheduled_for": when.strftime("%Y-%m-%dT%H:%M"),
                    "delegated_by_id": random.choice(providers),
                    "notes": "load test",
                },
                name="POST /delegations/new",
            )

    env = Environment(user_classes=[Assistant, Manager], host=host)
    runner = env.create_local_runner()
    runner.start(count, spawn_rate=count / 5)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()

    total = env.stats.total

    def figures(entry) -> dict:
        return {
            "requests": entry.num_requests,
            "errors": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }

    return {
        **figures(total),
        "users": count,
        "seconds": seconds,
        "error_kinds": {str(e.error)[:120]: e.occurrences for e in env.stats.errors.values()},
        "by_request": {
            name: figures(entry) for (name, _method), entry in sorted(env.stats.entries.items())
        },
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--assistants", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--database", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)  # the seeding child process
    args = parser.parse_args(argv)
    if args.seed_into:
        seed(args.database, args.assistants, Path(args.seed_into))
        return

    import tempfile

    with tempfile.TemporaryDirectory(prefix="tracker-load-") as folder:
        # Seeding runs in its own process: Locust patches the standard library (gevent) as
        # it is imported, which the app's database driver should not see half-way.
        subprocess.run(
            [sys.executable, __file__, "--database", args.database,
             "--assistants", str(args.assistants), "--seed-into", folder],
            check=True,
        )  # fmt: skip
        users = json.loads((Path(folder) / USERS_FILE).read_text())
        port = free_port()
        server = start_gunicorn(args.database, args.workers, port)
        try:
            result = run_load(f"http://127.0.0.1:{port}", users, args.users, args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    load = os.getloadavg()
    print(json.dumps({**result, "workers": args.workers, "assistants": args.assistants,
                      "database": "postgresql", "load_average": [round(x, 2) for x in load],
                      "cpus": os.cpu_count()}))  # fmt: skip


if __name__ == "__main__":
    main()
