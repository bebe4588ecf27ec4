"""``import-practice`` fed mutations of the demo practice's own export: it answers exit 0 or
1, never a traceback, and a refused file (exit 1) leaves the stored practice as it was.

The mutations are drawn over the whole export, so every field of every section is reached:
a value of the wrong type, null, a reference to nobody, a huge number, deep nesting, a key
taken away, and files that are not JSON or not UTF-8 at all.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import strategies as st

from tests.fuzz.hostile import MEASURE, TALLY, explore, hostile_date, hostile_number, hostile_text
from tracker import dates
from tracker.extensions import db

#: The long walks: once per database in CI, not in the far-off-date pass.
pytestmark = pytest.mark.slow

EXAMPLES = 150

#: A value of the wrong kind, or one past what any column holds.
wrong_value = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30, -(10**30), 1e308, 0.5, [], {}, [None]]),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    hostile_text,
    hostile_number,
    hostile_date,
    st.sampled_from(["nobody@example.org", "no-such-site", "no-such-task", "ZZ"]),
    st.recursive(
        st.none() | st.integers(), lambda inner: st.lists(inner, max_size=2), max_leaves=6
    ),
)


def _places(tree, path=()):
    """Every (path, value) in the file: the sections, each entry, each field."""
    yield path, tree
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _places(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _places(value, (*path, index))


def _replace(tree, path, value):
    if not path:
        return value
    tree = copy.deepcopy(tree)
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return tree


def _remove(tree, path):
    tree = copy.deepcopy(tree)
    node = tree
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return tree


def mutated_files(export: dict):
    """Strategy: the bytes of a mutated practice file."""
    places = [path for path, _ in _places(export) if path]
    leaves = [path for path, value in _places(export) if path and len(path) == 3]

    @st.composite
    def build(draw):
        how = draw(st.sampled_from(["field"] * 6 + ["drop", "entry", "section", "raw", "nest"]))
        data = export
        if how == "field":  # the most likely mistakes: one field, or a few, of a wrong kind
            for path in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=3)):
                data = _replace(data, path, draw(wrong_value))
        elif how == "drop":
            data = _remove(data, draw(st.sampled_from(leaves)))
        elif how in ("entry", "section"):
            depth = 2 if how == "entry" else 1
            path = draw(st.sampled_from([p for p in places if len(p) == depth]))
            data = _replace(data, path, draw(wrong_value))
        elif how == "nest":
            depth = draw(st.integers(min_value=50, max_value=5000))
            path = draw(st.sampled_from(leaves))
            return (
                json.dumps(_replace(data, path, "NEST"))
                .replace('"NEST"', "[" * depth + "1" + "]" * depth)
                .encode()
            )
        else:  # bytes that are not a JSON object, or not UTF-8 text at all
            text = json.dumps(data).encode()
            cut = draw(st.integers(min_value=0, max_value=len(text)))
            return draw(
                st.sampled_from(
                    [
                        text[:cut],
                        text[:cut] + b"\xff\xfe\x80" + text[cut:],
                        b"\xff\xfe" + text,
                        text.replace(b'"', b"'", 3),
                        b"[" + text + b"]",
                        b"1" * 5000,
                        b"null",
                    ]
                )
            )
        return json.dumps(data, default=str, allow_nan=True).encode()

    return build()


@pytest.fixture
def demo_export(app, runner):
    from tracker.demo import seed_demo

    with app.app_context():
        seed_demo(dates.today("America/Los_Angeles"))
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["export-practice"])
    assert result.exit_code == 0
    return json.loads(result.output)


@pytest.mark.timeout(600)
def test_import_practice_never_breaks_on_a_mutated_export(app, runner, tmp_path, demo_export):
    path = tmp_path / "mutated.json"
    failures = []

    def export_now():
        result = runner.invoke(args=["export-practice"])
        assert result.exit_code == 0
        return result.output

    state = {"export": export_now()}

    def check(content: bytes):
        path.write_bytes(content)
        result = runner.invoke(args=["import-practice", str(path)])
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        broke = (
            result.exit_code not in (0, 1)
            or not (result.exception is None or isinstance(result.exception, SystemExit))
            or "Traceback" in output
        )
        TALLY.add("practice files", broke, ("files", "tracebacks or bad exits"))
        what = f"exit {result.exit_code} {result.exception!r:.300} for {content[:300]!r}"
        if broke:
            with app.app_context():
                db.session.rollback()
                db.session.remove()
            if not MEASURE:
                raise AssertionError(what)
            failures.append(what)
            state["export"] = export_now()
            return
        if result.exit_code == 1:
            unchanged = export_now() == state["export"]
            TALLY.add("refused practice files", not unchanged, ("files", "changed data"))
            assert MEASURE or unchanged, f"refused but changed the practice: {what}"
        else:
            state["export"] = export_now()

    explore(mutated_files(demo_export), check, EXAMPLES)
    assert not failures, "\n".join(failures[:20])
