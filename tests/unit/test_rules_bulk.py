"""The matrix's bulk path decides every cell exactly as the single decision does (DESIGN
sections 4 and 17): ``decide_many`` shares what cells have in common, never changes one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_rules_properties import (
    SITES,
    assignments,
    competencies,
    moments,
    people,
    policies,
    shifts,
    state_rules,
)
from tracker.rule.rules import decide, decide_many
from tracker.rule.values import (
    DirectionFacts,
    LicenseFacts,
    PersonFacts,
    ShiftFacts,
    StateRuleFacts,
    SupervisionFacts,
    TaskFacts,
)
from tracker.vocabulary import RuleStatus, SupervisionLevel, TaskKind

TASKS = [("injection", "Injection"), ("scheduling", "Scheduling"), ("diagnosis", "Diagnosis")]


@st.composite
def practices(draw):
    """A site, a moment, a few tasks and assistants, and any records at all about them."""
    tasks = [
        TaskFacts(code, name, draw(st.sampled_from(list(TaskKind))))
        for code, name in TASKS
        if draw(st.booleans())
    ]
    assistants = draw(st.lists(people, min_size=1, max_size=3, unique_by=lambda p: p.email))
    rules = draw(st.lists(state_rules, max_size=4))
    by_task = defaultdict(list)
    for policy in draw(st.lists(policies, max_size=5)):
        by_task[policy.task].append(policy)
    records = {}
    for person in assistants:
        for code, _ in TASKS:
            records[(person.email, code)] = tuple(
                replace(c, task=code) for c in draw(st.lists(competencies, max_size=2))
            )
    return {
        "site": draw(st.sampled_from(SITES)),
        "at": draw(moments),
        "tasks": tasks,
        "assistants": assistants,
        # The last rule drawn for a task wins, as the book keeps one per (state, task).
        "rules": {rule.task: rule for rule in rules},
        "policies": {code: tuple(items) for code, items in by_task.items()},
        "competencies": records,
        "supervision": {
            p.email: tuple(draw(st.lists(assignments, max_size=2))) for p in assistants
        },
        "shifts": tuple(draw(st.lists(shifts, max_size=3))),
    }


@settings(max_examples=200, deadline=None)
@given(practices())
def test_every_cell_of_the_bulk_path_is_the_single_decision(practice):
    site, at = practice["site"], practice["at"]
    cells = decide_many(
        practice["assistants"],
        practice["tasks"],
        site,
        at,
        state_rules=practice["rules"],
        policies=practice["policies"],
        competencies=lambda person, code: practice["competencies"][(person.email, code)],
        supervision=lambda person: practice["supervision"][person.email],
        shifts=practice["shifts"],
    )

    assert len(cells) == len(practice["assistants"]) * len(practice["tasks"])
    for person in practice["assistants"]:
        for task in practice["tasks"]:
            single = decide(
                person,
                task,
                site,
                at,
                state_rule=practice["rules"].get(task.code),
                policies=practice["policies"].get(task.code, ()),
                competencies=practice["competencies"][(person.email, task.code)],
                supervision=practice["supervision"][person.email],
                shifts=practice["shifts"],
            )
            bulk = cells[(person.email, task.code)]
            assert bulk == single
            assert bulk.day == single.day
            assert bulk.to_json() == single.to_json()


def test_two_tasks_in_the_room_each_name_their_own_task():
    """Supervision is shared per assistant and level, except where the task's name is in
    its words: two in-room tasks, the provider on shift but not attested in the room."""
    site = SITES[0]
    at = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    lee = PersonFacts(
        "dr.lee@example.org", "Dr. Lee", "provider", site_codes=frozenset({"main"}),
        licenses=(LicenseFacts("MD", "A1", "CA", date(2027, 6, 30)),),
    )  # fmt: skip
    ana = PersonFacts("ana@example.org", "Ana Ruiz", "assistant", job_level="CMA",
                      site_codes=frozenset({"main"}))  # fmt: skip
    tasks = [TaskFacts("injection", "Injection", TaskKind.clinical),
             TaskFacts("iv", "IV therapy", TaskKind.clinical)]  # fmt: skip
    rules = {
        t.code: StateRuleFacts("CA", t.code, RuleStatus.permitted, SupervisionLevel.in_room)
        for t in tasks
    }
    assignment = SupervisionFacts(lee, "main", date(2026, 1, 1))
    shift = ShiftFacts(lee.email, "main", at - timedelta(hours=2), at + timedelta(hours=2))

    cells = decide_many(
        [ana], tasks, site, at, state_rules=rules, policies={},
        competencies=lambda person, code: (), supervision=lambda person: (assignment,),
        shifts=(shift,),
    )  # fmt: skip

    for task in tasks:
        single = decide(ana, task, site, at, state_rule=rules[task.code],
                        supervision=(assignment,), shifts=(shift,))  # fmt: skip
        assert cells[(ana.email, task.code)] == single
        assert f"{task.name} needs the provider in the room" in single.conditions[3].reason


def test_a_task_that_needs_a_direction_is_decided_per_assistant_in_bulk():
    """A refill transmission: Ana has Dr. Lee's direction, Ben has none. The bulk path must
    not share the provider's decision between them (DESIGN section 15)."""
    site = SITES[0]
    at = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    lee = PersonFacts(
        "dr.lee@example.org", "Dr. Lee", "provider", site_codes=frozenset({"main"}),
        licenses=(LicenseFacts("MD", "A1", site.state, date(2027, 6, 30)),),
    )  # fmt: skip
    ana, ben = (
        PersonFacts(email, name, "assistant", job_level="CMA", site_codes=frozenset({"main"}))
        for email, name in (("ana@example.org", "Ana Ruiz"), ("ben@example.org", "Ben Carter"))
    )
    refill = TaskFacts("refill-transmission", "Refill transmission", TaskKind.clinical, True)
    rule = StateRuleFacts(site.state, refill.code, RuleStatus.permitted, SupervisionLevel.none)
    direction = DirectionFacts(
        lee, ana.email, refill.code, site.code, at - timedelta(hours=1), at + timedelta(hours=3),
        "REQ-1182",
    )  # fmt: skip
    directions = {(ana.email, refill.code): (direction,)}

    cells = decide_many(
        [ana, ben], [refill], site, at, state_rules={refill.code: rule}, policies={},
        competencies=lambda person, code: (), supervision=lambda person: (),
        directions=lambda person, code: directions.get((person.email, code), ()),
    )  # fmt: skip

    for person in (ana, ben):
        single = decide(person, refill, site, at, state_rule=rule,
                        directions=directions.get((person.email, refill.code), ()))  # fmt: skip
        assert cells[(person.email, refill.code)] == single
    assert "no direction" not in cells[(ana.email, refill.code)].conditions[3].reason
    assert "no direction" in cells[(ben.email, refill.code)].conditions[3].reason
