"""Who is reminded of what (DESIGN section 11), and the log that makes each reminder once.

:func:`plan_reminders` works out, for one run, every mail with at least one item its
recipient has not been reminded of yet; :func:`log_sent` records a mail's items once it has
left. Nothing here sends mail (``tracker.reminders.mailer`` does) or commits.

- Each active assistant: their own competencies, credentials and licenses that expire within
  60 days or expired within the last 30, and their upcoming flagged delegations.
- Each active manager and admin, one digest: the practice's items expiring within 60 days
  (or expired within the last 30), flagged delegations in the next 7 days, clinical tasks
  delegated at a site whose state has no rule for them, state rules last verified more
  than 12 months ago.
- Each active compliance officer, one digest: repeated-pressure alerts and incidents open
  for more than 14 days, from the incidents that person may see (never one about a request
  they made: ``tracker.incidents.visibility``).

An expiring item is reminded once at each threshold it crosses (60, 30, 7 days before,
and on expiry: the log keeps the threshold), and again from the start when its expiry date
changes (the date is part of the item's key). Everything else is reminded once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.models import Task
from tracker.delegations.models import Delegation
from tracker.delegations.queries import (
    StandingDecision,
    join_standing,
    standing_of,
    unmet_conditions,
)
from tracker.extensions import db
from tracker.incidents.alerts import UNREVIEWED, pressure_alerts
from tracker.incidents.models import Incident
from tracker.incidents.visibility import visible_incidents
from tracker.policy.models import StateRule
from tracker.reminders.models import ReminderSent
from tracker.rule.rules import STALE_RULE_MONTHS
from tracker.rule.words import CONDITION_LABELS
from tracker.sites.models import Practice, Site
from tracker.staff.models import Person
from tracker.training.queries import ExpiringItem, expiring_items
from tracker.validation import as_one_line
from tracker.vocabulary import DelegationStatus, Role, TaskKind

ONCE = "once"
ASSISTANT, OFFICE, COMPLIANCE = "assistant", "office", "compliance"
#: A provider's own mail: the review dates of the protocols they approved (DESIGN 15).
PROVIDER = "provider"


@dataclass(frozen=True)
class ReminderItem:
    """One line of a reminder mail."""

    #: What is reminded; with ``stage``, the reminder log's key.
    key: str
    #: The threshold crossed (``60``, ``30``, ``7``, ``0``) or ``once``.
    stage: str
    text: str
    #: The path of the page to open (the mailer puts BASE_URL in front).
    path: str


@dataclass
class Section:
    heading: str
    items: list[ReminderItem] = field(default_factory=list)


@dataclass
class Reminder:
    """One mail to one person: only the items they have not been reminded of yet."""

    recipient: Person
    kind: str  #: assistant, office or compliance
    subject: str
    sections: list[Section]

    @property
    def items(self) -> list[ReminderItem]:
        return [item for section in self.sections for item in section.items]


def stage_for(days_left: int, thresholds: tuple[int, ...], expired_within: int) -> str | None:
    """The last threshold an item ``days_left`` from expiry has crossed; None: not yet, or
    expired too long ago to remind."""
    if days_left < -expired_within:
        return None
    for threshold in sorted(thresholds):
        if days_left <= threshold:
            return str(threshold)
    return None


def when_words(expires_on: date, today: date) -> str:
    days = (expires_on - today).days
    if days > 1:
        return f"expires on {expires_on.isoformat()} (in {days} days)"
    if days == 1:
        return f"expires on {expires_on.isoformat()} (tomorrow)"
    if days == 0:
        return f"expires today ({expires_on.isoformat()})"
    ago = "1 day ago" if days == -1 else f"{-days} days ago"
    return f"expired on {expires_on.isoformat()} ({ago})"


class _Paths:
    """Paths of the app's pages, built without a request (BASE_URL goes in front later)."""

    def __init__(self):
        self._adapter = current_app.url_map.bind("localhost")

    def __call__(self, endpoint: str, **values) -> str:
        return self._adapter.build(endpoint, values)


