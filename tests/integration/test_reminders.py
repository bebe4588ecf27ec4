"""send-reminders against a real SMTP server (aiosmtpd on a free port).

Dates are built from the practice's today, and later days are reached with time-machine, so
the tests hold whatever the clock says (CI's far-off run included).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import make_app
from tests.smtp_server import SMTPServer, free_port
from tracker import dates
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.catalog.services import ensure_catalog
from tracker.delegations.services import record_delegation
from tracker.extensions import db
from tracker.incidents.models import Incident
from tracker.practice_file.importer import import_practice
from tracker.reminders.models import ReminderSent
from tracker.sites.models import Practice, Site
from tracker.sites.queries import practice_today
from tracker.staff.models import Person
from tracker.vocabulary import DeclineReason, IncidentStatus, Role

BASE_URL = "https://tracker.clinic.test/app"
SENDER = "reminders@clinic.test"
#: The practice's only site's zone, so its "today" (before the site exists, the practice's
#: today would be UTC's).
ZONE = "America/Los_Angeles"


def reminder_practice(today) -> dict:
    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    return {
        "practice": {"name": "Valley Family Medicine"},
        "sites": [{"code": "main", "name": "Main St", "state": "CA",
                   "timezone": "America/Los_Angeles"}],
        "people": [
            {"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
             "job_level": "CMA", "sites": ["main"]},
            {"email": "ben@example.org", "name": "Ben Gone", "role": "assistant",
             "job_level": "CMA", "sites": ["main"], "active": False},
            {"email": "dr.lee@example.org", "name": "Dr. Lee", "role": "provider",
             "sites": ["main"], "can_validate": True},
            {"email": "mia@example.org", "name": "Mia Manager", "role": "manager",
             "sites": ["main"]},
            {"email": "alex@example.org", "name": "Alex Admin", "role": "admin", "sites": []},
            {"email": "old.boss@example.org", "name": "Old Boss", "role": "manager",
             "sites": [], "active": False},
            {"email": "casey@example.org", "name": "Casey Brooks", "role": "compliance",
             "sites": []},
        ],
        "licenses": [{"person": "dr.lee@example.org", "type": "MD", "number": "A1",
                      "state": "CA", "expires_on": d(45)}],
        "credentials": [
            {"person": "ana@example.org", "type": "CMA", "number": "C-77", "issuer": "AAMA",
             "issued_on": d(-700), "expires_on": d(20), "verified_on": d(-690)},
            {"person": "ben@example.org", "type": "RMA", "number": "R-9", "issuer": "AMT",
             "issued_on": d(-700), "expires_on": d(5), "verified_on": d(-690)},
        ],
        "state_rules": [{"state": "CA", "task": "injection", "status": "permitted",
                         "requires_credentials": [], "min_training_hours": 10,
                         "supervision": "available", "citation": "16 CCR 1366",
                         "verified_on": d(-400)}],
        "competencies": [{"person": "ana@example.org", "task": "injection",
                          "trained_on": d(-30), "training_hours": 12, "validated_on": d(-20),
                          "validated_by": "dr.lee@example.org", "expires_on": d(90)}],
    }  # fmt: skip


@pytest.fixture
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def world(app, smtp):
    """The reminder practice, and the app pointed at the SMTP server."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_FROM=SENDER,
                      BASE_URL=BASE_URL, MAIL_TIMEOUT=5)  # fmt: skip
    with app.app_context():
        import_practice(reminder_practice(dates.today(ZONE)), actor=CLI)
        db.session.commit()
        ids = {p.email.split("@")[0]: p.id for p in db.session.scalars(select(Person))}
    return ids


def run(runner, *args):
    return runner.invoke(args=["send-reminders", *args])


def logged(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReminderSent))


def later(days: int):
    """Travel ``days`` ahead of now (the clock stands still there)."""
    return time_machine.travel(dates.now() + timedelta(days=days), tick=False)


def test_each_active_person_gets_their_own_items(app, runner, smtp, world):
    with app.app_context():
        today = practice_today()

    result = run(runner)

    assert result.exit_code == 0, result.output
    box = smtp.mailbox
    # Ben and the old manager are deactivated; the provider and compliance have nothing.
    assert box.recipients == ["alex@example.org", "ana@example.org", "mia@example.org"]
    [ana] = box.to("ana@example.org")
    assert ana.mail_from == SENDER
    assert ana.subject == "[Valley Family Medicine] Reminder: 1 item needs your attention"
    cma_due = (today + timedelta(days=20)).isoformat()
    assert f"CMA credential #C-77 expires on {cma_due} (in 20 days)" in ana.text
    assert f"{BASE_URL}/staff/{world['ana']}" in ana.text
    assert f'href="{BASE_URL}/staff/{world["ana"]}"' in ana.html
    assert "Injection competency" not in ana.text  # 90 days away: not yet
    assert "Dr. Lee" not in ana.text
    [mia] = box.to("mia@example.org")
    assert mia.subject == "[Valley Family Medicine] Practice digest: 3 items need attention"
    assert "Ana Ruiz: CMA credential #C-77" in mia.text
    assert "Dr. Lee: CA MD license #A1 expires on" in mia.text
    assert "CA rule for Injection: last verified" in mia.text
    assert "Ben Gone" not in mia.text and "RMA" not in mia.text
    [alex] = box.to("alex@example.org")
    assert alex.text.replace("Alex Admin", "Mia Manager") == mia.text
    assert logged(app) == 1 + 3 + 3


