from __future__ import annotations

from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.catalog.models import Task
from tracker.competencies.services import CompetencyInput, enters_on_behalf
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.staff.models import Person
from tracker.vocabulary import Role, TaskKind


class ChooseForm(TrackerForm):
    """First step of a sign-off: whose competency, and for which task (read through GET)."""

    class Meta:
        csrf = False

    person_id = SelectField("Medical assistant", coerce=int, validators=[InputRequired()])
    task = SelectField("Task", validators=[DataRequired(message="Choose a task.")])
    submit = SubmitField("Continue")

    def __init__(self, me: Person, *args, **kwargs):
        """The active assistants other than ``me``, and the tasks that may be delegated."""
        super().__init__(*args, **kwargs)
        assistants = db.session.scalars(
            select(Person)
            .where(Person.role == Role.assistant, Person.active, Person.id != me.id)
            .order_by(Person.name)
        ).all()
        tasks = db.session.scalars(select(Task).order_by(Task.name)).all()
        self.person_id.choices = [(0, "Choose an assistant…")] + [
            (p.id, f"{p.name} ({p.job_level or 'MA'})") for p in assistants
        ]
        self.task.choices = [("", "Choose a task…")] + [
            (t.code, t.name) for t in tasks if t.kind != TaskKind.reserved
        ]


class CompetencyForm(TrackerForm):
    trained_on = DateField("Trained on", validators=[Optional()])
    training_hours = DecimalField(
        "Training hours",
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000, message="Give the hours as a number from 0 to 10000."),
        ],
    )
    validated_on = DateField(
        "Validated on",
        validators=[Optional()],
        description="The day the validator watched the assistant perform the task.",
    )
    #: Fixed to the signer when a provider or approved observer signs off as themselves.
    validated_by = SelectField("Validated by", coerce=int, validate_choice=False)
    expires_on = DateField(
        "Expires on",
        validators=[Optional()],
        description="Leave empty to use the written policy's validity period.",
    )
    prior_employer = BooleanField(
        "Training documented at a prior employer (does not count here until validated here)"
    )
    evidence = TextAreaField(
        "Evidence",
        validators=[Optional(), Length(max=2000)],
        description="Skills checklist, course certificate, where the signed form is kept.",
    )
    attest = BooleanField("I observed the assistant perform the task")
    submit = SubmitField("Save competency")

    def __init__(self, me: Person, assistant: Person, task: Task, *args, validator=None, **kwargs):
        """``me`` signs off (or enters a sign-off on the validator's behalf) ``assistant``'s
        competency for ``task``; ``validator``: the stored one, offered even if no longer fit."""
        super().__init__(*args, **kwargs)
        self._me = me
        on_behalf = enters_on_behalf(me)
        words = f"I observed {assistant.name} perform {task.name}"
        if on_behalf:
            self.attest.label.text = (
                f'The validator attests: "{words}" (their signed attestation is on file)'
            )
        else:
            self.attest.label.text = words
        if not on_behalf:
            self.validated_by.choices = [(me.id, me.name)]
            return
        people = db.session.scalars(
            select(Person)
            .where(Person.active, (Person.role == Role.provider) | Person.can_validate)
            .order_by(Person.name)
        ).all()
        if validator is not None and validator not in people:
            people.append(validator)
        self.validated_by.choices = [(0, "Not validated yet")] + [
            (p.id, f"{p.name} ({p.role.label}{', approved observer' if p.can_validate else ''})")
            for p in people
        ]

    def to_input(self) -> CompetencyInput:
        """The sign-off as the verbs take it."""
        if enters_on_behalf(self._me):
            validator = db.session.get(Person, self.validated_by.data or 0)
        else:
            validator = self._me  # a provider or approved observer signs off as themselves
        hours = self.training_hours.data
        return CompetencyInput(
            trained_on=self.trained_on.data,
            training_hours=float(hours) if hours is not None else None,
            validated_on=self.validated_on.data,
            validated_by=validator,
            expires_on=self.expires_on.data,
            prior_employer=self.prior_employer.data,
            evidence=self.evidence.data or "",
            attested=self.attest.data,
        )


class RevokeForm(TrackerForm):
    revoked_on = DateField(
        "Revoked from",
        validators=[InputRequired(message="Give the first day it no longer counts.")],
        description="The first day the competency no longer counts.",
    )
    reason = StringField(
        "Reason",
        validators=[DataRequired(message="Say why it is revoked."), Length(max=500)],
    )
    submit = SubmitField("Revoke competency")
