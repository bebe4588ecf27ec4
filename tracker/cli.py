"""Commands on Flask's CLI: ``flask --app tracker <command>``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from tracker import dates
from tracker.audit.services import CLI
from tracker.extensions import db
from tracker.training.queries import MAX_EXPIRING_DAYS
from tracker.vocabulary import Role


def fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def parse_moment(value: str | None, timezone: str) -> datetime:
    """An ISO-8601 moment; without an offset it is read in the site's time zone.

    No value means now; an empty or unreadable one, or one so close to year 1 or 9999 that
    it has no date in UTC or in the site's zone, is a ValueError.
    """
    from tracker.dates import zone

    if value is None:
        return dates.now_to_the_second()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("is not an ISO-8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    from tracker.validation import unfit_value

    if unfit_value(moment):  # the supported range of every date (1900-2200)
        raise ValueError("is out of range (1900-01-01 to 2200-12-31)")
    try:
        moment.astimezone(UTC)
        moment.astimezone(zone(timezone))
    except OverflowError:
        raise ValueError("is out of range") from None
    return moment


def register_cli(app) -> None:
    from tracker.reminders.commands import register as register_reminders

    register_reminders(app)

    @app.cli.command("import-practice")
    # utf-8-sig: a file saved by a Windows editor starts with a byte-order mark.
    @click.argument("file", type=click.File("r", encoding="utf-8-sig"))
    def import_practice_command(file):
        """Load a practice file (JSON), all or nothing."""
        from tracker.errors import Refused, cli_lines
        from tracker.practice_file.importer import import_practice

        try:
            data = json.load(file)
        except json.JSONDecodeError as exc:
            fail(f"{file.name}: not valid JSON: line {exc.lineno}, column {exc.colno}: "
                 f"{exc.msg}", 1)  # fmt: skip
        except UnicodeDecodeError:
            fail(f"{file.name}: not a UTF-8 text file", 1)
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, deep nesting
            fail(f"{file.name}: not valid JSON: {str(exc)[:200]}", 1)
        try:
            counts, warnings = import_practice(data, actor=CLI)
            db.session.commit()
        except Refused as exc:
            db.session.rollback()
            for line in cli_lines(exc):
                click.echo(line, err=True)
            click.echo(
                f"{len(exc.problems)} problem(s) in {file.name}; nothing was imported.", err=True
            )
            sys.exit(1)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        if not counts:
            click.echo(f"{file.name}: nothing to import.")
            return
        for section, tally in counts.items():
            click.echo(
                f"{section}: {tally['created']} created, {tally['updated']} updated, "
                f"{tally['unchanged']} unchanged"
            )

    @app.cli.command("export-practice")
    def export_practice_command():
        """Print the practice file of what is stored."""
        from tracker.practice_file.exporter import export_practice

        click.echo(json.dumps(export_practice(), indent=2, ensure_ascii=False))

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
        from tracker.catalog.models import Task
        from tracker.decision.services import evaluate, record_decision
        from tracker.sites.models import Site

        assistant = _person(assistant_email)
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
            delegator = _person(delegator_email)
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
            from tracker.decision.words import decision_in_words

            click.echo(decision_in_words(decision, site.timezone))

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", help="Full name (required for a new person).")
    @click.option("--role", type=click.Choice([r.value for r in Role]), help="Role (new person).")
    @click.option("--job-level", help="For assistants, e.g. CMA.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def create_user_command(email, name, role, job_level, password_stdin):
        """Create a person who can sign in, or set an existing person's password."""
        from tracker.auth.services import normalise_email, set_password
        from tracker.errors import Refused
        from tracker.staff.services import create_person
        from tracker.validation import EMAIL_RE

        email = normalise_email(email)
        if not EMAIL_RE.match(email) or len(email) > 254:
            fail(f"{email!r} is not an email address", 2)
        person = _person(email)
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

    @app.cli.command("expiring")
    @click.option(
        "--days",
        type=click.IntRange(0, MAX_EXPIRING_DAYS),
        default=None,
        help="Days ahead (default: EXPIRING_WITHIN_DAYS, 60).",
    )
    @click.option("--site", "site_code", help="Only people who work at this site (its code).")
    def expiring_command(days, site_code):
        """Print what is expired or expiring, one line per item (for a cron mail)."""
        from tracker.sites.models import Site
        from tracker.sites.queries import practice_today
        from tracker.training.queries import expiring_items

        if days is None:
            days = app.config["EXPIRING_WITHIN_DAYS"]
        if site_code and db.session.scalar(select(Site.id).where(Site.code == site_code)) is None:
            fail(f"no site with code {site_code}", 2)
        report = expiring_items(practice_today(), days, site_code=site_code)
        for item in report.due + report.no_expiry:
            click.echo(item.line())

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when nobody is stored yet.")
    def seed_demo_command(if_empty):
        """Load a believable demo practice (dates relative to today)."""
        from tracker.demo import DEMO_PASSWORD, seed_demo
        from tracker.staff.models import Person

        if if_empty and db.session.scalar(select(func.count(Person.id))):
            click.echo("The database already holds people; demo data not loaded.")
            return
        accounts = seed_demo()
        db.session.commit()
        click.echo(f"Demo practice loaded. Every demo account's password is {DEMO_PASSWORD!r}:")
        for email, role in accounts:
            click.echo(f"  {role:<11} {email}")

    @app.cli.command("verify-audit")
    def verify_audit_command():
        """Check the audit log's hash chain."""
        from tracker.audit.services import verify_chain

        whole, message = verify_chain()
        if not whole:
            fail(message, 1)
        click.echo(message)

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", required=True, help="What will use the token.")
    @click.option("--scope", "scopes", multiple=True, required=True,
                  help="decide, read or write (repeat for several).")  # fmt: skip
    @click.option("--days", type=int, default=None, help="Days until it expires (default 90).")
    def create_token_command(email, name, scopes, days):
        """Create an API token for a person and print it (only the token) once."""
        from tracker.api.tokens import create_token
        from tracker.errors import Refused

        person = _person(email)
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
        from tracker.api.tokens import revoke_token, token_by_name

        person = _person(email)
        if person is None:
            fail(f"no person with email {email}", 2)
        token = token_by_name(person, name)
        if token is None:
            fail(f"{person.email} has no live token named {name!r}", 2)
        revoke_token(token, CLI)
        db.session.commit()
        click.echo(f"Revoked {person.email}'s token {token.name!r}.")

    @app.cli.command("seed-catalog")
    def seed_catalog_command():
        """Make sure the built-in task catalog is present (db upgrade does this too)."""
        from tracker.catalog.services import ensure_catalog

        added = ensure_catalog()
        db.session.commit()
        click.echo(f"Task catalog present ({added} added).")


def _person(email: str):
    from tracker.staff.models import Person

    return db.session.scalar(select(Person).where(Person.email == email.strip().lower()))
