"""CSV import of people and competencies: upload, preview, commit, templates."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from config import TestingConfig
from tests.conftest import PASSWORD
from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.competencies.models import Competency
from tracker.extensions import db
from tracker.imports.views import SALT
from tracker.sites.models import Site
from tracker.staff.models import License, Person
from tracker.vocabulary import Role

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"

TODAY = dates.today(SITE_ZONE)
VALIDATED = TODAY - timedelta(days=20)
#: Hashed once: hashing for every person of every test would take most of the suite's time.
PASSWORD_HASH = generate_password_hash(PASSWORD, method=TestingConfig.PASSWORD_HASH_METHOD)

PEOPLE_HEADER = "email,name,role,job_level,sites,can_validate,active"
COMP_HEADER = (
    "person,task,trained_on,training_hours,validated_on,validated_by,expires_on,"
    "prior_employer,evidence"
)


@pytest.fixture
def clinic(app):
    with app.app_context():
        main = Site(code="main", name="Main St", state="CA", timezone="America/Los_Angeles")
        north = Site(code="north", name="North", state="TX", timezone="America/Chicago")
        db.session.add_all([main, north])
        people = {
            "ana": Person(email="ana@example.org", name="Ana Ruiz", role=Role.assistant,
                          job_level="CMA", sites=[main]),
            "ben": Person(email="ben@example.org", name="Ben Ng", role=Role.assistant,
                          sites=[main]),
            "lee": Person(email="dr.lee@example.org", name="Dr. Lee", role=Role.provider,
                          sites=[main]),
            "mia": Person(email="manager@example.org", name="Mia Manager", role=Role.manager),
            "adi": Person(email="admin@example.org", name="Adi Admin", role=Role.admin),
            "cal": Person(email="compliance@example.org", name="Cal Compliance",
                          role=Role.compliance),
        }  # fmt: skip
        for person in people.values():
            person.password_hash = PASSWORD_HASH
        db.session.add_all(people.values())
        db.session.flush()
        db.session.add(
            License(person_id=people["lee"].id, type="MD", number="A1", state="CA",
                    expires_on=TODAY + timedelta(days=365))
        )  # fmt: skip
        db.session.commit()
        return {key: p.id for key, p in people.items()}


def upload(client, kind, content, filename="sheet.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        f"/imports/{kind}",
        data={"csv_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def payload_of(response) -> str:
    match = re.search(r'name="payload" type="hidden" value="([^"]+)"', response.get_data(True))
    assert match, "the preview offers no commit"
    return html.unescape(match.group(1))


def commit(client, kind, payload, attest=False):
    data = {"payload": payload}
    if attest:
        data["attest"] = "y"
    return client.post(f"/imports/{kind}/commit", data=data)


def problems_of(response) -> list[tuple[str, str, str]]:
    """The preview's problem table as (row, column, message)."""
    text = response.get_data(as_text=True)
    assert 'aria-label="Problems"' in text, "the preview lists no problems"
    body = text.split('aria-label="Problems"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body)
    return [(row, column, html.unescape(message)) for row, column, message in cells]


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def people_csv(*rows) -> str:
    return "\r\n".join([PEOPLE_HEADER, *rows]) + "\r\n"


def comp_csv(*rows) -> str:
    return "\n".join([COMP_HEADER, *rows]) + "\n"


def signed(app, kind, text, user_id, filename="sheet.csv"):
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT)
    return serializer.dumps({"kind": kind, "user": user_id, "filename": filename, "text": text})


# --------------------------------------------------------------------------- access


ROUTES = [
    ("get", "/imports/"),
    ("get", "/imports/people"),
    ("get", "/imports/competencies"),
    ("get", "/imports/people/template.csv"),
    ("get", "/imports/competencies/template.csv"),
]


@pytest.mark.parametrize(
    "email, status",
    [
        ("manager@example.org", 200),
        ("admin@example.org", 200),
        ("compliance@example.org", 403),
        ("dr.lee@example.org", 403),
        ("ana@example.org", 403),
    ],
)
def test_only_managers_and_admins_import(client, auth, app, clinic, email, status):
    auth.login(email)
    for method, path in ROUTES:
        assert getattr(client, method)(path).status_code == status, path
    if status == 403:
        assert (
            upload(client, "people", people_csv("x@example.org,X,assistant,,,,")).status_code == 403
        )
        payload = signed(app, "people", people_csv("x@example.org,X,assistant,,,,"), 1)
        assert commit(client, "people", payload).status_code == 403
        assert count(app, Person, Person.email == "x@example.org") == 0


