"""The form for a site.

Forms check what can be checked from the submitted values alone (required, lengths, formats,
dates in order); the services check what needs the database and their problems are shown
next to the same fields.
"""

from __future__ import annotations

from wtforms import (
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Regexp

from tracker.forms import (
    CODE_MESSAGE,
    STATE_CHOICES,
    TrackerForm,
    iana_timezone,
    strip_text,
    upper_text,
    us_state,
)
from tracker.validation import CODE_RE


class SiteForm(TrackerForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=64), Regexp(CODE_RE, message=CODE_MESSAGE)],
        filters=[strip_text],
        description="Short and unique, e.g. main; used in the practice file and the CLI.",
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    state = SelectField(
        "State",
        choices=STATE_CHOICES,
        validators=[DataRequired(), us_state],
        validate_choice=False,
        filters=[upper_text],
    )
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64), iana_timezone],
        filters=[strip_text],
        description="IANA name, e.g. America/Los_Angeles.",
        render_kw={"list": "timezones", "autocomplete": "off"},
    )
    submit = SubmitField("Save")
