from wtforms import BooleanField, DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.forms import TrackerForm
from tracker.vocabulary import DelegationStatus


class DelegationForm(TrackerForm):
    assistant_id = SelectField("Medical assistant", coerce=int, validators=[InputRequired()])
    task_code = SelectField("Task", validators=[DataRequired()])
    site_code = SelectField("Site", validators=[DataRequired()])
    scheduled_for = DateTimeLocalField(
        "When (site's local time)",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message="Give a date and time, e.g. 2026-11-23 09:30.")],
    )
    delegated_by_id = SelectField("Delegating provider", coerce=int, validators=[InputRequired()])
    in_room = BooleanField("The provider will be in the room (attested)")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record delegation")


class StatusForm(TrackerForm):
    """No default that changes data: the first choice is empty and must be changed."""

    status = SelectField(
        "New status",
        choices=[
            SelectChoice("", "Choose…"),
            SelectChoice(DelegationStatus.performed.value, "Performed"),
            SelectChoice(DelegationStatus.cancelled.value, "Cancelled"),
        ],
        validators=[DataRequired(message="Choose performed or cancelled.")],
    )
    reason = TextAreaField(
        "Reason (required to mark performed while the standing is flagged)",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Update status")


class ActionForm(TrackerForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField("Re-check now")
