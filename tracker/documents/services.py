"""Verbs for evidence documents: attach one to a record, withdraw it; and the reads that
pages, the training file, the practice file and verify-audit share.

Every writer (the upload form, the practice file) attaches through ``attach_document``,
which holds the rules: the record exists and the actor may change it, the title is one
line, the content is a PDF, PNG or JPEG within the size limit (images lose their
metadata), and the file is on the disk before any row points at it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.audit.services import SystemActor, record_event
from tracker.documents import storage
from tracker.documents.content import Unacceptable, prepare
from tracker.documents.models import Document
from tracker.documents.records import KINDS, NOT_KEPT, RecordKind, kind_of, record_of
from tracker.errors import Problems, Refused
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.validation import unfit_text
from tracker.vocabulary import DocumentRecordType

ATTACHED, WITHDRAWN = "document_attached", "document_withdrawn"
TITLE_MAX = 200
FILENAME_MAX = 255
#: Characters no file name keeps: control characters (NUL breaks PostgreSQL text).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def max_upload_bytes() -> int:
    return current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024


def _is_person(actor) -> bool:
    return not isinstance(actor, SystemActor)


def clean_filename(name: str | None) -> str:
    """The uploader's file name as typed, without control characters, at most 255 long."""
    name = _UNPRINTABLE.sub("", name or "").strip()
    return name[-FILENAME_MAX:] if len(name) > FILENAME_MAX else name


def record_for(record_type, record_id) -> tuple[RecordKind, object]:
    """The kind and the record a document names, or Refused naming the field."""
    try:
        DocumentRecordType(record_type)
    except ValueError:
        raise Refused.because(
            "must be one of " + ", ".join(t.value for t in DocumentRecordType), "record_type"
        ) from None
    kind = kind_of(record_type)
    if kind is None:
        raise Refused.because(NOT_KEPT, "record_type")
    record = record_of(kind, record_id) if isinstance(record_id, int) else None
    if record is None:
        raise Refused.because(f"no {kind.record_type.label} with id {record_id}", "record_id")
    return kind, record


def _event_values(document: Document) -> dict:
    """What the audit keeps of a document (its hash above all)."""
    return {
        "document_id": document.id,
        "title": document.title,
        "filename": document.filename,
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
    }


def attach_document(
    record_type,
    record_id,
    *,
    title: str,
    filename: str | None,
    data: bytes,
    actor,
    uploaded_by: Person | None = None,
    uploaded_at: datetime | None = None,
) -> Document:
    """Attach a file to a record: stored once under its SHA-256, then the row and its audit
    event (on the record, carrying the hash) in the caller's transaction.

    ``uploaded_by`` and ``uploaded_at`` keep a practice file's history; a person attaching
    from a page is the uploader, now.
    """
    kind, record = record_for(record_type, record_id)
    if _is_person(actor) and not kind.may_edit(actor, record):
        raise Refused.because(
            f"you may not change {kind.describe(record)}, so you may not attach to it",
            "record_id",
        )
    problems = Problems()
    title = (title or "").strip()
    if not title:
        problems.add("title", "Give the document a title.")
    elif len(title) > TITLE_MAX:
        problems.add("title", f"At most {TITLE_MAX} characters.")
    elif message := unfit_text(title):
        problems.add("title", message)
    content_type = None
    try:
        kept, content_type = prepare(data, max_upload_bytes())
    except Unacceptable as exc:
        problems.add("file", str(exc))
    problems.raise_any()
    try:
        sha256 = storage.store(kept)
    except OSError:
        current_app.logger.exception("an evidence file could not be written")
        raise Refused.because(
            "The file could not be stored (the upload folder is full or cannot be written); "
            "nothing was kept. Tell your administrator.",
            "file",
        ) from None
    document = Document(
        record_type=kind.record_type,
        record_id=record.id,
        title=title,
        sha256=sha256,
        size=len(kept),
        content_type=content_type,
        filename=clean_filename(filename) or f"document.{content_type.rsplit('/', 1)[1]}",
        uploaded_by_id=(actor.id if _is_person(actor) else None)
        if uploaded_by is None
        else uploaded_by.id,
        uploaded_at=uploaded_at or dates.now_to_the_second(),
    )
    db.session.add(document)
    db.session.flush()
    record_event(ATTACHED, record, after=_event_values(document), actor=actor)
    return document


