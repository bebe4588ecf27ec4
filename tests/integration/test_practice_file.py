"""The practice file (DESIGN section 5): all or nothing, every problem with its place,
idempotent re-import, export then import gives the same records."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import sample_practice
from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.catalog.services import ensure_catalog
from tracker.competencies.models import Competency
from tracker.demo import build_demo_file
from tracker.errors import Refused
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.practice_file.exporter import export_practice
from tracker.practice_file.importer import import_practice
from tracker.staff.models import Person
from tracker.supervision.models import Shift

#: The first site's zone: the demo's and the sample practice's "today" is kept there.
SITE_ZONE = "America/Los_Angeles"


def table_contents() -> dict[str, list[str]]:
    """Every row of every table, so a test sees any insert, update or delete."""
    contents = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        contents[table.name] = sorted(repr(tuple(row)) for row in rows)
    return contents


def import_file(runner, tmp_path, data, name="practice.json"):
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
    return runner.invoke(args=["import-practice", str(path)])


def export_file(runner) -> dict:
    result = runner.invoke(args=["export-practice"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reset_database() -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()
    ensure_catalog()
    db.session.commit()


def full_file() -> dict:
    """The sample practice with four competencies, so ``competencies[3]`` exists."""
    data = sample_practice()
    for task in ("vital-signs", "venipuncture", "specimen-collection"):
        data["competencies"].append(
            {"person": "ana@example.org", "task": task, "trained_on": "2026-01-10",
             "training_hours": 4, "validated_on": "2026-01-12",
             "validated_by": "dr.lee@example.org", "evidence": "Checklist"}
        )  # fmt: skip
    return data


def assert_refused(result, *problems: tuple[str, str]) -> None:
    """Exit 1 without a traceback, each (place, words) problem on a line of its own."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    for place, words in problems:
        matching = [line for line in lines if line.startswith(place)]
        assert matching, f"no problem reported at {place!r} in:\n{result.output}"
        assert any(words in line for line in matching), (
            f"{place!r} reported without {words!r}:\n{result.output}"
        )
    assert "; nothing was imported." in result.output


# --------------------------------------------------------------------------- happy paths


def test_sample_practice_imports_through_the_cli(app, runner, tmp_path):
    result = import_file(runner, tmp_path, full_file())

    assert result.exit_code == 0, result.output
    assert "sites: 2 created, 0 updated, 0 unchanged" in result.output
    assert "competencies: 4 created, 0 updated, 0 unchanged" in result.output
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        assert ana.job_level == "CMA"
        assert ana.site_codes == ["main"]
        comp = db.session.scalar(
            select(Competency).where(Competency.person_id == ana.id).join(Task)
            .where(Task.code == "injection")
        )  # fmt: skip
        assert comp.validated_on == date(2026, 2, 10)
        assert comp.validated_by.email == "dr.lee@example.org"
        shift = db.session.scalar(select(Shift))
        # 08:00 in Los Angeles in November is 16:00 UTC.
        assert shift.starts_at.isoformat() == "2026-11-23T16:00:00+00:00"
        spirometry = db.session.scalar(select(Task).where(Task.code == "spirometry"))
        assert spirometry.builtin is False


def test_reimporting_the_same_file_changes_nothing(app, runner, tmp_path):
    data = full_file()
    assert import_file(runner, tmp_path, data).exit_code == 0
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    section_lines = [line for line in result.output.splitlines() if ":" in line]
    assert len(section_lines) == 11  # practice and its ten sections
    for line in section_lines:
        assert " 0 created, 0 updated, " in line, line
    with app.app_context():
        assert table_contents() == before  # no new audit event either


def test_the_same_moment_in_another_offset_is_the_same_shift(app, runner, tmp_path, practice):
    data = copy.deepcopy(practice)
    data["shifts"][0]["starts_at"] = "2026-11-23T16:00:00Z"
    data["shifts"][0]["ends_at"] = "2026-11-24T01:00:00+00:00"

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "shifts: 0 created, 0 updated, 1 unchanged" in result.output


def test_reimport_with_a_changed_value_updates_the_record(app, runner, tmp_path, practice):
    data = copy.deepcopy(practice)
    data["competencies"][0]["revoked_on"] = "2026-05-01"
    with app.app_context():
        events_before = db.session.scalar(select(func.count(AuditEvent.id)))

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "competencies: 0 created, 1 updated, 0 unchanged" in result.output
    assert "people: 0 created, 0 updated, 3 unchanged" in result.output
    with app.app_context():
        comp = db.session.scalar(select(Competency))
        assert comp.revoked_on == date(2026, 5, 1)
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > events_before).order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.record_type) for e in events] == [("update", "competencies")]
        assert events[0].before["revoked_on"] is None
        assert events[0].after["revoked_on"] == "2026-05-01"
        assert events[0].record_id == str(comp.id)


