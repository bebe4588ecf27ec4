"""When two written policies collide: the same task, site and job levels, overlapping in time.

PURE (no Flask, no database), shared by the practice-file import and the policy form so both
refuse the same overlaps with the same words. A policy is described by plain values:
``task`` (code), ``site`` (code or None for every site), ``job_levels`` (empty for every
level), ``effective_from`` and ``effective_to`` (None for an open end; both inclusive).
"""

from __future__ import annotations

from datetime import date


def policy_group(values) -> tuple:
    """The task, site and job levels a policy covers; two in one group may not overlap."""
    return (values["task"], values.get("site"), tuple(sorted(values["job_levels"] or ())))


def policy_span(values) -> tuple[date, date]:
    """The first and last day a policy counts, an open end read as forever."""
    return (values.get("effective_from") or date.min, values.get("effective_to") or date.max)


def describe_span(values) -> str:
    start = values.get("effective_from") or "always"
    end = values.get("effective_to") or "open-ended"
    return f"{start} to {end}"


def policies_overlap(values, other) -> bool:
    """Both cover the same task, site and job levels on at least one common day."""
    if policy_group(values) != policy_group(other):
        return False
    start, end = policy_span(values)
    other_start, other_end = policy_span(other)
    return start <= other_end and other_start <= end