def plan_reminders(today: date, now: datetime) -> list[Reminder]:
    """Every mail this run would send: one per recipient with something new, in a fixed
    number of queries whatever the size of the practice."""
    config = current_app.config
    thresholds = tuple(config["REMINDER_THRESHOLDS"])
    expired_within = config["REMINDER_EXPIRED_WITHIN_DAYS"]
    path = _Paths()
    recipients = db.session.scalars(
        select(Person).where(Person.active.is_(True)).order_by(Person.name, Person.id)
    ).all()
    by_role: dict[Role, list[Person]] = defaultdict(list)
    for person in recipients:
        by_role[person.role].append(person)

    expiring = _expiring_lines(today, thresholds, expired_within, path)
    upcoming = _upcoming_flagged(now)
    mails: list[Reminder] = []
    reviews, unread = _protocol_items(today, thresholds, expired_within, path)
    for person in by_role[Role.assistant]:
        mail = _assistant_mail(person, today, expiring, upcoming, path)
        mail.sections.append(
            Section("Protocols to read and acknowledge", unread.get(person.id, []))
        )
        mails.append(mail)
    for person in by_role[Role.provider]:
        mine = [item for approver, item in reviews if approver == person.id]
        mails.append(Reminder(person, PROVIDER, "", [Section(REVIEW_HEADING, mine)]))
    office = by_role[Role.manager] + by_role[Role.admin]
    if office:
        sections = _office_sections(today, now, expiring, upcoming, path)
        sections.append(Section(REVIEW_HEADING, [item for _, item in reviews]))
        for person in sorted(office, key=lambda p: (p.name, p.id)):
            mails.append(Reminder(person, OFFICE, "", [_copy(s) for s in sections]))
    for person in by_role[Role.compliance]:
        mails.append(Reminder(person, COMPLIANCE, "", _compliance_sections(person, now, path)))

    _drop_already_sent(mails)
    mails = [mail for mail in mails if mail.items]
    prefix = _subject_prefix()
    for mail in mails:
        mail.subject = prefix + _subject(mail)
    return mails


def log_sent(mail: Reminder) -> None:
    """Record a mail's items as reminded (call once the SMTP server has accepted it)."""
    for item in mail.items:
        db.session.add(ReminderSent(recipient_id=mail.recipient.id, item_key=item.key,
                                    stage=item.stage))  # fmt: skip
    db.session.flush()


# --------------------------------------------------------------------------- the items


def _expiring_lines(today, thresholds, expired_within, path):
    """Expiring items with the threshold each has crossed: [(ExpiringItem, stage)]."""
    report = expiring_items(today, max(thresholds))
    lines = []
    for item in report.due:
        stage = stage_for((item.expires_on - today).days, thresholds, expired_within)
        if stage is not None:
            lines.append((item, stage))
    return lines


def _expiring_item(item: ExpiringItem, stage: str, today: date, path, *, whose: bool):
    owner = f"{item.person.name}: " if whose else ""
    derived = " (expiry from the written policy)" if item.derived else ""
    where = f" at {item.site_name}" if item.site_name else ""
    return ReminderItem(
        key=f"{item.kind}:{item.record_id}:{item.expires_on.isoformat()}",
        stage=stage,
        text=f"{owner}{item.what} {when_words(item.expires_on, today)}{where}{derived}",
        path=path("staff.training_file", person_id=item.person.id),
    )


def _upcoming_flagged(now: datetime) -> list[Delegation]:
    """Planned delegations from now on whose standing is not clear, soonest first."""
    return list(
        db.session.scalars(
            join_standing(select(Delegation))
            .where(
                Delegation.status == DelegationStatus.planned,
                Delegation.scheduled_for >= now,
                StandingDecision.status != "clear",
            )
            .options(
                selectinload(Delegation.assistant),
                selectinload(Delegation.task),
                selectinload(Delegation.site),
                selectinload(Delegation.decision),
            )
            .order_by(Delegation.scheduled_for, Delegation.id)
        )
    )


def _delegation_item(delegation: Delegation, path, *, whose: bool) -> ReminderItem:
    local = delegation.scheduled_for.astimezone(_zone(delegation.site.timezone))
    standing = standing_of(delegation)
    unmet = [CONDITION_LABELS.get(c, c).lower() for c in unmet_conditions(standing)]
    why = f"not met: {', '.join(unmet)}" if unmet else standing.status
    owner = f"{delegation.assistant.name}: " if whose else ""
    return ReminderItem(
        key=f"delegation:{delegation.id}",
        stage=ONCE,
        text=(
            f"{owner}{delegation.task.name} at {delegation.site.name} on "
            f"{local:%Y-%m-%d %H:%M} {local.tzname()} is flagged ({why})"
        ),
        path=path("delegations.detail", delegation_id=delegation.id),
    )


def _zone(name: str):
    from tracker.dates import zone

    return zone(name)


