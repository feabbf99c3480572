"""Bulk loading for millions of rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Used by the demo seed and the household import. Rows go through the session's own
connection, so they commit (or roll back) with the rest of the unit of work.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import islice

from .extensions import db

CHUNK_ROWS = 50_000
# SQLite's page cache while loading (KiB; its default is 2 MiB). New rows land all over a large
# table's indexes: with the default, dirty index pages are spilled to the WAL and read back
# again and again within one load (measured at city scale: about a third of the insert time).
SQLITE_LOAD_CACHE_KIB = 32 * 1024


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; returns the row count.

    Values must be plain: int, str, None, or ISO date strings (see :func:`timestamp_text`).
    """
    connection = db.session.connection()
    dbapi = connection.connection.dbapi_connection
    cols = ", ".join(columns)
    count = 0
    if connection.dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})"
    cursor = dbapi.cursor()
    (cache_size,) = cursor.execute("PRAGMA cache_size").fetchone()
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
    try:
        iterator = iter(rows)
        while chunk := list(islice(iterator, CHUNK_ROWS)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")  # dirty pages stay till commit
        cursor.close()
    return count


def timestamp_text(moment: dt.datetime) -> str:
    """An aware datetime as text both databases read as that instant (stored in UTC)."""
    utc = moment.astimezone(dt.UTC)
    if db.session.get_bind().dialect.name == "postgresql":
        return utc.strftime("%Y-%m-%d %H:%M:%S+00")
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
