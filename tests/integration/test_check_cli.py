"""``flask --app tracker check`` on the sample practice (DESIGN sections 4 and 5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker.audit.services import CLI
from tracker.competencies.models import Competency
from tracker.decision.models import DecisionRecord
from tracker.decision.services import public_result, rerun, stored_result
from tracker.extensions import db
from tracker.practice_file.importer import import_practice

ORDER = ["state_law", "employer_policy", "competency", "supervision"]
#: Monday 2026-11-23, 10:00 in Los Angeles: Dr. Lee is on shift at Main St.
DURING_SHIFT = "2026-11-23T10:00:00-08:00"
ANA = ["--assistant", "ana@example.org"]


def check(runner, *args):
    return runner.invoke(args=["check", *args])


def check_json(runner, *args):
    result = check(runner, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def records(app) -> list[DecisionRecord]:
    with app.app_context():
        found = list(db.session.scalars(select(DecisionRecord).order_by(DecisionRecord.id)))
        for record in found:  # loaded while the session is open
            _ = (record.assistant, record.task, record.site, record.delegated_by, record.asked_by)
        return found


def count_records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(DecisionRecord.id)))


# --------------------------------------------------------------------------- the decision


def test_json_is_the_decision_in_the_designs_shape(runner, practice):
    out = check_json(runner, *ANA, "--task", "injection", "--site", "main", "--at", DURING_SHIFT)
    assert list(out) == ["status", "assistant", "task", "site", "at", "conditions", "warnings"]
    assert out["status"] == "clear"
    assert (out["assistant"], out["task"], out["site"]) == ("ana@example.org", "injection", "main")
    assert out["at"] == "2026-11-23T18:00:00Z"
    assert [c["condition"] for c in out["conditions"]] == ORDER
    for item in out["conditions"]:
        assert list(item) == ["condition", "met", "reason", "evidence"]
        assert item["met"] is True
        assert item["reason"]
        assert item["evidence"] and all(isinstance(e, str) for e in item["evidence"])
    assert out["warnings"] == []


def test_json_for_a_prohibited_task_says_why(runner, practice):
    out = check_json(runner, *ANA, "--task", "diagnosis", "--site", "main", "--at", DURING_SHIFT)
    assert out["status"] == "prohibited"
    assert "reserved for licensed providers in every state" in out["reason"]
    assert out["conditions"] == []


def test_words_by_default(runner, practice):
    result = check(runner, *ANA, "--task", "injection", "--site", "main", "--at", DURING_SHIFT)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("CLEAR")
    assert "2026-11-23 10:00 PST" in text
    for label in ["State law", "Employer policy", "Competency", "Supervision"]:
        assert f"[met    ] {label}:" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_words_name_what_is_not_met(runner, practice):
    # 17:00 is the end of Dr. Lee's shift (half-open), so nobody is on site.
    result = check(
        runner, *ANA, "--task", "injection", "--site", "main", "--at", "2026-11-23T17:00:00-08:00"
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("FLAGGED")
    assert "[NOT MET] Supervision:" in result.stdout
    assert "not on shift" in result.stdout


@pytest.mark.parametrize(
    "args, status",
    [
        (["--task", "injection", "--site", "main", "--at", DURING_SHIFT], "clear"),
        (["--task", "injection", "--site", "north", "--at", DURING_SHIFT], "flagged"),
        (["--task", "venipuncture", "--site", "main"], "flagged"),
        (["--task", "prescribing", "--site", "main"], "prohibited"),
    ],
)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "words"])
def test_exit_status_is_0_whatever_the_decision(runner, practice, args, status, as_json):
    result = check(runner, *ANA, *args, *(["--json"] if as_json else []))
    assert result.exit_code == 0, result.output
    if as_json:
        assert json.loads(result.stdout)["status"] == status
    else:
        assert result.stdout.startswith(status.upper())


def test_a_warning_for_an_assistant_away_from_their_site(runner, practice):
    out = check_json(runner, *ANA, "--task", "injection", "--site", "north", "--at", DURING_SHIFT)
    assert any("does not work at North" in w for w in out["warnings"])
    state_law = out["conditions"][0]
    assert not state_law["met"]
    assert "AAMA state scope resource" in state_law["reason"]


# --------------------------------------------------------------------------- unhappy paths

BASE = [*ANA, "--task", "injection", "--site", "main", "--at", DURING_SHIFT]


def replaced(option: str, value: str) -> list[str]:
    args = list(BASE)
    args[args.index(option) + 1] = value
    return args


@pytest.mark.parametrize(
    "args, named",
    [
        (replaced("--assistant", "nobody@example.org"), "nobody@example.org"),
        (replaced("--task", "flying"), "flying"),
        (replaced("--site", "moon"), "moon"),
        ([*BASE, "--delegated-by", "ghost@example.org"], "ghost@example.org"),
        (replaced("--at", "tomorrow"), "tomorrow"),
        (replaced("--at", "2026-13-01T10:00"), "2026-13-01T10:00"),
        (replaced("--at", "2026-11-23T10:00:00+25:00"), "2026-11-23T10:00:00+25:00"),
        (replaced("--at", ""), "--at ''"),
        (replaced("--at", "0001-01-01T00:00:00+05:00"), "0001-01-01T00:00:00+05:00"),
        (replaced("--at", "9999-12-31T23:00:00"), "9999-12-31T23:00:00"),
    ],
    ids=[
        "unknown assistant",
        "unknown task",
        "unknown site",
        "unknown delegator",
        "words for a moment",
        "month 13",
        "offset of 25 hours",
        "empty moment",
        "before year 1 in the site's zone",
        "after year 9999 in UTC",
    ],
)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "words"])
def test_a_bad_value_is_one_line_naming_it_and_exit_status_2(app, runner, practice, args, named,
                                                              as_json):  # fmt: skip
    result = check(runner, *args, *(["--json"] if as_json else []))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert named in lines[0]
    assert "Traceback" not in result.stderr
    assert count_records(app) == 0


def test_a_missing_required_option_is_a_usage_error(runner, practice):
    result = check(runner, "--task", "injection", "--site", "main")
    assert result.exit_code == 2
    assert "--assistant" in result.stderr


# --------------------------------------------------------------------------- the moment


@pytest.mark.parametrize(
    "site, at, utc",
    [
        ("main", "2026-11-23T10:00:00-08:00", "2026-11-23T18:00:00Z"),
        ("main", "2026-11-23T10:00:00-05:00", "2026-11-23T15:00:00Z"),
        ("main", "2026-11-23T18:00:00Z", "2026-11-23T18:00:00Z"),
        ("main", "2026-11-23T18:00:00+00:00", "2026-11-23T18:00:00Z"),
        # Without an offset the moment is read in the site's time zone.
        ("main", "2026-11-23T10:00", "2026-11-23T18:00:00Z"),
        ("main", "2026-11-23 10:00:00", "2026-11-23T18:00:00Z"),
        ("main", "2026-07-01T10:00", "2026-07-01T17:00:00Z"),  # daylight time
        ("north", "2026-11-23T10:00", "2026-11-23T16:00:00Z"),
        ("main", "2026-11-23", "2026-11-23T08:00:00Z"),
    ],
)
def test_at_with_and_without_an_offset(runner, practice, site, at, utc):
    out = check_json(runner, *ANA, "--task", "injection", "--site", site, "--at", at)
    assert out["at"] == utc


def test_at_without_an_offset_decides_on_the_sites_day(runner, practice):
    # 2026-11-23 21:00 at Main St is already the 24th in UTC; the day is still the 23rd,
    # and the shift of the 23rd (08:00 to 17:00 there) is over.
    out = check_json(
        runner, *ANA, "--task", "injection", "--site", "main", "--at", "2026-11-23T21:00"
    )
    assert out["at"] == "2026-11-24T05:00:00Z"
    supervision = out["conditions"][3]
    assert not supervision["met"]
    assert "2026-11-23 21:00" in supervision["reason"]


def test_at_defaults_to_now(runner, practice):
    before = datetime.now(UTC).replace(microsecond=0)
    out = check_json(runner, *ANA, "--task", "injection", "--site", "main")
    after = datetime.now(UTC)
    at = datetime.fromisoformat(out["at"])
    assert before <= at <= after + timedelta(seconds=1)


# --------------------------------------------------------------------------- in the room


@pytest.fixture
def in_room_rule(app, practice):
    """California asks for the provider in the room for an injection."""
    with app.app_context():
        rule = dict(practice["state_rules"][0], supervision="in_room")
        import_practice({"state_rules": [rule]}, actor=CLI)
        db.session.commit()


def test_in_room_is_needed_when_the_rule_asks_for_it(runner, in_room_rule):
    out = check_json(runner, *BASE)
    assert out["status"] == "flagged"
    supervision = out["conditions"][3]
    assert not supervision["met"]
    assert "not been attested" in supervision["reason"]


def test_in_room_attested(app, runner, in_room_rule):
    out = check_json(runner, *BASE, "--in-room")
    assert out["status"] == "clear"
    assert "in the room (attested)" in out["conditions"][3]["reason"]
    assert records(app)[-1].in_room is True


# --------------------------------------------------------------------------- the decision log


@pytest.mark.parametrize(
    "args",
    [
        [*BASE, "--json"],
        BASE,
        [*ANA, "--task", "injection", "--site", "north", "--at", "2026-11-23T10:00", "--json"],
        [*BASE, "--delegated-by", "manager@example.org", "--json"],
        [*BASE, "--delegated-by", "dr.lee@example.org", "--in-room", "--json"],
        [*ANA, "--task", "diagnosis", "--site", "main", "--json"],
    ],
    ids=["json", "words", "other site", "manager delegates", "provider delegates", "reserved"],
)
def test_each_check_is_kept_and_reruns_as_of_its_moment(app, runner, practice, args):
    result = check(runner, *args)
    assert result.exit_code == 0, result.output
    (record,) = records(app)
    assert record.source == "cli"
    assert record.assistant.email == "ana@example.org"
    assert record.task.code == args[args.index("--task") + 1]
    assert record.site.code == args[args.index("--site") + 1]
    delegator = args[args.index("--delegated-by") + 1] if "--delegated-by" in args else None
    assert (record.delegated_by.email if record.delegated_by else None) == delegator
    assert record.in_room is ("--in-room" in args)
    assert record.status == record.result["status"]
    assert record.made_at is not None
    if "--json" in args:
        assert public_result(record.result) == json.loads(result.stdout)
    with app.app_context():
        record = db.session.get(DecisionRecord, record.id)
        assert record.at.tzinfo is not None
        again = rerun(record)
        assert again.to_json() == public_result(record.result)
        assert stored_result(again) == record.result


def test_every_check_adds_a_record(app, runner, practice):
    for _ in range(3):
        assert check(runner, *BASE).exit_code == 0
    assert [r.source for r in records(app)] == ["cli"] * 3


def test_a_rerun_reads_the_records_as_they_are_now(app, runner, practice):
    out = check_json(runner, *BASE)
    assert out["status"] == "clear"
    with app.app_context():
        competency = db.session.scalar(select(Competency))
        competency.revoked_on = datetime(2026, 11, 1).date()
        db.session.commit()
        record = db.session.scalar(select(DecisionRecord))
        again = rerun(record).to_json()
    assert public_result(record.result) == out
    assert again["status"] == "flagged"
    assert "revoked on 2026-11-01" in again["conditions"][2]["reason"]