def _assistant_mail(person, today, expiring, upcoming, path) -> Reminder:
    records = Section("Your records expiring or expired")
    for item, stage in expiring:
        if item.person.id == person.id:
            records.items.append(_expiring_item(item, stage, today, path, whose=False))
    delegations = Section("Your upcoming delegations that are flagged")
    for delegation in upcoming:
        if delegation.assistant_id == person.id:
            delegations.items.append(_delegation_item(delegation, path, whose=False))
    return Reminder(person, ASSISTANT, "", [records, delegations])


def _office_sections(today, now, expiring, upcoming, path) -> list[Section]:
    config = current_app.config
    items = Section("Records expiring within 60 days or recently expired")
    for item, stage in expiring:
        items.items.append(_expiring_item(item, stage, today, path, whose=True))
    soon = now + timedelta(days=config["REMINDER_FLAGGED_WITHIN_DAYS"])
    flagged = Section(
        f"Flagged delegations in the next {config['REMINDER_FLAGGED_WITHIN_DAYS']} days"
    )
    for delegation in upcoming:
        if delegation.scheduled_for <= soon:
            flagged.items.append(_delegation_item(delegation, path, whose=True))
    missing = Section("Clinical tasks delegated at a site whose state has no rule for them")
    for site, task in _tasks_without_rule():
        missing.items.append(
            ReminderItem(
                key=f"no-rule:{site.state}:{task.code}",
                stage=ONCE,
                text=(
                    f"{task.name} is delegated at {site.name} ({site.state}), and no "
                    f"{site.state} rule is recorded for it: verify it with the state medical "
                    "board and record the rule"
                ),
                path=path("policy.state_rules", state=site.state),
            )
        )
    stale = Section(f"State rules last verified more than {STALE_RULE_MONTHS} months ago")
    for rule in _stale_rules(today):
        when = rule.verified_on.isoformat() if rule.verified_on else "never"
        stale.items.append(
            ReminderItem(
                key=f"stale-rule:{rule.id}:{when}",
                stage=ONCE,
                text=f"{rule.state} rule for {rule.task.name}: last verified {when}",
                path=path("policy.edit_state_rule", rule_id=rule.id),
            )
        )
    return [items, flagged, missing, stale]


def _tasks_without_rule() -> list[tuple[Site, Task]]:
    """(site, clinical task) pairs with a planned or performed delegation and no state rule
    for the task in the site's state; one query."""
    rule = (
        select(StateRule.id)
        .where(StateRule.state == Site.state, StateRule.task_id == Task.id)
        .exists()
    )
    rows = db.session.execute(
        select(Site, Task)
        .join(Delegation, Delegation.site_id == Site.id)
        .join(Task, Delegation.task_id == Task.id)
        .where(
            Task.kind == TaskKind.clinical,
            Delegation.status.in_([DelegationStatus.planned, DelegationStatus.performed]),
            ~rule,
        )
        .distinct()
        .order_by(Site.name, Task.name)
    ).all()
    # One line per state and task: recording the rule fixes it at every site in that state.
    seen, out = set(), []
    for site, task in rows:
        if (site.state, task.id) not in seen:
            seen.add((site.state, task.id))
            out.append((site, task))
    return out


def _stale_rules(today: date) -> list[StateRule]:
    from tracker.dates import add_months

    stale_before = add_months(today, -STALE_RULE_MONTHS)
    return list(
        db.session.scalars(
            select(StateRule)
            .where(StateRule.verified_on.is_(None) | (StateRule.verified_on < stale_before))
            .options(selectinload(StateRule.task))
            .order_by(StateRule.state, StateRule.id)
        )
    )


