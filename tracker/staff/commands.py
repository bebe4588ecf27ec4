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

#: The create-user option each of the person verb's fields comes from.
PERSON_OPTIONS = {"name": "--name", "role": "--role", "job_level": "--job-level", "email": "EMAIL"}


def option_lines(refused: Refused) -> list[str]:
    """A verb's refusal as one line per problem, naming the option at fault."""
    return [
        f"{PERSON_OPTIONS[p.field]}: {p.message}" if p.field in PERSON_OPTIONS else p.message
        for p in refused.problems
    ]


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
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        min_length = app.config["PASSWORD_MIN_LENGTH"]
        created = person is None
        try:
            if created:
                # The people form's verb: it refuses what the form refuses (a job level for
                # anyone but an assistant, a name on two lines...) and audits as CLI.
                person = create_person(
                    CLI,
                    email=email,
                    name=name,
                    role=Role(role),
                    job_level=job_level,
                    password=password,
                    min_password_length=min_length,
                    needs_password=True,
                )
            else:
                set_password(person, password, min_length, actor=CLI)
        except Refused as exc:
            db.session.rollback()
            # A refused password is exit 1 (as before); any other refused option, exit 2.
            only_password = all(p.field in (None, "password") for p in exc.problems)
            fail("\n".join(option_lines(exc)), 1 if only_password else 2)
        db.session.commit()
        done = "Created" if created else "Updated the password of"
        click.echo(f"{done} {email} ({person.role.value}).")
