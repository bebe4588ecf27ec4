"""Template filters and globals: dates in the site's time zone, role labels."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tracker.access import allowed_roles
from tracker.vocabulary import RESPONSE_STEPS

#: Top navigation, in groups: each entry shows only to the roles the access table lets in;
#: a group with one visible entry is a plain link, with more a dropdown.
NAV_MENU: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Delegations",
        [
            ("delegations.index", "Delegations"),
            ("finder.eligible_page", "Who may do this?"),
            ("decision.self_check", "May I do this?"),
            ("decision.matrix", "Compliance matrix"),
            ("decision.log", "Decision log"),
        ],
    ),
    (
        "People",
        [
            ("staff.staff_list", "Staff"),
            ("competencies.index", "Competencies"),
            ("staff.expiring", "Expiring items"),
            ("main.records", "Records"),
            ("imports.index", "Import from CSV"),
        ],
    ),
    (
        "Rules",
        [
            ("policy.index", "Written policy"),
            ("policy.state_rules", "State rules"),
            ("protocols.index", "Protocols"),
            ("protocols.directions", "Directions"),
        ],
    ),
    (
        "Compliance",
        [
            ("incidents.incident_list", "Declined requests"),
            ("incidents.alerts", "Pressure alerts"),
            ("delegations.flagged_performed", "Performed while flagged"),
            ("audit.events", "Audit trail"),
            ("reports.dashboard", "Practice dashboard"),
        ],
    ),
]


#: Where a decision's evidence links to, by record kind: the first endpoint that exists and
#: the viewer may open wins. Argument values name "record_id" or "assistant_id".
RECORD_LINKS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "competency": [("staff.training_file", {"person_id": "assistant_id"})],
    "credential": [("staff.training_file", {"person_id": "assistant_id"})],
    "supervision": [("staff.training_file", {"person_id": "assistant_id"})],
    "policy": [("policy.policy_list", {"policy": "record_id"}), ("policy.index", {})],
    "state_rule": [("policy.state_rules", {"rule": "record_id"})],
    "protocol": [("protocols.detail", {"protocol_id": "record_id"})],
    "direction": [("protocols.directions", {})],
}


def local_time(moment: datetime | None, tz: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    if tz:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime(fmt) + (f" {moment.tzname()}" if tz else " UTC")


#: A moment as the decision rule writes it into evidence (ISO-8601, UTC).
UTC_STAMP = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:Z|\+00:00)")


def local_stamps(text: str, tz: str | None) -> str:
    """Words with every UTC moment in them told on the site's clock, with its abbreviation."""
    if not tz or not text:
        return text

    def local(match: re.Match) -> str:
        moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        return local_time(moment, tz)

    return UTC_STAMP.sub(local, text)


def show_date(value: date | None, empty: str = "—") -> str:
    return value.isoformat() if value else empty


def can_open(endpoint: str) -> bool:
    """Whether this app has the endpoint and the signed-in person's role may open it."""
    from flask import current_app
    from flask_login import current_user

    if endpoint not in current_app.view_functions:
        return False
    roles = allowed_roles(endpoint)
    if roles == "public":
        return True
    return bool(roles and current_user.is_authenticated and current_user.role in roles)


class RecordLinks:
    """``links(kind, record_id, assistant_id)``: a link to a record a decision rests on,
    when the viewer may open it (RECORD_LINKS), else None.

    One is made for each decision panel: it asks once whether the viewer may open each kind
    of page, and builds each address once (a competency, a credential and a supervision
    record all link to the same training file).
    """

    def __init__(self):
        self.opened: dict[str, bool] = {}
        self.links: dict[tuple, str] = {}

    def __call__(self, kind: str, record_id, assistant_id=None) -> str | None:
        from flask import url_for

        for endpoint, args in RECORD_LINKS.get(kind, ()):
            if endpoint not in self.opened:
                self.opened[endpoint] = can_open(endpoint)
            if self.opened[endpoint]:
                values = {"record_id": record_id, "assistant_id": assistant_id}
                if all(values.get(v) is not None for v in args.values()):
                    key = (endpoint, *((k, values[v]) for k, v in args.items()))
                    if key not in self.links:
                        self.links[key] = url_for(endpoint, **dict(key[1:]))
                    return self.links[key]
        return None


def register_template_helpers(app) -> None:
    """The filters and globals every template may use; features add their own (a
    blueprint's ``app_context_processor``), so this module imports no feature."""
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(show_date, "show_date")
    app.add_template_filter(local_stamps, "local_stamps")

    #: (role, the app's root path) -> the menu that role sees, as (address, label) links:
    #: the access table and the routes are fixed once running, so it is worked out once.
    menus: dict = {}

    @app.context_processor
    def _helpers():
        from flask import request, url_for
        from flask_login import current_user

        def user_menu() -> list[tuple[str, list[tuple[str, str]]]]:
            """NAV_MENU as the signed-in user's role may see it, each entry's address and
            label (a dozen addresses built once a role, not on every page)."""
            if not current_user.is_authenticated:
                return []
            key = (current_user.role, request.script_root)
            if key not in menus:
                menus[key] = [
                    (group, visible)
                    for group, entries in NAV_MENU
                    if (visible := [(url_for(e), label) for e, label in entries if can_open(e)])
                ]
            return menus[key]

        def has_endpoint(endpoint: str) -> bool:
            return endpoint in app.view_functions

        return {
            "can_open": can_open,
            "user_menu": user_menu,
            "has_endpoint": has_endpoint,
            "response_steps": RESPONSE_STEPS,
        }
