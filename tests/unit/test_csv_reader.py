"""A CSV file read the way spreadsheets save it: its rows, and each cell as a value."""

from __future__ import annotations

import pytest

from tracker.errors import Refused
from tracker.imports.reader import PEOPLE, SPECS, cell_value, describe, read_rows

SPEC = SPECS[PEOPLE]


def column(kind: str):
    return next(c for spec in SPECS.values() for c in spec.columns if c.kind == kind)


def refusal(text: str, max_rows: int = 10) -> list[str]:
    with pytest.raises(Refused) as refused:
        read_rows(SPEC, text, max_rows)
    return [describe(p) for p in refused.value.problems]


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        ("date", "5/3/2026", "2026-05-03"),
        ("date", "2026-05-03 00:00:00", "2026-05-03"),
        ("number", "12", 12),
        ("number", "1.5", 1.5),
        ("yes/no", "Y", True),
        ("yes/no", "false", False),
        ("list", "main; north,,east", ["main", "north", "east"]),
        ("text", "Ana Ruiz", "Ana Ruiz"),
        ("date", "", None),
    ],
)
def test_a_cell_becomes_a_practice_file_value(kind, cell, value):
    problems = []
    read = cell_value(column(kind), cell, 4, problems)
    assert (read, type(read)) == (value, type(value))  # 12, not 12.0
    assert problems == []


@pytest.mark.parametrize(
    ("kind", "cell", "message"),
    [
        ("date", "May 3", "'May 3' is not a date; write it as YYYY-MM-DD."),
        ("date", "2/30/2026", "'2/30/2026' is not a real date."),
        ("number", "inf", "'inf' is not a number."),
        ("yes/no", "maybe", "'maybe' is not yes or no."),
    ],
)
def test_a_wrong_cell_is_left_out_and_named_by_row_and_column(kind, cell, message):
    problems = []
    assert cell_value(column(kind), cell, 4, problems) is None
    assert [describe(p) for p in problems] == [f"row 4, column {column(kind).name}: {message}"]


def test_rows_are_read_under_their_headers_and_blank_ones_skipped():
    text = "Email, Name ,role,Job-Level,\r\n ana@example.org , Ana ,assistant,CMA,\r\n,,,,\r\n"
    text += "lee@example.org,Dr. Lee,provider\r\n"
    assert read_rows(SPEC, text, 10) == [
        (2, {"email": "ana@example.org", "name": "Ana", "role": "assistant", "job_level": "CMA"}),
        (4, {"email": "lee@example.org", "name": "Dr. Lee", "role": "provider"}),
    ]


def test_every_row_that_cannot_be_read_is_named():
    text = "email,name,role,\r\na@example.org,A,assistant,,extra\r\nb@example.org,B,admin,x\r\n"
    assert refusal(text) == [
        "row 2: has 5 cells but the header has 4 columns (a comma inside a value needs quotes).",
        "row 3: has a value in column 4, which has no header.",
    ]


def test_a_file_that_is_not_csv_or_has_no_rows_is_refused_as_a_whole():
    huge = "x" * 200_000
    assert refusal(f'email,name,role\r\n"{huge}",A,admin\r\n')[0].startswith(
        "The file cannot be read as CSV: field larger than field limit"
    )
    assert refusal("email,name,role\r\n,,\r\n") == ["The file has a header but no rows to import."]
    assert refusal("email,name,role\r\na@x.org,A,admin\r\nb@x.org,B,admin\r\n", max_rows=1) == [
        "The file has 2 rows; at most 1 can be imported at a time. Split it into smaller files."
    ]


def test_the_header_names_each_column_once_and_no_secret():
    assert refusal("email,name,email,password,colour\r\na,b,c,d,e\r\n") == [
        "row 1, column email: appears more than once.",
        "row 1, column password: passwords and other secrets are never imported; remove this "
        "column (people set their password at sign-in setup).",
        "row 1, column colour: unknown column; the columns are email, name, role, job_level, "
        "sites, can_validate, active.",
        "row 1: missing required column(s): role.",
    ]
    assert refusal("email;name;role\r\n") == [
        "row 1: the columns are separated by ';'; save the file as CSV with commas."
    ]
    assert refusal("\r\n") == ["row 1: The file has no header row."]
