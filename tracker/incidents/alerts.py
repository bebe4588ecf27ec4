"""Repeated pressure: many declined requests from the same requester in a short time.

``INCIDENT_ALERT_COUNT`` (3) or more incidents naming the same requester (the same person,
picked or typed by a name with their key, or the same typed name by ``tracker.names``' key)
whose moments all fall within ``INCIDENT_ALERT_WINDOW_DAYS`` (90) days of each other raise
an alert for compliance. Windows that share incidents are merged, so one burst of pressure is
one alert.

:func:`pressure_clusters` is pure; :func:`pressure_alerts` loads only the incidents the
viewer may see (a requester never finds an alert about themselves).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.incidents.models import Incident
from tracker.incidents.visibility import people_by_name_key, visible_incidents
from tracker.vocabulary import IncidentStatus

#: Statuses that still need a reviewer's attention.
UNREVIEWED = frozenset({IncidentStatus.open, IncidentStatus.under_review})


def pressure_clusters(
    moments: Sequence[datetime], count: int, window: timedelta
) -> list[tuple[int, int]]:
    """Index ranges [first, last] of sorted moments where ``count`` fall within ``window``.

    A window is inclusive: three moments exactly ``window`` apart from first to last count.
    Overlapping windows merge into one range.
    """
    clusters: list[tuple[int, int]] = []
    start = 0
    for end, moment in enumerate(moments):
        while moment - moments[start] > window:
            start += 1
        if end - start + 1 < count:
            continue
        if clusters and start <= clusters[-1][1]:
            clusters[-1] = (clusters[-1][0], end)
        else:
            clusters.append((start, end))
    return clusters


def requester_key(
    incident: Incident, people: dict[str, set[int]] | None = None
) -> tuple[str, object] | None:
    """Who the incident names as the requester, as alerts group them.

    A typed name whose key (tracker.names) is the key of exactly one person, active or
    former, counts as that person: two incidents picking Dr. Lee and two typing
    "Jordan Lee" or "Dr. Jоrdan Lee" are four. A key two people share stays a name.
    """
    if incident.requester_id is not None:
        return ("person", incident.requester_id)
    key = incident.requester_key
    if not key:
        return None
    matches = (people or {}).get(key, set())
    if len(matches) == 1:
        return ("person", next(iter(matches)))
    return ("name", key)


@dataclass(frozen=True)
class PressureAlert:
    requester_label: str
    incidents: tuple[Incident, ...]

    @property
    def first(self) -> datetime:
        return self.incidents[0].occurred_at

    @property
    def last(self) -> datetime:
        return self.incidents[-1].occurred_at

    @property
    def unreviewed(self) -> int:
        return sum(i.status in UNREVIEWED for i in self.incidents)

    @property
    def needs_attention(self) -> bool:
        return self.unreviewed > 0


def pressure_alerts(viewer, count: int, window_days: int) -> list[PressureAlert]:
    """The alerts among the incidents this viewer may see, latest first."""
    incidents = db.session.scalars(
        visible_incidents(viewer)
        .where(or_(Incident.requester_id.is_not(None), Incident.requester_name != ""))
        .options(
            selectinload(Incident.requester),
            selectinload(Incident.logged_by),
            selectinload(Incident.site),
            selectinload(Incident.task),
        )
        .order_by(Incident.occurred_at, Incident.id)
    ).all()
    by_requester: dict[tuple, list[Incident]] = defaultdict(list)
    people = people_by_name_key()
    for incident in incidents:
        key = requester_key(incident, people)
        if key is not None:
            by_requester[key].append(incident)
    window = timedelta(days=window_days)
    alerts = []
    for group in by_requester.values():
        moments = [i.occurred_at for i in group]
        for first, last in pressure_clusters(moments, count, window):
            members = tuple(group[first : last + 1])
            # The person picked, else the latest spelling of a typed name, stands for it.
            picked = [m for m in members if m.requester is not None]
            label = (picked[-1] if picked else members[-1]).requester_label
            alerts.append(PressureAlert(label, members))
    alerts.sort(key=lambda alert: alert.last, reverse=True)
    return alerts
