"""Forms for declined-task incidents: short, phone-friendly, and teaching the right response."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from wtforms import (
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.catalog.models import Task
from tracker.db_types import utcnow
from tracker.errors import Refused
from tracker.extensions import db
from tracker.forms import LOCAL_FORMATS, TrackerForm
from tracker.incidents.services import MAX_LENGTH, DeclineAccount, check_moment
from tracker.incidents.words import MOVE_LABELS, REASON_LABELS
from tracker.staff.models import Person
from tracker.vocabulary import RESPONSE_STEPS, DeclineReason, IncidentStatus


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: easier than a multi-select on a phone and a desktop."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def local_now(timezone: str | None) -> datetime:
    """Now on the site's clock, to the minute, as a datetime-local input shows it."""
    now = utcnow().astimezone(ZoneInfo(timezone or "UTC"))
    return now.replace(tzinfo=None, second=0, microsecond=0)


class _DeclineAccountForm(TrackerForm):
    """What every declined request records; the zone of the moment comes from the site."""

    occurred_at = DateTimeLocalField(
        "When it happened",
        format=LOCAL_FORMATS,
        validators=[InputRequired("Say when it happened.")],
        description="The site's local time. Defaults to now.",
    )
    what_was_asked = TextAreaField(
        "What you were asked to do",
        validators=[
            DataRequired("Say what you were asked to do."),
            Length(max=MAX_LENGTH["what_was_asked"]),
        ],
        render_kw={"rows": 3},
    )
    what_was_said = TextAreaField(
        "What you said",
        validators=[
            DataRequired("Say what you answered."),
            Length(max=MAX_LENGTH["what_was_said"]),
        ],
        render_kw={"rows": 3},
        description="Your own words are fine, e.g. “I'm not trained for that yet; "
        "can Dr. Lee do it or show me first?”",
    )
    reason = RadioField(
        "Why you declined",
        choices=[SelectChoice(r.value, REASON_LABELS[r]) for r in DeclineReason],
        validators=[InputRequired("Choose the reason you declined.")],
    )
    raised_with = CheckboxesField(
        "Who you raised it with",
        coerce=int,
        description="Anyone you told: your supervising provider, the manager, compliance.",
    )
    steps = CheckboxesField(
        "What you did",
        choices=[SelectChoice(code, label) for code, label, _why in RESPONSE_STEPS],
    )
    submit = SubmitField("Save the record")

    def __init__(self, me: Person, *args, **kwargs):
        """``me`` logs the incident: the others active in the practice are whom they told."""
        super().__init__(*args, **kwargs)
        self.people = list(
            db.session.scalars(select(Person).where(Person.active).order_by(Person.name, Person.id))
        )
        self.raised_with.choices = [
            SelectChoice(p.id, f"{p.name} ({p.role.label})") for p in self.people if p.id != me.id
        ]

    def zone(self) -> str | None:
        raise NotImplementedError

    def account(self) -> DeclineAccount:
        """What the form says happened, as the verbs take it."""
        chosen = set(self.raised_with.data or ())
        people = (
            list(db.session.scalars(select(Person).where(Person.id.in_(chosen)))) if chosen else []
        )
        return DeclineAccount(
            occurred_at=self.occurred_at_utc(),
            what_was_asked=self.what_was_asked.data,
            what_was_said=self.what_was_said.data,
            reason=self.reason.data,
            raised_with=people,
            steps=list(self.steps.data or ()),
        )

    def occurred_at_utc(self) -> datetime:
        """The moment entered, on the site's clock, as an aware UTC datetime."""
        naive = self.occurred_at.data
        return naive.replace(tzinfo=ZoneInfo(self.zone() or "UTC")).astimezone(ZoneInfo("UTC"))

    def validate_occurred_at(self, field):
        if field.data is None:
            return
        try:
            check_moment(self.occurred_at_utc(), utcnow())
        except Refused as problem:
            raise ValidationError(str(problem)) from None
        except (OverflowError, ValueError):
            raise ValidationError("That date is not valid; check the year.") from None


