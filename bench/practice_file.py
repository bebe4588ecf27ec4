"""Benchmark the practice file: export a large practice, import it into an empty database.

    .venv/bin/python bench/practice_file.py [--assistants N]

Builds bench/decisions.py's synthetic practice (every assistant with competencies,
credentials, supervision; providers with licenses and shifts) in a temporary SQLite file,
exports it, then imports the exported file into a second, empty SQLite file, then imports
it there again (nothing changes). Prints ONE JSON line: seconds and SQL statements of each
step (``*_queries``, counted by a before_cursor_execute listener), the records per section,
and what the second import counted. Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time as clock
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import time_machine  # noqa: E402
from decisions import SITES, BenchConfig, build_practice  # noqa: E402
from sqlalchemy import event  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.catalog.services import ensure_catalog  # noqa: E402
from tracker.extensions import db  # noqa: E402

try:
    from tracker.practice_file.exporter import export_practice  # noqa: E402
    from tracker.practice_file.importer import import_practice  # noqa: E402
except ImportError:  # an older tree, before the practice file was split
    from tracker.practice_file.services import export_practice, import_practice  # noqa: E402


@contextmanager
def counting(engine):
    """Count the SQL statements run inside the block."""
    seen = {"n": 0}

    def count(*_):
        seen["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _drop_refused(data: dict) -> int:
    """Leave out the entries the importer refuses (the synthetic practice keeps some mess).

    Returns how many were left out; works with either refusal type (each problem's text
    starts with its place, ``competencies[12].expires_on: ...``).
    """
    dropped = 0
    for _ in range(5):
        try:
            import_practice(data)
        except Exception as exc:  # Refused before the change, Refused after
            db.session.rollback()
            problems = getattr(exc, "problems", None)
            if problems is None:
                raise
            places = set()
            for problem in problems:
                match = re.match(r"^(\w+)\[(\d+)\]", str(problem))
                if match:
                    places.add((match.group(1), int(match.group(2))))
            if not places:
                raise
            for section in {name for name, _ in places}:
                data[section] = [
                    e for i, e in enumerate(data[section]) if (section, i) not in places
                ]
            dropped += len(places)
        else:
            db.session.rollback()
            return dropped
    raise RuntimeError("the exported file keeps being refused")


def _app(folder: str, name: str):
    url = f"sqlite:///{os.path.join(folder, name)}"
    return create_app(type("Bench", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assistants", type=int, default=1000)
    parser.add_argument(
        "--keep", help="JSON file: the importable export is written there, or read if it exists"
    )
    args = parser.parse_args(argv)
    out: dict = {"assistants": args.assistants}

    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        source = _app(folder, "source.sqlite")
        with source.app_context():
            db.create_all()
            ensure_catalog()
            db.session.commit()
            zone = ZoneInfo(SITES[0][3])
            day = datetime.now(zone).date() + timedelta(days=7)
            moment = datetime.combine(day, time(10, 30), zone).astimezone(UTC)
            build_practice(args.assistants, moment)
            db.session.commit()
            db.session.expunge_all()
            with counting(db.engine) as queries:
                started = clock.perf_counter()
                data = export_practice()
                out["export_seconds"] = round(clock.perf_counter() - started, 3)
            out["export_queries"] = queries["n"]
            db.session.remove()
            db.engine.dispose()
        data = json.loads(json.dumps(data))  # as read from the file

        target = _app(folder, "target.sqlite")
        # The synthetic practice signs off up to a month after its moment (a week ahead):
        # import two months on, so that no sign-off or verification is in the future.
        later = time_machine.travel(datetime.now(UTC) + timedelta(days=60), tick=True)
        with target.app_context(), later:
            db.create_all()
            ensure_catalog()
            db.session.commit()
            if args.keep and os.path.exists(args.keep):
                with open(args.keep, encoding="utf-8") as kept:
                    data = json.load(kept)
                out["file"] = args.keep
            else:
                out["entries_left_out"] = _drop_refused(data)
                if args.keep:
                    with open(args.keep, "w", encoding="utf-8") as kept:
                        json.dump(data, kept)
            out["records"] = {n: len(v) for n, v in data.items() if isinstance(v, list)}
            for step in ("import", "reimport"):
                with counting(db.engine) as queries:
                    started, cpu = clock.perf_counter(), clock.process_time()
                    counts, warnings = import_practice(data)
                    db.session.commit()
                    out[f"{step}_seconds"] = round(clock.perf_counter() - started, 3)
                    out[f"{step}_cpu_seconds"] = round(clock.process_time() - cpu, 3)
                out[f"{step}_queries"] = queries["n"]
                out[f"{step}_warnings"] = len(warnings)
                db.session.expunge_all()
            out["reimport_counts"] = {
                name: dict(tally) for name, tally in sorted(counts.items()) if tally
            }
            db.session.remove()
            db.engine.dispose()
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
