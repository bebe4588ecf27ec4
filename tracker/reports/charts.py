"""The practice dashboard: four figures from the data, and the SVG geometry to draw them.

Each figure is read with one query (the expiring items reuse the expiring list's loader,
a fixed handful of queries whatever the practice's size, so that the chart and the list
never disagree). The charts are drawn on the server as SVG: no external service, no script,
no inline style (colours come from classes in the static stylesheet).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select

from tracker.dates import add_months, zone
from tracker.delegations.models import Delegation
from tracker.delegations.queries import StandingDecision, standing_condition, unmet_conditions
from tracker.extensions import db
from tracker.incidents.models import Incident
from tracker.incidents.visibility import visibility_clause
from tracker.rule.words import CONDITION_LABELS
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.training.queries import expiring_items
from tracker.vocabulary import DelegationStatus

#: Expiring items are counted this many months ahead (this month first).
EXPIRING_MONTHS = 6
#: Declined requests are counted this many months back (this month last).
DECLINED_MONTHS = 12
RESERVED = "reserved"
EXPIRING_KINDS = ("competency", "credential", "license")


@dataclass(frozen=True)
class SiteShare:
    code: str
    name: str
    planned: int
    clear: int

    @property
    def flagged(self) -> int:
        return self.planned - self.clear

    @property
    def percent_clear(self) -> int | None:
        return None if not self.planned else round(100 * self.clear / self.planned)


@dataclass
class DashboardData:
    site_shares: list[SiteShare]
    #: (condition code, label, count of upcoming planned flagged delegations it is unmet in)
    unmet: list[tuple[str, str, int]]
    flagged_total: int
    #: (first day of the month, {kind: count}) for this month and the next five
    expiring: list[tuple[date, dict[str, int]]]
    #: (first day of the month, count) for the last twelve months, this one last
    declined: list[tuple[date, int]]


def month_start(day: date) -> date:
    return day.replace(day=1)


def dashboard_data(user: Person, now: datetime, today: date, timezone: str) -> DashboardData:
    flagged_total, unmet = unmet_counts(now)
    return DashboardData(
        site_shares=site_shares(now),
        unmet=unmet,
        flagged_total=flagged_total,
        expiring=expiring_by_month(today),
        declined=declined_by_month(user, today, timezone),
    )


def _upcoming_planned(now: datetime):
    return and_(Delegation.status == DelegationStatus.planned, Delegation.scheduled_for >= now)


def site_shares(now: datetime) -> list[SiteShare]:
    """Per site, the upcoming planned delegations and how many of them stand clear."""
    clear = func.coalesce(func.sum(case((StandingDecision.status == "clear", 1), else_=0)), 0)
    rows = db.session.execute(
        select(Site.code, Site.name, func.count(Delegation.id), clear)
        .select_from(Site)
        .outerjoin(Delegation, and_(Delegation.site_id == Site.id, _upcoming_planned(now)))
        .outerjoin(StandingDecision, standing_condition())
        .group_by(Site.id, Site.code, Site.name)
        .order_by(Site.name, Site.code)
    )
    return [SiteShare(code, name, planned, int(clear)) for code, name, planned, clear in rows]


def unmet_counts(now: datetime) -> tuple[int, list[tuple[str, str, int]]]:
    """Upcoming planned delegations that do not stand clear, counted by unmet condition
    (one delegation counts under each condition it misses; a reserved task on its own)."""
    rows = db.session.scalars(
        select(StandingDecision)
        .join(Delegation, standing_condition())
        .where(_upcoming_planned(now), StandingDecision.status != "clear")
    )
    counts: Counter[str] = Counter()
    total = 0
    for record in rows:
        total += 1
        if record.status == "prohibited":
            counts[RESERVED] += 1
        counts.update(unmet_conditions(record))
    out = [(code, label, counts[code]) for code, label in CONDITION_LABELS.items()]
    out.append((RESERVED, "Reserved for providers", counts[RESERVED]))
    return total, out


def expiring_by_month(today: date) -> list[tuple[date, dict[str, int]]]:
    """Competencies, credentials and licenses expiring in this month and the next five
    (from today on; already expired ones are the expiring list's business)."""
    first = month_start(today)
    months = [add_months(first, i) for i in range(EXPIRING_MONTHS)]
    last_day = add_months(first, EXPIRING_MONTHS) - timedelta(days=1)
    report = expiring_items(today, (last_day - today).days)
    counts = {month: dict.fromkeys(EXPIRING_KINDS, 0) for month in months}
    for item in report.due:
        if item.expires_on is not None and item.expires_on >= today:
            counts[month_start(item.expires_on)][item.kind] += 1
    return [(month, counts[month]) for month in months]


def declined_by_month(user: Person, today: date, timezone: str) -> list[tuple[date, int]]:
    """Declined-task incidents this user may see, by the month they happened in (the
    practice's zone), over the last twelve months."""
    first = add_months(month_start(today), -(DECLINED_MONTHS - 1))
    start = datetime.combine(first, time(), zone(timezone))
    moments = db.session.scalars(
        select(Incident.occurred_at).where(visibility_clause(user), Incident.occurred_at >= start)
    )
    counts: Counter[date] = Counter(
        month_start(moment.astimezone(zone(timezone)).date()) for moment in moments
    )
    return [(add_months(first, i), counts[add_months(first, i)]) for i in range(DECLINED_MONTHS)]


# --------------------------------------------------------------------------- SVG geometry


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str


@dataclass
class Row:
    """One labelled bar (horizontal charts) or column (vertical charts)."""

    label: str
    text: str
    rects: list[Rect] = field(default_factory=list)
    #: Where the label and the text are written.
    label_x: float = 0
    label_y: float = 0
    text_x: float = 0
    text_y: float = 0


@dataclass
class Chart:
    key: str
    title: str
    description: str
    width: int
    height: int
    rows: list[Row]
    vertical: bool = False
    #: The baseline (vertical charts) or the left edge of the bars (horizontal ones).
    axis: float = 0


LABEL_W, BAR_W, TEXT_W, ROW_H, BAR_H = 170, 300, 130, 30, 18


def hbar_chart(key, title, description, rows) -> Chart:
    """Horizontal bars: rows of (label, [(value, css)], text, scale max)."""
    biggest = max((sum(v for v, _ in segments) for _, segments, _ in rows), default=0) or 1
    out = []
    for index, (label, segments, text) in enumerate(rows):
        y = 10 + index * ROW_H
        x = LABEL_W
        row = Row(label, text, label_x=LABEL_W - 8, label_y=y + BAR_H - 4,
                  text_x=LABEL_W + BAR_W + 8, text_y=y + BAR_H - 4)  # fmt: skip
        for value, css in segments:
            width = round(BAR_W * value / biggest, 1)
            if width > 0:
                row.rects.append(Rect(x, y, width, BAR_H, css))
            x += width
        out.append(row)
    height = 20 + ROW_H * max(len(rows), 1)
    return Chart(key, title, description, LABEL_W + BAR_W + TEXT_W, height, out, axis=LABEL_W)


COL_W, COL_GAP, PLOT_H = 44, 14, 160


def vbar_chart(key, title, description, columns) -> Chart:
    """Vertical columns: (label, [(value, css)], text) each."""
    biggest = max((sum(v for v, _ in segments) for _, segments, _ in columns), default=0) or 1
    base = 24 + PLOT_H
    out = []
    for index, (label, segments, text) in enumerate(columns):
        x = 20 + index * (COL_W + COL_GAP)
        y = base
        row = Row(label, text, label_x=x + COL_W / 2, label_y=base + 16,
                  text_x=x + COL_W / 2, text_y=0)  # fmt: skip
        for value, css in segments:
            height = round(PLOT_H * value / biggest, 1)
            if height > 0:
                y -= height
                row.rects.append(Rect(x, y, COL_W, height, css))
        row.text_y = y - 6
        out.append(row)
    width = 40 + len(columns) * (COL_W + COL_GAP)
    return Chart(key, title, description, width, base + 30, out, vertical=True, axis=base)


def svg_charts(data: DashboardData) -> dict[str, Chart]:
    shares = hbar_chart(
        "clear-share",
        "Upcoming planned delegations that are clear, per site",
        "For each site, the clear part of the bar against the flagged part.",
        [
            (
                s.name,
                [(s.clear, "bar-clear"), (s.flagged, "bar-flagged")],
                "none planned"
                if s.percent_clear is None
                else f"{s.percent_clear}% clear ({s.clear} of {s.planned})",
            )  # fmt: skip
            for s in data.site_shares
        ],
    )
    unmet = hbar_chart(
        "unmet",
        "Flagged upcoming delegations by unmet condition",
        "How many flagged delegations miss each condition; one may miss several.",
        [(label, [(count, "bar-flagged")], str(count)) for _, label, count in data.unmet],
    )
    expiring = vbar_chart(
        "expiring",
        "Items expiring by month, next 6 months",
        "Competencies, credentials and licenses expiring in each month.",
        [
            (
                f"{month:%b}",
                [(kinds[k], f"bar-{k}") for k in EXPIRING_KINDS],
                str(sum(kinds.values())),
            )
            for month, kinds in data.expiring
        ],
    )
    declined = vbar_chart(
        "declined",
        "Declined requests by month, last 12 months",
        "Declined-task incidents logged for each month.",
        [(f"{month:%b}", [(count, "bar-declined")], str(count)) for month, count in data.declined],
    )
    return {c.key: c for c in (shares, unmet, expiring, declined)}
