"""State rules and policies on the database: verbs, their refusals, audit events, and the
what-if preview decided by the real evaluator."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.decision.models import DecisionRecord
from tracker.decision.services import evaluate
from tracker.delegations.models import Delegation
from tracker.delegations.services import change_status, record_delegation
from tracker.errors import Refused
from tracker.extensions import db
from tracker.policy import queries, services, what_if
from tracker.policy.models import Policy, StateRule
from tracker.policy.services import PolicyDraft, StateRuleDraft
from tracker.practice_file.importer import import_practice
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DelegationStatus, RuleStatus, SupervisionLevel


def live_practice(now: datetime) -> dict:
    """A small practice whose dates follow today: Ana (CMA) is clear for injections at main
    now and two days from now; Ben (MA I) has no policy for them."""
    today = now.date()

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    planned = now + timedelta(days=2)
    return {
        "sites": [
            {"code": "main", "name": "Main St", "state": "CA",
             "timezone": "America/Los_Angeles"},
            {"code": "north", "name": "North", "state": "TX", "timezone": "America/Chicago"},
        ],
        "people": [
            {"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
             "job_level": "CMA", "sites": ["main"]},
            {"email": "ben@example.org", "name": "Ben Ode", "role": "assistant",
             "job_level": "MA I", "sites": ["main"]},
            {"email": "dr.lee@example.org", "name": "Dr. Lee", "role": "provider",
             "sites": ["main"], "can_validate": True},
            {"email": "mia@example.org", "name": "Mia Manager", "role": "manager",
             "sites": ["main", "north"]},
        ],
        "licenses": [{"person": "dr.lee@example.org", "type": "MD", "number": "A1",
                      "state": "CA", "expires_on": d(700)}],
        "state_rules": [{"state": "CA", "task": "injection", "status": "permitted",
                         "min_training_hours": 10, "supervision": "on_site",
                         "citation": "16 CCR 1366", "verified_on": d(-30)}],
        "policies": [{"task": "injection", "job_levels": ["CMA"], "site": None,
                      "authorized": True, "supervision": "on_site",
                      "competency_valid_months": 12, "document": "Clinical Task Policy v3",
                      "effective_from": d(-100), "effective_to": None}],
        "competencies": [{"person": "ana@example.org", "task": "injection",
                          "trained_on": d(-20), "training_hours": 12, "validated_on": d(-10),
                          "validated_by": "dr.lee@example.org"}],
        "supervision": [{"assistant": "ana@example.org", "provider": "dr.lee@example.org",
                         "site": "main", "starts_on": d(-100)}],
        "shifts": [
            {"provider": "dr.lee@example.org", "site": "main",
             "starts_at": (now - timedelta(hours=2)).isoformat(),
             "ends_at": (now + timedelta(hours=6)).isoformat()},
            {"provider": "dr.lee@example.org", "site": "main",
             "starts_at": (planned - timedelta(hours=1)).isoformat(),
             "ends_at": (planned + timedelta(hours=1)).isoformat()},
        ],
    }  # fmt: skip


@pytest.fixture
def now():
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def live(app, now):
    """The live practice imported, and a clear planned injection for Ana in two days."""
    with app.app_context():
        import_practice(live_practice(now), actor=CLI)
        db.session.commit()
    with app.app_context():
        delegation = plan(now + timedelta(days=2))
        assert delegation.decision.status == "clear"
        db.session.commit()
    return now


def person(email: str) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def task(code: str) -> Task:
    return db.session.scalar(select(Task).where(Task.code == code))


def site(code: str) -> Site:
    return db.session.scalar(select(Site).where(Site.code == code))


def plan(when: datetime, task_code: str = "injection") -> Delegation:
    return record_delegation(
        assistant=person("ana@example.org"),
        task=task(task_code),
        site=site("main"),
        scheduled_for=when,
        delegated_by=person("dr.lee@example.org"),
        entered_by=person("mia@example.org"),
    )


def stored_policy() -> Policy:
    return db.session.scalar(select(Policy).join(Policy.task).where(Task.code == "injection"))


def draft(**overrides) -> PolicyDraft:
    values = {
        "task": "injection",
        "site": None,
        "job_levels": ("CMA",),
        "authorized": True,
        "supervision": SupervisionLevel.on_site,
        "document": "Clinical Task Policy v4",
        "effective_from": date(2026, 1, 1),
    }
    values.update(overrides)
    return PolicyDraft(**values)


def rule_draft(**overrides) -> StateRuleDraft:
    values = {
        "state": "TX",
        "task": "injection",
        "status": RuleStatus.permitted,
        "supervision": SupervisionLevel.available,
        "requires_credentials": ("CMA", "RMA"),
        "min_training_hours": 8.0,
        "citation": "Tex. Occ. Code 157.001",
        "verified_on": date(2026, 5, 1),
    }
    values.update(overrides)
    return StateRuleDraft(**values)


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (AuditEvent, Policy, StateRule, DecisionRecord, Delegation)
    }


def events(record_type: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == record_type).order_by(AuditEvent.id)
        )
    )


TODAY = date(2026, 11, 22)


# --------------------------------------------------------------------------- state rules


def test_a_state_rule_is_created_with_an_audit_event(app, practice):
    with app.app_context():
        rule = services.create_state_rule(rule_draft(), TODAY, actor=CLI)
        db.session.commit()

        stored = db.session.get(StateRule, rule.id)
        assert (stored.state, stored.task.code, stored.status) == ("TX", "injection", "permitted")
        assert stored.requires_credentials == ["CMA", "RMA"]
        assert stored.min_training_hours == 8.0
        event = events("state_rules")[-1]
        assert event.action == "create"
        assert event.record_id == str(rule.id)
        assert event.after["state"] == "TX"
        assert event.after["verified_on"] == "2026-05-01"


def test_a_second_rule_for_the_same_state_and_task_is_refused(app, practice):
    with app.app_context():
        before = counts()
        with pytest.raises(Refused) as refused:
            services.create_state_rule(rule_draft(state="CA"), TODAY, actor=CLI)
        assert "California already has a rule for Injection" in refused.value.by_field["task"][0]
        db.session.rollback()
        assert counts() == before


def test_a_state_rule_can_never_permit_a_reserved_task(app, practice):
    with app.app_context():
        with pytest.raises(Refused) as refused:
            services.create_state_rule(rule_draft(task="diagnosis"), TODAY, actor=CLI)
        assert "reserved for licensed providers" in refused.value.by_field["status"][0]
        db.session.rollback()

        # Recording that it is prohibited is fine.
        rule = services.create_state_rule(
            rule_draft(task="diagnosis", status=RuleStatus.prohibited), TODAY, actor=CLI
        )
        assert rule.status == RuleStatus.prohibited
        with pytest.raises(Refused) as refused:
            services.update_state_rule(
                rule, rule_draft(status=RuleStatus.permitted), TODAY, actor=CLI
            )
        assert "status" in refused.value.by_field


def test_a_verification_date_in_the_future_is_refused(app, practice):
    with app.app_context():
        with pytest.raises(Refused) as refused:
            services.create_state_rule(
                rule_draft(verified_on=TODAY + timedelta(days=1)), TODAY, actor=CLI
            )
        assert refused.value.by_field == {"verified_on": [f"Cannot be later than today ({TODAY})."]}


def test_updating_a_rule_keeps_its_state_and_task_and_logs_before_and_after(app, practice):
    with app.app_context():
        rule = db.session.scalar(select(StateRule))
        changed = services.update_state_rule(
            rule,
            rule_draft(state="NY", task="xray", status=RuleStatus.prohibited),
            TODAY,
            actor=CLI,
        )
        db.session.commit()

        assert changed is True
        assert (rule.state, rule.task.code, rule.status) == ("CA", "injection", "prohibited")
        [event] = [e for e in events("state_rules") if e.action == "update"]
        assert event.before["status"] == "permitted"
        assert event.after["status"] == "prohibited"
        assert event.before["min_training_hours"] == 10
        assert event.after["min_training_hours"] == 8


def test_saving_a_rule_unchanged_writes_no_event(app, practice):
    with app.app_context():
        rule = db.session.scalar(select(StateRule))
        same = StateRuleDraft(
            state="CA",
            task="injection",
            status=rule.status,
            supervision=rule.supervision,
            requires_credentials=tuple(rule.requires_credentials),
            min_training_hours=rule.min_training_hours,
            citation=rule.citation,
            verified_on=rule.verified_on,
        )
        before = counts()
        assert services.update_state_rule(rule, same, TODAY, actor=CLI) is False
        assert counts() == before


def test_state_rule_lines_mark_stale_and_missing_rules(app, practice):
    with app.app_context():
        services.create_state_rule(
            rule_draft(task="venipuncture", verified_on=date(2025, 11, 21)), TODAY, actor=CLI
        )
        services.create_state_rule(
            rule_draft(task="xray", verified_on=date(2025, 11, 23)), TODAY, actor=CLI
        )
        services.create_state_rule(rule_draft(verified_on=None), TODAY, actor=CLI)
        lines = {line.task.code: line for line in queries.state_rule_lines("TX", TODAY)}

        assert lines["venipuncture"].stale is True  # a year and a day ago
        assert lines["xray"].stale is False
        assert lines["injection"].never_verified is True
        assert lines["suture-removal"].rule is None
        # Every task of the catalog is listed, the practice's own too.
        assert "spirometry" in lines
        summary = {s.state: s for s in queries.state_summaries(TODAY)}
        assert list(summary) == ["CA", "TX"]
        assert summary["TX"].recorded == 3
        assert summary["TX"].stale == 2  # stale or never verified
        assert summary["TX"].sites == ("North",)


# --------------------------------------------------------------------------- policies


def test_a_policy_is_created_with_an_audit_event(app, practice):
    with app.app_context():
        policy = services.create_policy(
            draft(site="north", job_levels=("cma",), effective_from=date(2026, 12, 1)), actor=CLI
        )
        db.session.commit()

        assert policy.site.code == "north"
        # The level is spelled as the practice already spells it.
        assert policy.job_levels == ["CMA"]
        [event] = events("policies")[-1:]
        assert event.action == "create"
        assert event.after["document"] == "Clinical Task Policy v4"


def test_an_overlapping_policy_is_refused_and_nothing_written(app, practice):
    with app.app_context():
        before = counts()
        with pytest.raises(Refused) as refused:
            services.create_policy(draft(effective_from=date(2026, 6, 1)), actor=CLI)
        message = refused.value.by_field["effective_from"][0]
        assert "Overlaps the policy 'Clinical Task Policy v3' (2026-01-01 to open-ended)" in message
        db.session.rollback()
        assert counts() == before


def test_policies_for_other_levels_or_sites_may_overlap(app, practice):
    with app.app_context():
        services.create_policy(draft(job_levels=("MA I",), authorized=False), actor=CLI)
        services.create_policy(draft(site="north"), actor=CLI)
        services.create_policy(draft(job_levels=()), actor=CLI)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Policy)) == 4


def test_a_policy_may_start_the_day_after_another_ends(app, practice):
    with app.app_context():
        services.end_policy(stored_policy(), date(2026, 12, 31), actor=CLI)
        services.create_policy(draft(effective_from=date(2027, 1, 1)), actor=CLI)
        with pytest.raises(Refused):
            services.create_policy(
                draft(effective_from=date(2026, 12, 31), document="v5"), actor=CLI
            )


def test_the_form_and_the_import_refuse_the_same_overlap(app, practice):
    """One rule for both: a policy saved from the form blocks an overlapping import."""
    with app.app_context():
        services.create_policy(draft(site="north", document="North policy"), actor=CLI)
        db.session.commit()
        entry = {
            "task": "injection", "job_levels": ["CMA"], "site": "north", "authorized": True,
            "supervision": "on_site", "document": "North policy v2",
            "effective_from": "2026-03-01",
        }  # fmt: skip
        with pytest.raises(Refused) as refused:
            import_practice({"policies": [entry]}, actor=CLI)
        assert "overlaps the stored policy 'North policy'" in str(refused.value)


def test_effective_to_before_effective_from_is_refused(app, practice):
    with app.app_context():
        with pytest.raises(Refused) as refused:
            services.create_policy(
                draft(effective_from=date(2027, 2, 1), effective_to=date(2027, 1, 31)), actor=CLI
            )
        assert refused.value.by_field == {
            "effective_to": ["Must be on or after the effective-from date (2027-02-01)."]
        }


def test_a_policy_can_never_authorize_a_reserved_task(app, practice):
    with app.app_context():
        with pytest.raises(Refused) as refused:
            services.create_policy(draft(task="prescribing"), actor=CLI)
        assert "reserved for licensed providers" in refused.value.by_field["authorized"][0]
        # Editing a stored policy onto a reserved task is refused the same way.
        with pytest.raises(Refused) as refused:
            services.update_policy(stored_policy(), draft(task="diagnosis"), actor=CLI)
        assert "authorized" in refused.value.by_field
        db.session.rollback()
        assert stored_policy().task.code == "injection"


def test_editing_a_policy_does_not_overlap_itself_and_logs_the_change(app, practice):
    with app.app_context():
        policy = stored_policy()
        changed = services.update_policy(
            policy, replace(services.draft_of(policy), competency_valid_months=24), actor=CLI
        )
        db.session.commit()

        assert changed is True
        assert policy.competency_valid_months == 24
        [event] = [e for e in events("policies") if e.action == "update"]
        assert (
            event.before["competency_valid_months"],
            event.after["competency_valid_months"],
        ) == (
            12,
            24,
        )


def test_ending_a_policy_sets_its_last_day_and_logs_it(app, practice):
    with app.app_context():
        policy = stored_policy()
        services.end_policy(policy, date(2026, 12, 31), actor=CLI)
        db.session.commit()

        assert db.session.get(Policy, policy.id).effective_to == date(2026, 12, 31)
        [event] = [e for e in events("policies") if e.action == "end"]
        assert event.before["effective_to"] is None
        assert event.after["effective_to"] == "2026-12-31"


@pytest.mark.parametrize(
    ("first_end", "last_day", "words"),
    [
        (None, date(2025, 12, 31), "on or after the day the policy took effect (2026-01-01)"),
        (date(2026, 12, 31), date(2026, 12, 31), "already ends on 2026-12-31"),
        (date(2026, 12, 31), date(2027, 3, 1), "edit the policy to extend it"),
    ],
)
def test_ending_refuses_a_day_that_does_not_shorten_the_policy(
    app, practice, first_end, last_day, words
):
    with app.app_context():
        policy = stored_policy()
        if first_end:
            services.end_policy(policy, first_end, actor=CLI)
        with pytest.raises(Refused) as refused:
            services.end_policy(policy, last_day, actor=CLI)
        assert words in refused.value.by_field["effective_to"][0]


def test_the_policy_matrix_shows_what_the_decision_would_pick(app, practice):
    with app.app_context():
        services.create_policy(
            draft(site="main", authorized=False, document="Main St injection pause"), actor=CLI
        )
        services.create_policy(draft(job_levels=(), document="Everyone else"), actor=CLI)
        db.session.commit()
        wide = queries.policy_matrix(None, TODAY)
        at_main = queries.policy_matrix(site("main"), TODAY)

        # Job levels: assistants' (CMA) plus those named in policies.
        assert wide.levels == ["CMA"]
        assert wide.cells[("injection", "CMA")].document == "Clinical Task Policy v3"
        assert at_main.cells[("injection", "CMA")].document == "Main St injection pause"
        assert at_main.cells[("injection", "CMA")].authorized is False
        assert wide.cells[("venipuncture", "CMA")] is None


def test_a_policy_not_yet_in_effect_is_not_shown_as_today(app, practice):
    with app.app_context():
        services.end_policy(stored_policy(), date(2026, 11, 30), actor=CLI)
        services.create_policy(draft(authorized=False, effective_from=date(2026, 12, 1)), actor=CLI)
        db.session.commit()

        assert queries.policy_matrix(None, TODAY).cells[("injection", "CMA")].authorized
        assert (
            not queries.policy_matrix(None, date(2026, 12, 1))
            .cells[("injection", "CMA")]
            .authorized
        )


# --------------------------------------------------------------------------- what-if


def test_de_authorizing_shows_the_planned_delegation_and_cell_flipping(app, live):
    now = live
    with app.app_context():
        before = counts()
        policy = stored_policy()
        change = services.check_policy_change(
            replace(services.draft_of(policy), authorized=False), policy
        )
        assert not change.problems

        result = what_if.preview_policy_change(change, now)

        [moved] = result.delegations
        assert moved.delegation.assistant.email == "ana@example.org"
        assert (moved.before.status, moved.after.status) == ("clear", "flagged")
        assert [c.condition for c in moved.after.unmet] == ["employer_policy"]
        assert "does not authorize Injection" in moved.after.unmet[0].reason
        [cell] = result.cells
        assert (cell.site.code, cell.assistant.email, cell.task.code) == (
            "main",
            "ana@example.org",
            "injection",
        )
        assert (cell.before.status, cell.after.status) == ("clear", "flagged")
        # Ben (MA I) was flagged before and stays flagged: not a change of status.
        assert result.cells_checked == 2
        # The preview writes nothing and leaves the policy as it was.
        assert counts() == before
        assert not db.session.dirty and not db.session.new
        assert stored_policy().authorized is True


def test_the_preview_agrees_with_the_evaluator_once_the_change_is_saved(app, live):
    now = live
    with app.app_context():
        policy = stored_policy()
        proposed = replace(services.draft_of(policy), authorized=False)
        result = what_if.preview_policy_change(services.check_policy_change(proposed, policy), now)
        services.update_policy(policy, proposed, actor=CLI)
        db.session.commit()

        [moved] = result.delegations
        d = moved.delegation
        again = evaluate(d.assistant, d.task, d.site, d.scheduled_for, d.delegated_by, d.in_room)
        assert again.to_json() == moved.after.to_json()


def test_only_planned_delegations_in_the_next_30_days_are_previewed(app, live):
    now = live
    with app.app_context():
        plan(now + timedelta(days=31))
        cancelled = plan(now + timedelta(days=3))
        change_status(cancelled, DelegationStatus.cancelled, person("mia@example.org"))
        plan(now - timedelta(days=1))
        db.session.commit()
        policy = stored_policy()
        change = services.check_policy_change(
            replace(services.draft_of(policy), authorized=False), policy
        )

        result = what_if.preview_policy_change(change, now)

        assert result.delegations_checked == 1
        assert [c.delegation.scheduled_for for c in result.delegations] == [now + timedelta(days=2)]


def test_ending_a_policy_before_the_delegation_flags_it_but_not_todays_cell(app, live):
    now = live
    with app.app_context():
        policy = stored_policy()
        change = services.check_end(policy, now.date())

        result = what_if.preview_policy_change(change, now)

        [moved] = result.delegations
        assert moved.after.status == "flagged"
        assert "No written policy in effect" in moved.after.unmet[0].reason
        assert result.cells == []


def test_a_new_policy_that_authorizes_shows_cells_turning_clear(app, live):
    now = live
    with app.app_context():
        # Ben gets everything Ana has except the policy.
        import_practice(
            {
                "competencies": [{"person": "ben@example.org", "task": "injection",
                                  "trained_on": (now.date() - timedelta(days=9)).isoformat(),
                                  "training_hours": 12,
                                  "validated_on": (now.date() - timedelta(days=5)).isoformat(),
                                  "validated_by": "dr.lee@example.org"}],
                "supervision": [{"assistant": "ben@example.org",
                                 "provider": "dr.lee@example.org", "site": "main",
                                 "starts_on": (now.date() - timedelta(days=30)).isoformat()}],
            }, actor=CLI
        )  # fmt: skip
        db.session.commit()
        change = services.check_policy_change(
            draft(job_levels=("ma i",), effective_from=now.date() - timedelta(days=1))
        )
        assert change.draft.job_levels == ("MA I",)

        result = what_if.preview_policy_change(change, now)

        [cell] = result.cells
        assert cell.assistant.email == "ben@example.org"
        assert (cell.before.status, cell.after.status) == ("flagged", "clear")
        assert result.delegations == []


def test_a_refused_change_cannot_be_previewed(app, live):
    with app.app_context():
        change = services.check_policy_change(draft(effective_from=date(2026, 6, 1)))
        with pytest.raises(Refused):
            what_if.preview_policy_change(change, live)