def test_reimport_moves_a_person_between_sites(app, runner, tmp_path, practice):
    data = copy.deepcopy(practice)
    data["people"][0]["sites"] = ["north", "main"]

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "people: 0 created, 1 updated, 2 unchanged" in result.output
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        assert ana.site_codes == ["main", "north"]


def test_unknown_fields_warn_but_import(app, runner, tmp_path):
    # An unknown section is now an error (DESIGN section 13; the test below): this test
    # keeps to unknown fields, which still only warn.
    data = sample_practice()
    data["people"][0]["nickname"] = "Annie"
    data["practice"]["npi"] = "1234567890"

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "warning: people[0].nickname: unknown field, ignored" in result.output
    assert "warning: practice.npi: unknown field, ignored" in result.output
    assert "people: 3 created" in result.output
    with app.app_context():
        assert db.session.scalar(select(Person).where(Person.email == "ana@example.org"))


def test_a_file_saved_with_a_byte_order_mark_imports(app, runner, tmp_path):
    content = "\ufeff" + json.dumps(sample_practice())

    result = import_file(runner, tmp_path, content.encode("utf-8"))

    assert result.exit_code == 0, result.output
    assert "people: 3 created" in result.output


@pytest.mark.parametrize(
    "today",
    ["2028-02-29", "2026-12-31", "2027-01-01", "2026-03-08", "2026-11-01", "2026-11-28",
     "2026-11-29"],
)  # fmt: skip
def test_the_demo_file_is_valid_whatever_the_day(app, today):
    # On that day: the verbs refuse a verification or a sign-off dated after today.
    with app.app_context(), time_machine.travel(f"{today}T20:00:00Z", tick=False):
        counts, warnings = import_practice(build_demo_file(date.fromisoformat(today)), actor=CLI)
        assert warnings == []
        assert counts["shifts"]["created"] == 30  # two weeks of Monday to Friday, three sites


def test_an_empty_file_imports_nothing(app, runner, tmp_path):
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, {})

    assert result.exit_code == 0, result.output
    assert "nothing to import" in result.output
    with app.app_context():
        assert table_contents() == before


def test_a_policy_can_be_ended_and_replaced_by_a_new_version(app, runner, tmp_path, practice):
    data = copy.deepcopy(practice)
    data["policies"][0]["effective_to"] = "2026-05-31"
    data["policies"].append(
        {**data["policies"][0], "document": "Clinical Task Policy v4",
         "effective_from": "2026-06-01", "effective_to": None}
    )  # fmt: skip

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "policies: 1 created, 1 updated, 0 unchanged" in result.output
    with app.app_context():
        spans = sorted(
            (p.effective_from, p.effective_to) for p in db.session.scalars(select(Policy))
        )
        assert spans == [
            (date(2026, 1, 1), date(2026, 5, 31)),
            (date(2026, 6, 1), None),
        ]


def test_policies_for_other_job_levels_or_sites_may_overlap(app, runner, tmp_path, practice):
    data = {
        "policies": [
            {**practice["policies"][0], "job_levels": ["MA I"], "authorized": False},
            {**practice["policies"][0], "site": "north"},
        ]
    }

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "policies: 2 created" in result.output


@pytest.mark.parametrize("build", [sample_practice, build_demo_file], ids=["sample", "demo"])
def test_export_then_import_into_an_empty_database_gives_the_same_export(
    app, runner, tmp_path, build
):
    data = build(dates.today(SITE_ZONE)) if build is build_demo_file else build()
    assert import_file(runner, tmp_path, data).exit_code == 0
    exported = export_file(runner)
    with app.app_context():
        reset_database()

    result = import_file(runner, tmp_path, exported, name="exported.json")

    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert export_file(runner) == exported
    for section in ("sites", "people", "licenses", "credentials", "state_rules", "policies",
                    "competencies", "supervision", "shifts"):  # fmt: skip
        assert len(exported[section]) == len(data[section]), section


