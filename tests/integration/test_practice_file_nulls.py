"""A null where the record cannot be empty is a located problem (issue 15), never a
traceback, whether the record is new or already stored; where the column may be empty, null
still clears it."""

from __future__ import annotations

import pytest

from tests.conftest import sample_practice
from tests.integration.test_practice_file import assert_refused, export_file, import_file

#: (section, index, key, words): every not-null field the issue's fuzzing found.
NOT_NULL = [
    ("people", 1, "can_validate", "must be true or false"),
    ("people", 1, "active", "must be true or false"),
    ("state_rules", 0, "supervision", "must be one of: none"),
    ("state_rules", 0, "citation", "must be text"),
    ("policies", 0, "supervision", "must be one of: none"),
    ("policies", 0, "document", "must be text"),
    ("competencies", 0, "prior_employer", "must be true or false"),
    ("competencies", 0, "evidence", "must be text"),
]


@pytest.mark.parametrize("stored", [False, True], ids=["new record", "stored record"])
@pytest.mark.parametrize(("section", "index", "key", "words"), NOT_NULL)
def test_null_in_a_field_that_cannot_be_empty_is_a_located_problem(
    app, runner, tmp_path, section, index, key, words, stored
):
    if stored:
        assert import_file(runner, tmp_path, sample_practice(), "first.json").exit_code == 0
    before = export_file(runner)
    data = sample_practice()
    data[section][index][key] = None
    result = import_file(runner, tmp_path, data)
    assert_refused(result, (f"{section}[{index}].{key}", f"{words}"))
    assert f"{section}[{index}].{key}: must be" in result.output
    assert "not null" in result.output
    assert export_file(runner) == before


def test_null_where_the_record_may_be_empty_clears_the_value(app, runner, tmp_path, practice):
    data = sample_practice()
    data["competencies"][0]["validated_by"] = None
    data["competencies"][0]["validated_on"] = None
    data["policies"][0]["job_levels"] = None  # an empty list: every assistant
    result = import_file(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
