"""Pages about people: the staff list (/staff/...), and the pages that keep people's
records, licenses and credentials (/records/...). The training file and what is expiring,
which read competencies, supervision and the rule, are ``tracker.training.views`` (on this
blueprint).

Thin views: validate the form, call a verb in ``staff.services``, commit, flash, redirect.
A verb's problems are shown next to the fields they concern and nothing is written.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from tracker.audit.denied import refuse
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.form_pages import form_page as _form_page
from tracker.form_pages import get_or_404 as _get_or_404
from tracker.form_pages import save_form as _save
from tracker.forms import ActionForm
from tracker.return_to import back_after_save, cancel_url
from tracker.sites.models import Site
from tracker.sites.queries import practice_today
from tracker.staff import queries, services, signals
from tracker.staff.forms import KEEP_PASSWORD, CredentialForm, LicenseForm, PersonForm
from tracker.staff.models import Credential, License, Person
from tracker.vocabulary import Role

bp = Blueprint("staff", __name__, cli_group=None)

#: Rows a page of the staff list shows.
PAGE_SIZE = 50


@bp.route("/staff/")
def staff_list():
    """List the practice's people, filtered by site and role."""
    site_code = request.args.get("site") or None
    role_value = request.args.get("role") or None
    role = None
    if role_value:
        try:
            role = Role(role_value)
        except ValueError:
            abort(400)
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    if site_code and site_code not in {s.code for s in sites}:
        abort(400)
    q = (request.args.get("q") or "").strip()[:100]
    people = db.paginate(
        queries.staff_query(site_code, role, q),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "staff/list.html",
        people=people,
        q=q,
        sites=sites,
        roles=list(Role),
        site_code=site_code,
        role=role,
    )


def visible_person_or_404(person_id: int) -> Person:
    """Fetch a person the current user may see; an assistant sees only themselves."""
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    if current_user.role == Role.assistant and person.id != current_user.id:
        abort(404)
    return person


@bp.route("/staff/me")
def my_file():
    """Open the signed-in person's own training file."""
    return redirect(url_for("staff.training_file", person_id=current_user.id))


# ------------------------------------------------------------ records of people (/records/...)

# --------------------------------------------------------------------------- helpers


def _keepable_person_or_refuse(person_id: int) -> Person:
    """A person whose record the signed-in user may change (managers: not accounts)."""
    person = _get_or_404(Person, person_id)
    if not services.may_keep_person(current_person(), person):
        refuse(f"only an administrator may change a {person.role.value}'s record")
    return person


def _training_file(person: Person):
    return redirect(url_for("staff.training_file", person_id=person.id))


# --------------------------------------------------------------------------- people


def _person_choices(form: PersonForm, person: Person | None = None) -> None:
    me = current_person()
    if person is not None and me.role != Role.admin:
        roles = [person.role]  # only an administrator changes a role
    else:
        roles = services.roles_for(me)
    form.role.choices = [SelectChoice(r.value, r.label) for r in roles]
    if me.role != Role.admin:
        del form.must_change_password  # an administrator's decision
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    form.sites.choices = [SelectChoice(s.id, f"{s.name} ({s.state})") for s in sites]


def _person_values(form: PersonForm) -> dict:
    return {
        "email": form.email.data,
        "name": form.name.data,
        "role": Role(form.role.data),
        "job_level": form.job_level.data or None,
        "site_ids": form.sites.data or [],
        "can_validate": form.can_validate.data,
        "password": form.password.data or None,
        "min_password_length": current_app.config["PASSWORD_MIN_LENGTH"],
        "must_change_password": (
            form.must_change_password.data if "must_change_password" in form else None
        ),
    }


@bp.route("/records/people/new", methods=["GET", "POST"])
def person_new():
    """Add a person to the practice."""
    form = PersonForm()
    _person_choices(form)
    if request.method == "GET":
        form.role.data = Role.assistant.value
    if form.validate_on_submit():
        saved, person = _save(
            form, lambda: services.create_person(current_person(), **_person_values(form))
        )
        if saved:
            flash(f"{person.name} was added.", "success")
            return _training_file(person)
    return _form_page(
        "Add a person", form, url_for("staff.staff_list"), template="staff/person_form.html"
    )


@bp.route("/records/people/<int:person_id>/edit", methods=["GET", "POST"])
def person_edit(person_id: int):
    """Change a person's record: name, email, role, job level, sites, sign-off, password."""
    person = _keepable_person_or_refuse(person_id)
    form = PersonForm(obj=person if request.method == "GET" else None)
    form.password.description = KEEP_PASSWORD
    _person_choices(form, person)
    if request.method == "GET":
        form.role.data = person.role.value
        form.sites.data = [s.id for s in person.sites]
        form.password.data = ""
    if form.validate_on_submit():
        saved, gained = _save(
            form, lambda: services.update_person(current_person(), person, **_person_values(form))
        )
        if saved:
            flash(f"{person.name}'s record was saved.", "success")
            if gained:
                signals.states_gained.send(person, states=gained)
                return redirect(
                    url_for(
                        "staff.training_file",
                        person_id=person.id,
                        _anchor=f"scope-{min(gained)}",
                    )
                )
            return _training_file(person)
    return _form_page(
        f"Edit {person.name}",
        form,
        url_for("staff.training_file", person_id=person.id),
        template="staff/person_form.html",
        person=person,
        action_form=ActionForm(),
    )


