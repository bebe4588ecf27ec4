"""State rules and the employer's written policy, with a what-if preview of policy changes.

Managers and admins change them; providers and compliance read them (tracker.access).
A policy change goes form -> preview (a POST that writes nothing) -> save or back.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from tracker import dates
from tracker.catalog.models import Task
from tracker.dates import add_months, local_day
from tracker.errors import show_on_form
from tracker.extensions import db
from tracker.form_pages import current_person, save_form
from tracker.policy import queries, services, what_if
from tracker.policy.forms import EndPolicyForm, PolicyForm, StateRuleEditForm, StateRuleForm
from tracker.policy.models import Policy, StateRule
from tracker.return_to import back_after_save, next_page
from tracker.rule.rules import STALE_RULE_MONTHS, state_name
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.vocabulary import US_STATES, TaskKind

bp = Blueprint("policy", __name__, url_prefix="/policy")

#: Fields the preview carries back to the form; the rest (token, buttons) are made afresh.
NOT_CARRIED = frozenset({"csrf_token", "preview", "action", "submit"})


def _now() -> datetime:
    return dates.now_to_the_second()


def _carried() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.form.items(multi=True) if k not in NOT_CARRIED]


def _task_choices(tasks) -> list[SelectChoice]:
    return [SelectChoice(t.code, f"{t.name} ({t.kind.value})") for t in tasks]


def _verify_links() -> dict:
    return {
        "boards_url": current_app.config["STATE_MEDICAL_BOARDS_URL"],
        "aama_url": current_app.config["AAMA_STATE_SCOPE_URL"],
    }


# --------------------------------------------------------------------------- state rules


@bp.route("/states/", defaults={"state": None})
@bp.route("/states/<state>")
def state_rules(state: str | None):
    """Show the practice's states, or each task's rule in one state (stale, missing marked)."""
    today = practice_today()
    if state is None and request.args.get("rule"):
        # A decision's evidence names a rule by id: open its state's page at its task.
        rule = db.session.get(StateRule, request.args.get("rule", type=int) or 0)
        if rule is None:
            abort(404)
        return redirect(
            url_for("policy.state_rules", state=rule.state, _anchor=f"task-{rule.task.code}")
        )
    if state is None and request.args.get("state"):
        return redirect(url_for("policy.state_rules", state=request.args["state"].upper()))
    if state is None:
        return render_template(
            "policy/state_list.html",
            summaries=queries.state_summaries(today),
            all_states=sorted(US_STATES.items(), key=lambda kv: kv[1]),
            today=today,
        )
    state = state.upper()
    if state not in US_STATES:
        abort(404)
    return render_template(
        "policy/state_rules.html",
        state=state,
        state_label=state_name(state),
        lines=queries.state_rule_lines(state, today),
        sites=queries.sites_in_state(state),
        today=today,
        stale_months=STALE_RULE_MONTHS,
        stale_before=add_months(today, -STALE_RULE_MONTHS),
        **_verify_links(),
    )


@bp.route("/states/rules/new", methods=["GET", "POST"])
def new_state_rule():
    """Record a state's rule for a task."""
    tasks = queries.sorted_tasks()
    form = StateRuleForm()
    form.task.choices = _task_choices(tasks)
    if request.method == "GET":
        form.state.data = (request.args.get("state") or "").upper() or None
        form.task.data = request.args.get("task") or None
    if form.validate_on_submit():
        saved, rule = save_form(
            form,
            lambda: services.create_state_rule(
                form.to_draft(), practice_today(), actor=current_person()
            ),
            flash_general=False,
        )
        if saved:
            flash(f"Recorded the {state_name(rule.state)} rule for {rule.task.name}.", "success")
            return back_after_save(
                redirect(url_for("policy.state_rules", state=rule.state)), current_person()
            )
    return render_template("policy/state_rule_form.html", form=form, rule=None)


