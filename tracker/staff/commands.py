"""``flask create-user EMAIL``: a person who can sign in, or a new password."""

from __future__ import annotations

import sys

import click

from tracker.audit.services import CLI
from tracker.cli import fail
from tracker.errors import Refused
from tracker.extensions import db
from tracker.staff.queries import person_by_email
from tracker.staff.services import create_person, set_password
from tracker.validation import EMAIL_RE, normalise_email
from tracker.vocabulary import Role


def register(app) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", help="Full name (required for a new person).")
    @click.option("--role", type=click.Choice([r.value for r in Role]), help="Role (new person).")
    @click.option("--job-level", help="For assistants, e.g. CMA.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def create_user_command(email, name, role, job_level, password_stdin):
        """Create a person who can sign in, or set an existing person's password."""

        email = normalise_email(email)
        if not EMAIL_RE.match(email) or len(email) > 254:
            fail(f"{email!r} is not an email address", 2)
        person = person_by_email(email)
        name = (name or "").strip()
        job_level = (job_level or "").strip() or None
        if person is None and not (name and role):
            fail("a new person needs --name and --role", 2)
        # The columns' own limits: PostgreSQL refuses longer text with a traceback.
        if len(name) > 200:
            fail(f"--name is {len(name)} characters long; at most 200 are allowed", 2)
        if job_level and len(job_level) > 64:
            fail(f"--job-level is {len(job_level)} characters long; at most 64 are allowed", 2)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        min_length = app.config["PASSWORD_MIN_LENGTH"]
        created = person is None
        try:
            if created:  # through the verb: the command line refuses what the form refuses
                person = create_person(CLI, email=email, name=name, role=Role(role),
                                       job_level=job_level)  # fmt: skip
            set_password(person, password, min_length, actor=CLI)
        except Refused as exc:
            db.session.rollback()
            fail(str(exc), 1)
        db.session.commit()
        done = "Created" if created else "Updated the password of"
        click.echo(f"{done} {email} ({person.role.value}).")