def _set_active(person_id: int, active: bool):
    person = _keepable_person_or_refuse(person_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    saved, changed = _save(form, lambda: services.set_active(current_person(), person, active))
    if saved and changed:
        word = "reactivated" if active else "deactivated; they can no longer sign in"
        flash(" ".join([f"{person.name} was {word}.", *changed.said]), "success")
    elif saved:
        flash(f"{person.name} was already {'active' if active else 'deactivated'}.", "info")
    return _training_file(person)


def _affected_by_deactivation(person: Person) -> list[str]:
    """What deactivating the person affects, in words, from the features that know
    (their planned delegations: ``tracker.delegations``)."""
    return [words for _, words in signals.deactivation_affects.send(person) if words]


@bp.route("/records/people/<int:person_id>/deactivate", methods=["GET", "POST"])
def person_deactivate(person_id: int):
    """Deactivate a person (kept, never deleted; they can no longer sign in): GET asks to
    confirm, saying what it affects; POST does it."""
    if request.method == "POST":
        return _set_active(person_id, False)
    person = _keepable_person_or_refuse(person_id)
    if not person.active:
        flash(f"{person.name} is already deactivated.", "info")
        return _training_file(person)
    return render_template(
        "staff/deactivate.html",
        person=person,
        affected=_affected_by_deactivation(person),
        action_form=ActionForm(),
    )


@bp.route("/records/people/<int:person_id>/reactivate", methods=["POST"])
def person_reactivate(person_id: int):
    """Reactivate a deactivated person."""
    return _set_active(person_id, True)


# --------------------------------------------------------------------------- licenses


def _license_values(form: LicenseForm) -> dict:
    return {
        "type": form.type.data,
        "number": form.number.data,
        "state": form.state.data,
        "expires_on": form.expires_on.data,
    }


@bp.route("/records/people/<int:person_id>/licenses/new", methods=["GET", "POST"])
def license_new(person_id: int):
    """Record a provider's license."""
    person = _get_or_404(Person, person_id)
    if person.role != Role.provider:
        flash(f"Licenses are kept for providers; {person.name} is not a provider.", "warning")
        return _training_file(person)
    form = LicenseForm()
    if request.method == "GET" and person.sites:
        form.state.data = person.sites[0].state
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.create_license(current_person(), person, **_license_values(form))
        )
        if saved:
            flash(f"The license was added to {person.name}'s record.", "success")
            return back_after_save(_training_file(person), current_person())
    return _form_page(
        f"Add a license for {person.name}",
        form,
        cancel_url(url_for("staff.training_file", person_id=person.id)),
    )


@bp.route("/records/licenses/<int:license_id>/edit", methods=["GET", "POST"])
def license_edit(license_id: int):
    """Change a license (a renewal changes its expiry)."""
    lic = _get_or_404(License, license_id)
    form = LicenseForm(obj=lic if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.update_license(current_person(), lic, **_license_values(form))
        )
        if saved:
            flash(f"{lic.person.name}'s license was saved.", "success")
            return _training_file(lic.person)
    return _form_page(
        f"Edit {lic.person.name}'s {lic.type} license",
        form,
        url_for("staff.training_file", person_id=lic.person_id),
    )


# --------------------------------------------------------------------------- credentials


def _credential_values(form: CredentialForm) -> dict:
    return {name: form[name].data for name in services.CREDENTIAL_FIELDS} | {
        "today": practice_today()
    }


@bp.route("/records/people/<int:person_id>/credentials/new", methods=["GET", "POST"])
def credential_new(person_id: int):
    """Record a credential (CMA, RMA, a permit…) for anyone in the practice."""
    person = _get_or_404(Person, person_id)
    form = CredentialForm()
    if request.method == "GET":
        # Prefilled from a decision's fix: the type a state rule or policy asks for.
        form.type.data = (request.args.get("type") or "")[:64]
    if form.validate_on_submit():
        saved, _ = _save(
            form,
            lambda: services.create_credential(
                current_person(), person, **_credential_values(form)
            ),
        )
        if saved:
            flash(f"The credential was added to {person.name}'s record.", "success")
            return back_after_save(_training_file(person), current_person())
    return _form_page(
        f"Add a credential for {person.name}",
        form,
        cancel_url(url_for("staff.training_file", person_id=person.id)),
    )


@bp.route("/records/credentials/<int:credential_id>/edit", methods=["GET", "POST"])
def credential_edit(credential_id: int):
    """Change a credential (a renewal changes its dates)."""
    cred = _get_or_404(Credential, credential_id)
    form = CredentialForm(obj=cred if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _ = _save(
            form,
            lambda: services.update_credential(current_person(), cred, **_credential_values(form)),
        )
        if saved:
            flash(f"{cred.person.name}'s {cred.type} credential was saved.", "success")
            return _training_file(cred.person)
    return _form_page(
        f"Edit {cred.person.name}'s {cred.type} credential",
        form,
        url_for("staff.training_file", person_id=cred.person_id),
    )