def test_unknown_kind_is_404(client, auth, clinic):
    auth.login("manager@example.org")
    assert client.get("/imports/shifts").status_code == 404
    assert client.get("/imports/shifts/template.csv").status_code == 404


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind, header", [("people", PEOPLE_HEADER), ("competencies", COMP_HEADER)])
def test_templates_download_with_header_and_example(client, auth, clinic, kind, header):
    auth.login("manager@example.org")
    response = client.get(f"/imports/{kind}/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"filename={kind}-template.csv" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ",".join(rows[0]) == header
    assert len(rows) == 2 and rows[1][0] == "ana@example.org"


def test_the_people_template_previews_cleanly(client, auth, clinic):
    auth.login("manager@example.org")
    template = client.get("/imports/people/template.csv").data
    preview = upload(client, "people", template)
    assert preview.status_code == 200
    assert "Commit import" in preview.get_data(as_text=True)


# --------------------------------------------------------------------------- people


def test_people_preview_then_commit(client, auth, app, clinic):
    auth.login("manager@example.org")
    content = "\ufeff" + people_csv(
        "zoe@example.org,Zoe Park,assistant,MA I,main;north,no,yes",
        "ANA@example.org,Ana Ruiz,assistant,MA II,main,,",
        "dr.lee@example.org,Dr. Lee,provider,,main,,",
    )
    preview = upload(client, "people", content, "staff.csv")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "<strong>1</strong> to create, <strong>1</strong> to update" in text
    assert "1 unchanged" in text
    assert "job_level:</span> CMA → MA II" in text
    assert count(app, Person, Person.email == "zoe@example.org") == 0  # a preview writes nothing

    response = commit(client, "people", payload_of(preview))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported staff.csv: 1 created, 1 updated, 1 unchanged." in page
    with app.app_context():
        zoe = db.session.scalar(select(Person).where(Person.email == "zoe@example.org"))
        assert zoe.site_codes == ["main", "north"] and zoe.job_level == "MA I"
        assert zoe.password_hash is None
        ana = db.session.get(Person, clinic["ana"])
        assert ana.job_level == "MA II"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_label == "manager@example.org")
        ).all()
    actions = sorted((e.action, e.record_type) for e in events if e.action != "login")
    assert actions == [("create", "people"), ("import", "csv_import"), ("update", "people")]
    [summary] = [e for e in events if e.action == "import"]
    assert summary.after == {"file": "staff.csv", "rows": 3, "created": 1, "updated": 1,
                             "unchanged": 1}  # fmt: skip


def test_importing_the_same_file_again_changes_nothing(client, auth, app, clinic):
    auth.login("admin@example.org")
    content = people_csv("zoe@example.org,Zoe Park,assistant,MA I,main,no,yes")
    assert (
        commit(client, "people", payload_of(upload(client, "people", content))).status_code == 302
    )
    again = upload(client, "people", content)
    assert "<strong>0</strong> to create, <strong>0</strong> to update" in again.get_data(True)
    before = count(app, AuditEvent, AuditEvent.record_type == "people")
    assert commit(client, "people", payload_of(again)).status_code == 302
    assert count(app, AuditEvent, AuditEvent.record_type == "people") == before


def test_row_errors_name_row_and_column_and_nothing_is_written(client, auth, app, clinic):
    auth.login("manager@example.org")
    content = people_csv(
        "good@example.org,Good Person,assistant,,main,no,yes",
        "not-an-email,Bad Email,assistant,,,,",
        ",,,,,,",
        "x@example.org,X,wizard,,,,",
        "y@example.org,Y,assistant,,nowhere,maybe,",
        "z@example.org,,assistant,,,,",
    )
    response = upload(client, "people", content)
    assert response.status_code == 400
    assert problems_of(response) == [
        ("3", "email", "'not-an-email' is not an email address"),
        ("5", "role", "'wizard' is not one of: assistant, provider, manager, compliance, admin"),
        ("6", "sites", "no site with code nowhere"),
        ("6", "can_validate", "'maybe' is not yes or no."),
        ("7", "name", "is required"),
    ]
    text = response.get_data(as_text=True)
    assert "nothing can be imported" in text and "Commit import" not in text
    assert count(app, Person, Person.email == "good@example.org") == 0


