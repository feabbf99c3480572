"""Household import and export: spreadsheets in, spreadsheets out.

Import (CSV or XLSX) goes into one town or street: every row is checked first, with its row
number, column (named as the file's header names it) and message; nothing is stored unless
every row is good (all or nothing). A household code already registered in that township is
updated when the row changes it and counted as unchanged when it does not; a new code is
created. New rows go in through :func:`wastesort.bulk.bulk_insert`, updates through one
executemany. The file is read and checked in one pass (each distinct cell checked once), fast
enough for 100,000 rows: see docs/performance.md.

Files as spreadsheet programs write them are read as they are: headers in Chinese or English
(the export's in either language, or the column keys); dates as 2024-5-6, 2024/5/6, 2024.5.6,
2024年5月6日 or date cells; building, unit and room with or without 栋, 单元, 室 (stored
without: households/address.py). A household code must match ``HOUSEHOLD_CODE_PATTERN``; a
code the spreadsheet turned into a number — a numeric cell, or text such as ``5.00103E+16`` —
is refused with the advice to format the column as text, as its digits are no longer the ones
typed (``5.00103E+16`` became ``50010300099000096`` once).

Export and the template to fill in: households/export.py.
"""

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..accounts.scope import require_registry_write
from ..areas.models import Community
from ..bulk import bulk_insert
from ..errors_domain import RuleViolation
from ..extensions import db
from ..locking import hold_write_lock, retry_conflicts
from ..rules import check_int, check_text
from ..spreadsheets import FORMULA_PREFIXES
from ..timeutil import local_today
from . import tally
from .address import bare, list_separator
from .models import Household
from .service import CODE_ELSEWHERE, MAX_MEMBERS, check_sorting_since
from .upload_limits import check_xlsx_archive, within_limits

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
TEXT_LENGTHS = {name: Household.__table__.c[name].type.length
                for name in ("code", "building", "unit", "room")}
# The households table's columns in the order of ImportPlan.creates (what bulk_insert takes).
CREATE_COLUMNS = ("community_id", "code", "building", "unit", "room", "members", "sorting_since")
CODE_LOOKUP_CHUNK = 1_000  # ids per query when reading the updated rows' old values
EXISTING_LOOKUP_CHUNK = 10_000  # codes per query when looking for registered codes
CHECK_CACHE_MAX = 50_000  # distinct cell texts remembered per column while checking a file
# Text a spreadsheet made of a long number: 5.00103E+16 (its digits past the 6th are lost).
# Possessive quantifiers: no backtracking over a long code (a plain [0-9]*\.?[0-9]+ took 8 µs
# per 17-digit code, half the import's checking time).
SCIENTIFIC = r"[+-]?+(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)[eE][+-]?+[0-9]++"
# Dates as people and spreadsheet programs write them: 2024-5-6, 2024/5/6, 2024.5.6 (with a
# time after them, as Excel writes a date-and-time cell to CSV), and 2024年5月6日.
DATE_TEXT = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})"
                       r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]*)?)?)?"
                       r"|([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
# (The Chinese text adds 2024年5月6日; an English page shows no Chinese.)
DATE_FORMATS = _l("Enter a date as 2024-5-6, 2024/5/6 or 2024.5.6 (or a date cell).")


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str  # a key of COLUMNS, or "file"
    message: str


@dataclass(frozen=True)
class RowChange:
    """A registered household the file changes: {column: (stored value, the file's value)} for
    the changed columns only (the community as its id, dates as ISO text)."""

    row: int
    code: str
    changed: dict


@dataclass
class ImportPlan:
    """What an import would do. ``creates`` holds the new households as tuples in
    :data:`CREATE_COLUMNS` order (members defaulted to 1, dates as ISO text), ready for
    :func:`wastesort.bulk.bulk_insert`; ``tallies`` their household tally increments
    {(community_id, joined_month): n}; ``updates`` the registered households to change, as
    dicts by primary key (without ``members`` when the file leaves it blank), ``changes``
    what each of them changes (for the preview); registered households the file leaves as
    they are are only counted (``unchanged``), never written."""

    township_id: int
    rows: int = 0
    creates: list[tuple] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    tallies: Counter = field(default_factory=Counter)
    headers: dict = field(default_factory=dict)  # {column key: the file's header text}
    community_names: dict = field(default_factory=dict)  # {id: name} of the township
    row_of: dict = field(default_factory=dict)  # {code: row number} of the good rows

    def column_name(self, column: str):
        """A column as the file's header named it, else its label in the user's language."""
        return self.headers.get(column) or COLUMN_LABELS.get(column, FILE_LABEL)

    def new_rows(self, limit: int) -> list[dict]:
        """The first ``limit`` households to create, by row, as the preview lists them."""
        rows = sorted(self.creates, key=lambda c: self.row_of.get(c[1], 0))[:limit]
        return [{"row": self.row_of.get(c[1]), "code": c[1],
                 "community": self.community_names.get(c[0], c[0]), "building": c[2],
                 "unit": c[3], "room": c[4], "members": c[5], "sorting_since": c[6] or ""}
                for c in rows]


