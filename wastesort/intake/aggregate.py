"""Daily intake per facility, local day and declared stream, kept beside the tickets.

A year of a city's weighbridge tickets is over half a million rows; the facility figures need
only the sum per facility, day and stream. ``daily_intake`` holds those sums for the tickets
that are not void, in the same transaction as the tickets (as ``daily_tonnage`` beside the
collections, wastesort/collections/tonnage.py): postings add through
:mod:`wastesort.intake.store`, a void subtracts what its conditional UPDATE returned (so only
the request that voided the ticket does), the demo fills it by SQL from its tickets, and an
ORM flush hook adds tickets inserted through the session (tests, scripts). The upsert adds to
the stored sum, rows in key order, so concurrent postings neither lose each other's weight
nor deadlock. ``wastesort check`` recomputes it from the tickets.
"""

import datetime as dt
from collections import Counter

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..database import driver_cursor
from ..enums import WasteCategory, enum_column_type
from ..extensions import db
from .models import WeighbridgeTicket


class DailyIntake(db.Model):
    __tablename__ = "daily_intake"

    arrived_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    treatment_facility_id: Mapped[int] = mapped_column(ForeignKey("treatment_facilities.id"),
                                                       primary_key=True)
    stream: Mapped[WasteCategory] = mapped_column(
        enum_column_type(WasteCategory, "intake_stream"), primary_key=True)
    weight_kg: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    tickets: Mapped[int]


_UPSERT = """
    INSERT INTO daily_intake (arrived_on, treatment_facility_id, stream, weight_kg, tickets)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (arrived_on, treatment_facility_id, stream) DO UPDATE
    SET weight_kg = daily_intake.weight_kg + excluded.weight_kg,
        tickets = daily_intake.tickets + excluded.tickets"""
_UPSERT_SQLITE = _UPSERT.replace("%s", "?")


def add_weights(connection, sums: Counter, tickets: Counter) -> None:
    """Add {(day, facility_id, stream): kg} and ticket counts (negative to subtract), the rows
    in key order (concurrent writers lock them in one order: no deadlock)."""
    sqlite = connection.dialect.name == "sqlite"
    rows = sorted((_day_value(day, sqlite), f, str(s), kg, tickets[day, f, s])
                  for (day, f, s), kg in sums.items() if kg or tickets[day, f, s])
    if rows:
        with driver_cursor(connection) as cursor:
            cursor.executemany(_UPSERT_SQLITE if sqlite else _UPSERT, rows)


def _day_value(day, sqlite: bool):
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    return day.isoformat() if sqlite else day


def fill_from_tickets(connection) -> None:
    """Add every ticket that is not void to the (empty) aggregate in one statement: the demo
    seed and ``wastesort check --fix``, where adding half a million tickets row by row in
    Python would cost seconds the database spends in milliseconds."""
    connection.exec_driver_sql(
        "INSERT INTO daily_intake (arrived_on, treatment_facility_id, stream, weight_kg, tickets) "
        "SELECT arrived_on, treatment_facility_id, stream, sum(net_weight_kg), count(*) "
        "FROM weighbridge_tickets WHERE NOT voided "
        "GROUP BY arrived_on, treatment_facility_id, stream")


class UntrackedVoid(RuntimeError):
    """A ticket voided through the ORM: void with ``intake.service.void_ticket``, whose
    conditional UPDATE decides which request voided it."""


@event.listens_for(Session, "after_flush")
def _track_tickets(session: Session, _context) -> None:
    new = [obj for obj in session.new if isinstance(obj, WeighbridgeTicket) and not obj.voided]
    for obj in session.dirty:
        if isinstance(obj, WeighbridgeTicket) and \
                db.inspect(obj).attrs.voided.history.has_changes():
            raise UntrackedVoid(f"ticket {obj.id}: void it with void_ticket()")
    if not new:
        return
    sums: Counter = Counter()
    tickets: Counter = Counter()
    for row in new:
        key = (row.arrived_on, row.treatment_facility_id, str(row.stream))
        sums[key] += row.net_weight_kg
        tickets[key] += 1
    add_weights(session.connection(), sums, tickets)


def recount() -> Counter:
    """{(day, facility_id, stream): (kg, tickets)} from the tickets themselves."""
    rows = db.session.execute(
        select(WeighbridgeTicket.arrived_on, WeighbridgeTicket.treatment_facility_id,
               WeighbridgeTicket.stream, func.sum(WeighbridgeTicket.net_weight_kg), func.count())
        .where(WeighbridgeTicket.voided.is_(False))
        .group_by(WeighbridgeTicket.arrived_on, WeighbridgeTicket.treatment_facility_id,
                  WeighbridgeTicket.stream))
    return Counter({(d, f, str(s)): (int(kg), int(n)) for d, f, s, kg, n in rows})


def stored() -> Counter:
    rows = db.session.execute(
        select(DailyIntake.arrived_on, DailyIntake.treatment_facility_id, DailyIntake.stream,
               DailyIntake.weight_kg, DailyIntake.tickets)
        .where((DailyIntake.weight_kg != 0) | (DailyIntake.tickets != 0)))
    return Counter({(d, f, str(s)): (int(kg), int(n)) for d, f, s, kg, n in rows})