def test_export_shows_what_was_imported(app, runner, practice):
    exported = export_file(runner)

    assert exported["practice"] == {"name": "Valley Family Medicine"}
    # Only the practice's own tasks: the built-in catalog is always there.
    assert exported["tasks"] == [{"code": "spirometry", "name": "Spirometry", "kind": "clinical"}]
    assert exported["shifts"] == practice["shifts"]  # shown in the site's time zone
    assert exported["competencies"][0]["validated_by"] == "dr.lee@example.org"
    assert exported["competencies"][0]["validated_on"] == "2026-02-10"
    assert [p["email"] for p in exported["people"]] == sorted(
        p["email"] for p in practice["people"]
    )
    assert exported["policies"][0]["site"] is None
    assert exported["policies"][0]["job_levels"] == ["CMA"]


def test_the_demo_practice_imports_twice_without_change(app):
    data = build_demo_file(dates.today(SITE_ZONE))
    with app.app_context():
        counts, warnings = import_practice(copy.deepcopy(data), actor=CLI)
        db.session.commit()
        assert warnings == []
        assert counts["people"]["created"] == 14
        again, _ = import_practice(data, actor=CLI)
        assert all(set(tally) == {"unchanged"} for tally in again.values()), again
        assert not db.session.new and not db.session.dirty


# --------------------------------------------------------------------------- refusals


def _set(path: str, value):
    """A change to the full file: set the value at a dotted path like ``people.0.role``."""

    def change(data):
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _append(section: str, entry: dict):
    def change(data):
        data[section].append(copy.deepcopy(entry))

    return change


def _copy(section: str, index: int = 0, **changes):
    """Append a copy of an entry of the section, with some values changed."""

    def change(data):
        data[section].append({**copy.deepcopy(data[section][index]), **changes})

    return change


def _delete(path: str):
    def change(data):
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return change


RESERVED_POLICY = {"task": "diagnosis", "authorized": True, "supervision": "in_room",
                   "document": "Policy v1", "effective_from": "2026-01-01"}  # fmt: skip
RESERVED_RULE = {"state": "CA", "task": "prescribing", "status": "permitted",
                 "supervision": "in_room"}  # fmt: skip

