"""Where the time goes: a pyinstrument profile of the self-check or of the matrix.

    .venv/bin/pip install -e ".[test,bench]"     # pyinstrument
    .venv/bin/python bench/profile.py selfcheck [--assistants 300] [--requests 300]
    .venv/bin/python bench/profile.py matrix [--assistants 2000]

Builds bench/decisions.py's synthetic practice in a temporary SQLite file, warms the path
up, then prints pyinstrument's call tree of ``--requests`` self-checks (``POST /may-i`` as
a signed-in assistant, facts kept) or of one ``build_matrix`` at the main site. A tool for
finding what to cut, not a figure: the figures are bench/decisions.py's.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from decisions import MAIN, PASSWORD, SITES, BenchConfig, build_practice  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.catalog.services import ensure_catalog  # noqa: E402
from tracker.decision.matrix import build_matrix  # noqa: E402
from tracker.extensions import db  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["selfcheck", "matrix"])
    parser.add_argument("--assistants", type=int, default=None)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    assistants = args.assistants or (300 if args.what == "selfcheck" else 2000)
    logging.getLogger("tracker.requests").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="tracker-profile-") as folder:
        url = f"sqlite:///{os.path.join(folder, 'profile.sqlite')}"
        app = create_app(type("Profile", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        zone = ZoneInfo(SITES[0][3])
        day = datetime.now(zone).date() + timedelta(days=7)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        moment = datetime.combine(day, time(10, 30), zone).astimezone(UTC)
        with app.app_context():
            db.create_all()
            ensure_catalog()
            db.session.commit()
            practice = build_practice(assistants, moment)
            if args.what == "matrix":
                build_matrix(MAIN, moment)  # warm
                profiler = Profiler(interval=0.0005)
                with profiler:
                    build_matrix(MAIN, moment)
                print(profiler.output_text(color=False, unicode=False))
                return
            db.session.remove()
        client = app.test_client()
        client.post("/login", data={"email": practice["assistant_email"], "password": PASSWORD})
        local = moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
        tasks = practice["delegable"]

        def self_check(i: int) -> None:
            response = client.post("/may-i", data={
                "assistant_id": practice["assistant_id"], "task_code": tasks[i % len(tasks)],
                "site_code": MAIN, "at": local,
            })  # fmt: skip
            if response.status_code != 200:
                raise SystemExit(f"profile: POST /may-i answered {response.status_code}")

        for i in range(30):
            self_check(i)
        profiler = Profiler(interval=0.0002)
        with profiler:
            for i in range(args.requests):
                self_check(i)
        print(profiler.output_text(color=False, unicode=False))


if __name__ == "__main__":
    main()
