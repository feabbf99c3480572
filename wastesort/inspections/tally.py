"""Daily inspection sums per community, kept beside the inspections.

The figures (participation, accuracy, communities inspected: wastesort.metrics.inspections)
are ratios of sums over a day, week or month for every town, street and district; a year of
inspections is a hundred thousand rows or more. ``daily_inspection_tally`` holds, per local
day and community, how many inspections there were and the sum of each of their counts, for
the inspections that are not void. A community never moves to another town or street, so its
tally rows stay with the right one.

It is kept in the same transaction as the inspections: a posting adds the rows its INSERT
returned (only the request that stored a key adds it), a void subtracts what its conditional
UPDATE returned (only the request that voided the row does), the demo seed fills it with one
``INSERT … SELECT`` (:func:`rebuild`), and an ORM flush hook adds inspections inserted through
the session (tests, scripts). The upsert adds to the stored sums, in key order, so concurrent
writers neither lose each other's counts nor deadlock. ``wastesort check`` recomputes it.
"""

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, delete, event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from .models import COUNTS, Inspection

TALLIED = ("inspections", *COUNTS)  # the columns summed, in one order everywhere here


class DailyInspectionTally(db.Model):
    __tablename__ = "daily_inspection_tally"
    __table_args__ = (
        # when each community was last inspected (the stale list) reads this index alone
        Index("ix_daily_inspection_tally_community_inspected_on", "community_id",
              "inspected_on"),
    )

    inspected_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    inspections: Mapped[int]
    households_seen: Mapped[int]
    households_sorted: Mapped[int]
    items_inspected: Mapped[int]
    items_correct: Mapped[int]
    contaminated_recyclable: Mapped[int]
    contaminated_hazardous: Mapped[int]
    contaminated_kitchen: Mapped[int]
    contaminated_residual: Mapped[int]


def add(connection, deltas: dict[tuple, tuple]) -> None:
    """Add ``deltas`` {(inspected_on, community_id): values in TALLIED order} (negative to
    subtract) with one upsert per row, the rows in key order (concurrent writers lock them in
    one order: no deadlock)."""
    rows = [{"inspected_on": day, "community_id": community,
             **dict(zip(TALLIED, values, strict=True))}
            for (day, community), values in sorted(deltas.items()) if any(values)]
    if not rows:
        return
    upsert = (pg_insert if connection.dialect.name == "postgresql" else sqlite_insert)(
        DailyInspectionTally)
    table = DailyInspectionTally.__table__
    connection.execute(upsert.on_conflict_do_update(
        index_elements=["inspected_on", "community_id"],
        set_={name: table.c[name] + upsert.excluded[name] for name in TALLIED}), rows)


def deltas_of(rows, sign: int = 1) -> dict[tuple, tuple]:
    """The tally deltas of inspection ``rows`` (objects or named rows with ``inspected_on``,
    ``community_id`` and the counts): ``sign`` -1 takes them out."""
    deltas: dict[tuple, list] = {}
    for row in rows:
        values = deltas.setdefault((row.inspected_on, row.community_id), [0] * len(TALLIED))
        values[0] += sign
        for i, name in enumerate(COUNTS, start=1):
            values[i] += sign * getattr(row, name)
    return {key: tuple(values) for key, values in deltas.items()}


class UntrackedChange(RuntimeError):
    """An inspection changed, voided or deleted through the ORM: inspections are only ever
    voided, with ``inspections.service.void_inspection``, whose conditional UPDATE decides
    which request voided one (and so which takes it out of the tally)."""


_WATCHED = ("community_id", "inspected_on", "voided", *COUNTS)  # what the tally follows


@event.listens_for(Session, "after_flush")
def _track_inspections(session: Session, _context) -> None:
    for obj in session.deleted:
        if isinstance(obj, Inspection):
            raise UntrackedChange(f"inspection {obj.id}: void it with void_inspection()")
    for obj in session.dirty:
        if isinstance(obj, Inspection) and any(
                db.inspect(obj).attrs[name].history.has_changes() for name in _WATCHED):
            raise UntrackedChange(f"inspection {obj.id}: void it with void_inspection()")
    new = [obj for obj in session.new if isinstance(obj, Inspection) and not obj.voided]
    if new:
        add(session.connection(), deltas_of(new))


def _recount_query():
    return (select(Inspection.inspected_on, Inspection.community_id, func.count(),
                   *(func.sum(getattr(Inspection, name)) for name in COUNTS))
            .where(Inspection.voided.is_(False))
            .group_by(Inspection.inspected_on, Inspection.community_id))


def recount() -> dict[tuple, tuple]:
    """{(day, community_id): sums in TALLIED order} from the inspections themselves."""
    return {(day, community): tuple(int(v) for v in values)
            for day, community, *values in db.session.execute(_recount_query())}


def stored() -> dict[tuple, tuple]:
    columns = [getattr(DailyInspectionTally, name) for name in TALLIED]
    rows = db.session.execute(select(DailyInspectionTally.inspected_on,
                                     DailyInspectionTally.community_id, *columns))
    return {(day, community): tuple(int(v) for v in values)
            for day, community, *values in rows if any(values)}


def rebuild(connection) -> None:
    """Make the tally again from the inspections in one ``INSERT … SELECT`` (``wastesort check
    --fix``, and the demo seed after its bulk load)."""
    connection.execute(delete(DailyInspectionTally))
    connection.execute(insert(DailyInspectionTally).from_select(
        ["inspected_on", "community_id", *TALLIED], _recount_query()))
