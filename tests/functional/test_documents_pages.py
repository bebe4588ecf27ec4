"""Evidence documents through the pages: attach, download, withdraw, refusals, the
training file (DESIGN section 16)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import PASSWORD, make_app
from tests.document_samples import (
    CHECKLIST_PDF,
    HTML_PAGE,
    SHELL_SCRIPT,
    WORD_DOCX,
    exif_of,
    jpeg_with_gps,
    png,
)
from tracker.audit.models import AuditEvent
from tracker.competencies.models import Competency
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.staff.models import Credential, License, Person


def ids(app) -> dict:
    with app.app_context():
        return {
            "competency": db.session.scalar(select(Competency.id)),
            "credential": db.session.scalar(select(Credential.id)),
            "license": db.session.scalar(select(License.id)),
            "state_rule": db.session.scalar(select(StateRule.id)),
            "policy": db.session.scalar(select(Policy.id)),
        }


def upload(client, record_type, record_id, data=CHECKLIST_PDF, name="checklist.pdf",
           title="Skills checklist", content_type="application/pdf"):  # fmt: skip
    return post_multipart(
        client,
        {
            "record_type": record_type,
            "record_id": str(record_id),
            "title": title,
            "file": FileStorage(io.BytesIO(data), filename=name, content_type=content_type),
        },
    )


def post_multipart(client, values: dict):
    """A multipart POST encoded in memory (the test client spools a large body to a
    temporary file it never closes)."""
    boundary, body = encode_multipart(MultiDict(values))
    return client.post(
        "/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def fetch(client, url: str):
    """GET a download and close it (its file is closed by the server after sending)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def documents(app) -> list[Document]:
    with app.app_context():
        return db.session.scalars(select(Document).order_by(Document.id)).all()


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


@pytest.fixture
def second_assistant(app, practice):
    with app.app_context():
        ben = Person(email="ben@example.org", name="Ben Ortiz", role="assistant")
        ben.set_password(PASSWORD)
        db.session.add(ben)
        db.session.commit()


def test_a_manager_attaches_a_checklist_and_the_assistant_downloads_it(app, client, login_as):
    login_as("manager@example.org")
    comp_id = ids(app)["competency"]
    response = upload(client, "competency", comp_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/competencies/{comp_id}")
    page = client.get(f"/competencies/{comp_id}").get_data(as_text=True)
    assert "Skills checklist" in page and "“Skills checklist” was attached." in page
    assert "Document attached" in page  # in the record's history too
    [document] = documents(app)

    login_as("ana@example.org")
    assert "Skills checklist" in client.get(f"/competencies/{comp_id}").get_data(as_text=True)
    download = fetch(client, f"/documents/{document.id}")
    assert download.status_code == 200
    assert download.get_data() == CHECKLIST_PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "checklist.pdf" in disposition


def test_the_type_served_is_the_sniffed_one_not_the_name_or_the_browsers_claim(
    app, client, login_as
):
    login_as("manager@example.org")
    response = upload(client, "competency", ids(app)["competency"], data=png(),
                      name="scan.pdf", content_type="application/pdf")  # fmt: skip
    assert response.status_code == 303
    [document] = documents(app)
    assert document.content_type == "image/png" and document.filename == "scan.pdf"
    download = fetch(client, f"/documents/{document.id}")
    assert download.mimetype == "image/png"
    assert "scan.pdf.png" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "data, name, said",
    [
        (HTML_PAGE, "checklist.pdf", "this one is a web page (HTML)"),
        (SHELL_SCRIPT, "checklist.pdf", "Only PDF, PNG or JPEG files are accepted"),
        (WORD_DOCX, "checklist.docx", "this one is a Word document"),
        (b"", "empty.pdf", "The file is empty."),
    ],
)
def test_anything_but_a_pdf_png_or_jpeg_is_refused_with_a_message(
    app, client, login_as, data, name, said
):
    login_as("manager@example.org")
    response = upload(client, "competency", ids(app)["competency"], data=data, name=name)
    assert response.status_code == 400
    assert said in response.get_data(as_text=True)
    assert 'value="Skills checklist"' in response.get_data(as_text=True)  # the title stays
    assert documents(app) == [] and stored_files(app) == []


def test_a_form_without_a_file_or_title_says_so(app, client, login_as):
    login_as("manager@example.org")
    comp_id = ids(app)["competency"]
    no_file = post_multipart(
        client, {"record_type": "competency", "record_id": str(comp_id), "title": "x"}
    )
    assert no_file.status_code == 400 and "Choose a file to attach." in no_file.get_data(True)
    no_title = upload(client, "competency", comp_id, title="")
    assert no_title.status_code == 400 and "Give the document a title." in no_title.get_data(True)
    assert documents(app) == []


