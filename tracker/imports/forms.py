from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import DataRequired

from tracker.forms import TrackerForm


class UploadForm(TrackerForm):
    csv_file = FileField(
        "CSV file",
        validators=[FileRequired(message="Choose a CSV file to upload.")],
        description='UTF-8 text with a header row, as saved by a spreadsheet ("CSV UTF-8").',
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField("Preview")


class CommitForm(TrackerForm):
    #: The CSV text and its name, signed with the app's secret key.
    payload = HiddenField(validators=[DataRequired(message="Upload the file again.")])
    attest = BooleanField(
        "Each validator named in this file observed the assistant perform the task, and their "
        "signed attestations are on file."
    )
    submit = SubmitField("Commit import")
