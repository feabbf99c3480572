"""How postings reach the database: one statement per posting or batch, with the daily tonnage
of what it stored, in the caller's transaction.

This is every kiosk's hot path, so it runs on the driver's cursor: SQLAlchemy's per-row
parameter processing cost more than the database's own work (~25 ms of a 1,000-record batch),
and its statement handling alone about as much as SQLite's insert of one posting.
The rows travel as one JSON text (SQLite) or as one array per column (PostgreSQL), so the
statement text never changes and each driver parses it once (psycopg spent ~35 ms parsing a
500-row ``VALUES`` list on every batch). The values are made plain here as SQLAlchemy would
store them; ``tests/api/test_collections.py`` reads them back through the ORM.
"""

import datetime as dt
import json
from operator import itemgetter

from ..database import driver_cursor
from ..extensions import db
from . import tonnage

_INSERT_SQLITE = """
    INSERT INTO collections (recycling_point_id, collected_on, category, weight_kg,
                             idempotency_key, posted_by_id, posted_at, voided)
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?, ?, 0
    FROM json_each(?) WHERE true
    ON CONFLICT (posted_by_id, idempotency_key) DO NOTHING
    RETURNING idempotency_key, id"""

# PostgreSQL adds the stored rows to the daily tonnage in the same statement. The points are
# read ``FOR KEY SHARE`` (the lock the foreign key takes anyway, so no extra write): a point's
# move to another town or street locks it ``FOR UPDATE`` and only then looks for collections,
# so it either waits for this posting to commit and refuses, or goes first, and this read then
# returns the point as moved. Tonnage rows are added in key order, so concurrent batches lock
# them in one order and never deadlock.
_INSERT_POSTGRESQL = """
    WITH points AS (
        SELECT id, township_id FROM recycling_points WHERE id = ANY(%b::integer[])
        FOR KEY SHARE
    ), stored AS (
        INSERT INTO collections (recycling_point_id, collected_on, category, weight_kg,
                                 idempotency_key, posted_by_id, posted_at, voided)
        SELECT r.*, %s, %s, false
        FROM unnest(%b::integer[], %b::date[], %b::text[], %b::integer[], %b::text[]) AS r
        ON CONFLICT (posted_by_id, idempotency_key) DO NOTHING
        RETURNING idempotency_key, id, recycling_point_id, collected_on, category, weight_kg
    ), added AS (
        INSERT INTO daily_tonnage (collected_on, township_id, category, weight_kg, records)
        SELECT s.collected_on, p.township_id, s.category, sum(s.weight_kg), count(*)
        FROM stored AS s JOIN points AS p ON p.id = s.recycling_point_id
        GROUP BY s.collected_on, p.township_id, s.category
        ORDER BY s.collected_on, p.township_id, s.category
        ON CONFLICT (collected_on, township_id, category) DO UPDATE
        SET weight_kg = daily_tonnage.weight_kg + excluded.weight_kg,
            records = daily_tonnage.records + excluded.records
    )
    SELECT idempotency_key, id FROM stored"""


def store_new(user_id: int, posted_at: dt.datetime, records: list) -> dict[str, int]:
    """Store checked records ``[(key, CollectionInput)]`` as not void, and their weight in the
    daily tonnage; returns {idempotency key: id} of the records stored now. A key this user
    stored before is left alone (``ON CONFLICT DO NOTHING``): the caller tells a retry from a
    conflicting reuse. Keys must be distinct.

    The town or street a posting counts for is read inside the writing transaction, never
    carried from the checks: a point may have moved in between (it may move only while it has
    no collections, and this transaction is what gives it some)."""
    connection = db.session.connection()  # the session's transaction, which commits them
    records = sorted(records, key=itemgetter(0))  # one key order: concurrent batches never
    with driver_cursor(connection) as cursor:    # wait on each other's keys in a cycle
        if connection.dialect.name == "postgresql":
            columns = [list(column) for column in zip(*(  # lists: psycopg sends them as arrays
                (r.recycling_point_id, r.collected_on, r.category.value, r.weight_kg, key)
                for key, r in records), strict=True)]
            point_ids = sorted(set(columns[0]))
            cursor.execute(_INSERT_POSTGRESQL, (point_ids, user_id, posted_at, *columns))
            return dict(cursor.fetchall())
        rows = json.dumps([(r.recycling_point_id, r.collected_on.isoformat(), r.category.value,
                            r.weight_kg, key) for key, r in records])
        at = posted_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        ids = dict(cursor.execute(_INSERT_SQLITE, (user_id, at, rows)).fetchall())
        # the INSERT took SQLite's write lock: no point can move until this commits
        tonnage.add_point_postings(cursor, ((r.collected_on, r.recycling_point_id, r.category,
                                             r.weight_kg) for key, r in records if key in ids))
    return ids
