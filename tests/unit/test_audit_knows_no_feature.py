"""The audit knows no feature, and every event names who acted (read from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

TRACKER = Path(__file__).resolve().parents[2] / "tracker"
AUDIT = TRACKER / "audit"


def feature_packages() -> set[str]:
    """tracker's subpackages (staff, incidents, decision, …), the audit itself left out."""
    return {
        f"tracker.{path.parent.name}"
        for path in TRACKER.glob("*/__init__.py")
        if path.parent.name != "audit"
    }


def imported_modules(source: str) -> set[str]:
    """Every module an import statement names, at any depth (imports inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def feature_imports(source: str) -> set[str]:
    features = feature_packages()
    return {
        module
        for module in imported_modules(source)
        if any(module == f or module.startswith(f + ".") for f in features)
    }


def test_nothing_under_audit_imports_a_feature():
    found = {
        path.name: sorted(feature_imports(path.read_text()))
        for path in sorted(AUDIT.rglob("*.py"))
        if feature_imports(path.read_text())
    }
    assert found == {}


def test_the_check_sees_a_feature_import_even_inside_a_function():
    assert {"tracker.staff", "tracker.incidents"} <= feature_packages()
    source = (
        "from tracker.extensions import db\n"
        "def f():\n"
        "    from tracker.incidents.visibility import audit_events_visible_to\n"
        "import tracker.staff.models\n"
    )
    assert feature_imports(source) == {
        "tracker.incidents.visibility",
        "tracker.incidents.visibility.audit_events_visible_to",
        "tracker.staff.models",
    }


def _record_event() -> ast.FunctionDef:
    tree = ast.parse((AUDIT / "services.py").read_text())
    return next(
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "record_event"
    )


def test_record_event_takes_an_actor_without_default():
    args = _record_event().args
    keyword_only = dict(zip((a.arg for a in args.kwonlyargs), args.kw_defaults, strict=True))
    positional = [arg.arg for arg in args.posonlyargs + args.args]
    assert "actor" in keyword_only, "actor must be a keyword argument of record_event"
    assert "actor" not in positional
    assert keyword_only["actor"] is None, "record_event must not guess the actor"
