"""What every command of ``flask --app tracker <command>`` shares. The commands live
beside their features (``<feature>/commands.py``); the app factory registers them."""

from __future__ import annotations

import sys

import click


def fail(message: str, code: int) -> None:
    """Print one line naming the problem and stop with this exit code."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