def test_duplicate_rows_point_at_each_other(client, auth, clinic):
    auth.login("manager@example.org")
    content = people_csv("zoe@example.org,Zoe,assistant,,,,", "Zoe@Example.org,Zoe P,assistant,,,,")
    assert problems_of(upload(client, "people", content)) == [
        ("3", "—", "duplicate of row 2 (same email)")
    ]


@pytest.mark.parametrize(
    "content, expected",
    [
        (PEOPLE_HEADER + ",password\nzoe@example.org,Zoe,assistant,,,,,hunter2-secret\n",
         ("1", "password", "passwords and other secrets are never imported")),
        ("email,role\nzoe@example.org,assistant\n",
         ("1", "—", "missing required column(s): name.")),
        (PEOPLE_HEADER + ",shoe_size\nzoe@example.org,Zoe,assistant,,,,,9\n",
         ("1", "shoe_size", "unknown column; the columns are email, name, role")),
        (PEOPLE_HEADER + ",email\nzoe@example.org,Zoe,assistant,,,,,z@example.org\n",
         ("1", "email", "appears more than once.")),
        ("email;name;role\nzoe@example.org;Zoe;assistant\n",
         ("1", "—", "the columns are separated by ';'")),
        (PEOPLE_HEADER + "\nzoe@example.org,Zoe,assistant,,,,,extra\n",
         ("2", "—", "has 8 cells but the header has 7 columns")),
        (PEOPLE_HEADER + "\n", ("—", "—", "The file has a header but no rows to import.")),
        ("", ("1", "—", "The file has no header row.")),
    ],
)  # fmt: skip
def test_file_level_problems(client, auth, clinic, content, expected):
    auth.login("manager@example.org")
    response = upload(client, "people", content)
    assert response.status_code == 400
    [(row, column, message)] = problems_of(response)
    assert (row, column) == expected[:2] and message.startswith(expected[2])
    assert "hunter2-secret" not in response.get_data(as_text=True)


def test_spreadsheet_headers_and_blank_rows_are_forgiven(client, auth, app, clinic):
    auth.login("manager@example.org")
    content = (
        "Email, Name ,ROLE,Job Level,Sites,Can Validate,Active\r\n\r\n"
        'zoe@example.org,"Park, Zoe",assistant,MA I,main,Y,\r\n,,,,,,\r\n'
        "x@example.org,X,wizard,,,,\r\n"
    )
    # The blank rows still count: the bad row is row 5 of the spreadsheet.
    assert problems_of(upload(client, "people", content)) == [
        ("5", "role", "'wizard' is not one of: assistant, provider, manager, compliance, admin")
    ]


def test_not_utf8_is_refused_next_to_the_field(client, auth, clinic):
    auth.login("manager@example.org")
    response = upload(client, "people", people_csv("jose@example.org,José,assistant,,,,").encode(
        "latin-1"))  # fmt: skip
    assert response.status_code == 400
    assert "The file is not UTF-8 text" in response.get_data(as_text=True)


