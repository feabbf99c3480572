"""Households: registered by address under a community, covered from ``sorting_since``.

Rules: the code is unique city-wide; the community exists and lies in a township the caller
may write; ``sorting_since`` is not in the future. Functions take already-typed dicts, raise
RuleViolation with messages by field (403/404 from the scope rules), and commit.
"""

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, select

from ..accounts.models import User
from ..accounts.scope import household_scope, limit_to_scope, require_registry_write
from ..areas.models import Community, Township
from ..areas.service import writable_community
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..locking import locked, retry_conflicts
from ..metrics.coverage import household_count
from ..rules import apply, check_int, check_text, commit_unique, valid_id
from ..timeutil import local_today
from .address import bare
from .models import Household

FIELDS = ("community_id", "code", "building", "unit", "room", "members", "sorting_since")
MAX_MEMBERS = 99
CODE_TAKEN = _l("A household with this code is registered already.")
CODE_ELSEWHERE = _l("A household with this code is registered already. It belongs to another "
                    "town or street.")


def households_query(user: User, *, community_id: int | None = None,
                     township_id: int | None = None, district_id: int | None = None,
                     covered: bool | None = None, as_of: dt.date | None = None,
                     code_prefix: str | None = None):
    """A SELECT of the households ``user`` may read, ordered by id — or by code when searching
    by ``code_prefix`` (see :func:`code_starts_with`).

    ``covered``: True for households sorting on ``as_of`` (default today), False for the rest.
    """
    stmt = limit_to_scope(user, select(Household).join(Community), Community.township_id,
                          household_scope)
    if code_prefix:
        stmt = stmt.where(code_starts_with(code_prefix))
    if community_id is not None:
        stmt = stmt.where(Household.community_id == community_id)
    if township_id is not None:
        stmt = stmt.where(Community.township_id == township_id)
    if district_id is not None:
        stmt = stmt.join(Township, Community.township_id == Township.id) \
            .where(Township.district_id == district_id)
    if covered is not None:
        day = as_of or local_today()
        is_covered = Household.sorting_since.is_not(None) & (Household.sorting_since <= day)
        stmt = stmt.where(is_covered if covered else ~is_covered)
    return stmt.order_by(Household.code if code_prefix else Household.id)


def count_households(user: User, *, community_id: int | None = None,
                     township_id: int | None = None, district_id: int | None = None,
                     covered: bool | None = None, as_of: dt.date | None = None,
                     code_prefix: str | None = None) -> int | None:
    """The number of rows :func:`households_query` gives for the same arguments, from the
    household tallies (an API page's total; counting the rows took ~0.3 s at city scale).
    None when searching by code: the caller counts those rows (an index range)."""
    if code_prefix:
        return None
    scope = household_scope(user)  # 403 for roles that read no households
    if scope is not None:
        if township_id is not None and township_id != scope:
            return 0
        township_id = scope
    return household_count(as_of or local_today(), district_id=district_id,
                           township_id=township_id, community_id=community_id,
                           covered=covered)


def code_starts_with(prefix: str):
    """The condition "the household's code starts with ``prefix``", every character literal
    (``%``, ``_`` and ``\\`` included) and case-sensitive.

    Written as a range, ``prefix <= code < successor``, the successor being ``prefix`` with its
    last character the next one: in code point order exactly the strings that start with
    ``prefix``. Code point order is SQLite's BINARY collation and PostgreSQL's "C" collation,
    the code column's collation there (``models.Household``), so on both the unique index on
    ``code`` finds the matches — and, ordered by code, stops after one page of them however
    many there are (a ``LIKE '%…%'`` read all 3.75 M households at city scale). A prefix with a
    character a code cannot hold (codes are printable text) matches nothing."""
    if not prefix.isprintable():
        return false()
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are no characters: skip to the next one
        last = 0xE000
    return (Household.code >= prefix) & (Household.code < prefix[:-1] + chr(last))


def get_household(user: User, household_id: int) -> Household:
    household = db.session.scalar(households_query(user).where(Household.id == household_id)) \
        if valid_id(household_id) else None
    if household is None:
        raise NotFound(_l("No such household."))
    return household


def create_household(user: User, data: dict) -> Household:
    """Register a household: community_id, code, building, unit, room, members,
    sorting_since (a date, or None while not yet sorting)."""
    data = dict(data)
    errors = _check(user, data, creating=True)
    if errors:
        raise RuleViolation(errors)
    household = Household(members=1)
    apply(household, data, FIELDS)
    db.session.add(household)
    commit_unique("code", CODE_TAKEN)
    return household


@retry_conflicts
def update_household(user: User, household_id: int, data: dict) -> Household:
    """Change the given fields of a household (moving it needs write access to both sides).

    404 when there is no such household; 403 when it lies outside the caller's township.
    The household is read under a row lock held to the commit: the tallies move by the
    difference between what this request found and what it wrote, so two edits at once
    (another start date, another community) move them once each, in turn."""
    household = locked(Household, household_id) if valid_id(household_id) else None
    if household is None:
        raise NotFound(_l("No such household."))
    require_registry_write(user, household.community.township_id)
    data = dict(data)
    errors = _check(user, data, creating=False, current=household)
    if errors:
        raise RuleViolation(errors)
    apply(household, data, FIELDS)
    commit_unique("code", CODE_TAKEN)
    return household


def _check(user: User, data: dict, *, creating: bool, current: Household | None = None) -> dict:
    errors: dict = {}
    if creating or "community_id" in data:
        writable_community(user, data.get("community_id"), errors)
    check_text(errors, data, "code", 32, required=creating or "code" in data)
    for field, length in (("building", 20), ("unit", 10), ("room", 10)):
        if isinstance(data.get(field), str):  # "3栋" is stored "3": pages add the word
            data[field] = bare(field, data[field].strip())
        check_text(errors, data, field, length, required=False)
    check_int(errors, data, "members", 1, MAX_MEMBERS, required=False)
    if data.get("members", 0) is None:
        del data["members"]
    check_sorting_since(errors, data.get("sorting_since"))
    code = data.get("code")
    if "code" not in errors and code and (current is None or code != current.code) and \
            db.session.scalar(select(func.count()).where(Household.code == code)):
        errors["code"] = [CODE_TAKEN]
    return errors


def check_sorting_since(errors: dict, since, today: dt.date | None = None) -> None:
    """A household's sorting start date, if any, is a date not in the city's future (also the
    spreadsheet import's rule)."""
    if since is not None and (not isinstance(since, dt.date)
                              or since > (today or local_today())):
        errors["sorting_since"] = [_l("Enter a date that is not in the future.")]
