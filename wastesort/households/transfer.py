"""Household import and export: spreadsheets in, spreadsheets out.

Import (CSV or XLSX) goes into one town or street: every row is checked first, with its row
number, column and message; nothing is stored unless every row is good (all or nothing).
A household code already registered in that township is updated, a new one created; new rows
go in through :func:`wastesort.bulk.bulk_insert`, updates through one executemany.

Export streams CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese) or
XLSX. Text that begins with ``=``, ``+``, ``-`` or ``@`` is neutralised with a leading
apostrophe so that a spreadsheet shows it instead of running it as a formula; the import
removes that apostrophe again, so an exported file can be imported back unchanged.
"""

import csv
import datetime as dt
import io
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..accounts.scope import require_registry_write
from ..areas.models import Community
from ..bulk import bulk_insert
from ..errors_domain import RuleViolation
from ..extensions import db
from ..rules import check_int, check_text
from ..timeutil import local_today
from . import tally
from .models import Household
from .service import CODE_TAKEN, MAX_MEMBERS, check_sorting_since, households_query

COLUMNS = ("code", "community", "building", "unit", "room", "members", "sorting_since")
# Header names accepted besides the column keys (spreadsheets made by hand, in Chinese).
HEADER_ALIASES = {
    "户编码": "code", "编码": "code", "社区": "community", "楼栋": "building", "单元": "unit",
    "房号": "room", "人数": "members", "开始分类日期": "sorting_since",
}
TEXT_LENGTHS = {name: Household.__table__.c[name].type.length
                for name in ("code", "building", "unit", "room")}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CODE_LOOKUP_CHUNK = 1_000
XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, header included


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportPlan:
    township_id: int
    rows: int = 0
    creates: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class UnreadableFile(RuleViolation):
    """The file as a whole cannot be read: a message on the ``file`` field."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})


# --- reading -----------------------------------------------------------------------------

def read_rows(filename: str, data: bytes) -> Iterator[tuple[int, dict]]:
    """(row number, {column: text}) for every non-empty data row of a CSV or XLSX file."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif name.endswith(".csv"):
        raw = _csv_rows(data)
    else:
        raise UnreadableFile("Upload a .csv or .xlsx file.")
    header = next(raw, None)
    if header is None:
        raise UnreadableFile("The file is empty.")
    keys = [_column_key(h) for h in header]
    missing = [c for c in ("code", "community") if c not in keys]
    if missing:
        raise UnreadableFile("The first row must name the columns; missing: "
                             + ", ".join(missing) + ". Expected: " + ", ".join(COLUMNS) + ".")
    for number, values in enumerate(raw, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row = {}
        for key, value in zip(keys, values, strict=False):
            if key in COLUMNS:
                row[key] = value
        yield number, row


def _column_key(header) -> str:
    text = str(header or "").strip()
    return HEADER_ALIASES.get(text, text.lower())


def _csv_rows(data: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030/GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("The CSV file is neither UTF-8 nor GB18030 text.")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV file cannot be read ({exc}).") from None


def _xlsx_rows(data: bytes) -> Iterator[list]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile("The XLSX file cannot be read; save it again as .xlsx.") from exc
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


# --- checking ----------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet turned "0101" into 101.0: keep what is visible
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]  # undo our own export's neutralisation
    return text


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
        errors["members"] = [f"Enter a whole number from 1 to {MAX_MEMBERS:,}."]
        return None


def _date(value, errors: dict) -> dt.date | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors["sorting_since"] = ["Enter a date as YYYY-MM-DD."]
        return None


def check_row(row: dict, communities: dict[str, int], today: dt.date) -> tuple[dict, dict]:
    """One row as typed household data and its messages by column (the household rules of
    households/service.py, applied to a spreadsheet row)."""
    errors: dict = {}
    data = {name: _text(row.get(name)) for name in ("code", "building", "unit", "room")}
    for name, length in TEXT_LENGTHS.items():
        check_text(errors, data, name, length, required=name == "code")
    community = _text(row.get("community"))
    if not community:
        errors["community"] = ["This field is required."]
    elif community not in communities:
        errors["community"] = [f"No community named {community!r} in this town or street."]
    else:
        data["community_id"] = communities[community]
    data["members"] = _members(row.get("members"), errors)
    if "members" not in errors:
        check_int(errors, data, "members", 1, MAX_MEMBERS, required=False)
    data["sorting_since"] = _date(row.get("sorting_since"), errors)
    if "sorting_since" not in errors:
        check_sorting_since(errors, data["sorting_since"], today)
    return data, errors


def plan_import(user: User, township_id: int, rows: Iterable[tuple[int, dict]]) -> ImportPlan:
    """Check every row against the rules and the registry; nothing is written."""
    require_registry_write(user, township_id)
    communities = dict(db.session.execute(
        select(Community.name, Community.id).where(Community.township_id == township_id)).all())
    plan = ImportPlan(township_id)
    today = local_today()
    checked: list[tuple[int, dict]] = []
    first_row_of: dict[str, int] = {}
    for number, row in rows:
        plan.rows += 1
        data, errors = check_row(row, communities, today)
        code = data.get("code")
        if "code" not in errors:
            if code in first_row_of:
                errors["code"] = [f"The code {code!r} is also on row {first_row_of[code]}."]
            else:
                first_row_of[code] = number
        for column, messages in errors.items():
            plan.errors.extend(RowError(number, column, m) for m in messages)
        if not errors:
            checked.append((number, data))
    if not plan.rows:
        plan.errors.append(RowError(1, "file", "The file has no households below the header."))
    existing = _existing_codes([data["code"] for _, data in checked])
    for number, data in checked:
        found = existing.get(data["code"])
        if found is None:
            plan.creates.append(data)
        elif found[1] != township_id:
            plan.errors.append(RowError(number, "code", CODE_TAKEN + " It belongs to another "
                                        "town or street."))
        else:
            plan.updates.append({"id": found[0], **data})
    plan.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column)
                                    if e.column in COLUMNS else -1))
    return plan