def withdraw_document(
    document: Document,
    *,
    actor,
    withdrawn_by: Person | None = None,
    withdrawn_at: datetime | None = None,
) -> bool:
    """Withdraw a document from its record (kept, with its file, in the history).

    False when it was already withdrawn.
    """
    kind, record = record_for(document.record_type, document.record_id)
    if _is_person(actor) and not kind.may_edit(actor, record):
        raise Refused.because(f"you may not change {kind.describe(record)}", "record_id")
    if document.withdrawn_at is not None:
        return False
    document.withdrawn_at = withdrawn_at or dates.now_to_the_second()
    if withdrawn_by is not None:
        document.withdrawn_by_id = withdrawn_by.id
    elif _is_person(actor):
        document.withdrawn_by_id = actor.id
    db.session.flush()
    record_event(
        WITHDRAWN,
        record,
        before=_event_values(document),
        after={"document_id": document.id, "withdrawn_at": document.withdrawn_at},
        actor=actor,
    )
    return True


# --------------------------------------------------------------------------- reads


def _load(query):
    return query.options(selectinload(Document.uploaded_by), selectinload(Document.withdrawn_by))


def documents_of(record_type, record_id: int) -> list[Document]:
    """One record's documents, current first, then withdrawn; newest first within each."""
    return documents_by_record([(record_type, record_id)]).get(
        (DocumentRecordType(record_type), record_id), []
    )


def documents_by_record(
    records: Iterable[tuple[DocumentRecordType | str, int]],
) -> dict[tuple[DocumentRecordType, int], list[Document]]:
    """The documents of many records in one query, keyed by (record type, record id)."""
    wanted: dict[DocumentRecordType, set[int]] = defaultdict(set)
    for record_type, record_id in records:
        wanted[DocumentRecordType(record_type)].add(record_id)
    if not wanted:
        return {}
    query = _load(
        select(Document)
        .where(
            or_(
                *(
                    and_(Document.record_type == t, Document.record_id.in_(sorted(ids)))
                    for t, ids in wanted.items()
                )
            )
        )
        .order_by(Document.withdrawn_at.is_not(None), Document.uploaded_at.desc(), Document.id)
    )
    found: dict[tuple[DocumentRecordType, int], list[Document]] = defaultdict(list)
    for document in db.session.scalars(query):
        found[(document.record_type, document.record_id)].append(document)
    return dict(found)


def visible_document_or_none(document_id: int, viewer: Person) -> Document | None:
    """A document whose record the viewer may see; None otherwise (the page answers 404)."""
    document = db.session.get(Document, document_id)
    if document is None:
        return None
    kind = kind_of(document.record_type)
    record = record_of(kind, document.record_id) if kind else None
    if record is None or not kind.may_see(viewer, record):
        return None
    return document


def download_name(document: Document) -> str:
    """The name a download is saved under: the uploader's, with the extension its content
    has (a PNG named "scan.pdf" is saved as "scan.pdf.png")."""
    from tracker.vocabulary import DOCUMENT_TYPES

    name = document.filename.replace("\\", "/").rsplit("/", 1)[-1] or "document"
    extension = DOCUMENT_TYPES[document.content_type]
    endings = {"jpg": (".jpg", ".jpeg")}.get(extension, (f".{extension}",))
    return name if name.lower().endswith(endings) else f"{name}.{extension}"


def stored_file_problems() -> list[str]:
    """Each document whose stored file is missing, changed, or whose hash is not the one
    its attachment's audit event carries: one line naming the document and its record."""
    carried: dict[int, str] = {}
    for after in db.session.scalars(select(AuditEvent.after).where(AuditEvent.action == ATTACHED)):
        if isinstance(after, dict) and isinstance(after.get("document_id"), int):
            carried[after["document_id"]] = after.get("sha256")
    problems = []
    checked: dict[str, str | None] = {}
    for document in db.session.scalars(select(Document).order_by(Document.id)):
        where = (
            f"document {document.id} ({document.title!r}, on {document.record_type.label} "
            f"{document.record_id})"
        )
        if carried.get(document.id) != document.sha256:
            problems.append(f"{where}: its hash is not the one its audit event carries")
            continue
        if document.sha256 not in checked:
            checked[document.sha256] = storage.file_problem(document.sha256)
        if checked[document.sha256]:
            problems.append(f"{where}: {checked[document.sha256]}")
    return problems


__all__ = [
    "KINDS",
    "attach_document",
    "documents_by_record",
    "documents_of",
    "stored_file_problems",
    "withdraw_document",
]
