"""Figures made once a day and kept: the capacity forecast (fitting a seasonal model to years of
days takes seconds, not the milliseconds of a page) and the daily series it is fitted to.

One row per (kind, scope, local day), frozen as JSON. The first request of a day (or the
scheduler, early) makes it; a second maker at the same moment loses the insert on the unique
constraint and reads the winner's row, so a day's figures are made once and every page of the
day reads the same ones.
"""

import datetime as dt
from collections.abc import Callable

from sqlalchemy import JSON, Date, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow
from ..types import UtcDateTime

KEEP_DAYS = 400  # a year and a month of a scope's days kept; older rows go when a day is made


class DailyFigures(db.Model):
    __tablename__ = "daily_figures"
    __table_args__ = (UniqueConstraint("kind", "scope", "made_on",
                                       name="uq_daily_figures_kind_scope_made_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # "forecast"
    scope: Mapped[str] = mapped_column(String(24))  # "city"
    made_on: Mapped[dt.date] = mapped_column(Date)  # the local day they were made for
    made_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    figures: Mapped[dict] = mapped_column(JSON)


def stored(kind: str, scope: str, day: dt.date) -> DailyFigures | None:
    return db.session.scalar(select(DailyFigures).where(
        DailyFigures.kind == kind, DailyFigures.scope == scope, DailyFigures.made_on == day))


def once_a_day(kind: str, scope: str, day: dt.date, make: Callable[[], dict],
               keys: tuple[str, ...] = ()) -> DailyFigures:
    """The figures of (``kind``, ``scope``) for ``day``: the stored ones, else ``make()``'s,
    stored (committed) before they are returned. Stored figures without one of ``keys`` were
    made by an older version (a deploy during the day): they are made again."""
    if (found := stored(kind, scope, day)) is not None:
        if all(key in found.figures for key in keys):
            return found
        db.session.delete(found)
        db.session.commit()
    figures = make()
    row = DailyFigures(kind=kind, scope=scope, made_on=day, figures=figures)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # another worker stored the day's figures between look and insert
        db.session.rollback()
        found = stored(kind, scope, day)
        if found is None:
            raise
        return found
    db.session.execute(delete(DailyFigures).where(
        DailyFigures.kind == kind, DailyFigures.scope == scope,
        DailyFigures.made_on < day - dt.timedelta(days=KEEP_DAYS)))
    db.session.commit()
    return row
