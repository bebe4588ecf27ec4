"""The audit page's filter form (read through GET, so no CSRF token)."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from tracker.forms import TrackerForm


class EventFilterForm(TrackerForm):
    class Meta:
        csrf = False

    person = SelectField("Person (acted, or the record is theirs)", coerce=str,
                         validators=[Optional()])  # fmt: skip
    action = SelectField("Action", validators=[Optional()])
    record_type = SelectField("Record type", validators=[Optional()])
    record_id = StringField("Record id", validators=[Optional(), Length(max=64)])
    q = StringField("Search who acted (name or email)", validators=[Optional(), Length(max=100)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    submit = SubmitField("Filter")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Must be on or after the From date.")
