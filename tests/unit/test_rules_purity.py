"""The decision rule is pure: importing it brings in neither Flask nor the database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_STACK = ["flask", "sqlalchemy", "flask_sqlalchemy"]

PROBE = f"""
import json, sys
import tracker.decision.rules
print(json.dumps(sorted(m for m in {WEB_STACK!r} if m in sys.modules)))
"""


def imported_with(module_probe: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", module_probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_importing_the_rule_loads_no_web_or_database_module():
    assert imported_with(PROBE) == []


def test_the_probe_would_notice_flask():
    # The same probe, with Flask imported first, must see it: the check can fail.
    probe = PROBE.replace("import tracker.decision.rules", "import flask, tracker.decision.rules")
    assert imported_with(probe) == ["flask"]
