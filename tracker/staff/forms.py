"""Forms for people and what they hold: licenses and credentials.

Forms check what can be checked from the submitted values alone (required, lengths, formats,
dates in order); the services check what needs the database and their problems are shown
next to the same fields.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from tracker.forms import (
    STATE_CHOICES,
    MultiCheckboxField,
    TrackerForm,
    lower_text,
    not_before,
    strip_text,
    upper_text,
    us_state,
)
from tracker.vocabulary import Role

#: The password field's hint on a new person, and on someone's record (``KEEP_PASSWORD``).
PASSWORD_HINT = (
    "Only for people who sign in: 12 to 128 characters, a passphrase of a few words is "
    "best. Leave it empty for someone who does not sign in."
)
KEEP_PASSWORD = (
    "Only for people who sign in: 12 to 128 characters, a passphrase of a few words is "
    "best. Leave it empty to keep the password as it is."
)


class PersonForm(TrackerForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254), Email(message="Not an email address.")],
        filters=[lower_text],
    )
    #: Choices depend on who edits (see the view); any role value is checked by the service.
    role = SelectField("Role", validate_choice=False)
    job_level = StringField(
        "Job level",
        validators=[Optional(), Length(max=64)],
        filters=[strip_text],
        description='For assistants only: the practice\'s own level, e.g. "MA I" or "CMA".',
    )
    sites = MultiCheckboxField("Sites", coerce=int)
    can_validate = BooleanField("Approved observer: may sign off competencies")
    password = PasswordField(
        "Password",
        # Not stripped: spaces are part of a passphrase (and twelve of them are refused).
        validators=[Optional(strip_whitespace=False)],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    must_change_password = BooleanField(
        "Ask for a new password at the next sign-in",
        description="They choose their own before they can do anything else.",
    )
    submit = SubmitField("Save")

    def validate_role(self, field):
        if field.data not in {r.value for r in Role}:
            raise ValidationError("Choose a role.")

    def validate_job_level(self, field):
        if field.data and self.role.data != Role.assistant.value:
            raise ValidationError("Only medical assistants have a job level; leave it empty.")


class LicenseForm(TrackerForm):
    type = StringField(
        "Type", validators=[DataRequired(), Length(max=32)], filters=[strip_text],
        description="MD, DO, NP, PA…",
    )  # fmt: skip
    number = StringField(
        "Number", validators=[DataRequired(), Length(max=64)], filters=[strip_text]
    )
    state = SelectField(
        "State",
        choices=STATE_CHOICES,
        validators=[DataRequired(), us_state],
        validate_choice=False,
        filters=[upper_text],
    )
    expires_on = DateField(
        "Expires on", validators=[Optional()], description="The last day it counts."
    )
    submit = SubmitField("Save")


class CredentialForm(TrackerForm):
    type = StringField(
        "Type",
        validators=[DataRequired(), Length(max=64)],
        filters=[strip_text],
        description="CMA, RMA, CCMA, a limited-scope x-ray permit…",
    )
    number = StringField("Number", validators=[Optional(), Length(max=64)], filters=[strip_text])
    issuer = StringField("Issuer", validators=[Optional(), Length(max=200)], filters=[strip_text])
    issued_on = DateField("Issued on", validators=[Optional()])
    expires_on = DateField(
        "Expires on",
        validators=[Optional(), not_before("issued_on", "issue date")],
        description="The last day it counts; leave empty when it does not expire.",
    )
    verified_on = DateField(
        "Verified on",
        validators=[Optional(), not_before("issued_on", "issue date")],
        description="When it was checked with the issuer.",
    )
    submit = SubmitField("Save")
