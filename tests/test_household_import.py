"""Household import (households/importing.py) checked row by row against a plain reference.

The import checks each distinct cell once and reads CSV cells in place; the reference below is
the straightforward version (a dict per row, every cell checked on its own, as the import did
before it was made fast). Both must give the same messages on the same rows and columns, the
same new households, the same updates and the same count of unchanged rows, for files full of
awkward cells: dates in every accepted form and others, codes a spreadsheet made numbers of,
address parts with and without 栋/单元/室.
"""

import csv
import datetime as dt
import io
import random
import re
import unicodedata

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as ILLEGAL
from sqlalchemy import func, select

from wastesort.areas.models import Community
from wastesort.check import drift
from wastesort.errors_domain import RuleViolation
from wastesort.households.address import bare
from wastesort.households.cells import DATE_FORMATS, TEXT_LENGTHS
from wastesort.households.importing import RowError, apply_import, plan_import
from wastesort.households.models import Household
from wastesort.households.service import CODE_ELSEWHERE, MAX_MEMBERS, check_sorting_since
from wastesort.households.sheet import COLUMNS, read_rows
from wastesort.rules import check_int, check_text
from wastesort.spreadsheets import FORMULA_PREFIXES
from wastesort.timeutil import local_today

from .factories import add_households

HEADER = ["code", "community", "building", "unit", "room", "members", "sorting_since"]
# Codes of the awkward files: anything not starting with x or an apostrophe.
CODE_PATTERN = r"[^x'].*"
EXAMPLE = "A-0"
EN = {"Accept-Language": "en"}
# The reference lists every problem: no stop after IMPORT_MAX_ERRORS here (upload_limits.py).
pytestmark = pytest.mark.config(IMPORT_MAX_ERRORS=1_000_000,
                                HOUSEHOLD_CODE_PATTERN=CODE_PATTERN, HOUSEHOLD_CODE_EXAMPLE=EXAMPLE)


# --- the reference: one dict per row, every cell checked on its own --------------------------

def _ref_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def _ref_members(value, errors):
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


def _ref_date(value, errors):
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
    if text.endswith("日") and "年" in text and "月" in text:
        parts = re.split("[年月]", text[:-1])
    else:
        day = text.split(" ")[0].split("T")[0] if ":" in text else text
        parts = next((day.split(sep) for sep in "-/." if day.count(sep) == 2), [])
    if len(parts) != 3 or len(parts[0]) != 4 or not all(
            p.isascii() and p.isdigit() and len(p) <= (4 if i == 0 else 2)
            for i, p in enumerate(parts)) or (":" in text and not re.fullmatch(
                r"[^ T]+[ T]\d{1,2}:\d\d(:\d\d(\.\d*)?)?", text)):
        errors["sorting_since"] = [DATE_FORMATS]
        return None
    try:
        return dt.date(*map(int, parts))
    except ValueError:
        errors["sorting_since"] = [f"There is no such day: {text}."]
        return None


def _ref_code(value, errors) -> str:
    if isinstance(value, int | float):
        errors["code"] = [f"The code is a number in the spreadsheet ({value}), not the text "
                          "typed: format the code column as text and enter the codes again."]
        return ""
    data = {"code": _ref_text(value)}
    check_text(errors, data, "code", TEXT_LENGTHS["code"], required=True)
    code = data["code"]
    if "code" in errors:
        return code
    if re.fullmatch(r"[+-]?\d*\.?\d+[eE][+-]?\d+", code):
        errors["code"] = [f"The spreadsheet turned the code into a number ({code}): format "
                          "the code column as text and enter the codes again."]
    elif not re.fullmatch(CODE_PATTERN, code):
        errors["code"] = [f"{code} is not a household code of this city, which look like "
                          f"{EXAMPLE}."]
    return code


def _ref_check_row(row, communities, today):
    errors: dict = {}
    data = {name: bare(name, _ref_text(row.get(name))) for name in ("building", "unit", "room")}
    for name, length in TEXT_LENGTHS.items():
        if name != "code":
            check_text(errors, data, name, length, required=False)
    data["code"] = _ref_code(row.get("code"), errors)
    community = _ref_text(row.get("community"))
    if not community:
        errors["community"] = ["This field is required."]
    elif community not in communities:
        errors["community"] = [f"No community named {community!r} in this town or street."]
    else:
        data["community_id"] = communities[community]
    data["members"] = _ref_members(row.get("members"), errors)
    if "members" not in errors:
        check_int(errors, data, "members", 1, MAX_MEMBERS, required=False)
    data["sorting_since"] = _ref_date(row.get("sorting_since"), errors)
    if "sorting_since" not in errors:
        check_sorting_since(errors, data["sorting_since"], today)
    return data, errors


