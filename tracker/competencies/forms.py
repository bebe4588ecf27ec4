from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.forms import TrackerForm


class ChooseForm(TrackerForm):
    """First step of a sign-off: whose competency, and for which task (read through GET)."""

    class Meta:
        csrf = False

    person_id = SelectField("Medical assistant", coerce=int, validators=[InputRequired()])
    task = SelectField("Task", validators=[DataRequired(message="Choose a task.")])
    submit = SubmitField("Continue")


class CompetencyForm(TrackerForm):
    trained_on = DateField("Trained on", validators=[Optional()])
    training_hours = DecimalField(
        "Training hours",
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000, message="Give the hours as a number from 0 to 10000."),
        ],
    )
    validated_on = DateField(
        "Validated on",
        validators=[Optional()],
        description="The day the validator watched the assistant perform the task.",
    )
    #: Fixed to the signer when a provider or approved observer signs off as themselves.
    validated_by = SelectField("Validated by", coerce=int, validate_choice=False)
    expires_on = DateField(
        "Expires on",
        validators=[Optional()],
        description="Leave empty to use the written policy's validity period.",
    )
    prior_employer = BooleanField(
        "Training documented at a prior employer (does not count here until validated here)"
    )
    evidence = TextAreaField(
        "Evidence",
        validators=[Optional(), Length(max=2000)],
        description="Skills checklist, course certificate, where the signed form is kept.",
    )
    attest = BooleanField("I observed the assistant perform the task")
    submit = SubmitField("Save competency")


class RevokeForm(TrackerForm):
    revoked_on = DateField(
        "Revoked from",
        validators=[InputRequired(message="Give the first day it no longer counts.")],
        description="The first day the competency no longer counts.",
    )
    reason = StringField(
        "Reason",
        validators=[DataRequired(message="Say why it is revoked."), Length(max=500)],
    )
    submit = SubmitField("Revoke competency")
