"""Template filters and globals: dates in the site's time zone, role labels."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tracker.access import allowed_roles

#: Top navigation: shown to the roles the access table lets in.
NAV_LINKS = [
    ("staff.staff_list", "Staff"),
]


def local_time(moment: datetime | None, tz: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    if tz:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime(fmt) + (f" {moment.tzname()}" if tz else " UTC")


def show_date(value: date | None, empty: str = "—") -> str:
    return value.isoformat() if value else empty


def register_template_helpers(app) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(show_date, "show_date")

    @app.context_processor
    def _helpers():
        from flask_login import current_user

        def can_open(endpoint: str) -> bool:
            roles = allowed_roles(endpoint)
            if roles == "public":
                return True
            return bool(roles and current_user.is_authenticated and current_user.role in roles)

        return {"can_open": can_open, "nav_links": NAV_LINKS}
