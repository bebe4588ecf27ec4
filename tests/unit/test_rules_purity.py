"""The decision rule is pure: importing it brings in neither Flask nor the database."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_STACK = ["flask", "sqlalchemy", "flask_sqlalchemy"]
#: The clock and date helpers live in tracker.dates; the rule only uses them.
DATE_HELPERS = {"zone", "add_months", "local_day", "format_utc", "now", "today"}

PROBE = f"""
import json, sys
import tracker.rule.rules
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
    probe = PROBE.replace("import tracker.rule.rules", "import flask, tracker.rule.rules")
    assert imported_with(probe) == ["flask"]


def taken_from_the_rule(source: str) -> set[str]:
    """The names a module's source imports from ``tracker.rule.rules``."""
    return {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module == "tracker.rule.rules"
        for alias in node.names
    }


def test_no_module_takes_a_date_helper_from_the_rule():
    taken = {
        str(path.relative_to(ROOT)): sorted(taken_from_the_rule(path.read_text()) & DATE_HELPERS)
        for path in sorted((ROOT / "tracker").rglob("*.py"))
    }
    assert {path: names for path, names in taken.items() if names} == {}


def test_the_import_check_sees_a_date_helper_taken_from_the_rule():
    source = "def f():\n    from tracker.rule.rules import decide, zone\n"
    assert taken_from_the_rule(source) & DATE_HELPERS == {"zone"}
