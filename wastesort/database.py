"""Database behaviour shared by every connection, and the health probe."""

import sqlite3

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from .extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite leaves foreign keys off by default; WAL lets readers run beside a writer."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Checkpoint the WAL every ~40 MB rather than SQLite's 4 MB: a batch of postings with random
    # idempotency keys dirties ~1,000 pages of the key's index at city scale, so with the default
    # every batch paid a checkpoint (batches 81 -> 48-66 ms median, docs/performance.md).
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    # cache_size stays SQLite's default (2 MiB a connection): 16 or 64 MiB made the city-scale
    # dashboard no faster through the app (docs/performance.md) while costing that much per
    # pooled connection; no mmap_size either (mapped file pages count in the RSS). Only the
    # bulk loads (the household import) raise it while loading: wastesort/bulk.py.
    cursor.close()


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def database_answers() -> bool:
    """True when a trivial query succeeds: what ``/healthz`` reports."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not healthy"; never a 500
        return False
