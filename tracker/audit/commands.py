"""``flask verify-audit``: check the audit log's hash chain, and what the features hand it
(every stored document against its hash)."""

from __future__ import annotations

import click

from tracker.audit import features
from tracker.audit.services import verify_chain
from tracker.cli import fail


def register(app) -> None:
    @app.cli.command("verify-audit")
    def verify_audit_command():
        """Check the audit log's hash chain, and every stored document against its hash."""

        whole, message = verify_chain()
        if not whole:
            fail(message, 1)
        problems = features.integrity_problems()
        for problem in problems:
            click.echo(f"Error: {problem}", err=True)
        if problems:
            fail(f"{len(problems)} record(s) no longer match what the audit kept", 1)
        click.echo(message)
        click.echo("every stored document matches its hash")
