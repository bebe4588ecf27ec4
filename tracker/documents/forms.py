"""The upload form every record page carries, and the withdraw button."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from tracker.forms import TrackerForm, strip_text


class DocumentForm(TrackerForm):
    record_type = HiddenField(validators=[InputRequired()])
    record_id = HiddenField(validators=[InputRequired()])
    title = StringField(
        "Title",
        filters=[strip_text],
        validators=[InputRequired("Give the document a title."), Length(max=200)],
        description="What it is, e.g. \u201cSkills checklist, signed\u201d.",
    )
    file = FileField(
        "File",
        validators=[FileRequired("Choose a file to attach.")],
        description="PDF, PNG or JPEG, at most {mb} MB. Photos lose their location and "
        "camera details before they are kept.",
        render_kw={"accept": "application/pdf,image/png,image/jpeg"},
    )
    submit = SubmitField("Attach")


class WithdrawForm(TrackerForm):
    submit = SubmitField("Withdraw")