class UnreadableFile(RuleViolation):
    """The file as a whole cannot be read: a message on the ``file`` field."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})


# --- reading -----------------------------------------------------------------------------

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
            raw = _xlsx_rows(self.data)
        elif name.endswith(".csv"):
            raw = _csv_rows(self.data)
        else:
            raise UnreadableFile(_l("Upload a .csv or .xlsx file."))
        header = next(raw, None)
        if header is None:
            raise UnreadableFile(_l("The file is empty."))
        aliases = header_aliases()
        keys = [_column_key(h, aliases) for h in header]
        self.headers = {key: str(h).strip() for key, h in zip(keys, header, strict=True)
                        if key in COLUMNS}
        missing = [c for c in ("code", "community") if c not in keys]
        if missing:
            raise UnreadableFile(_l("The first row must name the columns; missing: "
                                    "%(missing)s. Expected: %(expected)s.",
                                    missing=_labels(missing), expected=_labels(COLUMNS)))
        return keys, raw

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        keys, raw = self.records()
        for number, values in enumerate(raw, start=2):
            if _blank(values):
                continue
            row = {}
            for key, value in zip(keys, values, strict=False):
                if key in COLUMNS:
                    row[key] = value
            yield number, row


def read_rows(filename: str, data: bytes) -> SheetRows:
    """(row number, {column: text}) for every non-empty data row of a CSV or XLSX file."""
    return SheetRows(filename, data)


def _blank(values: list) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def header_aliases() -> dict[str, str]:
    """{header text in lower case: column key}: the keys, HEADER_ALIASES and every column's
    label in each language of LANGUAGES (what the export writes)."""
    aliases = {key: key for key in COLUMNS} | HEADER_ALIASES
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            aliases.update({str(label).lower(): key for key, label in COLUMN_LABELS.items()})
    return aliases


def _column_key(header, aliases: dict[str, str]) -> str:
    text = " ".join(str(header or "").split()).lower()
    return aliases.get(text, text)


def _labels(keys) -> LazyString:
    """The columns' labels as a list in the reader's language (made when shown)."""
    return LazyString(lambda: list_separator().join(str(COLUMN_LABELS[k]) for k in keys))


def _csv_rows(data: bytes) -> Iterator[list]:
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


def _xlsx_rows(data: bytes) -> Iterator[list]:
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


# --- checking ----------------------------------------------------------------------------
# Each column's check turns one cell into (typed value, message or None) with the household
# rules of households/service.py. A file repeats most cells (communities, buildings, dates),
# so plan_import remembers the result per distinct text and checks each text once.

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet turned "0101" into 101.0: keep what is visible
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]  # undo our own export's neutralisation
    return text


def _check_text_cell(value, name: str) -> tuple[str, str | None]:
    """Building, unit or room (without the word 栋, 单元 or 室 after it), or the code's text."""
    errors: dict = {}
    text = _text(value)
    data = {name: text if name == "code" else bare(name, text)}
    check_text(errors, data, name, TEXT_LENGTHS[name], required=name == "code")
    return data[name], errors[name][0] if errors else None


def code_form() -> re.Pattern:
    """A household code as HOUSEHOLD_CODE_PATTERN has it and not in scientific notation: one
    full match per row on the import's fast path."""
    return re.compile(rf"(?!{SCIENTIFIC}$)(?:{current_app.config['HOUSEHOLD_CODE_PATTERN']})")


