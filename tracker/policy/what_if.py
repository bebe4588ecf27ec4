"""What a policy change would do, before it is saved: the what-if preview.

It runs the real decision rule on the stored facts (``tracker.decision.what_if``), once with
the policies as they are and once with the proposed change, and writes nothing. The rule's
loader and the planned delegations sit above policy, so policy asks for it by a signal
(``what_if_asked``) that the app factory answers, as staff's verbs announce by signals.
"""

from __future__ import annotations

from datetime import datetime

from blinker import Namespace
from flask import current_app

from tracker.policy.services import PolicyChange

#: How far ahead the what-if preview looks for planned delegations.
PREVIEW_DAYS = 30
_policy = Namespace()
#: The what-if of a checked policy change is asked for (sender: the app; ``change``,
#: ``now``); exactly one receiver answers with it (connected by the app factory).
what_if_asked = _policy.signal("what-if-asked")


def preview_policy_change(change: PolicyChange, now: datetime):
    """The what-if of a checked change; refused (like saving) when it has problems."""
    if change.problems:
        raise change.refusal
    answers = what_if_asked.send(current_app._get_current_object(), change=change, now=now)
    if len(answers) != 1:
        raise RuntimeError(f"{len(answers)} answers to what_if_asked; exactly one is needed")
    return answers[0][1]
