"""Files for spreadsheet programs, shared by every export (households, collections): CSV
streamed in pieces and XLSX spilled to a temporary file, both guarded against formula injection.

CSV goes out as UTF-8 with a byte-order mark (spreadsheet programs then read Chinese). Text
that begins like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a
leading apostrophe, so that a spreadsheet shows it instead of running it.

XLSX: such text is a string cell with the "quote prefix" style, which Excel shows as typed (no
apostrophe) and never runs, also when the cell is edited. The header row is bold and frozen.

A response starts in the view (:func:`started`), so that what fails at the start (the role's
scope: 403, the database: 503) is answered as an error rather than cutting a "200 OK" short.
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, header included
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CSV_PIECE_ROWS = 500


def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe (CSV)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def csv_stream(rows: Iterable[Sequence], names: Sequence[str]) -> Iterator[str]:
    """CSV text in pieces: a byte-order mark and the header first, then ~500 rows a piece.
    Dates as 2024-05-06, times (already on the city's clock) as 2024-05-06 14:30:00."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(names)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if n % CSV_PIECE_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def new_sheet(workbook: Workbook, title: str, names: Sequence[str], widths: Sequence[int],
              formats: dict[int, str] | None = None):
    """A write-only sheet with its bold header row frozen, columns ``widths`` characters wide
    (a CJK character counts two) and number ``formats`` by column index."""
    sheet = workbook.create_sheet(title[:31])  # a sheet title has at most 31 characters
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths):
        dimension = sheet.column_dimensions[get_column_letter(index + 1)]
        dimension.width = width
        if formats and index in formats:
            dimension.number_format = formats[index]
    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet


def append_rows(sheet, rows: Iterable[Sequence], cell_formats: dict[int, str] | None = None
                ) -> None:
    """``rows`` into ``sheet``, cut at a sheet's 1,048,576 rows (CSV has no such limit); text
    that starts like a formula as a quote-prefixed string cell, and values of the columns in
    ``cell_formats`` (index: number format, e.g. dates and times) as formatted cells."""
    for row in islice(rows, XLSX_MAX_ROWS - 1):
        values = [guarded_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES)
                  else v for v in row]
        for index, number_format in (cell_formats or {}).items():
            if isinstance(values[index], dt.date):
                cell = WriteOnlyCell(sheet, value=values[index])
                cell.number_format = number_format
                values[index] = cell
        sheet.append(values)


def guarded_cell(sheet, text: str) -> WriteOnlyCell:
    """Text that starts like a formula: a string cell with the quote prefix."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would write "=…" as a formula
    cell.quotePrefix = True
    return cell


def saved(workbook: Workbook):
    """The workbook in a temporary file (spilled to disk past 8 MB), rewound; the caller sends
    and closes it (:func:`chunks`)."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    return out


def started(pieces: Iterator):
    """``pieces`` with the first one made now, in the view: what fails at the start is
    answered as an error, where inside the streamed body it could only cut the download short
    after a "200 OK"."""
    first = next(pieces, None)

    def body():
        try:
            if first is not None:
                yield first
            yield from pieces
        finally:
            pieces.close()

    return body()


def chunks(file, size: int = 64 * 1024):
    """Send a temporary file in pieces, closing (and so deleting) it at the end."""
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()