def test_a_second_run_the_same_day_sends_nothing_new(app, runner, smtp, world):
    assert run(runner).exit_code == 0
    smtp.mailbox.clear()

    result = run(runner)

    assert result.exit_code == 0
    assert "Nothing new" in result.output
    assert smtp.mailbox.received == []
    assert logged(app) == 7


def test_an_item_is_reminded_once_at_each_threshold_it_crosses(app, runner, smtp, world):
    assert run(runner).exit_code == 0  # CMA 20 days ahead: the 30-day reminder
    box = smtp.mailbox

    with later(14):  # 6 days left: the 7-day threshold
        box.clear()
        assert run(runner).exit_code == 0
        [ana] = box.to("ana@example.org")
        assert "(in 6 days)" in ana.text
        assert box.recipients == ["alex@example.org", "ana@example.org", "mia@example.org"]
    with later(15):  # 5 days left: nothing new for Ana; the license crosses 30 days
        box.clear()
        assert run(runner).exit_code == 0
        assert box.recipients == ["alex@example.org", "mia@example.org"]
        [mia] = box.to("mia@example.org")
        assert "Dr. Lee: CA MD license #A1 expires on" in mia.text
        assert "CMA" not in mia.text
    with later(20):  # the day it expires
        box.clear()
        assert run(runner).exit_code == 0
        [ana] = box.to("ana@example.org")
        assert "CMA credential #C-77 expires today" in ana.text
        box.clear()
        assert run(runner).exit_code == 0
        assert box.received == []
    with later(51):  # expired 31 days ago: no longer reminded (the competency now is)
        box.clear()
        assert run(runner).exit_code == 0
        [ana] = box.to("ana@example.org")
        assert "CMA" not in ana.text
        assert "Injection competency expires on" in ana.text


def test_a_renewed_item_starts_again(app, runner, smtp, world):
    assert run(runner).exit_code == 0
    with app.app_context():
        ana = db.session.get(Person, world["ana"])
        ana.credentials[0].expires_on = practice_today() + timedelta(days=25)
        db.session.commit()
    smtp.mailbox.clear()

    assert run(runner).exit_code == 0

    [mail] = smtp.mailbox.to("ana@example.org")
    assert "(in 25 days)" in mail.text


def test_dry_run_prints_and_neither_sends_nor_logs(app, runner, smtp, world):
    result = run(runner, "--dry-run")

    assert result.exit_code == 0
    assert "To: ana@example.org" in result.output
    assert "Subject: [Valley Family Medicine] Reminder: 1 item needs your attention" in (
        result.output
    )
    assert "CMA credential #C-77" in result.output
    assert "3 mail(s), 7 item(s)" in result.output
    assert smtp.mailbox.received == []
    assert logged(app) == 0
    # …so the real run still sends everything.
    assert run(runner).exit_code == 0
    assert len(smtp.mailbox.received) == 3


def test_no_server_exits_1_logs_nothing_and_the_next_run_sends(app, runner, smtp, world):
    smtp.stop()

    result = run(runner)

    assert result.exit_code == 1
    assert "not sent to ana@example.org" in result.output
    assert logged(app) == 0
    smtp.start()
    assert run(runner).exit_code == 0
    assert smtp.mailbox.recipients == ["alex@example.org", "ana@example.org", "mia@example.org"]
    assert logged(app) == 7


def test_a_refused_mail_stays_unlogged_and_only_it_is_sent_again(app, runner, smtp, world):
    smtp.mailbox.refuse = {"mia@example.org"}

    result = run(runner)

    assert result.exit_code == 1
    assert "not sent to mia@example.org" in result.output
    assert smtp.mailbox.recipients == ["alex@example.org", "ana@example.org"]
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).where(ReminderSent.recipient_id == world["mia"])
        )
    smtp.mailbox.refuse = set()
    smtp.mailbox.clear()
    assert run(runner).exit_code == 0
    assert smtp.mailbox.recipients == ["mia@example.org"]
    assert "3 items" in smtp.mailbox.received[0].subject


