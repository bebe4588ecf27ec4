from wtforms import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Optional

from tracker.forms import TrackerForm
from tracker.widgets import QuickDateTimeLocalInput, QuickSelectField


class SelfCheckForm(TrackerForm):
    assistant_id = QuickSelectField("Medical assistant", coerce=int, validators=[InputRequired()])
    task_code = QuickSelectField("Task", validators=[DataRequired(message="Choose a task.")])
    site_code = QuickSelectField("Site", validators=[DataRequired(message="Choose a site.")])
    at = DateTimeLocalField(
        "When (site's local time; empty means now)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        widget=QuickDateTimeLocalInput(),
    )