def _compliance_sections(person: Person, now: datetime, path) -> list[Section]:
    """The compliance digest from what this person may see (never their own requests)."""
    config = current_app.config
    alerts = Section("Repeated-pressure alerts")
    for alert in pressure_alerts(
        person, config["INCIDENT_ALERT_COUNT"], config["INCIDENT_ALERT_WINDOW_DAYS"]
    ):
        if not alert.needs_attention:
            continue
        first, last = alert.first.date().isoformat(), alert.last.date().isoformat()
        alerts.items.append(
            ReminderItem(
                key=f"alert:{alert.incidents[0].id}",
                stage=ONCE,
                text=(
                    f"{len(alert.incidents)} declined requests naming {alert.requester_label} "
                    f"between {first} and {last} ({alert.unreviewed} not yet reviewed)"
                ),
                path=path("incidents.alerts"),
            )
        )
    days = config["REMINDER_OPEN_INCIDENT_DAYS"]
    waiting = Section(f"Incidents open for more than {days} days")
    for incident in db.session.scalars(
        visible_incidents(person)
        .where(
            Incident.status.in_(list(UNREVIEWED)),
            # Counted from the moment it happened: an incident logged late has waited as long.
            Incident.occurred_at < now - timedelta(days=days),
        )
        .options(
            selectinload(Incident.task),
            selectinload(Incident.logged_by),
            selectinload(Incident.requester),
        )
        .order_by(Incident.occurred_at, Incident.id)
    ):
        age = (now - incident.occurred_at).days
        waiting.items.append(
            ReminderItem(
                key=f"open-incident:{incident.id}",
                stage=ONCE,
                text=(
                    f"Incident #{incident.id} ({incident.task_label}) of "
                    f"{incident.occurred_at.date().isoformat()}, logged by "
                    f"{incident.logged_by.name}: still {incident.status.value.replace('_', ' ')} "
                    f"after {age} days"
                ),
                path=path("incidents.detail", incident_id=incident.id),
            )
        )
    return [alerts, waiting]


# --------------------------------------------------------------------------- the log


REVIEW_HEADING = "Protocols due for review"
UNREAD_HEADING = "Protocols to read and acknowledge"


def _protocol_items(today, thresholds, expired_within, path):
    """Protocols whose review date crosses a threshold, as (approving provider id, item),
    and per assistant the approved protocols at their sites they have not read yet (a
    fixed number of queries)."""
    from tracker.protocols.queries import not_acknowledged, protocols_in_force

    protocols = protocols_in_force()
    reviews = []
    for protocol in protocols:
        if protocol.review_by is None:
            continue
        stage = stage_for((protocol.review_by - today).days, thresholds, expired_within)
        if stage is None:
            continue
        days = (protocol.review_by - today).days
        due = (
            f"is due for review on {protocol.review_by.isoformat()} (in {days} days)"
            if days > 0
            else f"was due for review on {protocol.review_by.isoformat()}"
        )
        item = ReminderItem(
            key=f"protocol-review:{protocol.id}:{protocol.review_by.isoformat()}",
            stage=stage,
            text=f"The {protocol.title} protocol (v{protocol.version}) {due}; until a provider "
            "approves it again it covers nothing",
            path=path("protocols.detail", protocol_id=protocol.id),
        )
        reviews.append((protocol.approved_by_id, item))
    unread: dict[int, list[ReminderItem]] = defaultdict(list)
    for protocol_id, people in not_acknowledged(protocols).items():
        protocol = next(p for p in protocols if p.id == protocol_id)
        for person in people:
            unread[person.id].append(
                ReminderItem(
                    key=f"protocol-read:{protocol.id}",
                    stage=ONCE,
                    text=f"Read and acknowledge the {protocol.title} protocol "
                    f"(v{protocol.version}); until you do, it does not cover your work",
                    path=path("protocols.detail", protocol_id=protocol.id),
                )
            )
    return reviews, unread


def _copy(section: Section) -> Section:
    return Section(section.heading, list(section.items))


def _drop_already_sent(mails: list[Reminder]) -> None:
    """Remove the items each recipient was already reminded of (one query)."""
    recipient_ids = {mail.recipient.id for mail in mails if mail.items}
    if not recipient_ids:
        return
    rows = db.session.execute(
        select(ReminderSent.recipient_id, ReminderSent.item_key, ReminderSent.stage).where(
            ReminderSent.recipient_id.in_(recipient_ids)
        )
    )
    sent = {(recipient_id, key, stage) for recipient_id, key, stage in rows}
    for mail in mails:
        for section in mail.sections:
            section.items = [
                item
                for item in section.items
                if (mail.recipient.id, item.key, item.stage) not in sent
            ]


def _subject_prefix() -> str:
    # A name stored before line breaks were refused must not break the Subject header.
    name = as_one_line(db.session.scalar(select(Practice.name).limit(1)) or "")
    return f"[{name}] " if name else ""


def _subject(mail: Reminder) -> str:
    count = len(mail.items)
    things = "1 item needs" if count == 1 else f"{count} items need"
    if mail.kind in (ASSISTANT, PROVIDER):
        return f"Reminder: {things} your attention"
    if mail.kind == OFFICE:
        return f"Practice digest: {things} attention"
    return f"Compliance digest: {things} review"


__all__ = [
    "Reminder",
    "ReminderItem",
    "Section",
    "log_sent",
    "plan_reminders",
    "stage_for",
]
