"""Household export (CSV and XLSX) and the spreadsheet template for the import.

Headers are the columns' labels in the user's language (the import reads both languages'
labels, so an export imports back as it is: every row unchanged).

CSV streams as UTF-8 with a byte-order mark (spreadsheet programs then read Chinese). Text that
begins with ``=``, ``+``, ``-`` or ``@`` gets a leading apostrophe, so that a spreadsheet shows
it instead of running it as a formula; the import takes that apostrophe away again.

XLSX: such text is a string cell with the "quote prefix" style, which Excel shows as typed —
no apostrophe — and never runs, also when the cell is edited. Dates are date cells, the header
row is frozen, the columns are sized, and the code column is formatted as text, so codes typed
into it later stay text (not numbers like 5.00103E+16).
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..accounts.models import User
from ..areas.models import Community
from ..extensions import db
from .models import Household
from .service import households_query
from .transfer import COLUMN_LABELS, COLUMNS, FORMULA_PREFIXES

XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, header included
# Column widths in characters (a CJK character counts two), in COLUMNS order.
COLUMN_WIDTHS = (20, 18, 8, 8, 8, 6, 14)
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"


def header() -> list[str]:
    """The columns' labels in the user's language."""
    return [str(COLUMN_LABELS[c]) for c in COLUMNS]


def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe (CSV)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(user: User, **filters) -> Iterator[tuple]:
    """The households ``user`` may read, as tuples in :data:`COLUMNS` order (values as stored),
    fetched in batches from the database (never all at once)."""
    stmt = households_query(user, **filters).with_only_columns(
        Household.code, Community.name, Household.building, Household.unit, Household.room,
        Household.members, Household.sorting_since)
    yield from db.session.execute(stmt.execution_options(yield_per=2_000))


def csv_stream(rows: Iterable[tuple], names: list[str] | None = None) -> Iterator[str]:
    """CSV text in pieces: a byte-order mark and the header first, then ~500 rows a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(names or COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date)
                         else neutralise(v) for v in row])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[tuple], names: list[str] | None = None):
    """An XLSX workbook in a temporary file (spilled to disk when large), rewound. A sheet
    holds at most 1,048,576 rows: larger exports are cut there (CSV has no such limit)."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, names or list(COLUMNS))
    for row in islice(rows, XLSX_MAX_ROWS - 1):
        sheet.append([_guarded(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES)
                      else v for v in row])
    return _saved(workbook)


def template_file():
    """The import template: the header in the user's language, the code column formatted as
    text, and one example row (a community name to replace; the city's example code)."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, header())
    example = (current_app.config["HOUSEHOLD_CODE_EXAMPLE"], str(_l("Example community")),
               "3", "2", "0101", 3, dt.date(2024, 5, 6))
    sheet.append([_text_cell(sheet, v) if isinstance(v, str) else v for v in example])
    return _saved(workbook)


def _sheet(workbook: Workbook, names: list[str]):
    sheet = workbook.create_sheet(str(_l("Households")))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(COLUMN_WIDTHS):
        dimension = sheet.column_dimensions[chr(ord("A") + index)]
        dimension.width = width
        if COLUMNS[index] == "code":
            dimension.number_format = TEXT_FORMAT
    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet


def _guarded(sheet, text: str) -> WriteOnlyCell:
    """Text that starts like a formula: a string cell with the quote prefix."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would write "=…" as a formula
    cell.quotePrefix = True
    return cell


def _text_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.number_format = TEXT_FORMAT
    return cell


def _saved(workbook: Workbook):
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the caller sends and closes it)
    workbook.save(out)
    out.seek(0)
    return out
