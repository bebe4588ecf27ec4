"""What the features hand the audit at app start, so that ``tracker.audit`` imports none.

A feature whose records need hiding from some viewers hands a condition on audit events; a
feature whose ids appear in events' values hands the column that names its records; the
people feature hands the list of people the trail's filter offers; the sites feature hands
the zone the trail tells its times in. ``tracker.create_app`` fills this before any request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, true

#: Per feature: viewer -> SQL condition on AuditEvent that the viewer may see.
_VISIBILITY: dict[str, Callable[[Any], Any]] = {}
#: Per table name: the column whose value names one of its records ("people" -> a name).
_NAMES: dict[str, Any] = {}
#: The people an event filter offers, and the practice's zone.
_SOURCES: dict[str, Callable[..., Any]] = {}
#: Per table name: (endpoint, its id argument, a noun) of the page that shows one record.
_LINKS: dict[str, tuple[str, str, str]] = {}


def hand_visibility(feature: str, condition: Callable[[Any], Any]) -> None:
    """``condition(viewer)``: which audit events about the feature's records the viewer sees."""
    _VISIBILITY[feature] = condition


def hand_names(table: str, column) -> None:
    """The column that names a record of ``table``, for ids met in events' values."""
    _NAMES[table] = column


def hand_link(table: str, endpoint: str, argument: str, noun: str) -> None:
    """The page that shows a record of ``table`` (an id met in events' values links to it,
    read as "noun #id")."""
    _LINKS[table] = (endpoint, argument, noun)


def links() -> dict[str, tuple[str, str, str]]:
    return dict(_LINKS)


def hand_people(people: Callable[[], list]) -> None:
    """Everyone who may have acted, as objects with ``id``, ``name`` and ``email``."""
    _SOURCES["people"] = people


def hand_timezone(zone: Callable[..., str]) -> None:
    """``zone(viewer=None)``: the zone the trail and the history panels tell times in, for
    a viewer (their site's), else the practice's."""
    _SOURCES["timezone"] = zone


def visible_to(viewer):
    """The SQL condition on audit events this viewer may see, every feature's at once."""
    conditions = [condition(viewer) for condition in _VISIBILITY.values()]
    return and_(*conditions) if conditions else true()


def name_columns() -> dict[str, Any]:
    return dict(_NAMES)


def people() -> list:
    return _SOURCES["people"]() if "people" in _SOURCES else []


def timezone(viewer=None) -> str:
    return _SOURCES["timezone"](viewer) if "timezone" in _SOURCES else "UTC"
