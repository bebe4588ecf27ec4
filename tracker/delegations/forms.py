from sqlalchemy import select
from wtforms import BooleanField, DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import STAFF_ROLES, DelegationStatus, Role, TaskKind


class DelegationForm(TrackerForm):
    # The choices offer what may be delegated; whether a record may is the verb's to say
    # (record_delegation), so a value outside them gets the verb's words, as in the API.
    assistant_id = SelectField(
        "Medical assistant", coerce=int, validators=[InputRequired()], validate_choice=False
    )
    task_code = SelectField("Task", validators=[DataRequired()], validate_choice=False)
    site_code = SelectField("Site", validators=[DataRequired()], validate_choice=False)
    scheduled_for = DateTimeLocalField(
        "When (site's local time)",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message="Give a date and time, e.g. 2026-11-23 09:30.")],
    )
    delegated_by_id = SelectField(
        "Delegating provider", coerce=int, validators=[InputRequired()], validate_choice=False
    )
    in_room = BooleanField("The provider will be in the room (attested)")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record delegation")

    def __init__(self, viewer: Person, *args, **kwargs):
        """Active assistants, the providers (a provider delegates only their own), tasks
        that may be delegated, and sites, each by name."""
        super().__init__(*args, **kwargs)
        people = db.session.scalars(
            select(Person).where(Person.active, Person.role.in_(STAFF_ROLES))
            .order_by(Person.name)
        ).all()  # fmt: skip
        self.assistant_id.choices = [SelectChoice(0, "Choose an assistant…")] + [
            SelectChoice(p.id, f"{p.name} ({p.job_level or 'MA'})")
            for p in people
            if p.role == Role.assistant
        ]
        if viewer.role == Role.provider:
            self.delegated_by_id.choices = [SelectChoice(viewer.id, viewer.name)]
        else:
            self.delegated_by_id.choices = [SelectChoice(0, "Choose a provider…")] + [
                SelectChoice(p.id, p.name) for p in people if p.role == Role.provider
            ]
        tasks = db.session.scalars(
            select(Task).where(Task.kind != TaskKind.reserved).order_by(Task.name)
        ).all()
        self.task_code.choices = [SelectChoice("", "Choose a task…")] + [
            SelectChoice(t.code, t.name) for t in tasks
        ]
        sites = db.session.scalars(select(Site).order_by(Site.name)).all()
        self.site_code.choices = [SelectChoice("", "Choose a site…")] + [
            SelectChoice(s.code, f"{s.name} ({s.state})") for s in sites
        ]


class StatusForm(TrackerForm):
    """No default that changes data: the first choice is empty and must be changed."""

    status = SelectField(
        "New status",
        choices=[
            SelectChoice("", "Choose…"),
            SelectChoice(DelegationStatus.performed.value, "Performed"),
            SelectChoice(DelegationStatus.cancelled.value, "Cancelled"),
        ],
        validators=[DataRequired(message="Choose performed or cancelled.")],
    )
    reason = TextAreaField(
        "Reason (required to mark performed while the standing is flagged)",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Update status")
