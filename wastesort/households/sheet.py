"""The household spreadsheet's layout and how an uploaded file is read.

The columns and their labels are shared by the import (households/importing.py) and the export
(households/export.py), so an export imports back as it is. Files are read as spreadsheet
programs write them: CSV in UTF-8 (with or without a byte-order mark) or GB18030/GBK, as Excel
in China saves it; XLSX after a check of the archive (no "zip bomb"); headers in Chinese or
English, the export's in either language, the column keys or the aliases of hand-made sheets.
"""

import csv
import io
from collections.abc import Iterator

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from openpyxl import load_workbook

from ..errors_domain import RuleViolation
from .address import list_separator
from .upload_limits import check_xlsx_archive

COLUMNS = ("code", "community", "building", "unit", "room", "members", "sorting_since")
# Each column's header in the user's language: the export and the template write these, and
# the import reads them in every language of LANGUAGES (so either language's export imports).
COLUMN_LABELS = {
    "code": _l("Household code"), "community": _l("Community"), "building": _l("Building"),
    "unit": _l("Unit"), "room": _l("Room"), "members": _l("Members"),
    "sorting_since": _l("Sorting since"),
}
FILE_LABEL = _l("File")  # the column of a problem with the whole file
# Header names accepted besides the column keys and labels (spreadsheets made by hand).
HEADER_ALIASES = {
    "户编码": "code", "编码": "code", "社区": "community", "楼栋": "building", "单元": "unit",
    "房号": "room", "人数": "members", "开始分类日期": "sorting_since",
}


class UnreadableFile(RuleViolation):
    """The file as a whole cannot be read: a message on the ``file`` field."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})


class SheetRows:
    """The data rows of an uploaded CSV or XLSX file, read only when iterated (the file is
    parsed once, row by row). Iterating gives (row number, {column: value}) for every
    non-empty data row; :func:`plan_import` reads the bare value lists instead
    (:meth:`records`)."""

    def __init__(self, filename: str, data: bytes):
        self.filename = filename
        self.data = data
        self.headers: dict[str, str] = {}  # {column key: header text}, once read

    def records(self) -> tuple[list[str], Iterator[list]]:
        """The column keys named by the header row and an iterator over the value lists of
        the rows below it (row 2 onwards, empty rows included)."""
        name = (self.filename or "").lower()
        if name.endswith(".xlsx"):
            raw = xlsx_rows(self.data)
        elif name.endswith(".csv"):
            raw = csv_rows(self.data)
        else:
            raise UnreadableFile(_l("Upload a .csv or .xlsx file."))
        header = next(raw, None)
        if header is None:
            raise UnreadableFile(_l("The file is empty."))
        aliases = header_aliases()
        keys = [column_key(h, aliases) for h in header]
        self.headers = {key: str(h).strip() for key, h in zip(keys, header, strict=True)
                        if key in COLUMNS}
        missing = [c for c in ("code", "community") if c not in keys]
        if missing:
            raise UnreadableFile(_l("The first row must name the columns; missing: "
                                    "%(missing)s. Expected: %(expected)s.",
                                    missing=column_labels(missing),
                                    expected=column_labels(COLUMNS)))
        return keys, raw

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        keys, raw = self.records()
        for number, values in enumerate(raw, start=2):
            if blank_row(values):
                continue
            row = {}
            for key, value in zip(keys, values, strict=False):
                if key in COLUMNS:
                    row[key] = value
            yield number, row


def read_rows(filename: str, data: bytes) -> SheetRows:
    """(row number, {column: text}) for every non-empty data row of a CSV or XLSX file."""
    return SheetRows(filename, data)


def blank_row(values: list) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def header_aliases() -> dict[str, str]:
    """{header text in lower case: column key}: the keys, HEADER_ALIASES and every column's
    label in each language of LANGUAGES (what the export writes)."""
    aliases = {key: key for key in COLUMNS} | HEADER_ALIASES
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            aliases.update({str(label).lower(): key for key, label in COLUMN_LABELS.items()})
    return aliases


def column_key(header, aliases: dict[str, str]) -> str:
    text = " ".join(str(header or "").split()).lower()
    return aliases.get(text, text)


def column_labels(keys) -> LazyString:
    """The columns' labels as a list in the reader's language (made when shown)."""
    return LazyString(lambda: list_separator().join(str(COLUMN_LABELS[k]) for k in keys))


def csv_rows(data: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030/GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(_l("The CSV file is neither UTF-8 nor GB18030 text."))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise UnreadableFile(_l("The CSV file cannot be read (%(reason)s).",
                                reason=str(exc))) from None


def xlsx_rows(data: bytes) -> Iterator[list]:
    check_xlsx_archive(data)  # before parsing: no "zip bomb"
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile(_l("The XLSX file cannot be read; save it again as .xlsx.")) \
            from exc
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()
