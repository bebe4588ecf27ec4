"""A believable demo practice, with dates relative to today so it never goes stale.

Loaded through the practice-file import, so the demo exercises the same path as real data.
The state-rule citations are illustrative; a real practice verifies its own.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from sqlalchemy import func, select

from tracker import dates
from tracker.audit.services import CLI
from tracker.auth.services import set_password
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.staff.models import Person

DEMO_PASSWORD = "demo-password-2026"

SITES = [
    {"code": "main", "name": "Main Street Clinic", "state": "CA",
     "timezone": "America/Los_Angeles"},
    {"code": "austin", "name": "Austin North", "state": "TX", "timezone": "America/Chicago"},
    {"code": "albany", "name": "Albany Family Care", "state": "NY",
     "timezone": "America/New_York"},
]  # fmt: skip

PEOPLE = [
    ("admin@demo.clinic", "Alex Admin", "admin", None, ["main", "austin", "albany"], False),
    ("manager@demo.clinic", "Morgan Reyes", "manager", None, ["main", "austin", "albany"], False),
    ("compliance@demo.clinic", "Casey Brooks", "compliance", None,
     ["main", "austin", "albany"], False),
    ("dr.lee@demo.clinic", "Dr. Jordan Lee", "provider", None, ["main"], True),
    ("dr.patel@demo.clinic", "Dr. Priya Patel", "provider", None, ["austin"], True),
    ("np.okafor@demo.clinic", "Ngozi Okafor, NP", "provider", None, ["albany", "main"], True),
    ("ana@demo.clinic", "Ana Ruiz", "assistant", "CMA", ["main"], False),
    ("ben@demo.clinic", "Ben Carter", "assistant", "MA I", ["main"], False),
    ("chloe@demo.clinic", "Chloe Nguyen", "assistant", "CMA", ["austin"], False),
    ("diego@demo.clinic", "Diego Santos", "assistant", "MA II", ["austin", "main"], False),
    ("emma@demo.clinic", "Emma Walsh", "assistant", "RMA", ["albany"], False),
    ("farah@demo.clinic", "Farah Haddad", "assistant", "MA I", ["albany"], False),
    ("grace@demo.clinic", "Grace Kim", "assistant", "CMA", ["main"], False),
    ("hank@demo.clinic", "Hank Morris", "assistant", "MA I", ["austin"], False),
]  # fmt: skip

CLINICAL_DEMO_TASKS = [
    "vital-signs", "patient-history", "room-prep", "specimen-collection", "venipuncture",
    "injection", "point-of-care-test", "relay-instructions", "ear-lavage", "suture-removal",
]  # fmt: skip


def build_demo_file(today: date) -> dict:
    """The demo practice as a practice file, anchored on ``today``."""

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    people = [
        {"email": e, "name": n, "role": r, "job_level": j, "sites": s, "can_validate": v}
        for e, n, r, j, s, v in PEOPLE
    ]
    # The lead MA at Main Street is an approved observer.
    people[6]["can_validate"] = True
    licenses = [
        {"person": "dr.lee@demo.clinic", "type": "MD", "number": "CA-A123456", "state": "CA",
         "expires_on": d(400)},
        {"person": "dr.patel@demo.clinic", "type": "DO", "number": "TX-P55012", "state": "TX",
         "expires_on": d(45)},
        {"person": "np.okafor@demo.clinic", "type": "NP", "number": "NY-F330912", "state": "NY",
         "expires_on": d(700)},
        {"person": "np.okafor@demo.clinic", "type": "NP", "number": "CA-95021", "state": "CA",
         "expires_on": d(-20)},
    ]  # fmt: skip
    credentials = [
        {"person": "ana@demo.clinic", "type": "CMA", "number": "CMA-10293", "issuer": "AAMA",
         "issued_on": d(-900), "expires_on": d(900), "verified_on": d(-880)},
        {"person": "chloe@demo.clinic", "type": "CMA", "number": "CMA-55120", "issuer": "AAMA",
         "issued_on": d(-1700), "expires_on": d(40), "verified_on": d(-1690)},
        {"person": "emma@demo.clinic", "type": "RMA", "number": "RMA-7781", "issuer": "AMT",
         "issued_on": d(-400), "expires_on": d(1400), "verified_on": None},
        {"person": "grace@demo.clinic", "type": "CMA", "number": "CMA-88231", "issuer": "AAMA",
         "issued_on": d(-1900), "expires_on": d(-15), "verified_on": d(-1880)},
        {"person": "diego@demo.clinic", "type": "limited-scope x-ray permit",
         "number": "XT-4410", "issuer": "CDPH-RHB", "issued_on": d(-300),
         "expires_on": d(430), "verified_on": d(-290)},
    ]  # fmt: skip
    state_rules = []
    for task in CLINICAL_DEMO_TASKS:
        state_rules.append({
            "state": "CA", "task": task, "status": "permitted", "requires_credentials": [],
            "min_training_hours": 10 if task in ("injection", "venipuncture") else 0,
            "supervision": "on_site" if task in ("injection", "venipuncture") else "available",
            "citation": "Cal. Bus. & Prof. Code 2069-2071; 16 CCR 1366",
            "verified_on": d(-120),
        })  # fmt: skip
        state_rules.append({
            "state": "TX", "task": task, "status": "permitted", "requires_credentials": [],
            "min_training_hours": None, "supervision": "available",
            "citation": "Tex. Occ. Code 157.001 (delegation by physician)",
            "verified_on": d(-420),
        })  # fmt: skip
        ny_prohibited = task in ("injection", "venipuncture")
        state_rules.append({
            "state": "NY", "task": task,
            "status": "prohibited" if ny_prohibited else "permitted",
            "requires_credentials": [], "min_training_hours": None,
            "supervision": "on_site",
            "citation": "N.Y. Educ. Law 6527 and State Education Department guidance",
            "verified_on": d(-60),
        })  # fmt: skip
    state_rules.append({
        "state": "CA", "task": "xray", "status": "permitted",
        "requires_credentials": ["limited-scope x-ray permit"], "min_training_hours": None,
        "supervision": "on_site", "citation": "Cal. Health & Safety Code 106965",
        "verified_on": d(-200),
    })  # fmt: skip
    policies = [
        {"task": task, "job_levels": [], "site": None, "authorized": True,
         "requires_credentials": [], "supervision": "available",
         "competency_valid_months": 24, "document": "Clinical Task Policy v3",
         "effective_from": d(-365), "effective_to": None}
        for task in CLINICAL_DEMO_TASKS if task not in ("injection", "venipuncture")
    ]  # fmt: skip
    policies += [
        {"task": "injection", "job_levels": ["CMA", "MA II", "RMA"], "site": None,
         "authorized": True, "requires_credentials": [], "supervision": "on_site",
         "competency_valid_months": 12, "document": "Clinical Task Policy v3",
         "effective_from": d(-365), "effective_to": None},
        {"task": "injection", "job_levels": ["MA I"], "site": None, "authorized": False,
         "requires_credentials": [], "supervision": "on_site", "competency_valid_months": 12,
         "document": "Clinical Task Policy v3", "effective_from": d(-365), "effective_to": None},
        {"task": "venipuncture", "job_levels": [], "site": None, "authorized": True,
         "requires_credentials": [], "supervision": "on_site", "competency_valid_months": 12,
         "document": "Clinical Task Policy v3", "effective_from": d(-365), "effective_to": None},
        {"task": "xray", "job_levels": [], "site": "main", "authorized": True,
         "requires_credentials": ["limited-scope x-ray permit"], "supervision": "on_site",
         "competency_valid_months": 12, "document": "Imaging Policy v1",
         "effective_from": d(-200), "effective_to": None},
    ]  # fmt: skip
    for task in ("scheduling", "records-entry", "billing-insurance"):
        policies.append({
            "task": task, "job_levels": [], "site": None, "authorized": True,
            "requires_credentials": [], "supervision": "none", "competency_valid_months": None,
            "document": "Front Office Policy v2", "effective_from": d(-365), "effective_to": None,
        })  # fmt: skip

    def comp(person, task, validated, by, hours=12, expires=None, revoked=None, prior=False,
             evidence="Skills checklist observed"):  # fmt: skip
        return {
            "person": person, "task": task, "trained_on": d(validated - 7),
            "training_hours": hours, "validated_on": None if prior else d(validated),
            "validated_by": None if prior else by, "expires_on": expires,
            "prior_employer": prior, "revoked_on": revoked, "evidence": evidence,
        }  # fmt: skip

    lee, patel, okafor = "dr.lee@demo.clinic", "dr.patel@demo.clinic", "np.okafor@demo.clinic"
    competencies = [
        comp("ana@demo.clinic", "injection", -200, lee),
        comp("ana@demo.clinic", "vital-signs", -300, lee),
        comp("ana@demo.clinic", "venipuncture", -340, lee),  # expiring within 60 days
        comp("ana@demo.clinic", "specimen-collection", -90, lee),
        comp("ben@demo.clinic", "vital-signs", -100, "ana@demo.clinic"),
        comp("ben@demo.clinic", "room-prep", -100, "ana@demo.clinic"),
        comp("ben@demo.clinic", "injection", -500, lee),  # expired
        comp("chloe@demo.clinic", "injection", -60, patel),
        comp("chloe@demo.clinic", "vital-signs", -60, patel),
        comp("diego@demo.clinic", "xray", -120, lee),
        comp("diego@demo.clinic", "vital-signs", -30, patel),
        comp("emma@demo.clinic", "vital-signs", -45, okafor),
        comp("emma@demo.clinic", "point-of-care-test", -45, okafor),
        comp("farah@demo.clinic", "vital-signs", 0, None, prior=True,
             evidence="Training record from previous employer"),
        comp("grace@demo.clinic", "injection", -150, lee, revoked=d(-10),
             evidence="Revoked after a medication-error review"),
        comp("grace@demo.clinic", "vital-signs", -150, lee),
        comp("hank@demo.clinic", "room-prep", -20, patel, hours=4),
    ]  # fmt: skip
    monday = today - timedelta(days=today.weekday())
    supervision = [
        {"assistant": a, "provider": p, "site": s, "starts_on": d(-365), "ends_on": None}
        for a, p, s in [
            ("ana@demo.clinic", lee, "main"), ("ben@demo.clinic", lee, "main"),
            ("grace@demo.clinic", lee, "main"), ("diego@demo.clinic", lee, "main"),
            ("chloe@demo.clinic", patel, "austin"), ("diego@demo.clinic", patel, "austin"),
            ("hank@demo.clinic", patel, "austin"), ("emma@demo.clinic", okafor, "albany"),
            ("farah@demo.clinic", okafor, "albany"),
        ]
    ]  # fmt: skip
    zones = {s["code"]: ZoneInfo(s["timezone"]) for s in SITES}
    shifts = []
    for offset in range(14):  # this week and next, so upcoming delegations have cover
        day = monday + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for provider, site in ((lee, "main"), (patel, "austin"), (okafor, "albany")):
            start = datetime.combine(day, time(8), zones[site])
            end = datetime.combine(day, time(17), zones[site])
            shifts.append({"provider": provider, "site": site,
                           "starts_at": start.isoformat(), "ends_at": end.isoformat()})  # fmt: skip
    return {
        "practice": {"name": "Valley Family Medicine (demo)"},
        "sites": SITES,
        "people": people,
        "tasks": [{"code": "spirometry", "name": "Spirometry", "kind": "clinical"}],
        "licenses": licenses,
        "credentials": credentials,
        "state_rules": state_rules,
        "policies": policies,
        "competencies": competencies,
        "supervision": supervision,
        "shifts": shifts,
    }


#: (assistant, task, site, days from today, local hour, delegating provider, in the room)
DEMO_DELEGATIONS = [
    ("ana@demo.clinic", "injection", "main", 1, 10, "dr.lee@demo.clinic", False),
    ("ben@demo.clinic", "injection", "main", 1, 11, "dr.lee@demo.clinic", False),
    ("grace@demo.clinic", "vital-signs", "main", 2, 9, "dr.lee@demo.clinic", False),
    ("chloe@demo.clinic", "injection", "austin", 1, 14, "dr.patel@demo.clinic", False),
    ("emma@demo.clinic", "injection", "albany", 3, 10, "np.okafor@demo.clinic", False),
    ("farah@demo.clinic", "vital-signs", "albany", 2, 15, "np.okafor@demo.clinic", False),
]


def _seed_activity(today: date) -> None:
    """Upcoming delegations (some flagged) and two declined requests, for a lived-in demo."""
    from tracker.catalog.models import Task
    from tracker.delegations.services import record_delegation
    from tracker.incidents.services import DeclineAccount, log_incident
    from tracker.sites.models import Site
    from tracker.vocabulary import DeclineReason

    people = {p.email: p for p in db.session.query(Person)}
    sites = {s.code: s for s in db.session.query(Site)}
    tasks = {t.code: t for t in db.session.query(Task)}
    manager = people["manager@demo.clinic"]
    for assistant, task, site, days, hour, provider, in_room in DEMO_DELEGATIONS:
        day = today + timedelta(days=days)
        while day.weekday() >= 5:  # providers are on shift on weekdays
            day += timedelta(days=1)
        when = datetime.combine(day, time(hour), ZoneInfo(sites[site].timezone))
        record_delegation(
            assistant=people[assistant],
            task=tasks[task],
            site=sites[site],
            scheduled_for=when.astimezone(ZoneInfo("UTC")),
            delegated_by=people[provider],
            entered_by=manager,
            in_room=in_room,
        )
    now = dates.now()
    for days_ago, assistant, what, said in (
        (12, "ben@demo.clinic", "Give a B12 injection to the patient in room 3.",
         "I am not authorized for injections; I asked Dr. Lee to give it."),
        (4, "grace@demo.clinic", "Call the patient and tell her the lab results are normal.",
         "I can relay results once a provider has reviewed them; I asked for the note."),
    ):  # fmt: skip
        log_incident(
            DeclineAccount(
                occurred_at=now - timedelta(days=days_ago),
                what_was_asked=what,
                what_was_said=said,
                reason=DeclineReason.outside_scope,
                raised_with=[people["compliance@demo.clinic"]],
                steps=["paused", "said_what_needed", "documented"],
            ),
            logged_by=people[assistant],
            site=sites["main"],
            requester_name="Front desk lead",
            requester_role="office staff",
            task=tasks["injection"] if "injection" in what else tasks["relay-instructions"],
        )


def seed_demo(today: date | None = None) -> list[tuple[str, str]]:
    """Import the demo practice and give every demo account the demo password."""
    # The demo's dates are relative to today at its first site (Los Angeles).
    today = today or dates.today(SITES[0]["timezone"])
    import_practice(build_demo_file(today), actor=CLI)
    accounts = []
    for email, _name, role, *_ in PEOPLE:
        person = db.session.query(Person).filter_by(email=email).one()
        if not person.password_hash:
            set_password(person, DEMO_PASSWORD, actor=CLI)
        accounts.append((email, role))
    _seed_activity(today)
    return accounts


def register(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when nobody is stored yet.")
    def seed_demo_command(if_empty):
        """Load a believable demo practice (dates relative to today)."""

        if if_empty and db.session.scalar(select(func.count(Person.id))):
            click.echo("The database already holds people; demo data not loaded.")
            return
        accounts = seed_demo()
        db.session.commit()
        click.echo(f"Demo practice loaded. Every demo account's password is {DEMO_PASSWORD!r}:")
        for email, role in accounts:
            click.echo(f"  {role:<11} {email}")
