from __future__ import annotations

import posixpath

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.errors import Refused
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.imports.commit import ATTEST, commit_import
from tracker.imports.forms import CommitForm, UploadForm
from tracker.imports.plan import plan_import
from tracker.imports.reader import SPECS, CsvSpec, decode, describe, template_csv

bp = Blueprint("imports", __name__, url_prefix="/imports")

#: Keeps these signatures from being valid anywhere else the secret key signs.
SALT = "tracker.imports.csv-preview"


def _spec_or_404(kind: str) -> CsvSpec:
    spec = SPECS.get(kind)
    if spec is None:
        abort(404)
    return spec


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _max_rows() -> int:
    return current_app.config.get("IMPORT_MAX_ROWS", 2000)


def _size(limit: int) -> str:
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:g} MB"
    return f"{limit / 1000:g} kB" if limit >= 1000 else f"{limit} bytes"


def _render_preview(spec, plan, commit_form, filename, status=200):
    return render_template(
        "imports/preview.html",
        spec=spec,
        plan=plan,
        counts=plan.counts(),
        form=commit_form,
        filename=filename,
    ), status


@bp.route("/")
def index():
    """Offer the CSV imports and their templates."""
    return render_template("imports/index.html", specs=SPECS.values())


@bp.route("/<kind>/template.csv")
def template(kind: str):
    """Download a CSV template: the header and an example row."""
    spec = _spec_or_404(kind)
    return Response(
        template_csv(spec.kind),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={spec.kind}-template.csv"},
    )


@bp.route("/<kind>", methods=["GET", "POST"])
def upload(kind: str):
    """Upload a CSV file and preview what it would import (nothing is written yet)."""
    spec = _spec_or_404(kind)
    form = UploadForm()
    limit = current_app.config.get("IMPORT_MAX_BYTES", 1_000_000)
    if form.validate_on_submit():
        upload_file = form.csv_file.data
        filename = posixpath.basename((upload_file.filename or "upload.csv").replace("\\", "/"))
        raw = upload_file.read(limit + 1)
        if len(raw) > limit:
            form.csv_file.errors.append(
                f"The file is larger than {_size(limit)}; split it into smaller files."
            )
        else:
            try:
                text = decode(raw)
            except Refused as exc:
                form.csv_file.errors.extend(describe(p) for p in exc.problems)
            else:
                plan = plan_import(kind, text, current_person(), _max_rows())
                commit_form = CommitForm(formdata=None)
                commit_form.payload.data = _serializer().dumps(
                    {"kind": kind, "user": current_user.id, "filename": filename[:200],
                     "text": text}
                )  # fmt: skip
                status = 400 if plan.problems else 200
                return _render_preview(spec, plan, commit_form, filename, status)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "imports/upload.html", spec=spec, form=form, size=_size(limit), max_rows=_max_rows()
    ), status


@bp.route("/<kind>/commit", methods=["POST"])
def commit(kind: str):
    """Import the previewed file, all or nothing, after checking it again."""
    spec = _spec_or_404(kind)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    max_age = current_app.config.get("IMPORT_PREVIEW_MAX_AGE", 3600)
    try:
        data = _serializer().loads(form.payload.data, max_age=max_age)
    except SignatureExpired:
        flash("The preview is too old; upload the file again.", "warning")
        return redirect(url_for("imports.upload", kind=kind))
    except BadSignature:
        abort(400)
    me = current_person()
    if not isinstance(data, dict) or data.get("kind") != kind or data.get("user") != me.id:
        abort(400)
    text, filename = str(data.get("text", "")), str(data.get("filename", ""))
    try:
        tally = commit_import(
            kind, text, me, filename=filename, attested=form.attest.data, max_rows=_max_rows()
        )
    except Refused as exc:
        db.session.rollback()
        plan = plan_import(kind, text, me, _max_rows())
        if not plan.problems and ATTEST in exc.by_field:
            form.attest.errors.extend(exc.by_field[ATTEST])
            return _render_preview(spec, plan, form, filename, 400)
        if not plan.problems:  # a verb refused a row the plan's own checks let through
            plan.problems = list(exc.problems)
        flash("The file no longer passes the checks, so nothing was imported.", "danger")
        return _render_preview(spec, plan, form, filename, 400)
    db.session.commit()
    flash(
        f"Imported {filename or 'the file'}: {tally['created']} created, "
        f"{tally['updated']} updated, {tally['unchanged']} unchanged.",
        "success",
    )
    return redirect(url_for("imports.index"))
