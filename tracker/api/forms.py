from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from tracker.api.tokens import SCOPE_WORDS, SCOPES
from tracker.forms import TrackerForm


class TokenForm(TrackerForm):
    name = StringField(
        "Name (what will use it, e.g. the scheduling system)",
        validators=[DataRequired(message="Give the token a name."), Length(max=100)],
    )
    scopes = SelectMultipleField(
        "Scopes",
        choices=[SelectChoice(s, f"{s}: {SCOPE_WORDS[s]}") for s in SCOPES],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        validators=[DataRequired(message="Choose at least one scope.")],
    )
    days = IntegerField(
        "Expires after (days, at most 365)",
        default=90,
        validators=[NumberRange(min=1, max=365, message="From 1 to 365 days.")],
    )
    submit = SubmitField("Create token")


class RevokeForm(TrackerForm):
    submit = SubmitField("Revoke")