class LogIncidentForm(_DeclineAccountForm):
    """A declined request logged by hand: also where, who asked and which task."""

    site_id = SelectField("Where", coerce=_int_or_none)
    requester_id = SelectField(
        "The person who asked",
        coerce=_int_or_none,
        description="Choose them from the list; if they are not in it, type their name below.",
    )
    requester_name = StringField(
        "Or type their name",
        validators=[Optional(), Length(max=MAX_LENGTH["requester_name"])],
    )
    requester_role = StringField(
        "Their role",
        validators=[Optional(), Length(max=MAX_LENGTH["requester_role"])],
        description="e.g. locum provider, nurse, front desk",
    )
    task_id = SelectField("The task", coerce=_int_or_none)
    task_description = TextAreaField(
        "Or describe the task",
        validators=[Optional(), Length(max=MAX_LENGTH["task_description"])],
        render_kw={"rows": 2},
    )

    def __init__(self, me: Person, *args, **kwargs):
        """Where: the sites of ``me``; who asked: anyone else active; every task, by name."""
        super().__init__(me, *args, **kwargs)
        sites = list(me.sites)
        self.tasks = list(db.session.scalars(select(Task).order_by(Task.name)))
        self._zones = {s.id: s.timezone for s in sites}
        if sites:
            self.site_id.choices = [SelectChoice(s.id, f"{s.name} ({s.state})") for s in sites]
        else:
            self.site_id.choices = [SelectChoice("", "No site is assigned to you")]
        self.requester_id.choices = [SelectChoice("", "— choose, or type their name below —")] + [
            SelectChoice(p.id, f"{p.name} ({p.role.label})") for p in self.people if p.id != me.id
        ]
        self.task_id.choices = [SelectChoice("", "— choose, or describe it below —")] + [
            SelectChoice(
                t.id, t.name + (" (reserved for providers)" if t.kind == "reserved" else "")
            )
            for t in self.tasks
        ]

    def zone(self) -> str | None:
        zones = getattr(self, "_zones", {})
        if self.site_id.data in zones:
            return zones[self.site_id.data]
        return next(iter(zones.values()), None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        name = (self.requester_name.data or "").strip()
        role = (self.requester_role.data or "").strip()
        if self.requester_id.data is None and not name:
            self.requester_id.errors.append(
                "Say who asked: choose them from the list, or type their name and role."
            )
            valid = False
        if self.requester_id.data is not None and name:
            self.requester_name.errors.append("You chose a person and typed a name: keep one.")
            valid = False
        if self.requester_id.data is None and name and not role:
            self.requester_role.errors.append("Say what their role is (e.g. locum provider).")
            valid = False
        if self.task_id.data is None and not (self.task_description.data or "").strip():
            self.task_id.errors.append("Choose the task, or describe it in words.")
            valid = False
        return valid


class DeclineDelegationForm(_DeclineAccountForm):
    """Declining a delegation: who asked, the task and the site come from the delegation."""

    submit = SubmitField("Decline and save the record")

    def __init__(self, me: Person, timezone: str, *args, **kwargs):
        """``timezone``: the delegation's site's, in which its moment is entered."""
        super().__init__(me, *args, **kwargs)
        self._zone = timezone

    def zone(self) -> str | None:
        return self._zone


class AddendumForm(TrackerForm):
    body = TextAreaField(
        "Add a later fact",
        validators=[
            DataRequired("Write the addendum."),
            Length(max=MAX_LENGTH["body"]),
        ],
        render_kw={"rows": 3},
        description="Dated and signed with your name. The record above never changes.",
    )
    submit = SubmitField("Add the addendum")


class ReviewForm(TrackerForm):
    status = RadioField("Review step", validators=[InputRequired("Choose what the review does.")])
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=MAX_LENGTH["body"])],
        render_kw={"rows": 3},
        description="Required to resolve: say how it was resolved.",
    )
    escalated_to = StringField(
        "Escalated to",
        validators=[Optional(), Length(max=MAX_LENGTH["escalated_to"])],
        description="For an escalation: e.g. the Medical Board of California.",
    )
    escalated_on = DateField("Escalated on", validators=[Optional()])
    submit = SubmitField("Record the review step")

    def __init__(self, moves: list[IncidentStatus], *args, **kwargs):
        """``moves``: the review steps offered (the incident's legal ones)."""
        super().__init__(*args, **kwargs)
        self.offer(moves)

    def offer(self, moves: list[IncidentStatus]) -> None:
        self.status.choices = [SelectChoice(m.value, MOVE_LABELS[m]) for m in moves]
        if len(moves) == 1 and not self.status.data:
            self.status.data = moves[0].value
