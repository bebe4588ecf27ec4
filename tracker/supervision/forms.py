"""Forms for supervision assignments and shifts.

Forms check what can be checked from the submitted values alone (required, lengths, formats,
dates in order); the services check what needs the database and their problems are shown
next to the same fields.
"""

from __future__ import annotations

from wtforms import (
    DateField,
    DateTimeLocalField,
    SubmitField,
    ValidationError,
)
from wtforms.validators import InputRequired, Optional

from tracker.forms import (
    LOCAL_FORMATS,
    TrackerForm,
    not_before,
    pick_one,
)


class AssignmentForm(TrackerForm):
    assistant = pick_one("Medical assistant")
    provider = pick_one("Supervising provider")
    site = pick_one("Site")
    starts_on = DateField("Starts on", validators=[InputRequired()])
    ends_on = DateField(
        "Ends on",
        validators=[Optional(), not_before("starts_on", "start date")],
        description="The last day; leave empty for an open-ended assignment.",
    )
    submit = SubmitField("Save")


class EndAssignmentForm(TrackerForm):
    ends_on = DateField("Last day", validators=[InputRequired()])
    submit = SubmitField("End assignment")


class ShiftForm(TrackerForm):
    provider = pick_one("Provider")
    site = pick_one("Site")
    starts_at = DateTimeLocalField(
        "Starts at",
        validators=[InputRequired()],
        format=LOCAL_FORMATS,
        description="In the site's local time.",
    )
    ends_at = DateTimeLocalField(
        "Ends at",
        validators=[InputRequired()],
        format=LOCAL_FORMATS,
        description="In the site's local time.",
    )
    submit = SubmitField("Save")

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError("The shift must end after it starts.")