@bp.route("/states/rules/<int:rule_id>/edit", methods=["GET", "POST"])
def edit_state_rule(rule_id: int):
    """Change a state's rule for a task."""
    rule = db.get_or_404(StateRule, rule_id)
    if request.method == "GET":
        form = StateRuleEditForm(
            status=rule.status.value,
            requires_credentials=", ".join(rule.requires_credentials or ()),
            min_training_hours=rule.min_training_hours,
            supervision=rule.supervision.value,
            citation=rule.citation,
            verified_on=rule.verified_on,
        )
    else:
        form = StateRuleEditForm()
    if form.validate_on_submit():
        draft = form.to_draft(state=rule.state, task=rule.task.code)
        saved, changed = save_form(
            form,
            lambda: services.update_state_rule(
                rule, draft, practice_today(), actor=current_person()
            ),
            flash_general=False,
        )
        if saved:
            if changed:
                flash(f"Updated the {state_name(rule.state)} rule for {rule.task.name}.", "success")
            else:
                flash("Nothing changed.", "info")
            return back_after_save(
                redirect(url_for("policy.state_rules", state=rule.state)), current_person()
            )
    return render_template("policy/state_rule_form.html", form=form, rule=rule)


# --------------------------------------------------------------------------- policy pages


def _site_or_400(code: str | None) -> Site | None:
    if not code:
        return None
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        abort(400)
    return site


@bp.route("/")
def index():
    """Show tasks × job levels: the policy in effect today, practice-wide or at one site."""
    site = _site_or_400(request.args.get("site"))
    day = local_day(_now(), site.timezone) if site else practice_today()
    return render_template(
        "policy/matrix.html",
        matrix=queries.policy_matrix(site, day),
        sites=queries.sorted_sites(),
        site=site,
        reserved=TaskKind.reserved,
    )


@bp.route("/all")
def policy_list():
    """List every written policy, past, present and future."""
    if request.args.get("policy"):
        # A decision's evidence names a policy by id: open its task's list at its line.
        policy = db.session.get(Policy, request.args.get("policy", type=int) or 0)
        if policy is None:
            abort(404)
        return redirect(
            url_for("policy.policy_list", task=policy.task.code, _anchor=f"policy-{policy.id}")
        )
    task_code = request.args.get("task") or None
    task = None
    if task_code:
        task = db.session.scalar(select(Task).where(Task.code == task_code))
        if task is None:
            abort(400)
    today = practice_today()
    policies = queries.policy_list(task_code)
    return render_template(
        "policy/list.html",
        policies=[(p, queries.policy_phase(p, today)) for p in policies],
        phase_style=queries.PHASE_STYLE,
        task=task,
        today=today,
    )


def _policy_form(**data) -> PolicyForm:
    form = PolicyForm(**data)
    form.task.choices = _task_choices(queries.sorted_tasks())
    form.site.choices = [SelectChoice("", "Every site")] + [
        SelectChoice(s.code, f"{s.name} ({s.state})") for s in queries.sorted_sites()
    ]
    return form


def _render_policy_form(form, policy=None):
    return render_template(
        "policy/policy_form.html",
        form=form,
        policy=policy,
        known_levels=queries.known_job_levels(),
        action=url_for("policy.preview_edit_policy", policy_id=policy.id, next=next_page())
        if policy
        else url_for("policy.preview_new_policy", next=next_page()),
    )


def _render_preview(change, save_url: str, title: str):
    return render_template(
        "policy/preview.html",
        change=change,
        what_if=what_if.preview_policy_change(change, _now()),
        proposed=change.proposed_facts(),
        current=queries.policy_facts(change.replacing) if change.replacing else None,
        carried=_carried(),
        save_url=save_url,
        title=title,
        site_names={s.code: s.name for s in queries.sorted_sites()},
        task_name=change.task.name,
        current_task_name=change.replacing.task.name if change.replacing else None,
        days=what_if.PREVIEW_DAYS,
    )


