"""The decision panel's conditions (``panel_rows``) and the links to their records
(``RecordLinks``): each row's words for its reader, each record linked once a page."""

from __future__ import annotations

from types import SimpleNamespace

from flask_login import login_user

from tracker.decision.views import panel_rows
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.templating import RecordLinks
from tracker.vocabulary import Role

RESULT = {
    "status": "flagged",
    "conditions": [
        {
            "condition": "state_law",
            "met": False,
            "reason": "No CA rule for injection is recorded, so it is not verified.",
            "evidence": ["checked 2027-01-05T17:00:00Z"],
        },
        {
            "condition": "competency",
            "met": True,
            "reason": "Validated.",
            "evidence": ["not shown: the records are"],
            "records": [
                {"kind": "competency", "id": 5, "label": "current until 2027-02-10"},
                {"kind": "policy", "id": 3, "label": "signed 2027-01-05T17:00:00Z"},
                {"kind": "nothing-known", "id": 1, "label": "as text"},
            ],
        },
    ],
}


class Links:
    """A stand-in for RecordLinks: every record linked, the calls kept."""

    def __init__(self):
        self.calls = []

    def __call__(self, kind, record_id, assistant_id=None):
        self.calls.append((kind, record_id, assistant_id))
        return None if kind == "nothing-known" else f"/{kind}/{record_id}?for={assistant_id}"


def test_rows_carry_labels_reasons_fixes_and_records():
    links = Links()
    fixes = {"state_law": [("Record the rule", "/policy/states/new")]}
    manager = SimpleNamespace(role=Role.manager)
    state_law, competency = panel_rows(RESULT, manager, "America/Los_Angeles", 9, fixes, links)

    assert (state_law.label, state_law.met) == ("State law", False)
    assert state_law.reason == RESULT["conditions"][0]["reason"]
    assert state_law.fixes == [("Record the rule", "/policy/states/new")]
    assert state_law.records == []
    assert state_law.evidence == ["checked 2027-01-05 09:00 PST"]  # on the site's clock

    assert (competency.label, competency.met, competency.fixes) == ("Competency", True, [])
    assert competency.records == [
        ("/competency/5?for=9", "current until 2027-02-10"),
        ("/policy/3?for=9", "signed 2027-01-05 09:00 PST"),
        (None, "as text"),
    ]
    assert competency.evidence == []  # records shown: the evidence is not repeated
    assert links.calls == [("competency", 5, 9), ("policy", 3, 9), ("nothing-known", 1, 9)]


def test_an_assistant_reads_the_reason_meant_for_them():
    assistant = SimpleNamespace(role=Role.assistant)
    row = panel_rows(RESULT, assistant, None, 9, {}, Links())[0]
    assert row.reason.endswith("so it is not confirmed that a medical assistant may do it there.")
    assert row.evidence == ["checked 2027-01-05T17:00:00Z"]  # no zone: as the rule wrote it


def test_record_links_for_one_page(app, make_person):
    assistant_id = make_person("ana@example.org", role=Role.assistant)
    with app.test_request_context("/"):
        links = RecordLinks()
        assert links("policy", 3) is None  # nobody signed in: no link at all
        login_user(db.session.get(Person, assistant_id))
        links = RecordLinks()
        training = links("competency", 5, assistant_id)
        assert (
            training
            == links("credential", 6, assistant_id)
            == links("supervision", 7, assistant_id)
        )
        assert str(assistant_id) in training
        assert links("policy", 3) != links("policy", 4)
        assert links("policy", 3).endswith("policy=3")
        assert links("policy", None) == links("policy", None, assistant_id)  # the policy page
        assert "policy=" not in links("policy", None)
        assert links("competency", 5) is None  # whose file: no assistant, no link
        assert links("nothing-known", 1, assistant_id) is None
