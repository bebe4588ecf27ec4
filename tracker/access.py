"""The one table of which role may reach which endpoint.

Every endpoint of the app must appear here; a test walks ``app.url_map`` to prove it. An
endpoint missing from the table is refused (fail closed).
"""

from __future__ import annotations

from tracker.domain import Role

#: Reachable without signing in.
PUBLIC = "public"

A, P, M, C, AD = Role.assistant, Role.provider, Role.manager, Role.compliance, Role.admin
EVERYONE = frozenset(Role)
STAFF_READERS = frozenset({P, M, C, AD})
RECORD_KEEPERS = frozenset({M, AD})
DELEGATORS = frozenset({P, M, AD})

ACCESS: dict[str, frozenset | str] = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": EVERYONE,
    "main.home": EVERYONE,
    "staff.staff_list": STAFF_READERS,
    # Assistants may open only their own file; the view checks the object.
    "staff.training_file": EVERYONE,
    "staff.my_file": EVERYONE,
    # Delegations: recorded by managers and providers (for themselves); an assistant sees
    # their own, a provider those they made; the view checks the object.
    "delegations.new": DELEGATORS,
    "delegations.index": EVERYONE,
    "delegations.detail": EVERYONE,
    "delegations.recheck": EVERYONE,
    "delegations.change_status": DELEGATORS,
    # Decisions: the self-check for everyone (an assistant checks only themselves), the
    # matrix and the decision log for those who oversee.
    "decision.self_check": EVERYONE,
    "decision.matrix": STAFF_READERS,
    "decision.log": EVERYONE,
    "decision.record": EVERYONE,
    # Declined-task incidents: every list, count and detail goes through
    # tracker.incidents.visibility (a requester never sees incidents about their requests).
    "incidents.incident_list": EVERYONE,
    "incidents.detail": EVERYONE,
    "incidents.new": frozenset({A}),
    "incidents.decline_delegation": frozenset({A}),
    # The MA who logged it (the view checks) or a reviewer adds a dated addendum.
    "incidents.add_addendum": frozenset({A, M, C, AD}),
    "incidents.review": frozenset({M, C, AD}),
    "incidents.alerts": frozenset({M, C, AD}),
}


def allowed_roles(endpoint: str | None) -> frozenset | str | None:
    """The roles allowed at an endpoint, PUBLIC for open ones, None when not in the table."""
    if endpoint is None:
        return None
    return ACCESS.get(endpoint)


def is_public(endpoint: str | None) -> bool:
    return endpoint in ACCESS and ACCESS[endpoint] == PUBLIC