def test_no_file_and_oversize_file_are_refused(client, auth, app, clinic):
    auth.login("manager@example.org")
    empty = client.post("/imports/people", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400
    assert "Choose a CSV file to upload." in empty.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 100
    big = upload(client, "people", people_csv(*["zoe@example.org,Zoe,assistant,,,,"] * 5))
    assert big.status_code == 400
    assert "The file is larger than 100 bytes" in big.get_data(as_text=True)


def test_too_many_rows_are_refused(client, auth, app, clinic):
    app.config["IMPORT_MAX_ROWS"] = 2
    auth.login("manager@example.org")
    rows = [f"p{n}@example.org,P{n},assistant,,,," for n in range(3)]
    [(_, _, message)] = problems_of(upload(client, "people", people_csv(*rows)))
    assert message.startswith("The file has 3 rows; at most 2 can be imported at a time.")


def test_manager_cannot_grant_or_change_accounts_beyond_staff(client, auth, app, clinic):
    auth.login("manager@example.org")
    content = people_csv(
        "boss@example.org,New Boss,admin,,,,",
        "dr.lee@example.org,Dr. Lee,manager,,main,,",
        "admin@example.org,Adi Admin,admin,,,,no",
        "manager@example.org,Mia Manager,manager,,,,no",
    )
    assert problems_of(upload(client, "people", content)) == [
        ("2", "role", "only an administrator may add an administrator."),
        ("3", "role", "only an administrator may change a role (provider to manager)."),
        ("4", "email", "admin@example.org is an administrator; only an administrator may change "
                       "their record."),
        ("5", "email", "manager@example.org is a practice manager; only an administrator may "
                       "change their record."),
        ("5", "active", "you cannot deactivate yourself."),
    ]  # fmt: skip


def test_admin_may_change_roles_but_not_their_own(client, auth, app, clinic):
    auth.login("admin@example.org")
    ok = upload(client, "people", people_csv("dr.lee@example.org,Dr. Lee,manager,,main,,"))
    assert ok.status_code == 200
    own = upload(client, "people", people_csv("admin@example.org,Adi Admin,manager,,,,"))
    assert problems_of(own) == [("2", "role", "you cannot change your own role.")]


# --------------------------------------------------------------------------- commit safety


def test_commit_is_all_or_nothing_when_any_row_is_bad(client, auth, app, clinic):
    auth.login("manager@example.org")
    content = people_csv("good@example.org,Good,assistant,,main,,", "bad,Bad,assistant,,,,")
    response = commit(client, "people", signed(app, "people", content, clinic["mia"]))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "nothing was imported" in text
    assert ("3", "email", "'bad' is not an email address") in problems_of(response)
    assert count(app, Person, Person.email == "good@example.org") == 0
    assert count(app, AuditEvent, AuditEvent.action.in_(["create", "import"])) == 0


def test_commit_checks_again_what_changed_since_the_preview(client, auth, app, clinic):
    auth.login("manager@example.org")
    content = comp_csv(f"ana@example.org,injection,,10,{VALIDATED},dr.lee@example.org,,,")
    preview = upload(client, "competencies", content)
    assert preview.status_code == 200
    with app.app_context():  # Dr. Lee's license turns out to have lapsed before the sign-off
        license_ = db.session.scalar(select(License))
        license_.expires_on = VALIDATED - timedelta(days=1)
        db.session.commit()
    response = commit(client, "competencies", payload_of(preview), attest=True)
    assert response.status_code == 400
    assert problems_of(response)[0][:2] == ("2", "validated_by")
    assert count(app, Competency) == 0


@pytest.mark.parametrize("tamper", ["signature", "kind", "user"])
def test_a_forged_or_misdirected_payload_is_refused(client, auth, app, clinic, tamper):
    auth.login("manager@example.org")
    content = people_csv("zoe@example.org,Zoe,assistant,,,,")
    payload = signed(app, "people", content, clinic["mia"])
    if tamper == "signature":
        payload = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    elif tamper == "kind":
        payload = signed(app, "competencies", content, clinic["mia"])
    else:
        payload = signed(app, "people", content, clinic["adi"])
    assert commit(client, "people", payload).status_code == 400
    assert count(app, Person, Person.email == "zoe@example.org") == 0


def test_an_old_preview_must_be_uploaded_again(client, auth, app, clinic):
    app.config["IMPORT_PREVIEW_MAX_AGE"] = -1
    auth.login("manager@example.org")
    payload = signed(app, "people", people_csv("zoe@example.org,Zoe,assistant,,,,"), clinic["mia"])
    response = commit(client, "people", payload)
    assert response.status_code == 302 and response.headers["Location"].endswith("/imports/people")
    assert count(app, Person, Person.email == "zoe@example.org") == 0


def test_commit_without_a_payload_is_a_bad_request(client, auth, clinic):
    auth.login("manager@example.org")
    assert client.post("/imports/people/commit", data={}).status_code == 400


# --------------------------------------------------------------------------- competencies


def test_competencies_import_needs_the_attestation_and_keeps_both_names(client, auth, app, clinic):
    auth.login("manager@example.org")
    us_date = f"{VALIDATED.month}/{VALIDATED.day}/{VALIDATED.year}"
    content = comp_csv(
        f"ana@example.org,injection,,12,{us_date},dr.lee@example.org,,no,Checklist #44",
        "ben@example.org,vital-signs,2025-01-05,4,,,,yes,Prior clinic records",
    )
    preview = upload(client, "competencies", content)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "<strong>2</strong> to create" in text
    assert "Each validator named in this file observed the assistant perform the task" in text

    refused = commit(client, "competencies", payload_of(preview))
    assert refused.status_code == 400
    assert "Confirm that each validator observed the assistant perform the task." in (
        refused.get_data(as_text=True)
    )
    assert count(app, Competency) == 0

    response = commit(client, "competencies", payload_of(preview), attest=True)
    assert response.status_code == 302
    with app.app_context():
        ana, ben = db.session.scalars(select(Competency).order_by(Competency.person_id)).all()
        assert ana.validated_on == VALIDATED and ana.validated_by_id == clinic["lee"]
        assert ana.entered_by_id == clinic["mia"] and ana.attested_at is not None
        assert ana.training_hours == 12 and ana.evidence == "Checklist #44"
        assert ben.validated_on is None and ben.attested_at is None and ben.prior_employer
        creates = db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "competencies")
        ).all()
    assert [e.action for e in creates] == ["create", "create"]
    assert {e.actor_label for e in creates} == {"manager@example.org"}