def _check_code_cell(value, form: re.Pattern) -> tuple[str, str | None]:
    if isinstance(value, int | float):  # an XLSX number cell (or a boolean): digits lost
        return "", _l("The code is a number in the spreadsheet (%(value)s), not the text "
                      "typed: format the code column as text and enter the codes again.",
                      value=str(value))
    code, message = _check_text_cell(value, "code")
    if message:
        return code, message
    if re.fullmatch(SCIENTIFIC, code):
        return code, _l("The spreadsheet turned the code into a number (%(code)s): format the "
                        "code column as text and enter the codes again.", code=code)
    if not form.fullmatch(code):
        return code, _l("%(code)s is not a household code of this city, which look like "
                        "%(example)s.", code=code,
                        example=current_app.config["HOUSEHOLD_CODE_EXAMPLE"])
    return code, None


def _check_community_cell(value, communities: dict[str, int]) -> tuple[int | None, str | None]:
    community = _text(value)
    if not community:
        return None, _l("This field is required.")
    if community not in communities:
        return None, _l("No community named %(name)s in this town or street.",
                        name=repr(community))
    return communities[community], None


def _members(value, errors: dict) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        errors["members"] = [_l("Enter a whole number from %(low)s to %(high)s.", low="1",
                                high=f"{MAX_MEMBERS:,}")]
        return None


def _check_members_cell(value) -> tuple[int | None, str | None]:
    errors: dict = {}
    data = {"members": _members(value, errors)}
    if not errors:
        check_int(errors, data, "members", 1, MAX_MEMBERS, required=False)
    return (None, errors["members"][0]) if errors else (data["members"], None)


