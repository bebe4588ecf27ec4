"""An evidence document attached to a record: never deleted, only withdrawn."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import DocumentRecordType


class Document(db.Model):
    """A file attached to a competency, credential, license, state rule, policy or protocol.

    The file itself lives in the upload folder under its SHA-256 (``tracker.documents.
    storage``); several documents may share one stored file.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[DocumentRecordType] = mapped_column(
        enum_column(DocumentRecordType, "document_record_type")
    )
    #: The id of the record in its own table (which table: record_type).
    record_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: Hex SHA-256 of the stored bytes (after an image's metadata was removed): the file's name.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    #: Recognised from the content (application/pdf, image/png, image/jpeg).
    content_type: Mapped[str] = mapped_column(String(64))
    #: The name the file had on the uploader's computer, kept as typed (shown, never a path).
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Withdrawn from the record: no longer listed as its evidence, kept in the history.
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))

    uploaded_by: Mapped[Optional[Person]] = relationship(foreign_keys=[uploaded_by_id])
    withdrawn_by: Mapped[Optional[Person]] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def type_name(self) -> str:
        """PDF, PNG or JPEG: the type its content has."""
        return self.content_type.rsplit("/", 1)[-1].upper()

    @property
    def size_words(self) -> str:
        """Its size as people read it: "240 KB", "1.5 MB"."""
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"
