"""Evidence documents through the verbs, the store, verify-audit and the practice file
(DESIGN section 16), on SQLite and on PostgreSQL when TEST_DATABASE_URL names it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.document_samples import CHECKLIST_PDF, HTML_PAGE, exif_of, jpeg_with_gps, png
from tracker.audit.models import AuditEvent
from tracker.competencies.models import Competency
from tracker.documents import storage
from tracker.documents.models import Document
from tracker.documents.services import (
    attach_document,
    documents_of,
    stored_file_problems,
    withdraw_document,
)
from tracker.errors import Refused
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.staff.models import Credential, License, Person


def person(email: str) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def the_competency() -> Competency:
    return db.session.scalar(select(Competency))


def stored_files(app) -> list[Path]:
    """Every file under the upload folder, temporary ones included."""
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


def attach_checklist(data=CHECKLIST_PDF, title="Skills checklist", actor=None) -> Document:
    comp = the_competency()
    document = attach_document(
        "competency",
        comp.id,
        title=title,
        filename="checklist.pdf",
        data=data,
        actor=actor or person("manager@example.org"),
    )
    db.session.commit()
    return document


def test_a_file_is_stored_under_its_sha256_and_its_audit_event_carries_the_hash(app, practice):
    with app.app_context():
        document = attach_checklist()
        sha = storage.sha256_of(CHECKLIST_PDF)
        assert document.sha256 == sha
        assert document.content_type == "application/pdf" and document.size == len(CHECKLIST_PDF)
        assert storage.path_for(sha).read_bytes() == CHECKLIST_PDF
        assert storage.path_for(sha).relative_to(app.config["UPLOAD_DIR"]).parts == (sha[:2], sha)
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "document_attached")
        )
        assert event.actor_label == "manager@example.org"
        assert (event.record_type, event.record_id) == ("competencies", str(document.record_id))
        assert event.after["sha256"] == sha and event.after["document_id"] == document.id


def test_the_same_file_twice_is_stored_once(app, practice):
    with app.app_context():
        first = attach_checklist(title="Checklist")
        second = attach_checklist(title="Checklist, again")
        assert first.id != second.id and first.sha256 == second.sha256
        assert stored_files(app) == [storage.path_for(first.sha256)]


def test_a_photo_is_kept_without_its_location(app, practice):
    with app.app_context():
        document = attach_checklist(data=jpeg_with_gps(), title="Certificate photo")
        kept = storage.read(document.sha256)
        assert document.content_type == "image/jpeg"
        assert exif_of(kept)["gps"] == {} and b"iPhone" not in kept


@pytest.mark.parametrize(
    "data, field, words",
    [
        (HTML_PAGE, "file", "Only PDF, PNG or JPEG"),
        (b"", "file", "empty"),
        (CHECKLIST_PDF, "title", "title"),
    ],
)
def test_a_refused_attachment_keeps_nothing(app, practice, data, field, words):
    with app.app_context():
        title = "" if field == "title" else "Checklist"
        with pytest.raises(Refused) as refused:
            attach_checklist(data=data, title=title)
        db.session.rollback()
        assert words in str(refused.value) and field in refused.value.by_field
        assert db.session.scalar(select(func.count(Document.id))) == 0
        assert stored_files(app) == []


def test_an_oversize_file_is_refused(app, practice):
    app.config["MAX_UPLOAD_MB"] = 1
    with app.app_context():
        with pytest.raises(Refused, match="at most 1 MB"):
            attach_checklist(data=CHECKLIST_PDF + b"\x00" * (1024 * 1024))
        db.session.rollback()
        assert stored_files(app) == []


def test_only_who_may_change_the_record_attaches(app, practice):
    with app.app_context():
        with pytest.raises(Refused, match="may not change"):
            attach_checklist(actor=person("ana@example.org"))
        # The validator corrects (so documents) their own sign-off; a manager any.
        attach_checklist(actor=person("dr.lee@example.org"))
        rule = db.session.scalar(select(StateRule))
        with pytest.raises(Refused, match="may not change"):
            attach_document("state_rule", rule.id, title="Statute", filename="s.pdf",
                            data=CHECKLIST_PDF, actor=person("dr.lee@example.org"))  # fmt: skip


def test_a_protocol_takes_documents_its_readers_see_once_approved(app, practice):
    """The signed protocol is attached by a manager; an assistant at its site sees it only
    once the protocol is approved (she never sees a draft), as on the protocol's page."""
    from datetime import date

    from tracker.catalog.models import Task
    from tracker.documents.records import KINDS
    from tracker.protocols.services import approve_protocol, create_protocol
    from tracker.sites.models import Site
    from tracker.vocabulary import DocumentRecordType

    with app.app_context():
        manager, ana = person("manager@example.org"), person("ana@example.org")
        task = db.session.scalar(select(Task).where(Task.code == "protocol-phone-routing"))
        site = db.session.scalar(select(Site).where(Site.code == "main"))
        protocol = create_protocol(manager, code="phone-routing", title="Phone routing",
                                   version=1, tasks=[task], sites=[site],
                                   document="Phone protocol v1")  # fmt: skip
        document = attach_document("protocol", protocol.id, title="Signed protocol",
                                   filename="protocol.pdf", data=CHECKLIST_PDF,
                                   actor=manager)  # fmt: skip
        kind = KINDS[DocumentRecordType.protocol]
        assert document.record_type == DocumentRecordType.protocol
        assert not kind.may_see(ana, protocol)
        with pytest.raises(Refused, match="may not change"):
            attach_document("protocol", protocol.id, title="Mine", filename="m.pdf",
                            data=CHECKLIST_PDF, actor=ana)  # fmt: skip
        approve_protocol(manager, protocol, approved_by=person("dr.lee@example.org"),
                         approved_on=date(2026, 6, 1))  # fmt: skip
        assert kind.may_see(ana, protocol)


