"""Sorting bins in communities: the serial is unique city-wide; the community must lie in a
township the caller may write. Already-typed dicts in, RuleViolation by field out; commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.scope import limit_to_scope, require_registry_write
from ..areas.models import Community
from ..areas.service import writable_community
from ..enums import WasteCategory
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..locking import locked, retry_conflicts
from ..rules import (
    apply,
    check_choice,
    check_int,
    check_text,
    commit_unique,
    valid_id,
)
from .models import BinStatus, SortingBin

FIELDS = ("community_id", "serial", "category", "capacity_l", "status")
MAX_CAPACITY_L = 100_000
SERIAL_TAKEN = _l("A bin with this serial number exists.")


def bins_query(user: User, *, community_id: int | None = None, township_id: int | None = None,
               category: str | None = None, status: str | None = None):
    """A SELECT of the bins ``user`` may read, ordered by id."""
    stmt = limit_to_scope(user, select(SortingBin).join(Community), Community.township_id)
    if community_id is not None:
        stmt = stmt.where(SortingBin.community_id == community_id)
    if township_id is not None:
        stmt = stmt.where(Community.township_id == township_id)
    if category is not None:
        stmt = stmt.where(SortingBin.category == WasteCategory(category))
    if status is not None:
        stmt = stmt.where(SortingBin.status == BinStatus(status))
    return stmt.order_by(SortingBin.id)


def get_bin(user: User, bin_id: int) -> SortingBin:
    row = db.session.scalar(bins_query(user).where(SortingBin.id == bin_id)) \
        if valid_id(bin_id) else None
    if row is None:
        raise NotFound(_l("No such bin."))
    return row


def create_bin(user: User, data: dict) -> SortingBin:
    """Add a bin: community_id, serial, category, capacity_l, status (default in service)."""
    data = dict(data)
    errors = _check(user, data, creating=True)
    if errors:
        raise RuleViolation(errors)
    row = SortingBin(status=BinStatus.IN_SERVICE)
    apply(row, data, FIELDS)
    db.session.add(row)
    commit_unique("serial", SERIAL_TAKEN)
    return row


@retry_conflicts
def update_bin(user: User, bin_id: int, data: dict) -> SortingBin:
    """Change the given fields of a bin (e.g. its status when damaged or removed), read under
    a row lock held to the commit, so a change is judged against the bin as it is."""
    row = locked(SortingBin, bin_id) if valid_id(bin_id) else None
    if row is None:
        raise NotFound(_l("No such bin."))
    require_registry_write(user, row.community.township_id)
    data = dict(data)
    errors = _check(user, data, creating=False, current=row)
    if errors:
        raise RuleViolation(errors)
    apply(row, data, FIELDS)
    commit_unique("serial", SERIAL_TAKEN)
    return row


def _check(user: User, data: dict, *, creating: bool, current: SortingBin | None = None) -> dict:
    errors: dict = {}
    if creating or "community_id" in data:
        writable_community(user, data.get("community_id"), errors)
    check_text(errors, data, "serial", 32, required=creating or "serial" in data)
    check_choice(errors, data, "category", WasteCategory, required=creating)
    check_int(errors, data, "capacity_l", 1, MAX_CAPACITY_L, required=creating)
    check_choice(errors, data, "status", BinStatus, required=False)
    for field in ("category", "capacity_l", "status"):
        if field in data and data[field] is None and field not in errors:
            del data[field]
    serial = data.get("serial")
    if "serial" not in errors and serial and (current is None or serial != current.serial) and \
            db.session.scalar(select(func.count()).where(SortingBin.serial == serial)):
        errors["serial"] = [SERIAL_TAKEN]
    return errors
