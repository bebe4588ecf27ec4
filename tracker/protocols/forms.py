"""Forms for protocols, acknowledgments and directions.

Forms check what the submitted values alone can say; the verbs check the rest and their
problems are shown next to the same fields.
"""

from __future__ import annotations

from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from tracker.forms import (
    CODE_MESSAGE,
    LOCAL_FORMATS,
    MultiCheckboxField,
    TrackerForm,
    pick_one,
    strip_text,
)
from tracker.protocols.services import REFERENCE_WARNING
from tracker.validation import CODE_RE


class ProtocolForm(TrackerForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=64), Regexp(CODE_RE, message=CODE_MESSAGE)],
        filters=[strip_text],
        description="The same code for every version of the protocol, e.g. phone-routing.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)], filters=[strip_text])
    version = IntegerField("Version", validators=[InputRequired(), NumberRange(1, 10_000)])
    tasks = MultiCheckboxField("Tasks it covers", coerce=int)
    sites = MultiCheckboxField(
        "Sites", coerce=int, description="None ticked: every site of the practice."
    )
    document = StringField(
        "Document",
        validators=[Optional(), Length(max=200)],
        filters=[strip_text],
        description="Name and version of the written protocol assistants read.",
    )
    submit = SubmitField("Save as draft")


class ApproveForm(TrackerForm):
    review_by = DateField(
        "Review by",
        validators=[Optional()],
        description="Empty: twelve months from today.",
    )
    submit = SubmitField("Approve this protocol")


class AcknowledgeForm(TrackerForm):
    submit = SubmitField("I have read this version of the protocol")


class DirectionForm(TrackerForm):
    assistant = pick_one("Medical assistant")
    task = pick_one("Task")
    site = pick_one("Site")
    reference = StringField(
        "Reference of the request",
        validators=[DataRequired(), Length(max=100)],
        filters=[strip_text],
        description=REFERENCE_WARNING,
    )
    valid_until = DateTimeLocalField(
        "Valid until",
        validators=[Optional()],
        format=LOCAL_FORMATS,
        description="In the site's local time; empty: the end of today there.",
    )
    submit = SubmitField("Give this direction")


class CarriedOutForm(TrackerForm):
    submit = SubmitField("Carried out")
