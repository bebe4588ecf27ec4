"""What every page that keeps a record does: find it, save a form through a verb, show it."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from tracker.errors import Refused, show_on_form
from tracker.extensions import db

CONFLICT = "Someone changed these records at the same time; nothing was saved. Please try again."


def current_person():
    """The person signed in to this request, not Flask-Login's proxy: the actor a view hands
    to a verb, and the viewer of what it reads."""
    return current_user._get_current_object()


def get_or_404(model, record_id: int):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def save_form(form, change, *, fields=None, flash_general: bool = True):
    """Run a change and commit it; on problems show them on the form and write nothing.

    A problem of no field shown on the form is also in ``form.form_errors``; it is flashed
    too unless the page shows those itself (``flash_general=False``). ``fields`` renames a
    verb's field to the form's where they differ (``show_on_form``).
    """
    try:
        result = change()
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        general = show_on_form(form, exc, fields)
        for message in general if flash_general else ():
            flash(message, "danger")
        return False, None
    except IntegrityError:
        db.session.rollback()
        flash(CONFLICT, "danger")
        return False, None
    return True, result


def form_page(title: str, form, cancel_url: str, template="record_form.html", **context):
    return render_template(template, title=title, form=form, cancel_url=cancel_url, **context)
