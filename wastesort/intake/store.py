"""How tickets reach the database: one statement per posting, batch or import, with the daily
intake of what it stored, in the caller's transaction.

As the collections' postings (wastesort/collections/store.py, which measured why): the
driver's cursor, the rows as one JSON text (SQLite) or one array per column (PostgreSQL), so
the statement text never changes and each driver parses it once. ``ON CONFLICT DO NOTHING`` on
the facility's ticket number lets the unique index tell a retry: a ticket number stored before
(or by a concurrent request, which PostgreSQL waits for) returns no id.
"""

import datetime as dt
import json
from collections import Counter

from ..database import driver_cursor
from ..extensions import db
from . import aggregate

_COLUMNS = ("treatment_facility_id, ticket_number, arrived_at, arrived_on, stream, "
            "net_weight_kg, township_id, vehicle_plate")

_INSERT_SQLITE = f"""
    INSERT INTO weighbridge_tickets ({_COLUMNS}, posted_by_id, posted_at, voided)
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
           value ->> 6, value ->> 7, ?, ?, 0
    FROM json_each(?) WHERE true
    ON CONFLICT (treatment_facility_id, ticket_number) DO NOTHING
    RETURNING treatment_facility_id, ticket_number, id"""

# PostgreSQL adds the stored tickets to the daily intake in the same statement, its rows in
# key order (concurrent batches lock them in one order).
_INSERT_POSTGRESQL = f"""
    WITH stored AS (
        INSERT INTO weighbridge_tickets ({_COLUMNS}, posted_by_id, posted_at, voided)
        SELECT r.*, %s, %s, false
        FROM unnest(%b::integer[], %b::text[], %b::timestamptz[], %b::date[], %b::text[],
                    %b::integer[], %b::integer[], %b::text[]) AS r
        ON CONFLICT (treatment_facility_id, ticket_number) DO NOTHING
        RETURNING treatment_facility_id, ticket_number, id, arrived_on, stream, net_weight_kg
    ), added AS (
        INSERT INTO daily_intake (arrived_on, treatment_facility_id, stream, weight_kg, tickets)
        SELECT arrived_on, treatment_facility_id, stream, sum(net_weight_kg), count(*)
        FROM stored GROUP BY arrived_on, treatment_facility_id, stream
        ORDER BY arrived_on, treatment_facility_id, stream
        ON CONFLICT (arrived_on, treatment_facility_id, stream) DO UPDATE
        SET weight_kg = daily_intake.weight_kg + excluded.weight_kg,
            tickets = daily_intake.tickets + excluded.tickets
    )
    SELECT treatment_facility_id, ticket_number, id FROM stored"""


def store_new(user_id: int | None, posted_at: dt.datetime, tickets: list) -> dict:
    """Store checked tickets (``TicketInput``, distinct (facility, number)) as not void, and
    their weight in the daily intake; returns {(facility id, ticket number): id} of the
    tickets stored now. A number the facility stored before is left alone: the caller tells a
    retry from a conflicting reuse."""
    connection = db.session.connection()
    tickets = sorted(tickets, key=lambda t: (t.treatment_facility_id, t.ticket_number))
    with driver_cursor(connection) as cursor:
        if connection.dialect.name == "postgresql":
            columns = [list(column) for column in zip(*(
                (t.treatment_facility_id, t.ticket_number, t.arrived_at, t.arrived_on,
                 t.stream.value, t.net_weight_kg, t.township_id, t.vehicle_plate)
                for t in tickets), strict=True)]
            cursor.execute(_INSERT_POSTGRESQL, (user_id, posted_at, *columns))
            return {(f, n): i for f, n, i in cursor.fetchall()}
        rows = json.dumps([(t.treatment_facility_id, t.ticket_number, _utc_text(t.arrived_at),
                            t.arrived_on.isoformat(), t.stream.value, t.net_weight_kg,
                            t.township_id, t.vehicle_plate) for t in tickets])
        ids = {(f, n): i for f, n, i in cursor.execute(
            _INSERT_SQLITE, (user_id, _utc_text(posted_at), rows)).fetchall()}
    sums: Counter = Counter()
    counts: Counter = Counter()
    for t in tickets:
        if (t.treatment_facility_id, t.ticket_number) in ids:
            key = (t.arrived_on, t.treatment_facility_id, t.stream.value)
            sums[key] += t.net_weight_kg
            counts[key] += 1
    aggregate.add_weights(connection, sums, counts)
    return ids


def _utc_text(moment: dt.datetime) -> str:
    """An instant as SQLAlchemy's UtcDateTime stores it on SQLite."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
