"""An unknown top-level section of a practice file is an error at its place (DESIGN
section 13): a misspelt "competences" would otherwise leave out what was meant, silently."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.conftest import sample_practice
from tracker.extensions import db


def table_contents() -> dict[str, list[str]]:
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
    }


def test_a_misspelt_section_is_refused_at_its_place_and_nothing_is_imported(app, runner, tmp_path):
    data = sample_practice()
    data["competences"] = data.pop("competencies")
    path = tmp_path / "practice.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with app.app_context():
        before = table_contents()

    result = runner.invoke(args=["import-practice", str(path)])

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith("competences: unknown section") and "did you mean competencies?" in line
        for line in lines
    ), result.output
    assert "nothing was imported" in result.output
    with app.app_context():
        assert table_contents() == before
