"""Each cell of a household file turned into (typed value, message or None), with the
household rules of households/service.py.

A file repeats most cells (communities, buildings, dates), so the import remembers the result
per distinct text (:func:`remembered`) and checks each text once. A household code must match
``HOUSEHOLD_CODE_PATTERN``; a code the spreadsheet turned into a number — a numeric cell, or
text such as ``5.00103E+16`` — is refused with the advice to format the column as text, as its
digits are no longer the ones typed (``5.00103E+16`` became ``50010300099000096`` once). Dates
are read as 2024-5-6, 2024/5/6, 2024.5.6, 2024年5月6日 or date cells; building, unit and room
with or without 栋, 单元, 室 (stored without: households/address.py).
"""

import datetime as dt
import re
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..rules import check_int, check_text
from ..spreadsheets import FORMULA_PREFIXES
from . import tally
from .address import bare
from .models import Household
from .service import MAX_MEMBERS, check_sorting_since

TEXT_LENGTHS = {name: Household.__table__.c[name].type.length
                for name in ("code", "building", "unit", "room")}
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


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet turned "0101" into 101.0: keep what is visible
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]  # undo our own export's neutralisation
    return text


def check_text_cell(value, name: str) -> tuple[str, str | None]:
    """Building, unit or room (without the word 栋, 单元 or 室 after it), or the code's text."""
    errors: dict = {}
    text = cell_text(value)
    data = {name: text if name == "code" else bare(name, text)}
    check_text(errors, data, name, TEXT_LENGTHS[name], required=name == "code")
    return data[name], errors[name][0] if errors else None


def code_form() -> re.Pattern:
    """A household code as HOUSEHOLD_CODE_PATTERN has it and not in scientific notation: one
    full match per row on the import's fast path."""
    return re.compile(rf"(?!{SCIENTIFIC}$)(?:{current_app.config['HOUSEHOLD_CODE_PATTERN']})")


def check_code_cell(value, form: re.Pattern) -> tuple[str, str | None]:
    if isinstance(value, int | float):  # an XLSX number cell (or a boolean): digits lost
        return "", _l("The code is a number in the spreadsheet (%(value)s), not the text "
                      "typed: format the code column as text and enter the codes again.",
                      value=str(value))
    code, message = check_text_cell(value, "code")
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


def check_community_cell(value, communities: dict[str, int]) -> tuple[int | None, str | None]:
    community = cell_text(value)
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


def check_members_cell(value) -> tuple[int | None, str | None]:
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


def check_date_cell(value, today: dt.date) -> tuple[str | None, dt.date | None, str | None]:
    """(ISO text or None, tally month, message or None)."""
    errors: dict = {}
    since = _date(value, errors)
    if not errors:
        check_sorting_since(errors, since, today)
    if errors:
        return None, None, errors["sorting_since"][0]
    return (since.isoformat() if since else None), tally.joined_month(since), None


def remembered(cache: dict, value, check, *args):
    """``check(value, *args)``, remembered for texts (and None). Other cell types (numbers,
    dates from XLSX) are checked every time: True == 1 == 1.0 as dictionary keys."""
    result = check(value, *args)
    if (value is None or type(value) is str) and len(cache) < CHECK_CACHE_MAX:
        cache[value] = result
    return result
