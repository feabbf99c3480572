"""Database behaviour shared by every connection, and the health probe."""

import contextlib
import sqlite3
import time

from flask import Flask
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Connection, Engine

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
    # Checkpoint the WAL every ~40 MB rather than SQLite's 4 MB: fewer, larger checkpoints for
    # a stream of postings (when keys were unique city-wide, a batch of random keys dirtied ~1,000
    # index pages and with the default paid a checkpoint each: docs/performance.md).
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    # cache_size stays SQLite's default (2 MiB a connection): 16 or 64 MiB made the city-scale
    # dashboard no faster through the app (docs/performance.md) while costing that much per
    # pooled connection; no mmap_size either (mapped file pages count in the RSS). Only the
    # bulk loads (the household import) raise it while loading: wastesort/bulk.py.
    cursor.close()


def init_database(app: Flask) -> None:
    """PostgreSQL: ping pooled connections that were idle (see :func:`ping_when_idle`), unless
    the configuration asks for ``pool_pre_ping`` itself."""
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        ping_when_idle(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it has been idle ``idle_seconds``.

    ``pool_pre_ping`` pings on every checkout: one round trip of the six a collection posting
    makes on PostgreSQL (the API benchmark: 0.40 of the bare insert with it, 0.44 without).
    A connection in steady use has just answered; the one a restart or a firewall's idle
    timeout has cut is the one that sat idle. A ping that fails makes the pool connect afresh
    (``DisconnectionError``); a server lost between two close uses fails that one request
    with a 503 (wastesort.errors), and the pool starts afresh."""

    def fresh(_dbapi_connection, record, *_args):
        record.info["idle_since"] = time.monotonic()

    event.listen(engine, "connect", fresh)
    event.listen(engine, "checkin", fresh)

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", float("-inf")) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # as pool_pre_ping does: every pooled connection is suspect now (a restart)
            raise exc.InvalidatePoolError("the pooled connection did not answer") from error


@contextlib.contextmanager
def driver_cursor(connection: Connection):
    """The driver's own cursor on ``connection`` (the session's), for the posting hot path,
    where SQLAlchemy's statement handling cost more than the database's own work. Its errors
    come out as SQLAlchemy's would: a lost connection is invalidated and raised with
    ``connection_invalidated`` (a 503, wastesort.errors), and the next checkout reconnects."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        yield cursor
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise exc.DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect) from error
    finally:
        with contextlib.suppress(dialect.loaded_dbapi.Error):
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