def _date(value, errors: dict) -> dt.date | None:
    """A date cell (with or without a time), or text in one of the forms of DATE_TEXT (full-width
    digits and signs read as ASCII)."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip() if isinstance(value, str) else ""
    match = DATE_TEXT.fullmatch(text)
    if match is None:
        errors["sorting_since"] = [DATE_FORMATS]
        return None
    year, _sep, month, day, *chinese = match.groups()
    if year is None:
        year, month, day = chinese
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        errors["sorting_since"] = [_l("There is no such day: %(date)s.", date=text)]
        return None


def _check_date_cell(value, today: dt.date) -> tuple[str | None, dt.date | None, str | None]:
    """(ISO text or None, tally month, message or None)."""
    errors: dict = {}
    since = _date(value, errors)
    if not errors:
        check_sorting_since(errors, since, today)
    if errors:
        return None, None, errors["sorting_since"][0]
    return (since.isoformat() if since else None), tally.joined_month(since), None


def _remembered(cache: dict, value, check, *args):
    """``check(value, *args)``, remembered for texts (and None). Other cell types (numbers,
    dates from XLSX) are checked every time: True == 1 == 1.0 as dictionary keys."""
    result = check(value, *args)
    if (value is None or type(value) is str) and len(cache) < CHECK_CACHE_MAX:
        cache[value] = result
    return result


def _value_lists(rows) -> tuple[Iterator[tuple[int, list]], tuple[int, ...], int, bool, bool]:
    """(numbered value lists, the position of each of COLUMNS in them, the length to pad
    short rows to, whether that length's last slot stands for columns the file lacks, whether
    blank rows are still to be skipped)."""
    if isinstance(rows, SheetRows):
        keys, raw = rows.records()
        named = [k for k in keys if k in COLUMNS]
        if len(named) == len(set(named)):  # no column named twice: read the cells in place
            width = len(keys)
            positions = tuple(keys.index(c) if c in keys else width for c in COLUMNS)
            return enumerate(raw, start=2), positions, max(positions) + 1, width in positions, \
                True
        rows = iter(rows)  # a column named twice: the last one wins, as in a dict
    lists = ((number, [row.get(c) for c in COLUMNS]) for number, row in rows)
    return lists, tuple(range(len(COLUMNS))), len(COLUMNS), False, False


def plan_import(user: User, township_id: int, rows: Iterable[tuple[int, dict]]) -> ImportPlan:
    """Check every row against the rules and the registry; nothing is written.

    One pass over the file: each row is checked, and a good one becomes the tuple to insert
    and a tally increment at once. Then the codes are looked up (10,000 a query) to tell
    new households from updates."""
    require_registry_write(user, township_id)
    communities = dict(db.session.execute(
        select(Community.name, Community.id).where(Community.township_id == township_id)).all())
    plan = ImportPlan(township_id)
    today = local_today()
    records, positions, need, absent, skip_blank = _value_lists(rows)
    records = within_limits(records, plan.errors, RowError)  # bounded rows and problems
    pick = itemgetter(*positions)
    width = need - 1 if absent else need
    errors = plan.errors
    checked = plan.creates
    tallies: dict = {}
    blank_members: set[str] = set()
    first_row_of: dict[str, int] = {}
    caches = {name: {} for name in ("community", "building", "unit", "room", "members", "date")}
    community_cache, members_cache, date_cache = (
        caches["community"], caches["members"], caches["date"])
    building_cache, unit_cache, room_cache = caches["building"], caches["unit"], caches["room"]
    code_max = TEXT_LENGTHS["code"]
    form = code_form()
    good_code = form.fullmatch
    count = 0
    for number, values in records:
        n = len(values)
        if skip_blank:
            lead = values[0] if n else None
            if not (type(lead) is str and lead.strip()) and _blank(values):
                continue
        count += 1
        if n < need:  # a short row: the cells it lacks are empty
            values = values + [None] * (need - n)
        elif absent:  # the last slot stands for the columns the file lacks
            values = values[:width] + [None]
        code, community, building, unit, room, members, since = pick(values)
        good = True
        if type(code) is str and (c := code.strip()) and c[0] != "'" \
                and len(c) <= code_max and c.isprintable() and good_code(c):
            first = first_row_of.setdefault(c, number)
            if first != number:
                errors.append(RowError(number, "code", _also_on(c, first)))
                good = False
        else:
            c, message = _check_code_cell(code, form)
            if message:
                errors.append(RowError(number, "code", message))
                good = False
            else:
                first = first_row_of.setdefault(c, number)
                if first != number:
                    errors.append(RowError(number, "code", _also_on(c, first)))
                    good = False
        found = community_cache.get(community)
        if found is None:
            found = _remembered(community_cache, community, _check_community_cell, communities)
        community_id, message = found
        if message:
            errors.append(RowError(number, "community", message))
            good = False
        found = building_cache.get(building)
        if found is None:
            found = _remembered(building_cache, building, _check_text_cell, "building")
        building, message = found
        if message:
            errors.append(RowError(number, "building", message))
            good = False
        found = unit_cache.get(unit)
        if found is None:
            found = _remembered(unit_cache, unit, _check_text_cell, "unit")
        unit, message = found
        if message:
            errors.append(RowError(number, "unit", message))
            good = False
        found = room_cache.get(room)
        if found is None:
            found = _remembered(room_cache, room, _check_text_cell, "room")
        room, message = found
        if message:
            errors.append(RowError(number, "room", message))
            good = False
        found = members_cache.get(members)
        if found is None:
            found = _remembered(members_cache, members, _check_members_cell)
        members, message = found
        if message:
            errors.append(RowError(number, "members", message))
            good = False
        found = date_cache.get(since)
        if found is None:
            found = _remembered(date_cache, since, _check_date_cell, today)
        since, month, message = found
        if message:
            errors.append(RowError(number, "sorting_since", message))
            good = False
        if good:
            if members is None:
                blank_members.add(c)
                members = 1
            checked.append((community_id, c, building, unit, room, members, since))
            key = (community_id, month)
            tallies[key] = tallies.get(key, 0) + 1
    plan.rows = count
    if not count:
        errors.append(RowError(1, "file", _l("The file has no households below the header.")))
    plan.tallies = Counter(tallies)
    plan.headers = getattr(rows, "headers", {})
    plan.community_names = {cid: name for name, cid in communities.items()}
    plan.row_of = first_row_of
    existing = _existing_codes([row[1] for row in checked])
    if existing:
        _split_updates(plan, existing, first_row_of, blank_members)
    errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return plan


def _also_on(code: str, row: int):
    return _l("The code %(code)s is also on row %(row)s.", code=repr(code), row=row)


# What a registered household keeps, as _existing_codes reads it and ImportPlan.creates has it.
STORED = ("community_id", "building", "unit", "room", "members", "sorting_since")


def _split_updates(plan: ImportPlan, existing: dict, first_row_of: dict[str, int],
                   blank_members: set[str]) -> None:
    """Move the rows whose code is registered out of ``plan.creates``: an error on the code
    when the household lies in another township; else into ``updates`` (and ``changes``) when
    the row changes anything, counted as ``unchanged`` when not. A part stored with its word
    ("3栋", before parts were stored bare) is the same as the bare part ("3")."""
    creates = []
    for row in plan.creates:
        community_id, code, building, unit, room, members, since = row
        found = existing.get(code)
        if found is None:
            creates.append(row)
            continue
        plan.tallies[community_id, tally.joined_month(since)] -= 1
        hid, township_id, *stored = found
        if township_id != plan.township_id:
            plan.errors.append(RowError(first_row_of[code], "code", CODE_ELSEWHERE))
            continue
        new = dict(zip(STORED, row[:1] + row[2:], strict=True))
        if code in blank_members:  # a blank "members" keeps the registered number
            del new["members"]
        old = dict(zip(STORED, stored, strict=True))
        changed = {"community" if name == "community_id" else name: (old[name], value)
                   for name, value in new.items()
                   if value != (bare(name, old[name]) if name in ("building", "unit", "room")
                                else old[name])}
        if not changed:
            plan.unchanged += 1
            continue
        plan.changes.append(RowChange(first_row_of[code], code, changed))
        update_row = {"id": hid, "code": code, **new,
                      "sorting_since": dt.date.fromisoformat(since) if since else None}
        plan.updates.append(update_row)
    plan.creates = creates


def _existing_codes(codes: list[str]) -> dict[str, tuple]:
    """{code: (household id, township id, *STORED)} for the codes already registered (dates
    as ISO text): 10,000 codes a query, passed as one parameter (a JSON array on SQLite, an
    array on PostgreSQL)."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    stmt = sql_text(
        "SELECT h.code, h.id, c.township_id, h.community_id, h.building, h.unit, h.room, "
        "h.members, h.sorting_since FROM households AS h "
        "JOIN communities AS c ON c.id = h.community_id WHERE h.code "
        + ("= ANY(:codes)" if postgresql else "IN (SELECT value FROM json_each(:codes))"))
    found = {}
    for start in range(0, len(codes), EXISTING_LOOKUP_CHUNK):
        chunk = codes[start:start + EXISTING_LOOKUP_CHUNK]
        for code, *rest in db.session.execute(
                stmt, {"codes": chunk if postgresql else json.dumps(chunk)}):
            since = rest[-1]  # a date on PostgreSQL, ISO text on SQLite (a raw query)
            rest[-1] = since.isoformat() if isinstance(since, dt.date) else since
            found[code] = tuple(rest)
    return found