def test_a_practice_name_with_a_line_break_neither_crashes_nor_forges_a_header(
    app, runner, smtp, world
):
    """Issue 21, item 7: a CR/LF stored in the practice name (before such names were refused)
    made the run crash with a traceback and send nothing."""
    with app.app_context():
        db.session.scalar(select(Practice)).name = "Valley\r\nBcc: eve@example.org"
        db.session.commit()

    result = run(runner)

    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert smtp.mailbox.recipients == ["alex@example.org", "ana@example.org", "mia@example.org"]
    [ana] = smtp.mailbox.to("ana@example.org")
    assert ana.subject == "[Valley Bcc: eve@example.org] Reminder: 1 item needs your attention"


def test_one_mail_that_cannot_be_built_is_reported_and_the_others_are_sent(
    app, runner, smtp, world
):
    """A recipient's address stored with a line break: that mail is reported (exit 1) and
    stays unlogged, every other one goes out, and nothing is a traceback."""
    with app.app_context():
        db.session.get(Person, world["ana"]).email = "ana@example.org\nBcc: eve@example.org"
        db.session.commit()

    result = run(runner)

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Error: not sent to ana@example.org" in result.output
    assert "Sent 2 mail(s); 1 not sent." in result.output
    assert smtp.mailbox.recipients == ["alex@example.org", "mia@example.org"]
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).where(ReminderSent.recipient_id == world["ana"])
        )


def test_upcoming_flagged_delegations(app, runner, smtp, world):
    with app.app_context():
        people = {p.email: p for p in db.session.scalars(select(Person))}
        site = db.session.scalar(select(Site))
        task = db.session.scalar(select(Task).where(Task.code == "venipuncture"))
        soon = record_delegation(
            assistant=people["ana@example.org"], task=task, site=site,
            scheduled_for=dates.now() + timedelta(days=2),
            delegated_by=people["dr.lee@example.org"], entered_by=people["mia@example.org"],
        )  # fmt: skip
        far = record_delegation(
            assistant=people["ana@example.org"], task=task, site=site,
            scheduled_for=dates.now() + timedelta(days=20),
            delegated_by=people["dr.lee@example.org"], entered_by=people["mia@example.org"],
        )  # fmt: skip
        db.session.commit()
        assert soon.decision.status == "flagged"  # no competency, no CA rule for venipuncture
        soon_id, far_id = soon.id, far.id

    assert run(runner).exit_code == 0

    [ana] = smtp.mailbox.to("ana@example.org")
    assert f"/delegations/{soon_id}" in ana.text and f"/delegations/{far_id}" in ana.text
    assert "Venipuncture at Main St on" in ana.text
    assert "not met: state law, employer policy, competency, supervision" in ana.text
    [mia] = smtp.mailbox.to("mia@example.org")
    # The digest lists only the next 7 days, and the task with no CA rule.
    assert f"/delegations/{soon_id}" in mia.text and f"/delegations/{far_id}" not in mia.text
    assert "Venipuncture is delegated at Main St (CA), and no CA rule is recorded" in mia.text


def incident(logged_by, *, days_ago, requester=None, requester_name="", status=None):
    moment = dates.now() - timedelta(days=days_ago)
    record = Incident(
        logged_by=logged_by, logged_at=moment, occurred_at=moment, requester=requester,
        requester_name=requester_name, what_was_asked="Draw blood in room 2",
        reason=DeclineReason.not_trained, steps=["paused"],
        status=status or IncidentStatus.open,
    )  # fmt: skip
    db.session.add(record)
    db.session.flush()
    return record.id


def test_compliance_digest_never_tells_a_requester_about_their_requests(
    app, runner, smtp, world, make_person
):
    make_person("dana@example.org", Role.compliance, "Dana Smith")
    make_person("gone@example.org", Role.compliance, "Gone Officer", active=False)
    with app.app_context():
        people = {p.email.split("@")[0]: p for p in db.session.scalars(select(Person))}
        ana, casey = people["ana"], people["casey"]
        # Casey, picked from the staff list, pressed Ana three times: a repeated-pressure alert.
        about_casey = [incident(ana, days_ago=d, requester=casey) for d in (30, 25, 20)]
        # Someone typed Dana's name (other case and spacing) as the requester.
        about_dana = incident(ana, days_ago=16, requester_name="  dana   SMITH ")
        recent = incident(ana, days_ago=3, requester_name="Dr. Nobody")
        done = incident(ana, days_ago=40, requester_name="Dr. Nobody",
                        status=IncidentStatus.resolved)  # fmt: skip
        db.session.commit()

    assert run(runner).exit_code == 0

    [to_casey] = smtp.mailbox.to("casey@example.org")
    [to_dana] = smtp.mailbox.to("dana@example.org")
    assert smtp.mailbox.to("gone@example.org") == []
    for number in about_casey:
        assert f"Incident #{number} " not in to_casey.text
        assert f"/incidents/{number}" not in to_casey.html
        assert f"Incident #{number} " in to_dana.text
    assert "naming Casey" not in to_casey.text
    assert "3 declined requests naming Casey Brooks (Compliance officer)" in to_dana.text
    assert f"Incident #{about_dana} " in to_casey.text
    assert f"Incident #{about_dana} " not in to_dana.text
    assert f"/incidents/{about_dana}" not in to_dana.html
    for other in (recent, done):  # too recent; resolved
        assert f"Incident #{other} " not in to_casey.text + to_dana.text
    assert to_casey.subject.endswith("Compliance digest: 1 item needs review")
    assert to_dana.subject.endswith("Compliance digest: 4 items need review")


