"""Forms for state rules and the employer's written policy.

The forms check the shape of each value; the rules that span fields or the database (one
rule per state and task, no overlapping policies, reserved tasks) live in services.py and
come back as problems shown next to their fields.
"""

from __future__ import annotations

from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from tracker.forms import STATE_OPTIONS, TrackerForm
from tracker.policy.services import PolicyDraft, StateRuleDraft
from tracker.vocabulary import RuleStatus, SupervisionLevel

#: Longest credential type or job level (the model's column width).
ITEM_MAX = 64

SUPERVISION_CHOICES = [SelectChoice(level.value, level.label) for level in SupervisionLevel]


def split_list(text: str | None) -> list[str]:
    """Comma-separated words, trimmed, without blanks or repeats, in the order given."""
    items: list[str] = []
    for part in (text or "").split(","):
        part = " ".join(part.split())
        if part and part not in items:
            items.append(part)
    return items


class CommaList:
    """Each comma-separated item is at most ``max_len`` characters."""

    def __init__(self, max_len: int = ITEM_MAX):
        self.max_len = max_len

    def __call__(self, form, field):
        for item in split_list(field.data):
            if len(item) > self.max_len:
                raise ValidationError(
                    f"'{item[:20]}…' is {len(item)} characters long; each item may have at "
                    f"most {self.max_len}."
                )


class StateRuleForm(TrackerForm):
    """What a state's law says about an MA performing one task (one rule per state and task)."""

    state = SelectField("State", choices=STATE_OPTIONS, validators=[InputRequired()])
    task = SelectField("Task", choices=[], validators=[InputRequired()])
    status = RadioField(
        "Status",
        choices=[
            SelectChoice(RuleStatus.permitted.value, "Permitted for a medical assistant"),
            SelectChoice(RuleStatus.prohibited.value, "Prohibited for a medical assistant"),
        ],
        validators=[InputRequired(message="Choose permitted or prohibited.")],
    )
    requires_credentials = StringField(
        "Credentials required (any one of)",
        validators=[Length(max=500), CommaList()],
        description="Comma-separated credential types, e.g. CMA, RMA. Empty: none required.",
    )
    min_training_hours = DecimalField(
        "Minimum training hours",
        places=None,
        validators=[Optional(), NumberRange(min=0, max=10000)],
        description="Empty: the state sets no minimum.",
    )
    supervision = SelectField(
        "Supervision the state requires",
        choices=SUPERVISION_CHOICES,
        default=SupervisionLevel.available.value,
        validators=[InputRequired()],
    )
    citation = TextAreaField(
        "Citation",
        validators=[Length(max=500)],
        description="Statute, regulation or board guidance the rule rests on.",
        render_kw={"rows": 2},
    )
    verified_on = DateField(
        "Verified on",
        validators=[Optional()],
        description="When someone last checked the rule against its source.",
    )
    submit = SubmitField("Save rule")

    def to_draft(self, state: str | None = None, task: str | None = None) -> StateRuleDraft:
        hours = self.min_training_hours.data
        return StateRuleDraft(
            state=state or self.state.data,
            task=task or self.task.data,
            status=RuleStatus(self.status.data),
            supervision=SupervisionLevel(self.supervision.data),
            requires_credentials=tuple(split_list(self.requires_credentials.data)),
            min_training_hours=float(hours) if hours is not None else None,
            citation=(self.citation.data or "").strip(),
            verified_on=self.verified_on.data,
        )


class StateRuleEditForm(StateRuleForm):
    """A recorded rule: its state and task stay as they are."""

    state = None
    task = None


class PolicyForm(TrackerForm):
    """The employer's written authorization for one task."""

    task = SelectField("Task", choices=[], validators=[InputRequired()])
    site = SelectField(
        "Site", choices=[], description="Every site, or one site whose policy overrides it."
    )
    job_levels = StringField(
        "Job levels",
        validators=[Length(max=500), CommaList()],
        description="Comma-separated, e.g. CMA, MA II. Empty: every assistant.",
    )
    authorized = RadioField(
        "Authorization",
        choices=[SelectChoice("yes", "Authorized"), SelectChoice("no", "Not authorized")],
        validators=[InputRequired(message="Choose authorized or not authorized.")],
    )
    requires_credentials = StringField(
        "Credentials required (any one of)",
        validators=[Length(max=500), CommaList()],
        description="Comma-separated credential types. Empty: none required.",
    )
    supervision = SelectField(
        "Supervision the policy requires",
        choices=SUPERVISION_CHOICES,
        default=SupervisionLevel.available.value,
        validators=[InputRequired()],
    )
    competency_valid_months = IntegerField(
        "Competency valid for (months)",
        validators=[Optional(), NumberRange(min=1, max=600)],
        description="After validation, for competencies with no expiry of their own. "
        "Empty: no expiry.",
    )
    document = StringField(
        "Written policy (name and version)",
        validators=[
            DataRequired(message="Name the written policy and its version."),
            Length(max=200),
        ],  # fmt: skip
    )
    effective_from = DateField("Effective from", validators=[Optional()])
    effective_to = DateField(
        "Effective to (last day)", validators=[Optional()], description="Empty: open-ended."
    )
    preview = SubmitField("Preview the change")

    def to_draft(self) -> PolicyDraft:
        return PolicyDraft(
            task=self.task.data,
            site=self.site.data or None,
            job_levels=tuple(split_list(self.job_levels.data)),
            authorized=self.authorized.data == "yes",
            supervision=SupervisionLevel(self.supervision.data),
            requires_credentials=tuple(split_list(self.requires_credentials.data)),
            competency_valid_months=self.competency_valid_months.data,
            document=(self.document.data or "").strip(),
            effective_from=self.effective_from.data,
            effective_to=self.effective_to.data,
        )

    @classmethod
    def data_of(cls, draft: PolicyDraft) -> dict:
        """Form values for a stored policy."""
        return {
            "task": draft.task,
            "site": draft.site or "",
            "job_levels": ", ".join(draft.job_levels),
            "authorized": "yes" if draft.authorized else "no",
            "requires_credentials": ", ".join(draft.requires_credentials),
            "supervision": draft.supervision.value,
            "competency_valid_months": draft.competency_valid_months,
            "document": draft.document,
            "effective_from": draft.effective_from,
            "effective_to": draft.effective_to,
        }


class EndPolicyForm(TrackerForm):
    """End a policy: its last day in effect."""

    effective_to = DateField(
        "Last day in effect",
        validators=[InputRequired(message="Give the policy's last day in effect.")],
    )
    preview = SubmitField("Preview the change")
