"""Household export (CSV and XLSX) and the spreadsheet template for the import.

Headers are the columns' labels in the user's language (the import reads both languages'
labels, so an export imports back as it is: every row unchanged). The formula guard, the CSV
stream and the XLSX sheet are the shared ones of :mod:`wastesort.spreadsheets`; the import takes
the CSV's guarding apostrophe away again.

XLSX: dates are date cells, the columns are sized, and the code column is formatted as text,
so codes typed into it later stay text (not numbers like 5.00103E+16).
"""

import datetime as dt
from collections.abc import Iterable, Iterator

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .. import spreadsheets
from ..accounts.models import User
from ..areas.models import Community
from ..extensions import db
from ..spreadsheets import TEXT_FORMAT, neutralise  # noqa: F401 (neutralise: the import tests)
from .models import Household
from .service import households_query
from .sheet import COLUMN_LABELS, COLUMNS

# Column widths in characters (a CJK character counts two), in COLUMNS order.
COLUMN_WIDTHS = (20, 18, 8, 8, 8, 6, 14)


def header() -> list[str]:
    """The columns' labels in the user's language."""
    return [str(COLUMN_LABELS[c]) for c in COLUMNS]


def export_rows(user: User, **filters) -> Iterator[tuple]:
    """The households ``user`` may read, as tuples in :data:`COLUMNS` order (values as stored),
    fetched in batches from the database (never all at once)."""
    stmt = households_query(user, **filters).with_only_columns(
        Household.code, Community.name, Household.building, Household.unit, Household.room,
        Household.members, Household.sorting_since)
    yield from db.session.execute(stmt.execution_options(yield_per=2_000))


def csv_stream(rows: Iterable[tuple], names: list[str] | None = None) -> Iterator[str]:
    """CSV text in pieces (:func:`wastesort.spreadsheets.csv_stream`); without ``names`` the
    header is the machine column names."""
    return spreadsheets.csv_stream(rows, names or COLUMNS)


def xlsx_file(rows: Iterable[tuple], names: list[str] | None = None):
    """An XLSX workbook in a temporary file (spilled to disk when large), rewound. A sheet
    holds at most 1,048,576 rows: larger exports are cut there (CSV has no such limit)."""
    workbook = Workbook(write_only=True)
    spreadsheets.append_rows(_sheet(workbook, names or list(COLUMNS)), rows)
    return spreadsheets.saved(workbook)


def template_file():
    """The import template: the header in the user's language, the code column formatted as
    text, and one example row (a community name to replace; the city's example code)."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, header())
    example = (current_app.config["HOUSEHOLD_CODE_EXAMPLE"], str(_l("Example community")),
               "3", "2", "0101", 3, dt.date(2024, 5, 6))
    sheet.append([_text_cell(sheet, v) if isinstance(v, str) else v for v in example])
    return spreadsheets.saved(workbook)


def _sheet(workbook: Workbook, names: list[str]):
    return spreadsheets.new_sheet(workbook, str(_l("Households")), names, COLUMN_WIDTHS,
                                  {COLUMNS.index("code"): TEXT_FORMAT})


def _text_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.number_format = TEXT_FORMAT
    return cell
