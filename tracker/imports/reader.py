"""Reading a CSV file the way spreadsheets save it: its columns, cells and values.

Each column has a kind (text, email, list, yes/no, number, date) and a cell becomes a
practice-file value (``5/3/2026`` -> ``2026-05-03``). A problem is located by row and column
(``Problem(column, message, where=row)``), shown as "row 5, column email: ...".
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date

from tracker.errors import Problem, Refused

PEOPLE, COMPETENCIES = "people", "competencies"
HEADER_ROW = 1

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0"})
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$")
#: Column names that would carry a secret; never read, and named as such.
SECRET_COLUMN = re.compile(r"password|passwd|token|secret|api_key", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    name: str
    #: text, email, list, yes/no, number or date
    kind: str
    required: bool
    example: str
    help: str


@dataclass(frozen=True)
class CsvSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SPECS = {
    PEOPLE: CsvSpec(
        PEOPLE,
        "People",
        (
            Column("email", "email", True, "ana@example.org", "Their email; it names the person."),
            Column("name", "text", True, "Ana Ruiz", "Full name."),
            Column(
                "role",
                "text",
                True,
                "assistant",
                "assistant, provider, manager, compliance or admin.",
            ),
            Column("job_level", "text", False, "CMA", "For assistants: the practice's level."),
            Column("sites", "list", False, "main;north", "Site codes, separated by ';'."),
            Column(
                "can_validate",
                "yes/no",
                False,
                "no",
                "An approved observer who may sign off competencies.",
            ),
            Column("active", "yes/no", False, "yes", "no deactivates the person."),
        ),
    ),  # fmt: skip
    COMPETENCIES: CsvSpec(
        COMPETENCIES,
        "Competencies",
        (
            Column("person", "email", True, "ana@example.org", "The assistant's email."),
            Column("task", "text", True, "injection", "Task code from the catalog."),
            Column("trained_on", "date", False, "2026-02-01", "YYYY-MM-DD (or M/D/YYYY)."),
            Column("training_hours", "number", False, "12", "Hours of training."),
            Column(
                "validated_on",
                "date",
                False,
                "2026-02-10",
                "The day the validator watched them perform it.",
            ),
            Column(
                "validated_by",
                "email",
                False,
                "dr.lee@example.org",
                "The validator's email: a licensed provider or an approved observer.",
            ),
            Column("expires_on", "date", False, "", "Empty: the written policy's validity period."),
            Column(
                "prior_employer", "yes/no", False, "no", "Training documented at a prior employer."
            ),
            Column("evidence", "text", False, "Skills checklist #44", "Where the proof is kept."),
        ),
    ),  # fmt: skip
}


def describe(problem: Problem) -> str:
    """A CSV problem in words: "row 5, column email: not an email address"."""
    where = []
    if problem.where is not None:
        where.append(f"row {problem.where}")
    if problem.field:
        where.append(f"column {problem.field}")
    return f"{', '.join(where)}: {problem.message}" if where else problem.message


def at_row(row: int | None, column: str | None, message: str) -> Problem:
    """A problem of the cell at ``row`` and ``column`` (either may be None: the whole file)."""
    return Problem(column, message, row)


def decode(raw: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(
            [
                at_row(
                    None,
                    None,
                    f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). In "
                    'your spreadsheet, save it as "CSV UTF-8".',
                )
            ]
        ) from None
    if "\x00" in text:
        raise Refused([at_row(None, None, "The file is not a CSV text file.")])
    return text


def _header_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.replace("\ufeff", "").strip().lower())


def read_rows(spec: CsvSpec, text: str, max_rows: int) -> list[tuple[int, dict]]:
    """The data rows as (row number, {column: cell}); blank rows are skipped."""
    records = _csv_records(text)
    header = _read_header(spec, records)
    rows, problems = [], []
    for number, record in enumerate(records[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in record):
            continue
        if problem := _row_problem(number, record, header):
            problems.append(problem)
            continue
        cells = {name: cell.strip() for name, cell in zip(header, record, strict=False) if name}
        rows.append((number, cells))
    if not rows and not problems:
        problems.append(at_row(None, None, "The file has a header but no rows to import."))
    if len(rows) > max_rows:
        problems.append(
            at_row(None, None, f"The file has {len(rows)} rows; at most {max_rows} can be "
                    "imported at a time. Split it into smaller files.")
        )  # fmt: skip
    if problems:
        raise Refused(problems)
    return rows


def _csv_records(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        problem = at_row(None, None, f"The file cannot be read as CSV: {exc}.")
        raise Refused([problem]) from None


def _read_header(spec: CsvSpec, records: list[list[str]]) -> list[str]:
    """The first row's column names (empty where a cell is); refused unless every name is
    one of the spec's, once, and every required column is there."""
    if not records or not any(cell.strip() for cell in records[0]):
        raise Refused([at_row(HEADER_ROW, None, "The file has no header row.")])
    header = [_header_name(cell) for cell in records[0]]
    if len(header) == 1 and ";" in header[0]:
        raise Refused(
            [
                at_row(
                    HEADER_ROW,
                    None,
                    "the columns are separated by ';'; save the file as CSV with commas.",
                )
            ]
        )
    problems = _column_problems(spec, header)
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        problems.append(
            at_row(HEADER_ROW, None, f"missing required column(s): {', '.join(missing)}.")
        )
    if problems:
        raise Refused(problems)
    return header


