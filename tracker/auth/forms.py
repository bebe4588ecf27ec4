from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp

from tracker.forms import TrackerForm
from tracker.validation import EMAIL_RE


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(TrackerForm):
    # The one email pattern every entry point checks (forms, practice file, CSV), so an
    # address the practice file accepted can always sign in.
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


class SecondStepForm(TrackerForm):
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[InputRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
    submit = SubmitField("Continue")


class TwoFactorSetupForm(TrackerForm):
    code = StringField(
        "Six-digit code from the app",
        validators=[InputRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on two-factor sign-in")


class PasswordChangeForm(TrackerForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(max=128)],
        description="12 to 128 characters; a passphrase of a few words is best. Spaces count.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("new_password", message="The two do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


class ConfirmPasswordForm(TrackerForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Turn off two-factor sign-in")