def _existing_codes(codes: list[str]) -> dict[str, tuple[int, int]]:
    """{code: (household id, township id)} for the codes already registered."""
    found = {}
    for start in range(0, len(codes), CODE_LOOKUP_CHUNK):
        chunk = codes[start:start + CODE_LOOKUP_CHUNK]
        found.update({code: (hid, tid) for code, hid, tid in db.session.execute(
            select(Household.code, Household.id, Community.township_id)
            .join(Community, Household.community_id == Community.id)
            .where(Household.code.in_(chunk)))})
    return found


def apply_import(user: User, plan: ImportPlan) -> tuple[int, int]:
    """Store a plan without errors in one transaction; returns (created, updated)."""
    require_registry_write(user, plan.township_id)
    if plan.errors:
        raise RuleViolation({"file": ["The file has errors; nothing was stored."]})
    columns = ("community_id", "code", "building", "unit", "room", "members", "sorting_since")
    try:
        created = bulk_insert("households", columns, (
            (d["community_id"], d["code"], d["building"], d["unit"], d["room"],
             d["members"] or 1,
             d["sorting_since"].isoformat() if d["sorting_since"] else None)
            for d in plan.creates))
        counts = Counter((d["community_id"], tally.joined_month(d["sorting_since"]))
                         for d in plan.creates)
        if plan.updates:  # a blank "members" keeps the registered number
            counts.update(_tally_changes(plan.updates))
            db.session.execute(update(Household), [
                {k: v for k, v in d.items() if k != "members" or v is not None}
                for d in plan.updates])
        tally.add_counts(db.session.connection(), counts)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RuleViolation({"file": ["Another change to the same households was saved at "
                                      "the same time; nothing was stored. Import again."]}
                            ) from None
    return created, len(plan.updates)


def _tally_changes(updates: list[dict]) -> Counter:
    """Household tally deltas of moving the updated rows to their new community or date."""
    changes: Counter = Counter()
    new = {d["id"]: (d["community_id"], tally.joined_month(d["sorting_since"])) for d in updates}
    ids = list(new)
    for start in range(0, len(ids), CODE_LOOKUP_CHUNK):
        for hid, community_id, since in db.session.execute(
                select(Household.id, Household.community_id, Household.sorting_since)
                .where(Household.id.in_(ids[start:start + CODE_LOOKUP_CHUNK]))):
            old = (community_id, tally.joined_month(since))
            if old != new[hid]:
                changes[old] -= 1
                changes[new[hid]] += 1
    return changes


# --- export ------------------------------------------------------------------------------

def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(user: User, **filters) -> Iterator[tuple]:
    """The households ``user`` may read, as tuples in :data:`COLUMNS` order, fetched in
    batches from the database (never all at once)."""
    stmt = households_query(user, **filters).with_only_columns(
        Household.code, Community.name, Household.building, Household.unit, Household.room,
        Household.members, Household.sorting_since)
    for row in db.session.execute(stmt.execution_options(yield_per=2_000)):
        yield tuple(neutralise(v) for v in row)


def csv_stream(rows: Iterable[tuple]) -> Iterator[str]:
    """CSV text in pieces: a byte-order mark and the header first, then ~500 rows a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v
                         for v in row])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[tuple]):
    """An XLSX workbook in a temporary file (spilled to disk when large), rewound. A sheet
    holds at most 1,048,576 rows: larger exports are cut there (CSV has no such limit)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("households")
    sheet.append(COLUMNS)
    for row in islice(rows, XLSX_MAX_ROWS - 1):
        sheet.append([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the caller sends and closes it)
    workbook.save(out)
    out.seek(0)
    return out