def _column_problems(spec: CsvSpec, header: list[str]) -> list[Problem]:
    """What is wrong with each named column: repeated, a secret, or not the spec's."""
    problems, seen = [], set()
    for name in filter(None, header):
        if problem := _column_problem(spec, name, seen):
            problems.append(problem)
        seen.add(name)
    return problems


def _column_problem(spec: CsvSpec, name: str, seen: set[str]) -> Problem | None:
    if name in seen:
        return at_row(HEADER_ROW, name, "appears more than once.")
    if SECRET_COLUMN.search(name):
        return at_row(
            HEADER_ROW,
            name,
            "passwords and other secrets are never imported; remove this column (people set "
            "their password at sign-in setup).",
        )
    if name not in spec.names:
        return at_row(HEADER_ROW, name, f"unknown column; the columns are {', '.join(spec.names)}.")
    return None


def _row_problem(number: int, record: list[str], header: list[str]) -> Problem | None:
    """Why a data row cannot be read cell by cell: a value past the last column or under
    a column with no header."""
    if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
        return at_row(
            number,
            None,
            f"has {len(record)} cells but the header has {len(header)} columns (a comma inside "
            "a value needs quotes).",
        )
    unnamed = [i + 1 for i, cell in enumerate(record[: len(header)]) if cell.strip()
               and not header[i]]  # fmt: skip
    if unnamed:
        return at_row(number, None, f"has a value in column {unnamed[0]}, which has no header.")
    return None


def cell_value(column: Column, cell: str, row: int, problems: list[Problem]):
    """A cell as a practice-file value; None (left out) when empty or wrong."""
    if cell == "":
        return None
    read = _CELL_READERS.get(column.kind)
    return read(column, cell, row, problems) if read is not None else cell


def _yes_no_value(column: Column, cell: str, row: int, problems: list[Problem]) -> bool | None:
    word = cell.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(at_row(row, column.name, f"{cell!r} is not yes or no."))
    return None


def _number_value(column: Column, cell: str, row: int, problems: list[Problem]):
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(at_row(row, column.name, f"{cell!r} is not a number."))
        return None
    return int(value) if value.is_integer() else value


def _date_value(column: Column, cell: str, row: int, problems: list[Problem]) -> str | None:
    if match := ISO_DATE.match(cell):
        return match.group(1)  # the practice reader checks it is a real date
    if match := US_DATE.match(cell):
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            problems.append(at_row(row, column.name, f"{cell!r} is not a real date."))
            return None
    problems.append(at_row(row, column.name, f"{cell!r} is not a date; write it as YYYY-MM-DD."))
    return None


def _list_value(column: Column, cell: str, row: int, problems: list[Problem]) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", cell) if part.strip()]


#: How a cell of each kind of column is read (a text or email cell is taken as it is).
_CELL_READERS = {
    "yes/no": _yes_no_value,
    "number": _number_value,
    "date": _date_value,
    "list": _list_value,
}


def template_csv(kind: str) -> str:
    """A header and an example row, with a byte-order mark so spreadsheets read it as UTF-8."""
    spec = SPECS[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(spec.names)
    writer.writerow(c.example for c in spec.columns)
    return "\ufeff" + out.getvalue()
