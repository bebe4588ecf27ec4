"""Reads of the employer's written policy that other features share."""

from __future__ import annotations

from tracker.decision.values import PolicyFacts
from tracker.policy.models import Policy


def policy_facts(policy: Policy) -> PolicyFacts:
    """A stored policy (ORM object, task and site loaded) as the rule's plain facts."""
    return PolicyFacts(
        task=policy.task.code,
        authorized=policy.authorized,
        supervision=policy.supervision,
        site=policy.site.code if policy.site else None,
        job_levels=tuple(policy.job_levels or ()),
        requires_credentials=tuple(policy.requires_credentials or ()),
        competency_valid_months=policy.competency_valid_months,
        document=policy.document or "",
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        id=policy.id,
    )