BAD_FILES = [
    # malformed values
    ("date-format", _set("credentials.0.issued_on", "01/02/2024"),
     [("credentials[0].issued_on:", "YYYY-MM-DD")]),
    ("impossible-date", _set("competencies.0.validated_on", "2026-02-30"),
     [("competencies[0].validated_on:", "not a real date")]),
    ("date-as-number", _set("licenses.0.expires_on", 20270630),
     [("licenses[0].expires_on:", "YYYY-MM-DD")]),
    ("datetime-without-offset", _set("shifts.0.starts_at", "2026-11-23T08:00:00"),
     [("shifts[0].starts_at:", "no UTC offset")]),
    ("datetime-garbage", _set("shifts.0.ends_at", "tomorrow at five"),
     [("shifts[0].ends_at:", "ISO-8601")]),
    ("datetime-out-of-range", _set("shifts.0.ends_at", "9999-12-31T23:00:00-08:00"),
     [("shifts[0].ends_at:", "out of range")]),
    ("not-a-number", _set("competencies.1.training_hours", "twelve"),
     [("competencies[1].training_hours:", "must be a number")]),
    ("huge-whole-number", _set("policies.0.competency_valid_months", 10**400),
     [("policies[0].competency_valid_months:", "out of range")]),
    ("negative-hours", _set("state_rules.0.min_training_hours", -5),
     [("state_rules[0].min_training_hours:", "at least 0")]),
    ("not-a-boolean", _set("people.1.can_validate", "yes"),
     [("people[1].can_validate:", "true or false")]),
    ("missing-name", _delete("people.0.name"), [("people[0].name:", "is required")]),
    ("overlong-name", _set("sites.0.name", "x" * 201), [("sites[0].name:", "at most 200")]),
    ("control-character", _set("people.0.name", "Ana\u0000Ruiz"),
     [("people[0].name:", "control characters")]),
    ("bad-email", _set("people.2.email", "mia-at-example.org"),
     [("people[2].email:", "not an email address")]),
    ("bad-state", _set("sites.1.state", "Texas"),
     [("sites[1].state:", "two-letter US state code")]),
    ("bad-timezone", _set("sites.0.timezone", "Pacific Time"),
     [("sites[0].timezone:", "IANA time zone")]),
    ("bad-code", _set("sites.1.code", "north site"), [("sites[1].code:", "letters, digits")]),
    # unknown references
    ("unknown-validator", _set("competencies.3.validated_by", "x@y.org"),
     [("competencies[3].validated_by:", "no person with email x@y.org")]),
    ("unknown-assistant", _set("supervision.0.assistant", "nobody@example.org"),
     [("supervision[0].assistant:", "no person with email nobody@example.org")]),
    ("unknown-licensee", _set("licenses.0.person", "dr.nobody@example.org"),
     [("licenses[0].person:", "no person with email dr.nobody@example.org")]),
    ("unknown-site-of-person", _set("people.0.sites", ["main", "nowhere"]),
     [("people[0].sites[1]:", "no site with code nowhere")]),
    ("unknown-site-of-shift", _set("shifts.0.site", "nowhere"),
     [("shifts[0].site:", "no site with code nowhere")]),
    ("unknown-site-of-policy", _set("policies.0.site", "nowhere"),
     [("policies[0].site:", "no site with code nowhere")]),
    ("unknown-task-of-policy", _set("policies.0.task", "juggling"),
     [("policies[0].task:", "no task with code juggling")]),
    ("unknown-task-of-rule", _set("state_rules.0.task", "juggling"),
     [("state_rules[0].task:", "no task with code juggling")]),
    ("unknown-task-of-competency", _set("competencies.2.task", "juggling"),
     [("competencies[2].task:", "no task with code juggling")]),
    # unknown enum values
    ("unknown-role", _set("people.2.role", "nurse"),
     [("people[2].role:", "'nurse' is not one of")]),
    ("unknown-kind", _set("tasks.0.kind", "surgical"),
     [("tasks[0].kind:", "'surgical' is not one of")]),
    ("unknown-status", _set("state_rules.0.status", "allowed"),
     [("state_rules[0].status:", "'allowed' is not one of")]),
    ("unknown-supervision", _set("policies.0.supervision", "nearby"),
     [("policies[0].supervision:", "'nearby' is not one of")]),
    # duplicate natural keys within the file
    ("duplicate-site", _copy("sites"),
     [("sites[2]:", "duplicate of sites[0]")]),
    ("duplicate-person-other-case", _copy("people", email="ANA@example.org"),
     [("people[3]:", "duplicate of people[0]")]),
    ("duplicate-state-rule", _copy("state_rules", citation="x"),
     [("state_rules[1]:", "duplicate of state_rules[0]")]),
    ("duplicate-competency", _copy("competencies"),
     [("competencies[4]:", "duplicate of competencies[0]")]),
    ("duplicate-task", _copy("tasks"),
     [("tasks[1]:", "duplicate of tasks[0]")]),
    # the catalog and reserved tasks
    ("builtin-task-redefined",
     _set("tasks.0", {"code": "injection", "name": "Shots", "kind": "clinical"}),
     [("tasks[0].code:", "built-in catalog")]),
    ("reserved-task-added", _set("tasks.0.kind", "reserved"),
     [("tasks[0].kind:", "only administrative or clinical")]),
    ("policy-authorizes-reserved", _append("policies", RESERVED_POLICY),
     [("policies[1].authorized:", "reserved for licensed providers")]),
    ("rule-permits-reserved", _append("state_rules", RESERVED_RULE),
     [("state_rules[1].status:", "reserved for licensed providers")]),
    # time order and overlaps
    ("policies-overlap", _copy("policies", effective_from="2026-06-01"),
     [("policies[1].effective_from:", "overlaps policies[0]")]),
    ("open-policies-overlap", _copy("policies", effective_from=None),
     [("policies[1].effective_from:", "overlaps policies[0]")]),
    ("policy-ends-before-start", _set("policies.0.effective_to", "2025-12-31"),
     [("policies[0].effective_to:", "on or after effective_from")]),
    ("supervision-ends-before-start", _set("supervision.0.ends_on", "2025-12-31"),
     [("supervision[0].ends_on:", "on or after starts_on")]),
    ("shift-ends-before-start", _set("shifts.0.ends_at", "2026-11-23T07:00:00-08:00"),
     [("shifts[0].ends_at:", "after starts_at")]),
    ("shift-of-no-length", _set("shifts.0.ends_at", "2026-11-23T16:00:00Z"),
     [("shifts[0].ends_at:", "after starts_at")]),
    ("validated-before-trained", _set("competencies.0.trained_on", "2026-03-01"),
     [("competencies[0].validated_on:", "on or after trained_on")]),
    # the file's shape
    ("section-not-a-list", _set("sites", {"code": "main"}), [("sites:", "must be a list")]),
    ("section-a-number", _set("people", 5), [("people:", "must be a list")]),
    ("tasks-a-string", _set("tasks", "spirometry"), [("tasks:", "must be a list")]),
    ("entry-not-an-object", _set("competencies.0", "ana@example.org"),
     [("competencies[0]:", "must be an object")]),
    ("practice-not-an-object", _set("practice", "Valley"), [("practice:", "must be an object")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "problems"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_a_bad_file_is_refused_with_the_place_of_the_problem(
    app, runner, tmp_path, change, problems
):
    data = full_file()
    change(data)
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused(result, *problems)
    with app.app_context():
        assert table_contents() == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"sites": [{"code": "main",', "not valid JSON: line 1"),
        ('{"sites": []}\n{"people": []}', "not valid JSON: line 2"),
        (b"\xff\xfe{\x00}\x00", "not a UTF-8 text file"),
        ('{"sites": [' + "1" * 5000 + "]}", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ("[1, 2, 3]", "must be a JSON object"),
        ('"just text"', "must be a JSON object"),
    ],
    ids=["truncated", "two-objects", "utf-16", "5000-digits", "deep", "list", "string"],
)
def test_a_file_that_is_not_a_practice_file_is_refused(app, runner, tmp_path, content, words):
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, content)

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert words in result.output
    with app.app_context():
        assert table_contents() == before


def test_a_non_finite_number_is_refused(app, runner, tmp_path):
    data = full_file()
    data["competencies"][0]["training_hours"] = float("nan")
    text = json.dumps(data)  # writes NaN, which Python's JSON reader accepts
    assert "NaN" in text

    result = import_file(runner, tmp_path, text)

    assert_refused(result, ("competencies[0].training_hours:", "finite number"))


def test_every_problem_is_reported_at_once(app, runner, tmp_path):
    data = full_file()
    data["competencies"][3]["validated_by"] = "x@y.org"
    data["credentials"][0]["expires_on"] = "next year"
    data["people"][2]["role"] = "nurse"
    data["shifts"][0]["starts_at"] = "2026-11-23T08:00:00"
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused(
        result,
        ("competencies[3].validated_by:", "no person with email x@y.org"),
        ("credentials[0].expires_on:", "YYYY-MM-DD"),
        ("people[2].role:", "nurse"),
        ("shifts[0].starts_at:", "no UTC offset"),
    )
    assert "competencies[3].validated_by: no person with email x@y.org" in result.output
    assert "4 problem(s) in" in result.output
    with app.app_context():
        assert table_contents() == before


def test_a_policy_overlapping_a_stored_one_is_refused(app, runner, tmp_path, practice):
    data = {"policies": [{**practice["policies"][0], "document": "Clinical Task Policy v4",
                          "effective_from": "2026-06-01"}]}  # fmt: skip
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused(
        result,
        ("policies[0].effective_from:", "overlaps the stored policy 'Clinical Task Policy v3'"),
    )
    with app.app_context():
        assert table_contents() == before


def test_a_stored_reserved_task_cannot_be_authorized_by_reimport(app, runner, tmp_path, practice):
    data = {"policies": [{**RESERVED_POLICY, "authorized": False}]}
    assert import_file(runner, tmp_path, data).exit_code == 0
    data["policies"][0]["authorized"] = True

    result = import_file(runner, tmp_path, data)

    assert_refused(result, ("policies[0].authorized:", "reserved for licensed providers"))
    with app.app_context():
        assert [p.authorized for p in db.session.scalars(select(Policy).join(Task).where(
            Task.code == "diagnosis"))] == [False]  # fmt: skip


def test_references_to_stored_records_need_not_be_in_the_file(app, runner, tmp_path, practice):
    data = {"competencies": [{"person": "ana@example.org", "task": "spirometry",
                              "trained_on": "2026-03-01", "training_hours": 2,
                              "validated_on": "2026-03-02",
                              "validated_by": "dr.lee@example.org"}]}  # fmt: skip

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "competencies: 1 created" in result.output


def test_the_service_raises_with_every_problem_and_adds_nothing(app):
    data = full_file()
    data["competencies"][3]["validated_by"] = "x@y.org"
    data["sites"][0]["state"] = "ZZ"
    with app.app_context():
        with pytest.raises(Refused) as caught:
            import_practice(data, actor=CLI)
        assert [str(p) for p in caught.value.problems] == [
            "sites[0].state: 'ZZ' is not a two-letter US state code",
            "competencies[3].validated_by: no person with email x@y.org",
        ]
        assert not db.session.new and not db.session.dirty
        assert export_practice()["people"] == []