def test_every_kind_of_record_takes_documents(app, practice):
    with app.app_context():
        manager = person("manager@example.org")
        for record_type, model in (
            ("competency", Competency),
            ("credential", Credential),
            ("license", License),
            ("state_rule", StateRule),
            ("policy", Policy),
        ):
            record = db.session.scalar(select(model))
            attach_document(record_type, record.id, title=f"{record_type} evidence",
                            filename="e.png", data=png(), actor=manager)  # fmt: skip
            db.session.commit()
            assert [d.title for d in documents_of(record_type, record.id)] == [
                f"{record_type} evidence"
            ]


def test_a_withdrawn_document_is_kept_with_its_file_and_an_event(app, practice, runner):
    with app.app_context():
        document = attach_checklist()
        manager = person("manager@example.org")
        assert withdraw_document(document, actor=manager) is True
        db.session.commit()
        assert withdraw_document(document, actor=manager) is False
        kept = db.session.get(Document, document.id)
        assert kept.withdrawn_at is not None and kept.withdrawn_by_id == manager.id
        assert storage.file_problem(kept.sha256) is None
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.record_type == "competencies")
        ).all()
        assert "document_withdrawn" in actions
        assert documents_of("competency", kept.record_id)[0].withdrawn_at is not None
    assert runner.invoke(args=["verify-audit"]).exit_code == 0


def test_verify_audit_checks_every_stored_file(app, practice, runner):
    with app.app_context():
        document = attach_checklist()
        path = storage.path_for(document.sha256)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "every stored document matches its hash" in result.output

    path.write_bytes(CHECKLIST_PDF.replace(b"612", b"613"))  # one digit of the page changed
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"document {document.id} ('Skills checklist', on competency" in result.output
    assert "changed" in result.output

    path.unlink()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "missing" in result.output


def test_verify_audit_sees_a_document_row_pointed_at_another_file(app, practice, runner):
    with app.app_context():
        document = attach_checklist()
        other = attach_checklist(data=png(), title="Other")
        db.session.get(Document, document.id).sha256 = other.sha256  # behind the app's back
        db.session.commit()
        assert any("not the one its audit event carries" in p for p in stored_file_problems())
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and f"document {document.id}" in result.output


def test_two_uploads_of_the_same_file_at_once_store_it_once(app, practice, monkeypatch):
    """Both writers are inside the write at the same moment (a barrier holds them there)."""
    with app.app_context():
        comp_id = the_competency().id
        manager_id = person("manager@example.org").id
    both_writing = threading.Barrier(2, timeout=20)
    real_write = storage._write

    def write_together(handle, data):
        both_writing.wait()
        real_write(handle, data)

    monkeypatch.setattr(storage, "_write", write_together)
    errors = []

    def upload(title):
        try:
            with app.app_context():
                manager = db.session.get(Person, manager_id)
                attach_document("competency", comp_id, title=title, filename="c.pdf",
                                data=CHECKLIST_PDF, actor=manager)  # fmt: skip
                db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(f"Copy {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        documents = db.session.scalars(select(Document)).all()
        assert len(documents) == 2
        assert stored_files(app) == [storage.path_for(storage.sha256_of(CHECKLIST_PDF))]
        assert stored_file_problems() == []


def test_a_failure_mid_write_leaves_no_half_file_and_no_record(app, practice, monkeypatch):
    def half_then_fail(handle, data):
        handle.write(data[: len(data) // 2])
        handle.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "_write", half_then_fail)
    with app.app_context():
        with pytest.raises(Refused, match="could not be stored"):
            attach_checklist()
        db.session.rollback()
        assert db.session.scalar(select(func.count(Document.id))) == 0
        assert not db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "document_attached")
        )
    assert stored_files(app) == []  # not even the temporary file


