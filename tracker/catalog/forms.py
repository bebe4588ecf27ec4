"""The form for one of the practice's own tasks.

Forms check what can be checked from the submitted values alone (required, lengths, formats,
dates in order); the services check what needs the database and their problems are shown
next to the same fields.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from tracker.catalog.builtin import BUILTIN_TASK_CODES
from tracker.forms import (
    CODE_MESSAGE,
    TrackerForm,
    strip_text,
)
from tracker.validation import CODE_RE
from tracker.vocabulary import TaskKind

#: Kinds a practice may give its own tasks; reserved tasks are never added.
CUSTOM_TASK_KINDS = (TaskKind.administrative, TaskKind.clinical)


class TaskForm(TrackerForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=64), Regexp(CODE_RE, message=CODE_MESSAGE)],
        filters=[strip_text],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, k.value) for k in CUSTOM_TASK_KINDS],
        validate_choice=False,
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=2000)], filters=[strip_text]
    )
    needs_direction = BooleanField(
        "Needs a provider's direction (the assistant only transmits a provider's decision: "
        "a provider-approved protocol or a direction for the request is required)"
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