def test_the_command_reads_the_mail_settings_from_the_environment(tmp_path, smtp):
    """What a cron job runs: flask --app tracker send-reminders, configured by MAIL_*."""
    url = f"sqlite:///{tmp_path / 'cron.sqlite'}"
    app = make_app(url)
    with app.app_context():
        db.create_all()
        ensure_catalog()
        data = reminder_practice(dates.today(ZONE))
        data["state_rules"][0]["verified_on"] = None  # stale whatever the date
        import_practice(data, actor=CLI)
        db.session.commit()
        db.engine.dispose()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "TRACKER_"))},
        "DATABASE_URL": url,
        # The app is production unless told otherwise (and production needs its own key).
        "TRACKER_CONFIG": "development",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_USE_TLS": "false",
        "MAIL_FROM": "cron@clinic.test",
        "BASE_URL": "https://cron.clinic.test/",
    }
    flask = [sys.executable, "-m", "flask", "--app", "tracker", "send-reminders"]

    first = subprocess.run(flask, env=env, capture_output=True, text=True, timeout=60)
    second = subprocess.run(flask, env=env, capture_output=True, text=True, timeout=60)

    assert first.returncode == 0, first.stderr
    [mia] = smtp.mailbox.to("mia@example.org")
    assert mia.mail_from == "cron@clinic.test"
    assert "CA rule for Injection: last verified never" in mia.text
    assert "https://cron.clinic.test/policy/states/rules/" in mia.text
    assert second.returncode == 0 and "Nothing new" in second.stdout
    assert len(smtp.mailbox.to("mia@example.org")) == 1
    env["MAIL_PORT"] = str(free_port())  # nobody listens there
    with app.app_context():
        db.session.execute(ReminderSent.__table__.delete())
        db.session.commit()
        db.engine.dispose()
    failed = subprocess.run(flask, env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "not sent to mia@example.org" in failed.stderr


def test_stage_for_thresholds():
    from tracker.reminders.services import stage_for

    stages = {days: stage_for(days, (60, 30, 7, 0), 30) for days in (61, 60, 31, 30, 8, 7, 1,
                                                                   0, -30, -31)}  # fmt: skip
    assert stages == {61: None, 60: "60", 31: "60", 30: "30", 8: "30", 7: "7", 1: "7", 0: "0",
                      -30: "0", -31: None}  # fmt: skip


def test_protocol_review_dates_and_unread_versions(app, runner, smtp, world):
    """DESIGN section 15: a protocol's review date to the office and its approving provider
    at each threshold; a version not yet read to each assistant at its sites, once."""
    from tracker.protocols import services as protocols

    with app.app_context():
        today = practice_today()
        lee = db.session.get(Person, world["dr.lee"])
        protocol = protocols.create_protocol(
            CLI, code="phone", title="Phone routing", version=1,
            tasks=[db.session.scalar(select(Task).where(Task.code == "protocol-phone-routing"))],
            sites=[db.session.scalar(select(Site).where(Site.code == "main"))],
        )  # fmt: skip
        protocols.approve_protocol(CLI, protocol, approved_by=lee, approved_on=today,
                                   review_by=today + timedelta(days=25))  # fmt: skip
        db.session.commit()
    assert run(runner).exit_code == 0
    box = smtp.mailbox
    [ana] = box.to("ana@example.org")
    assert "Read and acknowledge the Phone routing protocol (v1)" in ana.text
    [lee_mail] = box.to("dr.lee@example.org")
    due = (today + timedelta(days=25)).isoformat()
    assert f"Phone routing protocol (v1) is due for review on {due}" in lee_mail.text
    [mia] = box.to("mia@example.org")
    assert "Phone routing protocol (v1) is due for review" in mia.text
    box.clear()
    assert run(runner).exit_code == 0
    assert box.to("ana@example.org") == [] and box.to("dr.lee@example.org") == []
    with later(19):  # 6 days before review: the 7-day reminder, read or not
        box.clear()
        assert run(runner).exit_code == 0
        assert "due for review" in box.to("dr.lee@example.org")[0].text
        assert box.to("ana@example.org") == [] or "Read and acknowledge" not in (
            box.to("ana@example.org")[0].text
        )