def test_a_failed_rename_leaves_no_temporary_file(app, practice, monkeypatch):
    def no_rename(source, target):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "replace", no_rename)
    with app.app_context():
        with pytest.raises(Refused):
            attach_checklist()
        db.session.rollback()
        assert db.session.scalar(select(func.count(Document.id))) == 0
    assert stored_files(app) == []


# --------------------------------------------------------------------------- practice file


def export_with_documents(runner, folder: Path) -> dict:
    result = runner.invoke(args=["export-practice", "--documents", str(folder)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_export_and_import_bring_documents_and_their_files_back(app, practice, runner, tmp_path):
    with app.app_context():
        checklist_sha = attach_checklist().sha256
        photo = attach_checklist(data=jpeg_with_gps(), title="Certificate photo")
        withdraw_document(photo, actor=person("manager@example.org"))
        db.session.commit()
    folder = tmp_path / "export"
    exported = export_with_documents(runner, folder)
    entries = exported["documents"]
    assert sorted(e["title"] for e in entries) == ["Certificate photo", "Skills checklist"]
    by_title = {e["title"]: e for e in entries}
    entry = by_title["Skills checklist"]
    assert entry["record_type"] == "competency"
    assert entry["record"] == {
        "person": "ana@example.org",
        "task": "injection",
        "trained_on": "2026-02-01",
        "validated_on": "2026-02-10",
    }
    assert entry["sha256"] == checklist_sha and entry["uploaded_by"] == "manager@example.org"
    assert by_title["Certificate photo"]["withdrawn_at"] is not None
    assert sorted(p.name for p in folder.iterdir()) == sorted(e["file"] for e in entries)
    (folder / "practice.json").write_text(json.dumps(exported))

    # Into an emptied database with an empty upload folder.
    app.config["UPLOAD_DIR"] = str(tmp_path / "new-uploads")
    with app.app_context():
        from tests.conftest import _empty_database
        from tracker.catalog.services import ensure_catalog

        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            db.drop_all()
        _empty_database()
        ensure_catalog()
        db.session.commit()
        assert db.session.scalar(select(func.count(Document.id))) == 0
    result = runner.invoke(
        args=["import-practice", str(folder / "practice.json"), "--documents", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert "documents: 2 created" in result.output
    with app.app_context():
        assert stored_file_problems() == []
        assert storage.read(checklist_sha) == CHECKLIST_PDF
    again = runner.invoke(args=["export-practice", "--documents", str(tmp_path / "again")])
    assert json.loads(again.output)["documents"] == entries
    result = runner.invoke(
        args=["import-practice", str(folder / "practice.json"), "--documents", str(folder)]
    )
    assert "documents: 0 created, 0 updated, 2 unchanged" in result.output


def test_import_refuses_a_file_whose_hash_is_not_its_own(app, practice, runner, tmp_path):
    with app.app_context():
        attach_checklist()
    folder = tmp_path / "export"
    exported = export_with_documents(runner, folder)
    entry = exported["documents"][0]
    (folder / entry["file"]).write_bytes(CHECKLIST_PDF + b"% tampered\n")
    with app.app_context():
        db.session.execute(Document.__table__.delete())
        db.session.commit()
    (folder / "practice.json").write_text(json.dumps(exported))
    result = runner.invoke(
        args=["import-practice", str(folder / "practice.json"), "--documents", str(folder)]
    )
    assert result.exit_code == 1
    assert "documents[0].file:" in result.output and "SHA-256" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0


def test_import_names_a_document_whose_record_is_unknown(app, practice, runner, tmp_path):
    with app.app_context():
        attach_checklist()
    folder = tmp_path / "export"
    exported = export_with_documents(runner, folder)
    exported["documents"][0]["record"]["task"] = "venipuncture"
    (folder / "practice.json").write_text(json.dumps(exported))
    result = runner.invoke(
        args=["import-practice", str(folder / "practice.json"), "--documents", str(folder)]
    )
    assert result.exit_code == 1
    assert "documents[0].record: no competency with these keys" in result.output


def test_import_without_the_folder_needs_the_files_already_stored(app, practice, runner, tmp_path):
    with app.app_context():
        sha = attach_checklist().sha256
    exported = export_with_documents(runner, tmp_path / "export")
    path = tmp_path / "practice.json"
    path.write_text(json.dumps(exported))
    assert (
        "documents: 0 created, 0 updated, 1 unchanged"
        in runner.invoke(args=["import-practice", str(path)]).output
    )
    with app.app_context():
        storage.path_for(sha).unlink()
        db.session.execute(Document.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["import-practice", str(path)])
    assert result.exit_code == 1 and "import with --documents DIR" in result.output