@retry_conflicts
def apply_import(user: User, plan: ImportPlan) -> tuple[int, int]:
    """Store a plan without errors in one transaction; returns (created, updated)."""
    require_registry_write(user, plan.township_id)
    if plan.errors:
        raise RuleViolation({"file": [_l("The file has errors; nothing was stored.")]})
    dbapi = db.session.get_bind().dialect.loaded_dbapi
    plan.creates.sort(key=itemgetter(0))  # by community (file order within): index locality
    try:
        counts = Counter(plan.tallies)
        if plan.updates:  # locked first, in id order, as a single edit locks its household
            counts.update(_tally_changes(plan.updates))
            db.session.execute(update(Household), plan.updates)
        created = bulk_insert("households", CREATE_COLUMNS, plan.creates)
        tally.add_counts(db.session.connection(), counts)
        db.session.commit()
    except (IntegrityError, dbapi.IntegrityError):  # bulk_insert raises the driver's own
        db.session.rollback()
        raise RuleViolation({"file": [_l("Another change to the same households was saved "
                                         "at the same time; nothing was stored. Import "
                                         "again.")]}) from None
    return created, len(plan.updates)


def _tally_changes(updates: list[dict]) -> Counter:
    """Household tally deltas of moving the updated rows to their new community or date, from
    the rows as stored, read under a lock held to the commit (in id order: two imports, or an
    import and an edit, never wait on each other in a cycle)."""
    changes: Counter = Counter()
    new = {d["id"]: (d["community_id"], tally.joined_month(d["sorting_since"])) for d in updates}
    ids = sorted(new)
    hold_write_lock()
    for start in range(0, len(ids), CODE_LOOKUP_CHUNK):
        for hid, community_id, since in db.session.execute(
                select(Household.id, Household.community_id, Household.sorting_since)
                .where(Household.id.in_(ids[start:start + CODE_LOOKUP_CHUNK]))
                .order_by(Household.id).with_for_update()):
            old = (community_id, tally.joined_month(since))
            if old != new[hid]:
                changes[old] -= 1
                changes[new[hid]] += 1
    return changes
