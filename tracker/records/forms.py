"""Forms for the practice's records: people, sites, licenses, credentials, supervision,
shifts and the practice's own tasks.

Forms check what can be checked from the submitted values alone (required, lengths, formats,
dates in order); the services check what needs the database (unique email or code,
overlapping assignments) and their problems are shown next to the same fields.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from tracker.catalog.builtin import BUILTIN_TASK_CODES
from tracker.forms import TrackerForm
from tracker.practice_file.parsing import CODE_RE, timezones
from tracker.vocabulary import US_STATES, Role, TaskKind

CODE_MESSAGE = "Use only letters, digits, '-', '_' and '.', starting with a letter or digit."
STATE_CHOICES = [SelectChoice("", "Choose a state…")] + [
    SelectChoice(code, f"{name} ({code})")
    for code, name in sorted(US_STATES.items(), key=lambda i: i[1])
]
#: How a browser sends a datetime-local value (the first is also how the form shows one).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
#: Kinds a practice may give its own tasks; reserved tasks are never added.
CUSTOM_TASK_KINDS = (TaskKind.administrative, TaskKind.clinical)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value):
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


class ActionForm(TrackerForm):
    """A button that posts (deactivate, reactivate): only the CSRF token."""


class PersonForm(TrackerForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[_strip])
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254), Email(message="Not an email address.")],
        filters=[_lower],
    )
    #: Choices depend on who edits (see the view); any role value is checked by the service.
    role = SelectField("Role", validate_choice=False)
    job_level = StringField(
        "Job level",
        validators=[Optional(), Length(max=64)],
        filters=[_strip],
        description='For assistants only: the practice\'s own level, e.g. "MA I" or "CMA".',
    )
    sites = MultiCheckboxField("Sites", coerce=int)
    can_validate = BooleanField("Approved observer: may sign off competencies")
    password = PasswordField(
        "Password",
        # Not stripped: spaces are part of a passphrase (and twelve of them are refused).
        validators=[Optional(strip_whitespace=False)],
        description="Only for people who sign in: 12 to 128 characters, a passphrase of a "
        "few words is best. Leave empty to keep it as it is.",
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


class SiteForm(TrackerForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=64), Regexp(CODE_RE, message=CODE_MESSAGE)],
        filters=[_strip],
        description="Short and unique, e.g. main; used in the practice file and the CLI.",
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[_strip])
    state = SelectField(
        "State",
        choices=STATE_CHOICES,
        validators=[DataRequired(), us_state],
        validate_choice=False,
        filters=[_upper],
    )
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64), iana_timezone],
        filters=[_strip],
        description="IANA name, e.g. America/Los_Angeles.",
        render_kw={"list": "timezones", "autocomplete": "off"},
    )
    submit = SubmitField("Save")


class LicenseForm(TrackerForm):
    type = StringField(
        "Type", validators=[DataRequired(), Length(max=32)], filters=[_strip],
        description="MD, DO, NP, PA…",
    )  # fmt: skip
    number = StringField("Number", validators=[DataRequired(), Length(max=64)], filters=[_strip])
    state = SelectField(
        "State",
        choices=STATE_CHOICES,
        validators=[DataRequired(), us_state],
        validate_choice=False,
        filters=[_upper],
    )
    expires_on = DateField(
        "Expires on", validators=[Optional()], description="The last day it counts."
    )
    submit = SubmitField("Save")


class CredentialForm(TrackerForm):
    type = StringField(
        "Type",
        validators=[DataRequired(), Length(max=64)],
        filters=[_strip],
        description="CMA, RMA, CCMA, a limited-scope x-ray permit…",
    )
    number = StringField("Number", validators=[Optional(), Length(max=64)], filters=[_strip])
    issuer = StringField("Issuer", validators=[Optional(), Length(max=200)], filters=[_strip])
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


class TaskForm(TrackerForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=64), Regexp(CODE_RE, message=CODE_MESSAGE)],
        filters=[_strip],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[_strip])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, k.value) for k in CUSTOM_TASK_KINDS],
        validate_choice=False,
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=2000)], filters=[_strip]
    )
    submit = SubmitField("Save")

    def validate_code(self, field):
        if field.data in BUILTIN_TASK_CODES:
            raise ValidationError(
                f"{field.data} is in the built-in catalog and cannot be redefined; "
                "pick another code."
            )

    def validate_kind(self, field):
        if field.data == TaskKind.reserved.value:
            raise ValidationError(
                "Reserved tasks are for licensed providers only; a practice may add only "
                "administrative or clinical tasks."
            )
        if field.data not in {k.value for k in CUSTOM_TASK_KINDS}:
            raise ValidationError("Choose administrative or clinical.")