def _ref_rows(header, records):
    keys = [str(h or "").strip().lower() for h in header]
    for number, values in enumerate(records, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        yield number, {k: v for k, v in zip(keys, values, strict=False) if k in COLUMNS}


def reference_plan(header, records, communities, township_id, existing):
    """(rows, errors, creates, updates, unchanged) as the straightforward import makes them."""
    today = local_today()
    errors, checked, first_row_of, count = [], [], {}, 0
    for number, row in _ref_rows(header, records):
        count += 1
        data, row_errors = _ref_check_row(row, communities, today)
        code = data.get("code")
        if "code" not in row_errors:
            if code in first_row_of:
                row_errors["code"] = [f"The code {code!r} is also on row {first_row_of[code]}."]
            else:
                first_row_of[code] = number
        for column, messages in row_errors.items():
            errors.extend(RowError(number, column, m) for m in messages)
        if not row_errors:
            checked.append((number, data))
    if not count:
        errors.append(RowError(1, "file", "The file has no households below the header."))
    creates, updates, unchanged = [], [], 0
    for number, d in checked:
        found = existing.get(d["code"])
        if found is None:
            creates.append((d["community_id"], d["code"], d["building"], d["unit"], d["room"],
                            d["members"] or 1,
                            d["sorting_since"].isoformat() if d["sorting_since"] else None))
        elif found[1] != township_id:
            errors.append(RowError(number, "code", CODE_ELSEWHERE))
        else:
            new = {k: v for k, v in d.items() if k != "members" or v is not None}
            if all(new[k] == stored for k, stored in found[2].items() if k in new):
                unchanged += 1
            else:
                updates.append({"id": found[0], **new})
    errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return count, errors, creates, updates, unchanged


# --- awkward files --------------------------------------------------------------------------

CELLS = {
    "code": ["A-1", " A-2 ", "", "   ", "'=X1", "'x", "x" * 32, "x" * 33, "A\x01B", "'", "户1",
             "'-7", "\tT", "E-1", "E-2", "E-3", "F-1", "5.00103E+16", "1e5", "-2.5E-3", "E+1",
             "x-1"],
    "community": ["a1社区1", " a1社区2 ", "b1社区1", "", "nowhere", "'=a1社区1", "A1社区1"],
    "building": ["", " 1 ", "x" * 20, "x" * 21, "'+1", "'", "\x07", "０１", "=1", "3栋", "3 栋",
                 "栋", "x" * 20 + "栋", "12号楼", "5幢"],
    "unit": ["", "2", "y" * 10, "y" * 11, "'-", " \u3000 ", "2单元", "单元"],
    "room": ["", "0101", "'@A1", "r" * 11, "\u200b", "0101室", "室"],
    "members": ["", " ", "3", " 4 ", "0", "99", "100", "-1", "abc", "3.0", "１", "+5", "1_0"],
    "sorting_since": ["", "2021-03-01", "2021/03/01", " 2021-3-1", "20210301", "2021-13-01",
                      "2999-01-01", "2021-02-29", "2020-02-29", "2021-W01-1", "yesterday",
                      "2024/5/6", "2024.5.6", "2024年5月6日", "2024/5/6 0:00",
                      "2024-05-06T08:30:00",
                      "２０２４／５／６", "2024-5.6", "2024/5/6/7", "24/5/6", "2021年2月29日",
                      "2024年5月6", "5/6/2024", "2024/5/6 午前"],
}


def awkward_records(rng: random.Random, n: int) -> list[list[str]]:
    records = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.02:
            records.append([])  # a blank line
            continue
        row = [rng.choice(CELLS[c]) if rng.random() < 0.7 else "" for c in HEADER]
        row[0] = f"U-{i}" if rng.random() < 0.6 else rng.choice(CELLS["code"])
        if rng.random() < 0.5:
            row[1] = "a1社区1"
        if roll < 0.05:
            row = row[:rng.randrange(1, len(row))]  # a short row: the rest is empty
        elif roll < 0.08:
            row = [*row, "extra"]
        elif roll < 0.10:
            row = ["", " ", "", "", "", "", ""]  # blank cells only
        records.append(row)
    return records


def csv_bytes(header, records) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue().encode()


def register(db, city):
    """Households the files' codes may hit: E-1, E-2, E-3 in a1 (updates, or unchanged when a
    row repeats them: E-3 is a bare row, often), F-1 in b1 (refused)."""
    add_households(city.communities["b1c2"], 2, 1)
    for code, community, members, since in (("E-1", "a1c1", 4, dt.date(2020, 5, 5)),
                                            ("E-2", "a1c2", 2, dt.date(2020, 5, 5)),
                                            ("E-3", "a1c1", 1, None),
                                            ("F-1", "b1c1", 1, dt.date(2020, 5, 5))):
        db.session.add(Household(community=city.communities[community], code=code,
                                 members=members, sorting_since=since))
    db.session.commit()


def compare(app, db, city, header, records, data: bytes, filename: str):
    township_id = city.townships["a1"].id
    existing = {code: (hid, tid, {"community_id": cid, "building": b, "unit": u, "room": r,
                                  "members": m, "sorting_since": s})
                for code, hid, tid, cid, b, u, r, m, s in db.session.execute(
        select(Household.code, Household.id, Community.township_id, Household.community_id,
               Household.building, Household.unit, Household.room, Household.members,
               Household.sorting_since).join(Household.community))}
    communities = {c.name: c.id for c in city.communities.values()
                   if c.township_id == township_id}
    with app.test_request_context(headers=EN):  # the messages in English
        plan = plan_import(city.users["street"], township_id, read_rows(filename, data))
        rows, errors, creates, updates, unchanged = reference_plan(
            header, records, communities, township_id, existing)
        assert plan.rows == rows
        assert plan.errors == errors
    assert plan.creates == creates
    assert plan.updates == updates
    assert plan.unchanged == unchanged
    return plan


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_csv_checks_match_the_reference(app, db, city, seed):
    register(db, city)
    records = awkward_records(random.Random(seed), 1500)
    compare(app, db, city, HEADER, records, csv_bytes(HEADER, records), "awkward.csv")


def test_columns_in_another_order_missing_or_named_twice(app, db, city):
    register(db, city)
    rng = random.Random(7)
    records = awkward_records(rng, 400)
    # another order, an unknown column, no building and no sorting_since column
    header = ["room", "community", "note", "code", "members", "unit"]
    index = {c: HEADER.index(c) for c in header if c in HEADER}
    shuffled = [[r[index[c]] if c in index and index[c] < len(r) else "x" for c in header]
                for r in records if r]
    compare(app, db, city, header, shuffled, csv_bytes(header, shuffled), "order.csv")
    db.session.rollback()
    # a column named twice: the later one wins, as in a dict (also on short rows)
    header = [*HEADER, "members"]
    doubled = [[*r, rng.choice(CELLS["members"])] if rng.random() < 0.7 else r
               for r in records]
    compare(app, db, city, header, doubled, csv_bytes(header, doubled), "twice.csv")


def test_xlsx_cells_of_every_type_match_the_reference(app, db, city):
    register(db, city)
    rng = random.Random(11)
    typed = {"code": [101, 101.0, 7.5, True], "building": [1, 1.0, 2.5, None],
             "members": [3, 3.0, 2.5, True, False, 0, 120, None],
             "sorting_since": [dt.datetime(2021, 3, 1, 12, 0), dt.date(2021, 4, 1),
                               dt.datetime(2999, 1, 1), 20210301, None]}
    records = []
    for row in awkward_records(rng, 600):
        row = list(row) + [""] * (len(HEADER) - len(row))
        for column, values in typed.items():
            if rng.random() < 0.3:
                row[HEADER.index(column)] = rng.choice(values)
        records.append([None if v == "" else "ctrl" if isinstance(v, str) and ILLEGAL.search(v)
                        else v for v in row])  # a worksheet cannot hold control characters
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in records:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    # what openpyxl gives back (a date cell comes back as a datetime) is what both read
    read_back = [list(r) for r in load_workbook(io.BytesIO(buffer.getvalue()), read_only=True,
                                               data_only=True)
                 .worksheets[0].iter_rows(values_only=True)][1:]
    compare(app, db, city, HEADER, read_back, buffer.getvalue(), "typed.xlsx")


def test_a_good_file_is_stored_with_its_tallies(db, city):
    register(db, city)
    lines = ["code,community,building,unit,room,members,sorting_since",
             "E-1,a1社区2,9,9,0909,,2021-07-07",  # an update keeping its members (4)
             *[f"N-{n},a1社区{1 + n % 2},{n % 7},1,{n:04d},{1 + n % 5},"
               f"{'' if n % 9 == 0 else f'2022-0{1 + n % 9}-0{1 + n % 7}'}" for n in range(300)]]
    plan = plan_import(city.users["street"], city.townships["a1"].id,
                       read_rows("good.csv", ("\n".join(lines) + "\n").encode()))
    assert plan.errors == []
    assert apply_import(city.users["street"], plan) == (300, 1)
    assert not any(drift().values())
    e1 = db.session.scalar(select(Household).where(Household.code == "E-1"))
    assert (e1.community_id, e1.members, e1.sorting_since) == (
        city.communities["a1c2"].id, 4, dt.date(2021, 7, 7))
    n9 = db.session.scalar(select(Household).where(Household.code == "N-9"))
    assert n9.sorting_since is None and n9.members == 5 and n9.room == "0009"


def test_a_code_registered_between_preview_and_store(app, db, city):
    data = ("code,community\nRACE-1,a1社区1\nRACE-2,a1社区2\n").encode()
    plan = plan_import(city.users["street"], city.townships["a1"].id, read_rows("r.csv", data))
    assert plan.errors == [] and len(plan.creates) == 2
    db.session.add(Household(community=city.communities["b1c1"], code="RACE-2", members=1))
    db.session.commit()  # someone else, meanwhile
    with pytest.raises(RuleViolation) as caught:
        apply_import(city.users["street"], plan)
    with app.test_request_context(headers=EN):
        assert "nothing was stored" in str(caught.value.errors["file"][0])
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1  # theirs
    assert not any(drift().values())
