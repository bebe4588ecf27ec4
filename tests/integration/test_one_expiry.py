"""A competency's expiry reads the same on every surface (DESIGN section 13).

A property over generated practices (sites, assistants at some of them, policies for a task
at a site or practice-wide, for some job levels, some replacing others on a day, and
competencies with their own dates and revocations): for every competency, the training file
(the API's, which the page and the print read through the same ``competency_lines``), the
competency pages' lines, the expiring list (its API and CSV, which the page, the CLI, the
dashboard and the reminders read through the same ``expiring_items``), the dashboard's
months and the reminders all give the same date, per site where the sites' policies differ
and the earliest (naming its site) on lists; and the decision at each site counts the
competency on that date and not on the day after.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from tracker.audit.services import CLI
from tracker.catalog.services import ensure_catalog
from tracker.competencies import services as competency_services
from tracker.competencies.models import Competency
from tracker.decision.facts import load_facts
from tracker.decision.models import STAMP_TABLE
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.rule.values import ProblemCode
from tracker.staff.models import Person

#: Friday 2026-11-20, 09:00 in Los Angeles (the first site's zone: the practice's today).
NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
SITES = [
    {"code": "main", "name": "Main St", "state": "CA", "timezone": "America/Los_Angeles"},
    {"code": "north", "name": "North", "state": "TX", "timezone": "America/Chicago"},
    {"code": "east", "name": "East", "state": "NY", "timezone": "America/New_York"},
]
ZONES = {s["code"]: ZoneInfo(s["timezone"]) for s in SITES}
NAMES = {s["code"]: s["name"] for s in SITES}
TASKS = ["injection", "venipuncture", "xray"]
LEVELS = ["CMA", "MA I"]
ADMIN = "admin@example.org"
LEE = "dr.lee@example.org"
#: The furthest the expiring list looks (MAX_EXPIRING_DAYS).
LOOK_AHEAD = TODAY + timedelta(days=366)
#: Far enough that a competency with no expiry is asked about after every policy's dates.
FAR = TODAY + timedelta(days=3000)
LAPSED = {ProblemCode.expired, ProblemCode.revoked}


def offsets(low: int, high: int):
    return st.integers(low, high).map(lambda n: TODAY + timedelta(days=n))


@st.composite
def policies(draw):
    """Policies for some (task, site, job levels): one, or two where the second takes over
    from the first on a day (they may not overlap)."""
    out = []
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(TASKS),
                st.sampled_from([None, "main", "north", "east"]),
                st.sampled_from([(), ("CMA",), ("MA I",)]),
            ),
            max_size=5,
            unique=True,
        )
    )
    months = st.sampled_from([None, 1, 6, 12, 24])
    for task, site, levels in keys:
        start = draw(st.none() | offsets(-900, 200))
        turn = draw(st.none() | offsets(-600, 500))
        if start is not None and turn is not None and turn < start:
            start, turn = turn, start
        entry = {
            "task": task, "job_levels": list(levels), "site": site, "authorized": True,
            "requires_credentials": [], "supervision": "available", "document": "Policy",
        }  # fmt: skip
        first = {
            **entry,
            "competency_valid_months": draw(months),
            "effective_from": start.isoformat() if start else None,
            "effective_to": turn.isoformat() if turn else None,
        }
        out.append(first)
        if turn is not None and draw(st.booleans()):
            out.append(
                {
                    **entry,
                    "competency_valid_months": draw(months),
                    "effective_from": (turn + timedelta(days=1)).isoformat(),
                    "effective_to": None,
                }
            )
    return out


@st.composite
def practices(draw):
    assistants = []
    competencies = []
    for n in range(draw(st.integers(1, 3))):
        email = f"ma{n}@example.org"
        assistants.append(
            {
                "email": email, "name": f"Assistant {n}", "role": "assistant",
                "job_level": draw(st.sampled_from([None, *LEVELS])),
                "sites": draw(st.lists(st.sampled_from(["main", "north", "east"]),
                                       min_size=1, unique=True)),
            }
        )  # fmt: skip
        for task in draw(st.lists(st.sampled_from(TASKS), unique=True)):
            validated = draw(offsets(-900, 0))
            expires = draw(st.none() | st.integers(0, 900))
            expires = expires if expires is None else validated + timedelta(expires)
            revoked = draw(st.none() | st.integers(1, 900))
            revoked = revoked if revoked is None else validated + timedelta(revoked)
            competencies.append(
                {
                    "person": email, "task": task, "trained_on": validated.isoformat(),
                    "training_hours": 20, "validated_on": validated.isoformat(),
                    "validated_by": LEE, "expires_on": expires and expires.isoformat(),
                    "prior_employer": False, "revoked_on": revoked and revoked.isoformat(),
                    "evidence": "",
                }
            )  # fmt: skip
    return {
        "practice": {"name": "Generated"},
        "sites": SITES,
        "people": [
            {
                "email": LEE,
                "name": "Dr. Lee",
                "role": "provider",
                "can_validate": True,
                "sites": ["main", "north", "east"],
            },
            {"email": ADMIN, "name": "Ada Admin", "role": "admin", "sites": ["main"]},
            *assistants,
        ],  # fmt: skip
        "licenses": [
            {"person": LEE, "type": "MD", "number": f"{s}-1", "state": s, "expires_on": None}
            for s in ("CA", "TX", "NY")
        ],
        "policies": draw(policies()),
        "competencies": competencies,
    }


def _wipe() -> None:
    """Every row gone (the catalog put back), between two generated practices."""
    db.session.remove()
    tables = [t for t in db.metadata.sorted_tables if t.name != STAMP_TABLE]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())
    ensure_catalog()
    db.session.commit()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _noon(day: date, site: str) -> datetime:
    return datetime.combine(day, time(12), ZONES[site]).astimezone(UTC)


def _surfaces(client, token: str) -> dict:
    """What each surface says of each competency, by competency id."""
    auth = {"Authorization": f"Bearer {token}"}
    people = db.session.scalars(
        select(Person).where(Person.role == "assistant").options(selectinload(Person.sites))
    ).all()
    training_file = {}
    for person in people:
        answer = client.get(f"/api/v1/people/{person.email}/training-file", headers=auth)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        for comp in answer.get_json()["competencies"]:
            training_file[comp["id"]] = comp
    comps = db.session.scalars(
        select(Competency).options(
            selectinload(Competency.person).selectinload(Person.sites),
            selectinload(Competency.task),
        )
    ).all()
    pages = {line.record.id: line for line in competency_services.lines_for(list(comps), TODAY, 60)}
    listed = client.get("/api/v1/expiring?days=366", headers=auth)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    body = listed.get_json()
    expiring = {
        i["record_id"]: i for i in [*body["items"], *body["no_expiry"]] if i["kind"] == "competency"
    }
    exported = client.get("/reports/expiring.csv?days=366")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    csv_rows = {}
    for row in rows:
        if row["kind"] == "competency":
            csv_rows.setdefault((row["person_email"], row["what"]), []).append(row)
    return {
        "training_file": training_file,
        "pages": pages,
        "expiring": expiring,
        "csv": csv_rows,
        "competencies": comps,
    }


@pytest.mark.parametrize("examples", [25])
def test_every_surface_gives_the_same_expiry_and_the_decision_keeps_to_it(app, examples):
    from tracker.api.tokens import create_token
    from tracker.reminders.services import plan_reminders
    from tracker.reports.charts import expiring_by_month

    client = app.test_client()
    # One sign-in per generated practice (and more while shrinking): no throttle here.
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "9999/minute"

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(practice=practices())
    def check(practice):
        with app.app_context():
            _wipe()
            import_practice(practice, actor=CLI)
            admin = db.session.scalar(select(Person).where(Person.email == ADMIN))
            admin.set_password("correct-horse-battery")
            token, _ = create_token(admin, "t", ["read"], None, CLI)
            db.session.commit()
        client.post("/logout")
        signed = client.post("/login", data={"email": ADMIN, "password": "correct-horse-battery"})
        assert signed.status_code == 302
        with app.app_context():
            seen = _surfaces(client, token)
            book = load_facts()
            reminded = {}
            for mail in plan_reminders(TODAY, NOW):
                for item in (i for s in mail.sections for i in s.items):
                    if item.key.startswith("competency:"):
                        _, comp_id, day = item.key.split(":")
                        said = (date.fromisoformat(day), item.text)
                        reminded.setdefault(int(comp_id), set()).add(said)
            months = {month: counts["competency"] for month, counts in expiring_by_month(TODAY)}
            expected_months: Counter = Counter()
            for comp in seen["competencies"]:
                person = comp.person
                file_entry = seen["training_file"][comp.id]
                line = seen["pages"][comp.id]
                by_site = {e["site"]: _day(e["expires_on"]) for e in file_entry["expiry_by_site"]}
                # The training file and the competency pages: each site's date, the same.
                assert by_site == {s.expiry.site: s.on for s in line.by_site}
                assert set(by_site) == {s.code for s in person.sites}
                earliest = min(by_site.values(), key=lambda d: (d is None, d or date.min))
                varies = len(set(by_site.values())) > 1
                assert _day(file_entry["expires_on"]) == line.expires_on == earliest
                sites_at_earliest = {s for s, d in by_site.items() if d == earliest}
                if varies:
                    assert file_entry["expiry_site"] in sites_at_earliest
                else:
                    assert file_entry["expiry_site"] is None
                # The decision at each site: counts on the date, not on the day after.
                for site, last in by_site.items():
                    if last is None:
                        far = _judged(book, comp, site, FAR)
                        assert far.met, far.reason
                        continue
                    on = _judged(book, comp, site, last)
                    assert not LAPSED & set(on.codes), (site, last, on.reason)
                    assert on.met is (comp.validated_on <= last), on.reason
                    after = _judged(book, comp, site, last + timedelta(days=1))
                    assert not after.met and LAPSED & set(after.codes), (site, last, after.reason)
                    if ProblemCode.expired in after.codes:
                        assert f"expired on {last}" in after.reason
                # Lists: the earliest, naming its site when the sites differ.
                listed = (comp.revoked_on is None or comp.revoked_on > TODAY) and (
                    earliest is None or earliest <= LOOK_AHEAD
                )
                item = seen["expiring"].get(comp.id)
                assert (item is not None) is listed, (comp.id, item)
                if item is None:
                    assert comp.id not in reminded
                    continue
                assert _day(item["expires_on"]) == earliest
                assert item["expiry_site"] == file_entry["expiry_site"]
                [row] = seen["csv"][(person.email, f"{comp.task.name} competency")]
                assert _day(row["expires_on"]) == earliest
                assert row["expiry_site"] == (file_entry["expiry_site"] or "")
                # Reminders: within 60 days or expired within the last 30, that date.
                due = earliest is not None and -30 <= (earliest - TODAY).days <= 60
                assert (comp.id in reminded) is due, (comp.id, earliest, reminded.get(comp.id))
                for day, words in reminded.get(comp.id, ()):
                    assert day == earliest
                    if varies:
                        assert f"at {NAMES[file_entry['expiry_site']]}" in words
                if earliest is not None and earliest >= TODAY:
                    expected_months[earliest.replace(day=1)] += 1
            # The dashboard's months: as many competencies expiring as the lists say.
            assert months == {m: expected_months.get(m, 0) for m in months}

    with time_machine.travel(NOW, tick=False):
        check()


def _judged(book, comp: Competency, site: str, day: date):
    """The competency condition of the decision at noon on the day at the site."""
    decision = book.decide(comp.person.email, comp.task.code, site, _noon(day, site))
    return next(c for c in decision.conditions if c.condition == "competency")


def _practice_of(assistants: int) -> dict:
    """Assistants at two sites whose policies give their competencies different dates."""
    people = [
        {"email": f"ma{n}@example.org", "name": f"Assistant {n}", "role": "assistant",
         "job_level": "CMA", "sites": ["main", "north"]}
        for n in range(assistants)
    ]  # fmt: skip
    policies = [
        {"task": "injection", "job_levels": [], "site": site, "authorized": True,
         "requires_credentials": [], "supervision": "available", "document": "Policy",
         "competency_valid_months": months, "effective_from": "2025-01-01",
         "effective_to": None}
        for site, months in (("main", 12), ("north", 24))
    ]  # fmt: skip
    competencies = [
        {"person": p["email"], "task": "injection", "training_hours": 20,
         "validated_on": "2026-01-05", "validated_by": LEE, "expires_on": None,
         "prior_employer": False, "revoked_on": None, "evidence": ""}
        for p in people
    ]  # fmt: skip
    return {
        "sites": SITES,
        "people": [
            {
                "email": LEE,
                "name": "Dr. Lee",
                "role": "provider",
                "can_validate": True,
                "sites": ["main", "north", "east"],
            },
            *people,
        ],  # fmt: skip
        "licenses": [
            {"person": LEE, "type": "MD", "number": "CA-1", "state": "CA", "expires_on": None}
        ],  # fmt: skip
        "policies": policies,
        "competencies": competencies,
    }


def test_the_bulk_surfaces_compute_expiries_in_a_fixed_number_of_queries(app):
    """The expiring list (page, CSV, API, dashboard), the matrix and the reminders load the
    policies once and work out every expiry in memory."""
    from tests.conftest import recording_statements
    from tracker.decision.matrix import build_matrix
    from tracker.reminders.services import plan_reminders
    from tracker.training.queries import expiring_items

    def statements(assistants: int) -> dict[str, int]:
        with app.app_context():
            _wipe()
            import_practice(_practice_of(assistants), actor=CLI)
            db.session.commit()
            comps = db.session.scalars(
                select(Competency).options(
                    selectinload(Competency.person).selectinload(Person.sites),
                    selectinload(Competency.task),
                )
            ).all()
            counts = {}
            surfaces = {
                "expiring": lambda: expiring_items(TODAY, 366),
                "matrix": lambda: build_matrix("main", NOW),
                "reminders": lambda: plan_reminders(TODAY, NOW),
                "competency pages": lambda: competency_services.lines_for(list(comps), TODAY, 60),
            }
            for name, read in surfaces.items():
                with recording_statements(db.engine) as run:
                    result = read()
                counts[name] = len(run)
            # Each competency is on the list with main's date, naming the site.
            items = [i for i in expiring_items(TODAY, 366).due if i.kind == "competency"]
            assert len(items) == assistants and result
            assert {(i.expires_on, i.site_code) for i in items} == {(date(2027, 1, 5), "main")}
            return counts

    with time_machine.travel(NOW, tick=False):
        assert statements(2) == statements(20)
