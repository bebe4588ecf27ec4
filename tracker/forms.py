"""The base of every form: bounded numbers and dates, clean text, nothing erased by omission.

``TrackerForm`` puts one guard first on every field, so no field's own validators, no inline
``validate_<field>`` and no view ever sees an id past a database column, a date outside
1900-2200, or text with control characters (tab and line breaks only in multi-line text).
A POST that leaves out a required field gets an error on it, and one that carries none of
the form's fields is refused as a whole: a missing value is never read as "erase".
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import StopValidation

from tracker.validation import unfit_text, unfit_value

#: Fields a browser leaves out of a POST when they are empty (an unticked box, no choice),
#: and fields that carry no record value.
_MAY_BE_ABSENT = (
    BooleanField,
    SelectMultipleField,
    RadioField,
    FileField,
    MultipleFileField,
    SubmitField,
)
MISSING_MESSAGE = "This field was missing from the form; reload the page and try again."
EMPTY_MESSAGE = "The form arrived without its fields; nothing was changed. Reload the page."


class TrackerForm(FlaskForm):
    """Every form of the app derives from this (a test checks)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            formdata = super().wrap_formdata(form, formdata)
            form._sent = formdata  # what the request carried (None: not submitted)
            return formdata

    def __init__(self, *args, **kwargs):
        self._sent = None
        super().__init__(*args, **kwargs)
        for field in self:
            field.validators = [_guard, *field.validators]

    def _input_fields(self):
        """The fields a browser always sends (a box left unticked is simply not sent)."""
        return [f for f in self if f.name != "csrf_token" and not isinstance(f, _MAY_BE_ABSENT)]

    def validate(self, extra_validators=None):
        sent = self._sent if self.is_submitted() else None  # a GET filter may be empty
        inputs = self._input_fields()
        carried = [f for f in self if f.name != "csrf_token" and not isinstance(f, SubmitField)]
        if sent is not None and inputs and not any(f.name in sent for f in carried):
            first = inputs[0]
            first.errors = [*first.errors, EMPTY_MESSAGE]
            return False
        return super().validate(extra_validators)


class ActionForm(TrackerForm):
    """A button that posts (re-check, deactivate, sign out everywhere): its CSRF token only."""


def _guard(form, field):
    """Runs before every other validator of the field; stops its chain on an unfit value."""
    sent = getattr(form, "_sent", None) if form.is_submitted() else None
    if (
        sent is not None
        and field.flags.required
        and field.name not in sent
        and not isinstance(field, _MAY_BE_ABSENT)
        and field.name != "csrf_token"
    ):
        raise StopValidation(MISSING_MESSAGE)
    # Multi-line text, and hidden fields (values the app wrote itself, e.g. a signed file).
    multiline = isinstance(field, TextAreaField | HiddenField)
    for raw in field.raw_data or ():
        if isinstance(raw, str):
            problem = unfit_text(raw, multiline=multiline)
            if problem:
                raise StopValidation(problem)
    if field.process_errors:
        return  # the field's own parse error is shown
    problem = unfit_value(field.data)
    if problem:
        raise StopValidation(problem)
