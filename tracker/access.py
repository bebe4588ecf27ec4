"""The one table of which role may reach which endpoint.

Every endpoint of the app must appear here; a test walks ``app.url_map`` to prove it. An
endpoint missing from the table is refused (fail closed).
"""

from __future__ import annotations

from tracker.vocabulary import RECORD_KEEPERS, Role

#: Reachable without signing in.
PUBLIC = "public"

A, P, M, C, AD = Role.assistant, Role.provider, Role.manager, Role.compliance, Role.admin
EVERYONE = frozenset(Role)
STAFF_READERS = frozenset({P, M, C, AD})
DELEGATORS = frozenset({P, M, AD})

ACCESS: dict[str, frozenset | str] = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "auth.login": PUBLIC,
    # The second step of a sign-in: no session yet; the view needs the password step's
    # state in this browser's signed cookie.
    "auth.second_step": PUBLIC,
    # For load balancers and monitors: says only whether the database answers.
    "main.healthz": PUBLIC,
    "auth.logout": EVERYONE,
    # One's own account: password, two-factor sign-in, sign out everywhere.
    "account.index": EVERYONE,
    "account.sign_out_everywhere": EVERYONE,
    "account.change_password": EVERYONE,
    "account.two_factor_setup": EVERYONE,
    "account.two_factor_qr": EVERYONE,
    "account.two_factor_off": EVERYONE,
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
    # Compliance reviews what was done while a delegation's standing was flagged.
    "delegations.flagged_performed": frozenset({M, C, AD}),
    # Decisions: the self-check for everyone (an assistant checks only themselves), the
    # matrix and the decision log for those who oversee.
    "decision.self_check": EVERYONE,
    "decision.matrix": STAFF_READERS,
    "decision.matrix_cell": STAFF_READERS,
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
    # State rules and the written policy: managers and admins change them (a policy change
    # goes through a what-if preview that writes nothing); providers and compliance read.
    "policy.state_rules": EVERYONE,
    "policy.new_state_rule": RECORD_KEEPERS,
    "policy.edit_state_rule": RECORD_KEEPERS,
    "policy.index": EVERYONE,
    "policy.policy_list": EVERYONE,
    "policy.new_policy": RECORD_KEEPERS,
    "policy.preview_new_policy": RECORD_KEEPERS,
    "policy.edit_policy": RECORD_KEEPERS,
    "policy.preview_edit_policy": RECORD_KEEPERS,
    "policy.end_policy": RECORD_KEEPERS,
    "policy.preview_end_policy": RECORD_KEEPERS,
    # Records the practice keeps: managers and admins change them (the service lets only an
    # admin create or change accounts other than assistants' and providers', or a role);
    # compliance and providers read the lists.
    "main.records": STAFF_READERS,
    "staff.person_new": RECORD_KEEPERS,
    "staff.person_edit": RECORD_KEEPERS,
    "staff.person_deactivate": RECORD_KEEPERS,
    "staff.person_reactivate": RECORD_KEEPERS,
    "sites.site_list": STAFF_READERS,
    "sites.site_new": RECORD_KEEPERS,
    "sites.site_edit": RECORD_KEEPERS,
    "staff.license_new": RECORD_KEEPERS,
    "staff.license_edit": RECORD_KEEPERS,
    "staff.credential_new": RECORD_KEEPERS,
    "staff.credential_edit": RECORD_KEEPERS,
    "supervision.assignment_new": RECORD_KEEPERS,
    "supervision.assignment_edit": RECORD_KEEPERS,
    "supervision.assignment_end": RECORD_KEEPERS,
    "supervision.shift_week": STAFF_READERS,
    "supervision.shift_new": RECORD_KEEPERS,
    "supervision.shift_edit": RECORD_KEEPERS,
    "catalog.task_list": STAFF_READERS,
    "catalog.task_new": RECORD_KEEPERS,
    "catalog.task_edit": RECORD_KEEPERS,
    "staff.expiring": frozenset({M, C, AD}),
    # Competencies: everyone sees (an assistant only their own; the view checks the object).
    # Signing off is for providers and approved observers (can_validate, whatever the role)
    # as themselves, and managers and admins on a validator's behalf: the view checks the
    # person, since can_validate is not a role. Correcting: managers, admins, the validator.
    "competencies.index": EVERYONE,
    "competencies.detail": EVERYONE,
    "competencies.new": EVERYONE,
    "competencies.edit": EVERYONE,
    "competencies.revoke": RECORD_KEEPERS,
    # The audit trail and its chain check: compliance and admins.
    "audit.events": frozenset({C, AD}),
    "audit.export": frozenset({C, AD}),
    "audit.verify": frozenset({C, AD}),
    # CSV imports of people and competencies.
    "imports.index": RECORD_KEEPERS,
    "imports.template": RECORD_KEEPERS,
    "imports.upload": RECORD_KEEPERS,
    "imports.commit": RECORD_KEEPERS,
    # Who may do this? The finder, for those who assign and oversee.
    "finder.eligible_page": STAFF_READERS,
    # API tokens: everyone keeps their own on their account page; admins anyone's (the
    # view checks the person).
    "tokens.index": EVERYONE,
    "tokens.create": EVERYONE,
    "tokens.revoke": EVERYONE,
    # The API's description and its readable page are open, like a login page: they hold
    # no data.
    "api-docs.openapi_json": PUBLIC,
    "api_docs.page": PUBLIC,
    # The JSON API (DESIGN section 10): a bearer token acts as its person, so the same
    # roles as the pages, and each call needs a scope (API_SCOPES). The blueprint checks
    # both; the session guard leaves these endpoints alone (no cookie authentication).
    "api_v1.decide": EVERYONE,
    "api_v1.decide_batch": EVERYONE,
    "api_v1.eligible_assistants": STAFF_READERS,
    "api_v1.delegations": EVERYONE,
    "api_v1.record_delegation": DELEGATORS,
    "api_v1.delegation": EVERYONE,
    "api_v1.recheck": EVERYONE,
    "api_v1.delegation_status": DELEGATORS,
    "api_v1.training_file": EVERYONE,
    "api_v1.expiring": frozenset({M, C, AD}),
    # Reports (DESIGN section 11): the dashboard for those who oversee the practice; CSV
    # exports apply the same visibility as the pages they mirror; incidents for those who
    # see them on the pages (tracker.incidents.visibility: never one about one's own
    # request); printouts as their pages (an assistant prints only their own file).
    "reports.dashboard": frozenset({M, C, AD}),
    "reports.delegations_csv": STAFF_READERS,
    "reports.matrix_csv": STAFF_READERS,
    "reports.expiring_csv": frozenset({M, C, AD}),
    # The finder's answer, for those who may ask the finder (/eligible).
    "reports.eligible_csv": STAFF_READERS,
    "reports.incidents_csv": frozenset({M, C, AD}),
    "reports.print_training_file": EVERYONE,
    "reports.print_roster": STAFF_READERS,
}

#: The scope each API endpoint needs (an endpoint missing here is refused).
API_SCOPES: dict[str, str] = {
    "api_v1.decide": "decide",
    "api_v1.decide_batch": "decide",
    "api_v1.eligible_assistants": "decide",
    "api_v1.delegations": "read",
    "api_v1.record_delegation": "write",
    "api_v1.delegation": "read",
    "api_v1.recheck": "write",
    "api_v1.delegation_status": "write",
    "api_v1.training_file": "read",
    "api_v1.expiring": "read",
}
#: The blueprint whose endpoints authenticate by token, not by session.
API_BLUEPRINT = "api_v1"


#: Where a signed-in person may still go while the app waits for them to change their
#: password (an administrator asked) or to set up two-factor sign-in (their role requires it).
WHILE_PASSWORD_CHANGE_DUE = frozenset({"account.change_password", "auth.logout"})
WHILE_TWO_FACTOR_DUE = frozenset(
    {"account.two_factor_setup", "account.two_factor_qr", "auth.logout"}
)


def allowed_roles(endpoint: str | None) -> frozenset | str | None:
    """The roles allowed at an endpoint, PUBLIC for open ones, None when not in the table."""
    if endpoint is None:
        return None
    return ACCESS.get(endpoint)
