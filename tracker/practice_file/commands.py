"""``flask import-practice FILE`` and ``flask export-practice``: the practice file."""

from __future__ import annotations

import json
import sys

import click

from tracker.audit.services import CLI
from tracker.cli import fail
from tracker.errors import Refused, cli_lines
from tracker.extensions import db
from tracker.practice_file.exporter import export_practice
from tracker.practice_file.importer import import_practice


def register(app) -> None:
    @app.cli.command("import-practice")
    # utf-8-sig: a file saved by a Windows editor starts with a byte-order mark.
    @click.argument("file", type=click.File("r", encoding="utf-8-sig"))
    def import_practice_command(file):
        """Load a practice file (JSON), all or nothing."""

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

        click.echo(json.dumps(export_practice(), indent=2, ensure_ascii=False))
