"""Pages that keep the practice's sites.

Thin views: validate the form, call a verb in ``sites.services``, commit, flash, redirect.
A verb's problems are shown next to the fields they concern and nothing is written.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.form_pages import form_page as _form_page
from tracker.form_pages import get_or_404 as _get_or_404
from tracker.form_pages import save_form as _save
from tracker.sites import services
from tracker.sites.forms import SiteForm
from tracker.sites.models import Site
from tracker.validation import timezones

bp = Blueprint("sites", __name__, url_prefix="/records")


@bp.app_context_processor
def _site_helpers():
    def site_zone(code: str | None) -> str | None:
        """The time zone of the site with this code (None when there is none)."""
        zones = g.setdefault("site_zones", {})
        if code not in zones:
            zones[code] = db.session.scalar(select(Site.timezone).where(Site.code == code))
        return zones[code]

    return {"site_zone": site_zone}


# --------------------------------------------------------------------------- sites


@bp.route("/sites")
def site_list():
    """List the practice's sites."""
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    return render_template("sites/sites.html", sites=sites)


def _site_values(form: SiteForm) -> dict:
    return {
        "code": form.code.data,
        "name": form.name.data,
        "state": form.state.data,
        "timezone": form.timezone.data,
    }


@bp.route("/sites/new", methods=["GET", "POST"])
def site_new():
    """Add a site."""
    form = SiteForm()
    if form.validate_on_submit():
        saved, site = _save(
            form, lambda: services.create_site(current_person(), **_site_values(form))
        )
        if saved:
            flash(f"Site {site.name} was added.", "success")
            return redirect(url_for("sites.site_list"))
    return _form_page("Add a site", form, url_for("sites.site_list"), timezones=sorted(timezones()))


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
def site_edit(site_id: int):
    """Change a site's code, name, state or time zone."""
    site = _get_or_404(Site, site_id)
    form = SiteForm(obj=site if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.update_site(current_person(), site, **_site_values(form))
        )
        if saved:
            flash(f"Site {site.name} was saved.", "success")
            return redirect(url_for("sites.site_list"))
    return _form_page(
        f"Edit site {site.name}",
        form,
        url_for("sites.site_list"),
        timezones=sorted(timezones()),
    )