def _redirect_after(policy: Policy):
    return back_after_save(
        redirect(url_for("policy.index", site=policy.site.code if policy.site else None)),
        current_person(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new_policy():
    """Write a new policy (POST: save after the preview, or go back to the form)."""
    if request.method == "GET":
        form = _policy_form(effective_from=practice_today(), authorized="yes")
        form.task.data = request.args.get("task") or None
        form.site.data = request.args.get("site") or ""
        form.job_levels.data = request.args.get("level") or ""
        return _render_policy_form(form)
    form = _policy_form()
    if request.form.get("action") == "back":
        return _render_policy_form(form)
    if form.validate_on_submit():
        saved, policy = save_form(
            form,
            lambda: services.create_policy(form.to_draft(), actor=current_person()),
            flash_general=False,
        )
        if saved:
            flash(f"Saved the policy for {policy.task.name}.", "success")
            return _redirect_after(policy)
    return _render_policy_form(form)


@bp.route("/new/preview", methods=["POST"])
def preview_new_policy():
    """Preview what a new policy would change, writing nothing."""
    form = _policy_form()
    if form.validate_on_submit():
        change = services.check_policy_change(form.to_draft())
        if not change.problems:
            return _render_preview(
                change, url_for("policy.new_policy", next=next_page()), "New policy"
            )
        show_on_form(form, change.refusal)
    return _render_policy_form(form)


@bp.route("/<int:policy_id>/edit", methods=["GET", "POST"])
def edit_policy(policy_id: int):
    """Change a policy (POST: save after the preview, or go back to the form)."""
    policy = db.get_or_404(Policy, policy_id)
    if request.method == "GET":
        return _render_policy_form(
            _policy_form(**PolicyForm.data_of(services.draft_of(policy))), policy
        )
    form = _policy_form()
    if request.form.get("action") == "back":
        return _render_policy_form(form, policy)
    if form.validate_on_submit():
        saved, changed = save_form(
            form,
            lambda: services.update_policy(policy, form.to_draft(), actor=current_person()),
            flash_general=False,
        )
        if saved:
            if changed:
                flash(f"Updated the policy for {policy.task.name}.", "success")
            else:
                flash("Nothing changed.", "info")
            return _redirect_after(policy)
    return _render_policy_form(form, policy)


@bp.route("/<int:policy_id>/edit/preview", methods=["POST"])
def preview_edit_policy(policy_id: int):
    """Preview what changing a policy would change, writing nothing."""
    policy = db.get_or_404(Policy, policy_id)
    form = _policy_form()
    if form.validate_on_submit():
        change = services.check_policy_change(form.to_draft(), policy)
        if not change.problems:
            return _render_preview(
                change,
                url_for("policy.edit_policy", policy_id=policy.id, next=next_page()),
                "Change a policy",
            )
        show_on_form(form, change.refusal)
    return _render_policy_form(form, policy)


def _render_end_form(form, policy):
    return render_template(
        "policy/end_form.html",
        form=form,
        policy=policy,
        facts=queries.policy_facts(policy),
    )


@bp.route("/<int:policy_id>/end", methods=["GET", "POST"])
def end_policy(policy_id: int):
    """End a policy on a given day (POST: save after the preview, or go back)."""
    policy = db.get_or_404(Policy, policy_id)
    if request.method == "GET":
        return _render_end_form(EndPolicyForm(effective_to=practice_today()), policy)
    form = EndPolicyForm()
    if request.form.get("action") == "back":
        return _render_end_form(form, policy)
    if form.validate_on_submit():
        saved, _ = save_form(
            form,
            lambda: services.end_policy(policy, form.effective_to.data, actor=current_person()),
            flash_general=False,
        )
        if saved:
            flash(f"The policy for {policy.task.name} ends on {policy.effective_to}.", "success")
            return _redirect_after(policy)
    return _render_end_form(form, policy)


@bp.route("/<int:policy_id>/end/preview", methods=["POST"])
def preview_end_policy(policy_id: int):
    """Preview what ending a policy would change, writing nothing."""
    policy = db.get_or_404(Policy, policy_id)
    form = EndPolicyForm()
    if form.validate_on_submit():
        change = services.check_end(policy, form.effective_to.data)
        if not change.problems:
            return _render_preview(
                change, url_for("policy.end_policy", policy_id=policy.id), "End a policy"
            )
        show_on_form(form, change.refusal)
    return _render_end_form(form, policy)
