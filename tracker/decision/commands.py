"""``flask check``: may this assistant do this task here, now (or at ``--at``)?"""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from tracker.catalog.models import Task
from tracker.cli import fail
from tracker.decision.services import evaluate, record_decision
from tracker.extensions import db
from tracker.rule.words import decision_in_words
from tracker.sites.models import Site
from tracker.staff.queries import person_by_email
from tracker.validation import parse_moment


def register(app) -> None:
    @app.cli.command("check")
    @click.option("--assistant", "assistant_email", required=True, help="The assistant's email.")
    @click.option("--task", "task_code", required=True, help="Task code from the catalog.")
    @click.option("--site", "site_code", required=True, help="Site code.")
    @click.option("--at", "at_text", help="ISO-8601 moment (default: now).")
    @click.option("--delegated-by", "delegator_email", help="The delegating provider's email.")
    @click.option("--in-room", is_flag=True, help="The provider's presence is attested.")
    @click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
    def check_command(assistant_email, task_code, site_code, at_text, delegator_email, in_room,
                      as_json):  # fmt: skip
        """May this assistant do this task at this site, at this moment?"""

        assistant = person_by_email(assistant_email)
        if assistant is None:
            fail(f"no person with email {assistant_email}", 2)
        task = db.session.scalar(select(Task).where(Task.code == task_code.strip()))
        if task is None:
            fail(f"no task with code {task_code}", 2)
        site = db.session.scalar(select(Site).where(Site.code == site_code.strip()))
        if site is None:
            fail(f"no site with code {site_code}", 2)
        delegator = None
        if delegator_email:
            delegator = person_by_email(delegator_email)
            if delegator is None:
                fail(f"no person with email {delegator_email}", 2)
        try:
            at = parse_moment(at_text, site.timezone)
        except ValueError as exc:
            fail(f"--at {at_text!r} {exc}", 2)
        decision = evaluate(assistant, task, site, at, delegator, in_room)
        record_decision(
            decision,
            source="cli",
            assistant=assistant,
            task=task,
            site=site,
            delegated_by=delegator,
            in_room=in_room,
        )
        db.session.commit()
        if as_json:
            click.echo(json.dumps(decision.to_json(), indent=2))
        else:
            click.echo(decision_in_words(decision, site.timezone))
