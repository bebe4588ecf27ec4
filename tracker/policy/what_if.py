"""What a policy change would do, before it is saved: the what-if preview.

It runs the real decision rule on the stored facts (``tracker.decision.what_if``), once with
the policies as they are and once with the proposed change, and writes nothing. The rule's
loader and the planned delegations sit above policy, so the app factory hands the policy
pages this app's what-if (``current_app.extensions[WHAT_IF]``).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from tracker.policy.services import PolicyChange

#: How far ahead the what-if preview looks for planned delegations.
PREVIEW_DAYS = 30
#: Where the app keeps the what-if of a policy change.
WHAT_IF = "tracker.policy_what_if"


def preview_policy_change(change: PolicyChange, now: datetime):
    """The what-if of a checked change; refused (like saving) when it has problems."""
    if change.problems:
        raise change.refusal
    return current_app.extensions[WHAT_IF](change, now)
