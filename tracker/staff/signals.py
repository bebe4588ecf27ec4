"""What the verbs on people announce, for the features above staff to act on.

Staff knows nothing of sign-in sessions or API tokens; the features that own them connect
to these signals when the app is created (``tracker.auth.sessions``, ``tracker.api.tokens``).
Receivers run at once, inside the verb, so their changes share its transaction.
"""

from __future__ import annotations

from blinker import Namespace

_people = Namespace()

#: A person's password was set (sender: the person); every session they had must end.
password_set = _people.signal("password-set")
#: A person was deactivated or reactivated (sender: the person; ``active``: the new value);
#: no session from before survives either way.
active_changed = _people.signal("active-changed")
#: A person was deactivated and the audit says so (sender: the person; ``actor``: who did
#: it); nothing they held may keep working (their API tokens are revoked).
person_deactivated = _people.signal("person-deactivated")
#: A person's deactivation or reactivation is stored and audited (sender: the person;
#: ``actor``, ``active``): a feature whose records rest on the person decides them again at
#: once and may return one sentence saying what it did, for the page that (de)activated
#: (``tracker.delegations.services``: their planned delegations are re-checked).
active_settled = _people.signal("active-settled")
#: A page saved an assistant's record and they now work in states they did not (sender:
#: the person; ``states``: those states): the page tells what to re-verify there (the
#: training file's reads, ``tracker.training.views``).
states_gained = _people.signal("states-gained")
#: A page is about to deactivate a person (sender: the person): each receiver returns
#: words on what that affects (their planned delegations), or None; nothing is changed.
deactivation_affects = _people.signal("deactivation-affects")
