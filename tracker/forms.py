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
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, StopValidation

from tracker.validation import timezones, unfit_text, unfit_value
from tracker.vocabulary import US_STATES

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


# --------------------------------------------------------------------------- shared fields

CODE_MESSAGE = "Use only letters, digits, '-', '_' and '.', starting with a letter or digit."
#: Every US state by name, as a select offers it.
STATE_OPTIONS = [
    SelectChoice(code, f"{name} ({code})")
    for code, name in sorted(US_STATES.items(), key=lambda i: i[1])
]
#: The same, after an empty first choice that must be changed.
STATE_CHOICES = [SelectChoice("", "Choose a state…"), *STATE_OPTIONS]
#: How a browser sends a datetime-local value (the first is also how the form shows one).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def lower_text(value):
    return value.strip().lower() if isinstance(value, str) else value


def upper_text(value):
    return value.strip().upper() if isinstance(value, str) else value


def us_state(form, field):
    if field.data and field.data not in US_STATES:
        raise ValidationError(f"{field.data!r} is not a two-letter US state code.")


def iana_timezone(form, field):
    if field.data and field.data not in timezones():
        raise ValidationError(f"{field.data!r} is not an IANA time zone (e.g. America/Chicago).")


def not_before(other_name: str, other_label: str):
    """The field's date may not come before another field's date."""

    def check(form, field):
        other = form[other_name].data
        if field.data is not None and other is not None and field.data < other:
            raise ValidationError(f"Must be on or after the {other_label} ({other.isoformat()}).")

    return check


def pick_one(label: str) -> SelectField:
    """A required choice of a record by id (person, site…), with a plain message."""
    return SelectField(
        label,
        coerce=int,
        invalid_choice_message="Choose one from the list.",
        validators=[DataRequired()],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