def test_a_file_without_sign_offs_needs_no_attestation(client, auth, app, clinic):
    auth.login("manager@example.org")
    preview = upload(
        client, "competencies", comp_csv("ana@example.org,injection,2025-01-05,4,,,,,")
    )
    assert "signed attestations are on file" not in preview.get_data(as_text=True)
    assert commit(client, "competencies", payload_of(preview)).status_code == 302
    assert count(app, Competency) == 1


def test_competency_rows_are_checked_like_a_sign_off(client, auth, app, clinic):
    auth.login("manager@example.org")
    future = TODAY + timedelta(days=5)
    content = comp_csv(
        f"ana@example.org,diagnosis,,,{VALIDATED},dr.lee@example.org,,,",
        f"ana@example.org,injection,,,{VALIDATED},ana@example.org,,,",
        f"ana@example.org,venipuncture,,,{VALIDATED},compliance@example.org,,,",
        f"ana@example.org,xray,,,{VALIDATED},,,,",
        "ana@example.org,ear-lavage,,,,dr.lee@example.org,,,",
        f"nobody@example.org,injection,,,{VALIDATED},dr.lee@example.org,,,",
        "dr.lee@example.org,injection,,,,,,,",
        f"ben@example.org,injection,,,{future},dr.lee@example.org,,,",
        "ben@example.org,vital-signs,2026-02-30,twelve,13/45/2026,,,perhaps,",
    )
    problems = problems_of(upload(client, "competencies", content))
    assert problems[:3] == [
        ("7", "person", "no person with email nobody@example.org"),
        ("10", "trained_on", "'2026-02-30' is not a real date"),
        ("10", "training_hours", "'twelve' is not a number."),
    ]
    # Reading errors come first; the sign-off checks run once every row reads.
    fixed = content.replace("nobody@example.org", "ben@example.org").rsplit("\n", 2)[0] + "\n"
    problems = problems_of(upload(client, "competencies", fixed))
    assert problems == [
        ("2", "task", "diagnosis is reserved for licensed providers in every state; no "
                      "competency can be signed off for it."),
        ("3", "validated_by", "Ana Ruiz cannot validate their own competency; someone else "
                              "must."),
        ("4", "validated_by", "Cal Compliance is neither a licensed provider nor an approved "
                              "observer, so may not validate."),
        ("5", "validated_by", "name who validated it (required with validated_on)."),
        ("6", "validated_on", "give the day dr.lee@example.org validated it."),
        ("8", "person", "dr.lee@example.org is not a medical assistant (their role is "
                        "provider)."),
        ("9", "validated_on", f"cannot be after today ({TODAY.isoformat()})."),
    ]  # fmt: skip
    assert count(app, Competency) == 0


def test_bad_cells_in_the_last_row_are_located(client, auth, clinic):
    auth.login("manager@example.org")
    content = comp_csv("ben@example.org,vital-signs,2026-02-30,twelve,13/45/2026,,,perhaps,")
    assert problems_of(upload(client, "competencies", content)) == [
        ("2", "trained_on", "'2026-02-30' is not a real date"),
        ("2", "training_hours", "'twelve' is not a number."),
        ("2", "validated_on", "'13/45/2026' is not a real date."),
        ("2", "prior_employer", "'perhaps' is not yes or no."),
    ]
