"""Evidence documents: attach (POST /documents), download, withdraw.

Each record's page includes ``documents/_panel.html`` (its list and the upload form); the
routes check the record as its own pages do: who may see it downloads (else 404), who may
change it attaches and withdraws.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
)

from tracker.audit.denied import refuse
from tracker.documents import services, storage
from tracker.documents.forms import DocumentForm, WithdrawForm
from tracker.documents.records import kind_of, record_of
from tracker.errors import render_error
from tracker.form_pages import current_person, save_form
from tracker.validation import accepts_upload

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _record_or_404(record_type, record_id):
    """The kind and record a form names, when the signed-in person may see the record."""
    kind = kind_of(record_type)
    record = record_of(kind, record_id) if kind is not None and record_id else None
    if record is None or not kind.may_see(current_person(), record):
        abort(404)
    return kind, record


def new_form(record_type: str, record) -> DocumentForm:
    form = DocumentForm(formdata=None)
    form.record_type.data = record_type
    form.record_id.data = str(record.id)
    _describe_limit(form)
    return form


def _describe_limit(form: DocumentForm) -> None:
    form.file.description = form.file.description.replace(
        "{mb}", str(current_app.config["MAX_UPLOAD_MB"])
    )


@bp.route("", methods=["POST"])
@accepts_upload
def upload():
    """Attach a file to a record (multipart: record_type, record_id, title, file)."""
    me = current_person()
    kind, record = _record_or_404(
        request.form.get("record_type"), request.form.get("record_id", type=int)
    )
    if not kind.may_edit(me, record):
        refuse(f"only those who may change {kind.record_type.label}s attach documents to them")
    form = DocumentForm()
    _describe_limit(form)
    if form.validate_on_submit():
        upload = form.file.data
        # One byte past the limit is enough to refuse it; never more than that is read.
        data = upload.stream.read(services.max_upload_bytes() + 1)
        saved, document = save_form(
            form,
            lambda: services.attach_document(
                kind.record_type,
                record.id,
                title=form.title.data,
                filename=upload.filename,
                data=data,
                actor=me,
            ),
            flash_general=False,
        )
        if saved:
            flash(f"\u201c{document.title}\u201d was attached.", "success")
            return redirect(kind.page(record), code=303)
    return render_template(
        "documents/upload.html",
        form=form,
        general_errors=form.form_errors,
        record_label=kind.describe(record),
        back_url=kind.page(record),
    ), 400


@bp.errorhandler(413)
def too_large(error):
    """A body past MAX_UPLOAD_MB, refused from its Content-Length before it was read."""
    mb = current_app.config["MAX_UPLOAD_MB"]
    return render_error(
        413, f"That file is larger than {mb} MB, the most a document may be; nothing was kept."
    )


@bp.route("/<int:document_id>")
def download(document_id: int):
    """Download a document, to whoever may see its record, as an attachment."""
    document = services.visible_document_or_none(document_id, current_person())
    if document is None:
        abort(404)
    path = storage.path_for(document.sha256)
    if not path.is_file():
        return render_error(
            404,
            "This document's file is missing from the upload folder; an administrator can "
            "restore it from the backup (flask verify-audit names every missing file).",
        )
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=services.download_name(document),
        conditional=False,
        etag=document.sha256,
        max_age=0,
    )
    # X-Content-Type-Options: nosniff comes with every response (security_headers): the
    # browser takes the sniffed type above, never its own guess.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:document_id>/withdraw", methods=["POST"])
def withdraw(document_id: int):
    """Withdraw a document from its record (kept in the history, never deleted)."""
    me = current_person()
    document = services.visible_document_or_none(document_id, me)
    if document is None:
        abort(404)
    kind, record = _record_or_404(document.record_type.value, document.record_id)
    if not kind.may_edit(me, record):
        refuse(f"only those who may change {kind.record_type.label}s withdraw their documents")
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    saved, changed = save_form(form, lambda: services.withdraw_document(document, actor=me))
    if not saved:
        return redirect(kind.page(record), code=303)
    if changed:
        flash(f"\u201c{document.title}\u201d was withdrawn; it stays in the history.", "success")
    else:
        flash(f"\u201c{document.title}\u201d was already withdrawn.", "info")
    return redirect(kind.page(record), code=303)


@bp.app_context_processor
def _panel_helpers():
    def documents_panel(record_type: str, record) -> dict:
        """What a record page's documents panel shows: the record's documents, and the
        upload form when the signed-in person may change the record."""
        kind = kind_of(record_type)
        me = current_person()
        may_attach = kind is not None and kind.may_edit(me, record)
        return {
            "documents": services.documents_of(record_type, record.id),
            "form": new_form(record_type, record) if may_attach else None,
            "withdraw_form": WithdrawForm() if may_attach else None,
        }

    def record_documents(record_type: str, record_ids) -> dict[int, list]:
        """The current documents of a list's records (one query): record id -> documents."""
        found = services.documents_by_record((record_type, i) for i in record_ids)
        return {
            record_id: current
            for (_, record_id), docs in found.items()
            if (current := [d for d in docs if d.withdrawn_at is None])
        }

    return {"documents_panel": documents_panel, "record_documents": record_documents}
