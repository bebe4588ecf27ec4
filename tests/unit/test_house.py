"""The house (STYLE.md): feature packages import one another without circles, the pure rule
imports nothing of Flask, SQLAlchemy or a feature, and ``tracker/records`` is gone.

The import graph is read from the source with ``ast``: every import counts, at module level
or inside a function (an import moved into a function to dodge a circle is still a circle),
except those under ``if TYPE_CHECKING:``, which never run.

The pure core is its own package, ``tracker/rule`` (rules, values, words): it reaches no
feature (checked below, transitively), so a feature that imports the rule's predicates or
values takes part in no circle through it. ``decision`` (the facts loader, the matrix, the
log, the pages) is the application's decision, above the features it reads.

Circles are looked for twice: between packages, and between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parents[2] / "tracker"

#: The feature packages (STYLE.md); every package under tracker/ must be one of them.
FEATURES = frozenset(
    {
        "staff",
        "supervision",
        "sites",
        "catalog",
        "policy",
        "competencies",
        "decision",
        "rule",
        "delegations",
        "incidents",
        "audit",
        "auth",
        "api",
        "imports",
        "practice_file",
        "reminders",
        "reports",
        "main",
        "training",
    }
)
#: Shared modules at tracker/ top level: infrastructure, which imports no feature.
INFRASTRUCTURE = frozenset(
    {
        "extensions",
        "dates",
        "validation",
        "passwords",
        "problems",
        "forms",
        "form_pages",
        "access",
        "errors",
        "vocabulary",
        "db_types",
        "names",
        "widgets",
        "paging",
        "templating",
        "cli",
    }
)

#: Imports that still point up the house, each to be removed by the item of issue 12 named.
#: Without them the feature packages form no circle; a listed import that is gone must
#: leave the list, so it only shrinks.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}
#: Infrastructure modules that still import a feature (to be removed; the list only shrinks).
KNOWN_INFRASTRUCTURE: dict[tuple[str, str], str] = {}

#: What the pure rule may reach, provided these import nothing of Flask or SQLAlchemy.
PURE_VALUES = frozenset(
    {
        "tracker",
        "tracker.dates",
        "tracker.rule.values",
        "tracker.names",
        "tracker.vocabulary",
        "tracker.catalog",
        "tracker.catalog.builtin",
    }
)
FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "sqlalchemy", "wtforms")


def module_name(path: Path, root: Path = TRACKER) -> str:
    parts = ["tracker", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(
    source: str, module: str, is_package: bool, module_level_only: bool = False
) -> set[str]:
    """Every dotted name one module imports (with ``from a import b``: both a and a.b)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return names


