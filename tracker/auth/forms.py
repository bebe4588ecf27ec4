from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from tracker.forms import TrackerForm
from tracker.practice.parsing import EMAIL_RE


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(TrackerForm):
    # The same check as the practice file: WTForms' Email() needs the email_validator
    # package, which is not a dependency, and would fail every sign-in without it.
    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(EMAIL_RE, message="Enter an email address, e.g. name@clinic.org."),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")
