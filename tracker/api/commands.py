"""``flask create-token`` and ``flask revoke-token``: API tokens from the command line."""

from __future__ import annotations

import click

from tracker.api.tokens import create_token, revoke_token, token_by_name
from tracker.audit.services import CLI
from tracker.cli import fail
from tracker.errors import Refused
from tracker.extensions import db
from tracker.staff.queries import person_by_email


def register(app) -> None:
    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", required=True, help="What will use the token.")
    @click.option("--scope", "scopes", multiple=True, required=True,
                  help="decide, read or write (repeat for several).")  # fmt: skip
    @click.option("--days", type=int, default=None, help="Days until it expires (default 90).")
    def create_token_command(email, name, scopes, days):
        """Create an API token for a person and print it (only the token) once."""

        person = person_by_email(email)
        if person is None:
            fail(f"no person with email {email}", 2)
        try:
            token, _ = create_token(
                person,
                name,
                scopes,
                days,
                CLI,
                default_days=app.config["API_TOKEN_DEFAULT_DAYS"],
                max_days=app.config["API_TOKEN_MAX_DAYS"],
            )
        except Refused as exc:
            db.session.rollback()
            # An option's problem names the option, as click does: --days: ...
            fail(
                "\n".join(
                    f"--{p.field}: {p.message}" if p.field != "person" else p.message
                    for p in exc.problems
                ),
                2,
            )
        db.session.commit()
        click.echo(token)

    @app.cli.command("revoke-token")
    @click.argument("email")
    @click.argument("name")
    def revoke_token_command(email, name):
        """Revoke a person's API token by its name."""

        person = person_by_email(email)
        if person is None:
            fail(f"no person with email {email}", 2)
        token = token_by_name(person, name)
        if token is None:
            fail(f"{person.email} has no live token named {name!r}", 2)
        revoke_token(token, CLI)
        db.session.commit()
        click.echo(f"Revoked {person.email}'s token {token.name!r}.")
