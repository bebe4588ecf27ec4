from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from tracker.practice.parsing import EMAIL_RE


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
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
    # InputRequired, not DataRequired: a password of spaces is still typed, never stripped.
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")
