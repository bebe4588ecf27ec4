"""CSV downloads that open safely in a spreadsheet, streamed row by row.

UTF-8, one header row, dates and moments in ISO-8601, and every text cell that a
spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, or a tab or
carriage return that some spreadsheets skip before one) prefixed with ``'`` so it stays
text. Rows come from a generator, so a long export never sits in memory whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Response

#: What makes a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows written per chunk sent to the client.
CHUNK_ROWS = 500


def cell(value) -> str | int | float:
    """One value as a CSV cell: ISO dates, yes/no, neutralised formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header and the rows as CSV text, a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(value) for value in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> Response:
    """A streamed CSV download. The rows must not need the request's context: it is gone
    by the time they are read (``tracker.reports.exports.streamed`` reads on its own)."""
    return Response(
        csv_lines(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
