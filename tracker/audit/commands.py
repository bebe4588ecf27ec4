"""``flask verify-audit``: check the audit log's hash chain."""

from __future__ import annotations

import click

from tracker.audit.services import verify_chain
from tracker.cli import fail


def register(app) -> None:
    @app.cli.command("verify-audit")
    def verify_audit_command():
        """Check the audit log's hash chain."""

        whole, message = verify_chain()
        if not whole:
            fail(message, 1)
        click.echo(message)
