"""Household counts per community and month of sorting start, kept beside the households.

Coverage at city scale would otherwise count 3.754 million household rows on every report and
page. ``household_tallies`` holds, per community and ``joined_month`` (the first day of the
month the household started sorting; ``NOT_COVERED`` for households not yet sorting), how many
households there are. Coverage as of a day is then the tallies of the months before that day's
month, plus the households that started within its month up to the day (a short index range on
``households.sorting_since``): see :func:`wastesort.metrics.coverage`.

It is kept in the same transaction as the households: an ORM flush hook catches every insert,
move, start-date change and delete made through the session, and bulk loaders (the demo seed,
the spreadsheet import) call :func:`add_counts` for the rows they insert. A change reads the
household under a row lock (:mod:`wastesort.locking`), so the old values the hook subtracts
are the ones stored, whatever another request did meanwhile. ``wastesort check``
recomputes it from the households and reports any drift.
"""

import datetime as dt
from collections import Counter

from sqlalchemy import Date, ForeignKey, Integer, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from .models import Household

NOT_COVERED = dt.date(9999, 12, 1)  # joined_month of a household not yet sorting


class HouseholdTally(db.Model):
    __tablename__ = "household_tallies"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    joined_month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    households: Mapped[int] = mapped_column(Integer, default=0)


def joined_month(sorting_since: dt.date | str | None) -> dt.date:
    """The tally bucket of a household: the first day of its sorting start month."""
    if sorting_since is None:
        return NOT_COVERED
    return _as_date(sorting_since).replace(day=1)


def add_counts(connection, counts: Counter) -> None:
    """Add ``counts`` {(community_id, joined_month): n} (n may be negative) with an upsert, safe
    against concurrent writers on both databases; the rows in key order, so that two writers
    lock them in one order (no deadlock)."""
    rows = [{"community_id": c, "joined_month": _as_date(d), "households": n}
            for (c, d), n in sorted(counts.items(), key=lambda item: (item[0][0],
                                                                      _as_date(item[0][1])))
            if n]
    if not rows:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(HouseholdTally)
    stmt = stmt.on_conflict_do_update(
        index_elements=["community_id", "joined_month"],
        set_={"households": HouseholdTally.households + stmt.excluded.households})
    connection.execute(stmt, rows)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _history(obj, attribute):
    history = db.inspect(obj).attrs[attribute].history
    old = history.deleted[0] if history.deleted else getattr(obj, attribute)
    return old, getattr(obj, attribute)


@event.listens_for(Session, "after_flush")
def _track_households(session: Session, _context) -> None:
    counts: Counter = Counter()
    for obj in session.new:
        if isinstance(obj, Household):
            counts[obj.community_id, joined_month(obj.sorting_since)] += 1
    for obj in session.dirty:
        if isinstance(obj, Household) and session.is_modified(obj):
            old_c, new_c = _history(obj, "community_id")
            old_s, new_s = _history(obj, "sorting_since")
            if (old_c, old_s) != (new_c, new_s):
                counts[old_c, joined_month(old_s)] -= 1
                counts[new_c, joined_month(new_s)] += 1
    for obj in session.deleted:
        if isinstance(obj, Household):
            old_c, _ = _history(obj, "community_id")
            old_s, _ = _history(obj, "sorting_since")
            counts[old_c, joined_month(old_s)] -= 1
    if counts:
        add_counts(session.connection(), counts)


def recount() -> Counter:
    """The tallies recomputed from the households (for ``wastesort check``): counted per day in
    SQL, folded into months here (at most communities × days rows)."""
    rows = db.session.execute(select(Household.community_id, Household.sorting_since,
                                     func.count())
                              .group_by(Household.community_id, Household.sorting_since))
    counts: Counter = Counter()
    for community_id, since, n in rows:
        counts[community_id, joined_month(since)] += int(n)
    return counts


def stored() -> Counter:
    rows = db.session.execute(select(HouseholdTally.community_id, HouseholdTally.joined_month,
                                     HouseholdTally.households)
                              .where(HouseholdTally.households != 0))
    return Counter({(c, d): int(n) for c, d, n in rows})