def import_graph(root: Path = TRACKER) -> dict[str, set[str]]:
    """Module -> the modules (of tracker, or external top-level names) it imports."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        # the app factory's imports run when an app is made, not when a module is imported
        top_only = name == "tracker"
        source = path.read_text()
        for imported in imported_names(source, name, path.name == "__init__.py", top_only):
            if imported.split(".")[0] != "tracker":
                targets.add(imported.split(".")[0])
                continue
            # the longest prefix that is a module; importing it also runs its packages
            parts = imported.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            for i in range(1, len(parts) + 1):
                targets.add(".".join(parts[:i]))
        targets.discard(name)
        graph[name] = targets
    return graph


#: The pure package (see the module's docstring).
RULE = "rule"


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "tracker" else None


def feature_edges(graph: dict[str, set[str]]) -> dict[str, dict[str, list[str]]]:
    """Feature package -> feature package it imports -> the module imports that do it."""
    edges: dict[str, dict[str, list[str]]] = {}
    for module, targets in graph.items():
        source = package_of(module)
        if source not in FEATURES:
            continue
        for target in targets:
            dest = package_of(target)
            if dest in FEATURES and dest != source:
                edges.setdefault(source, {}).setdefault(dest, []).append(f"{module} -> {target}")
    return edges


def find_cycle(edges: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One cycle of packages, as a closed path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := walk(start)):
            return found
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        for target in graph.get(module, ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def describe(edges, cycle) -> str:
    steps = []
    for a, b in zip(cycle, cycle[1:], strict=False):
        steps.append(f"{a} -> {b}: {', '.join(sorted(edges[a][b])[:3])}")
    return "import circle between feature packages:\n" + "\n".join(steps)


def test_every_package_is_a_known_feature():
    packages = {p.parent.name for p in TRACKER.glob("*/__init__.py")}
    assert packages == FEATURES


def test_no_import_circle_between_feature_packages():
    edges = feature_edges(import_graph())
    gone = [edge for edge in KNOWN_UPWARD if edge[1] not in edges.get(edge[0], {})]
    assert not gone, f"no longer imported, remove from KNOWN_UPWARD: {gone}"
    for source, target in KNOWN_UPWARD:
        del edges[source][target]
    cycle = find_cycle(edges)
    assert cycle is None, describe(edges, cycle)


def test_infrastructure_imports_no_feature():
    found = {}
    for module, targets in import_graph().items():
        parts = module.split(".")
        if len(parts) == 2 and parts[1] in INFRASTRUCTURE:
            for target in targets:
                if package_of(target) in FEATURES:
                    found.setdefault((parts[1], package_of(target)), []).append(target)
    unexpected = {edge: found[edge] for edge in found.keys() - KNOWN_INFRASTRUCTURE.keys()}
    assert not unexpected, unexpected
    gone = KNOWN_INFRASTRUCTURE.keys() - found.keys()
    assert not gone, f"no longer imported, remove from KNOWN_INFRASTRUCTURE: {sorted(gone)}"


def test_no_import_circle_between_modules():
    graph = import_graph()
    modules = {m: {t for t in targets if t in graph and t != m} for m, targets in graph.items()}
    # a package's own __init__ runs before its modules: that edge is no circle
    edges = {
        m: {t: [f"{m} -> {t}"] for t in targets if not m.startswith(t + ".")}
        for m, targets in modules.items()
    }
    cycle = find_cycle(edges)
    assert cycle is None, describe(edges, cycle).replace("feature packages", "modules")


def pure_core(graph: dict[str, set[str]]) -> set[str]:
    return {m for m in graph if package_of(m) == RULE}


def test_the_pure_rule_reaches_no_framework_and_no_feature():
    graph = import_graph()
    core = pure_core(graph)
    assert {"tracker.rule.rules", "tracker.rule.values", "tracker.rule.words"} <= core
    reached = set().union(*(reachable(graph, m) | {m} for m in core))
    tracker_modules = {m for m in reached if m.startswith("tracker")}
    assert tracker_modules <= PURE_VALUES | core, sorted(tracker_modules - PURE_VALUES - core)
    assert not any(m.split(".")[0] in FRAMEWORKS for m in reached), sorted(
        m for m in reached if m.split(".")[0] in FRAMEWORKS
    )


def test_records_is_dissolved():
    assert not (TRACKER / "records").exists()


# --------------------------------------------------------------------------- the checker


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "tracker"
    for name, source in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


@pytest.mark.parametrize(
    "staff_views",
    [
        "from tracker.sites.models import Site\n",
        "def page():\n    from tracker.sites import models\n",
        "from ..sites.models import Site\n",
    ],
)
def test_the_checker_sees_a_circle_at_module_or_function_level(tmp_path, staff_views):
    root = _tree(
        tmp_path,
        {
            "staff/__init__.py": "",
            "staff/views.py": staff_views,
            "sites/__init__.py": "",
            "sites/models.py": "from tracker.staff import views\n",
        },
    )
    cycle = find_cycle(feature_edges(import_graph(root)))
    assert cycle in (["sites", "staff", "sites"], ["staff", "sites", "staff"])


def test_the_checker_ignores_type_checking_imports_and_follows_chains(tmp_path):
    root = _tree(
        tmp_path,
        {
            "staff/__init__.py": "",
            "staff/models.py": "from tracker.sites.models import Site\n",
            "sites/__init__.py": "",
            "sites/models.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from tracker.staff.models import Person\n"
            ),
            "vocabulary.py": "import sqlalchemy\n",
            "dates.py": "from tracker.vocabulary import Role\n",
        },
    )
    graph = import_graph(root)
    assert find_cycle(feature_edges(graph)) is None
    assert "sqlalchemy" in reachable(graph, "tracker.dates")


@pytest.mark.parametrize(
    ("competencies_services", "circle"),
    [
        ("from tracker.rule.rules import may_validate\n", False),
        ("from tracker.rule import values\n", False),
        ("from tracker.decision.facts import load_facts\n", True),
        ("def check():\n    from tracker.decision import facts\n", True),
    ],
)
def test_the_pure_core_is_its_own_node(tmp_path, competencies_services, circle):
    root = _tree(
        tmp_path,
        {
            "competencies/__init__.py": "",
            "competencies/models.py": "",
            "competencies/services.py": competencies_services,
            "rule/__init__.py": "",
            "rule/rules.py": "from tracker.rule.values import Decision\n",
            "rule/values.py": "",
            "decision/__init__.py": "",
            "decision/facts.py": (
                "from tracker.competencies.models import Competency\n"
                "from tracker.rule.rules import decide\n"
            ),
        },
    )
    cycle = find_cycle(feature_edges(import_graph(root)))
    assert (cycle is not None) == circle, cycle
