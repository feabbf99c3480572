"""Household import (CSV or XLSX) into one town or street.

Every row is checked first, with its row number, column (named as the file's header names it)
and message; nothing is stored unless every row is good (all or nothing). A household code
already registered in that township is updated when the row changes it and counted as
unchanged when it does not; a new code is created. New rows go in through
:func:`wastesort.bulk.bulk_insert`, updates through one executemany. The file is read and
checked in one pass (each distinct cell checked once), fast enough for 100,000 rows: see
docs/performance.md.

Reading the file: households/sheet.py; checking a cell: households/cells.py; the export and
the template to fill in: households/export.py.
"""

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from flask_babel import lazy_gettext as _l
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
from ..timeutil import local_today
from . import tally
from .address import bare
from .cells import (
    TEXT_LENGTHS,
    check_code_cell,
    check_community_cell,
    check_date_cell,
    check_members_cell,
    check_text_cell,
    code_form,
    remembered,
)
from .models import Household
from .service import CODE_ELSEWHERE
from .sheet import COLUMN_LABELS, COLUMNS, FILE_LABEL, SheetRows, blank_row
from .upload_limits import within_limits

# The households table's columns in the order of ImportPlan.creates (what bulk_insert takes).
CREATE_COLUMNS = ("community_id", "code", "building", "unit", "room", "members", "sorting_since")
CODE_LOOKUP_CHUNK = 1_000  # ids per query when reading the updated rows' old values
EXISTING_LOOKUP_CHUNK = 10_000  # codes per query when looking for registered codes


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
            if not (type(lead) is str and lead.strip()) and blank_row(values):
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
            c, message = check_code_cell(code, form)
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
            found = remembered(community_cache, community, check_community_cell, communities)
        community_id, message = found
        if message:
            errors.append(RowError(number, "community", message))
            good = False
        found = building_cache.get(building)
        if found is None:
            found = remembered(building_cache, building, check_text_cell, "building")
        building, message = found
        if message:
            errors.append(RowError(number, "building", message))
            good = False
        found = unit_cache.get(unit)
        if found is None:
            found = remembered(unit_cache, unit, check_text_cell, "unit")
        unit, message = found
        if message:
            errors.append(RowError(number, "unit", message))
            good = False
        found = room_cache.get(room)
        if found is None:
            found = remembered(room_cache, room, check_text_cell, "room")
        room, message = found
        if message:
            errors.append(RowError(number, "room", message))
            good = False
        found = members_cache.get(members)
        if found is None:
            found = remembered(members_cache, members, check_members_cell)
        members, message = found
        if message:
            errors.append(RowError(number, "members", message))
            good = False
        found = date_cache.get(since)
        if found is None:
            found = remembered(date_cache, since, check_date_cell, today)
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