def test_an_oversize_upload_is_refused_from_its_length_with_a_friendly_page(app, client, login_as):
    app.config["MAX_UPLOAD_MB"] = 1
    login_as("manager@example.org")
    big = CHECKLIST_PDF + b"%" * (1024 * 1024 + 128 * 1024)
    response = upload(client, "competency", ids(app)["competency"], data=big)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than 1 MB, the most a document may be; nothing was kept" in page
    assert documents(app) == [] and stored_files(app) == []


def test_a_file_just_past_the_limit_but_inside_the_forms_allowance_is_refused_too(
    app, client, login_as
):
    app.config["MAX_UPLOAD_MB"] = 1
    login_as("manager@example.org")
    response = upload(client, "competency", ids(app)["competency"],
                      data=CHECKLIST_PDF + b"%" * (1024 * 1024))  # fmt: skip
    assert response.status_code == 400
    assert "at most 1 MB is accepted" in response.get_data(as_text=True)
    assert documents(app) == []


def test_uploads_may_be_larger_than_other_requests(app, client, login_as):
    """MAX_CONTENT_LENGTH (5 MB) still bounds every other form; an upload takes 10 MB."""
    login_as("manager@example.org")
    six_mb = CHECKLIST_PDF + b"%" * (6 * 1024 * 1024)
    assert upload(client, "competency", ids(app)["competency"], data=six_mb).status_code == 303
    other = client.post("/records/people/new", data={"name": "x" * (6 * 1024 * 1024)})
    assert other.status_code == 413


def test_a_photo_is_served_without_its_location(app, client, login_as):
    login_as("manager@example.org")
    upload(client, "competency", ids(app)["competency"], data=jpeg_with_gps(),
           name="IMG_0001.JPG", content_type="image/jpeg")  # fmt: skip
    [document] = documents(app)
    served = fetch(client, f"/documents/{document.id}").data
    assert exif_of(served)["gps"] == {} and b"iPhone" not in served


def test_who_may_not_change_the_record_may_not_attach(app, client, login_as):
    login_as("ana@example.org")  # her own competency: she sees it, she does not keep it
    response = upload(client, "competency", ids(app)["competency"])
    assert response.status_code == 403
    login_as("dr.lee@example.org")  # a provider reads state rules; managers keep them
    assert upload(client, "state_rule", ids(app)["state_rule"]).status_code == 403
    assert documents(app) == []
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "access_denied")
            )
            == 2
        )


def test_the_validator_attaches_to_their_own_sign_off(app, client, login_as):
    login_as("dr.lee@example.org")
    assert upload(client, "competency", ids(app)["competency"]).status_code == 303


def test_another_assistant_gets_404_for_the_record_and_its_document(
    app, client, login_as, second_assistant
):
    login_as("manager@example.org")
    upload(client, "competency", ids(app)["competency"])
    upload(client, "credential", ids(app)["credential"], data=png(), name="cma.png")
    login_as("ben@example.org")
    for document in documents(app):
        assert fetch(client, f"/documents/{document.id}").status_code == 404
        assert client.post(f"/documents/{document.id}/withdraw").status_code == 404
    assert upload(client, "competency", ids(app)["competency"]).status_code == 404
    assert client.get("/documents/999999").status_code == 404


def test_unknown_records_are_refused_clearly(app, client, login_as):
    login_as("manager@example.org")
    assert upload(client, "competency", 424242).status_code == 404
    assert upload(client, "nonsense", 1).status_code == 404
    assert upload(client, "protocol", 424242).status_code == 404


def test_every_record_page_has_the_form_and_lists_its_documents(app, client, login_as):
    login_as("manager@example.org")
    record_ids = ids(app)
    pages = {
        "competency": f"/competencies/{record_ids['competency']}",
        "credential": f"/records/credentials/{record_ids['credential']}/edit",
        "license": f"/records/licenses/{record_ids['license']}/edit",
        "state_rule": f"/policy/states/rules/{record_ids['state_rule']}/edit",
        "policy": f"/policy/{record_ids['policy']}/edit",
    }
    for record_type, url in pages.items():
        page = client.get(url).get_data(as_text=True)
        assert 'action="/documents"' in page and 'enctype="multipart/form-data"' in page, url
        assert f'name="record_type" type="hidden" value="{record_type}"' in page
        response = upload(client, record_type, record_ids[record_type],
                          title=f"{record_type} paper")  # fmt: skip
        assert response.status_code == 303 and response.headers["Location"].endswith(url)
        assert f"{record_type} paper" in client.get(url).get_data(as_text=True)


