from wtforms import DateTimeLocalField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Optional

from tracker.forms import TrackerForm
from tracker.widgets import QuickSelect


class SelfCheckForm(TrackerForm):
    assistant_id = SelectField(
        "Medical assistant", coerce=int, validators=[InputRequired()], widget=QuickSelect()
    )
    task_code = SelectField(
        "Task", validators=[DataRequired(message="Choose a task.")], widget=QuickSelect()
    )
    site_code = SelectField(
        "Site", validators=[DataRequired(message="Choose a site.")], widget=QuickSelect()
    )
    at = DateTimeLocalField(
        "When (site's local time; empty means now)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    submit = SubmitField("Check")
