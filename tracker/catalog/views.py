"""Pages that keep the practice's own tasks.

Thin views: validate the form, call a verb in ``catalog.services``, commit, flash, redirect.
A verb's problems are shown next to the fields they concern and nothing is written.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from tracker.catalog import services
from tracker.catalog.forms import TaskForm
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.form_pages import current_person
from tracker.form_pages import form_page as _form_page
from tracker.form_pages import get_or_404 as _get_or_404
from tracker.form_pages import save_form as _save
from tracker.vocabulary import TaskKind

bp = Blueprint("catalog", __name__, url_prefix="/records")

# --------------------------------------------------------------------------- tasks


@bp.route("/tasks")
def task_list():
    """List the task catalog and the practice's own tasks."""
    tasks = db.session.scalars(select(Task)).all()
    order = {TaskKind.administrative: 0, TaskKind.clinical: 1, TaskKind.reserved: 2}
    tasks = sorted(tasks, key=lambda t: (order[t.kind], t.name.lower()))
    return render_template("catalog/tasks.html", tasks=tasks)


def _task_values(form: TaskForm) -> dict:
    return {
        "code": form.code.data,
        "name": form.name.data,
        "kind": form.kind.data,
        "description": form.description.data or "",
        "needs_direction": bool(form.needs_direction.data),
    }


@bp.route("/tasks/new", methods=["GET", "POST"])
def task_new():
    """Add one of the practice's own tasks (administrative or clinical)."""
    form = TaskForm()
    if form.validate_on_submit():
        saved, task = _save(
            form, lambda: services.create_task(current_person(), **_task_values(form))
        )
        if saved:
            flash(f"Task {task.name} was added.", "success")
            return redirect(url_for("catalog.task_list"))
    return _form_page("Add a task", form, url_for("catalog.task_list"))


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def task_edit(task_id: int):
    """Change one of the practice's own tasks (the built-in catalog cannot be changed)."""
    task = _get_or_404(Task, task_id)
    if task.builtin:
        abort(404)
    form = TaskForm(obj=task if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = task.kind.value
    if form.validate_on_submit():
        saved, _ = _save(
            form, lambda: services.update_task(current_person(), task, **_task_values(form))
        )
        if saved:
            flash(f"Task {task.name} was saved.", "success")
            return redirect(url_for("catalog.task_list"))
    return _form_page(f"Edit task {task.name}", form, url_for("catalog.task_list"))
