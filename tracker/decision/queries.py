"""Reads of the decision log: which kept decisions a person may see (DESIGN section 13).

An assistant's own "May I?" (the self-check page, or their own token asking the API) is
theirs: it can reveal a request they are about to decline, so it is seen by that assistant,
compliance and admins, never by providers or managers. Every other kept decision (a
delegation's, a re-check, a manager's question about an assistant, the command line) is
seen by those who oversee and by the assistant it is about.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, not_, select

from tracker.decision.models import DecisionRecord
from tracker.staff.models import Person
from tracker.vocabulary import Role

#: The channels through which an assistant asks about themselves.
SELF_CHECK_SOURCES = ("page", "api")
#: Who sees every assistant's self-checks.
SELF_CHECK_READERS = frozenset({Role.compliance, Role.admin})


def is_self_check():
    """An assistant asking about themselves, as a SQL condition on the decision log."""
    return and_(
        DecisionRecord.source.in_(SELF_CHECK_SOURCES),
        DecisionRecord.asked_by_id == DecisionRecord.assistant_id,
    )


def visible_decisions(person: Person) -> Select:
    """The kept decisions ``person`` may see."""
    query = select(DecisionRecord)
    if person.role == Role.assistant:
        return query.where(DecisionRecord.assistant_id == person.id)
    if person.role in SELF_CHECK_READERS:
        return query
    return query.where(not_(is_self_check()))