def test_a_withdrawn_document_leaves_the_list_but_stays_in_the_history(app, client, login_as):
    login_as("manager@example.org")
    comp_id = ids(app)["competency"]
    upload(client, "competency", comp_id)
    [document] = documents(app)
    response = client.post(f"/documents/{document.id}/withdraw")
    assert response.status_code == 303
    page = client.get(f"/competencies/{comp_id}").get_data(as_text=True)
    assert "Withdrawn" in page and "Document withdrawn" in page
    assert fetch(client, f"/documents/{document.id}").status_code == 200  # still in the history
    assert client.get(f"/documents/{document.id}/withdraw").status_code == 405
    training = client.get("/staff/" + str(_ana_id(app))).get_data(as_text=True)
    assert f"/documents/{document.id}" not in training  # the file lists current evidence

    login_as("ana@example.org")
    assert client.post(f"/documents/{document.id}/withdraw").status_code == 403


def _ana_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))


def test_the_training_file_lists_each_records_documents_on_page_print_and_api(
    app, client, login_as
):
    login_as("manager@example.org")
    record_ids = ids(app)
    upload(client, "competency", record_ids["competency"], title="Injection checklist")
    upload(client, "credential", record_ids["credential"], data=png(), name="cma.png",
           title="CMA certificate scan")  # fmt: skip
    [checklist, certificate] = documents(app)
    ana = _ana_id(app)
    page = client.get(f"/staff/{ana}").get_data(as_text=True)
    assert f'href="/documents/{checklist.id}">Injection checklist</a>' in page
    assert f'href="/documents/{certificate.id}">CMA certificate scan</a>' in page
    printed = client.get(f"/reports/print/training-file/{ana}").get_data(as_text=True)
    assert "Injection checklist (PDF, SHA-256 " + checklist.sha256[:12] in printed
    assert "CMA certificate scan (PNG" in printed

    with app.app_context():
        from tracker.api.tokens import create_token

        manager = db.session.scalar(select(Person).where(Person.email == "manager@example.org"))
        token, _ = create_token(manager, "docs", ["read"], 30, manager)
        db.session.commit()
    answer = client.get(
        "/api/v1/people/ana@example.org/training-file",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    [competency] = answer["competencies"]
    assert [d["title"] for d in competency["documents"]] == ["Injection checklist"]
    assert competency["documents"][0]["sha256"] == checklist.sha256
    assert answer["credentials"][0]["documents"][0]["content_type"] == "image/png"


@pytest.fixture
def csrf_app(app):
    csrf_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True,
                        UPLOAD_DIR=app.config["UPLOAD_DIR"])  # fmt: skip
    yield csrf_app
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_upload_and_withdraw_need_the_forms_csrf_token(app, practice, csrf_app):
    with app.app_context():
        manager = db.session.scalar(select(Person).where(Person.email == "manager@example.org"))
        manager.set_password(PASSWORD)
        db.session.commit()
    client = csrf_app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": "manager@example.org", "password": PASSWORD,
                                "csrf_token": _token(login)})  # fmt: skip
    comp_id = ids(app)["competency"]
    refused = upload(client, "competency", comp_id)
    assert refused.status_code == 400 and documents(app) == []
    page = client.get(f"/competencies/{comp_id}").get_data(as_text=True)
    form = page[page.index('action="/documents"') :]
    response = post_multipart(
        client,
        {"record_type": "competency", "record_id": str(comp_id), "title": "Checklist",
         "csrf_token": _token(form),
         "file": FileStorage(io.BytesIO(CHECKLIST_PDF), filename="c.pdf")},
    )  # fmt: skip
    assert response.status_code == 303
    [document] = documents(app)
    assert client.post(f"/documents/{document.id}/withdraw").status_code == 400
    assert documents(app)[0].withdrawn_at is None


def test_readers_of_state_rules_and_policies_find_their_documents_on_the_lists(
    app, client, login_as
):
    """Providers and compliance read state rules and policies (their edit pages are the
    record keepers'): the lists link each record's current documents."""
    login_as("manager@example.org")
    record_ids = ids(app)
    upload(client, "state_rule", record_ids["state_rule"], title="16 CCR 1366 text")
    upload(client, "policy", record_ids["policy"], data=png(), name="signed.png",
           title="Signed task policy")  # fmt: skip
    [statute, policy] = documents(app)
    login_as("dr.lee@example.org")
    rules = client.get("/policy/states/CA").get_data(as_text=True)
    assert f'href="/documents/{statute.id}">16 CCR 1366 text</a>' in rules
    policies = client.get("/policy/all").get_data(as_text=True)
    assert f'href="/documents/{policy.id}">Signed task policy</a>' in policies
    assert fetch(client, f"/documents/{statute.id}").status_code == 200
    assert 'action="/documents"' not in client.get(
        f"/policy/states/rules/{record_ids['state_rule']}/edit"
    ).get_data(as_text=True)
