"""``flask import-practice FILE [--documents DIR]`` and ``flask export-practice [--documents
DIR]``: the practice file, and the documents' files beside it."""

from __future__ import annotations

import json
import sys

import click

from tracker.audit.services import CLI
from tracker.cli import fail
from tracker.errors import Refused, cli_lines
from tracker.extensions import db
from tracker.practice_file.exporter import export_document_files, export_practice
from tracker.practice_file.importer import import_practice


def register(app) -> None:
    @app.cli.command("import-practice")
    # utf-8-sig: a file saved by a Windows editor starts with a byte-order mark.
    @click.argument("file", type=click.File("r", encoding="utf-8-sig"))
    @click.option(
        "--documents",
        "documents_dir",
        type=click.Path(exists=True, file_okay=False),
        help="The folder holding the documents' files (export-practice --documents wrote it).",
    )
    def import_practice_command(file, documents_dir):
        """Load a practice file (JSON), all or nothing."""

        _import_file(file, documents_dir)

    @app.cli.command("export-practice")
    @click.option(
        "--documents",
        "documents_dir",
        type=click.Path(file_okay=False),
        help="Copy every document's file into this folder (beside the practice file).",
    )
    def export_practice_command(documents_dir):
        """Print the practice file of what is stored (and copy the documents' files)."""

        _export(documents_dir)


def _read_json(file):
    """The file's JSON; a file that is not JSON ends the command with one line saying why."""
    try:
        return json.load(file)
    except json.JSONDecodeError as exc:
        fail(f"{file.name}: not valid JSON: line {exc.lineno}, column {exc.colno}: "
             f"{exc.msg}", 1)  # fmt: skip
    except UnicodeDecodeError:
        fail(f"{file.name}: not a UTF-8 text file", 1)
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, deep nesting
        fail(f"{file.name}: not valid JSON: {str(exc)[:200]}", 1)


def _import_file(file, documents_dir) -> None:
    data = _read_json(file)
    try:
        counts, warnings = import_practice(data, actor=CLI, documents_dir=documents_dir)
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


def _export(documents_dir) -> None:
    practice_file = export_practice()
    if documents_dir:
        problems = export_document_files(practice_file, documents_dir)
        for problem in problems:
            click.echo(f"Error: {problem}", err=True)
        if problems:
            fail(f"{len(problems)} document file(s) could not be copied", 1)
    click.echo(json.dumps(practice_file, indent=2, ensure_ascii=False))
