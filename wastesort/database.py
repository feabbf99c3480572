"""Database behaviour shared by every connection, the check that the database is ready to
serve (migrated to the code's revision), and the health probe."""

import contextlib
import sqlite3
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event, exc, make_url
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
    """Close each request's session without a traceback when the database went away meanwhile
    (see :func:`close_session`); PostgreSQL: ping pooled connections that were idle (see
    :func:`ping_when_idle`), unless the configuration asks for ``pool_pre_ping`` itself."""
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask runs them
    # in reverse), leaving that one nothing to do.
    app.teardown_appcontext(close_session)
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        ping_when_idle(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])


def close_session(_error=None) -> None:
    """``db.session.remove()``, but a database lost since the request's last statement (a
    restart between the answer and the rollback that closes the session) is one log line, not
    an exception out of the WSGI application after its answer was made."""
    from .errors import database_fault, one_line

    try:
        db.session.remove()
    except exc.DBAPIError as error:
        fault = database_fault(error)
        if fault is None:
            raise
        db.session.registry.clear()  # the session's connection is gone; start afresh
        current_app.logger.warning("closing a session: the database is %s: %s", fault.kind,
                                   one_line(error))


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


# --- ready to serve: the schema is the code's ---------------------------------------------

class StartupError(Exception):
    """The service must not start serving; the message is one line for the operator."""


def migration_heads(app: Flask) -> tuple[str, ...]:
    """The newest revision(s) of the migrations this code ships."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory(app.extensions["migrate"].directory).get_heads()))


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revision(s) the database is at; () when no migration was applied."""
    from alembic.runtime.migration import MigrationContext

    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def check_ready_to_serve(app: Flask) -> None:
    """Raise :class:`StartupError` unless the database exists, answers, and is migrated to
    the code's newest revision. Run where the service starts serving (``wsgi.py``,
    ``wastesort run``, ``wastesort scheduler``), not in ``create_app``: ``wastesort db
    upgrade`` must work on an empty database. Closes the connections it opened (gunicorn
    forks its workers after this)."""
    from .errors import one_line

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        _require_sqlite_file(url)
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                current = current_revisions(conn)
        except exc.SQLAlchemyError as error:
            raise StartupError(f"cannot read the database: {one_line(error)}") from None
        finally:
            db.engine.dispose()
    heads = migration_heads(app)
    if current == heads:
        return
    shown, wanted = ", ".join(current), ", ".join(heads)
    if not current:
        raise StartupError(f"the database is empty (no migration applied), not at revision "
                           f"{wanted}; run `wastesort db upgrade`")
    if set(current) <= _known_revisions(app):
        raise StartupError(f"the database is at revision {shown}, not {wanted}; "
                           "run `wastesort db upgrade`")
    raise StartupError(f"the database is at revision {shown}, which this version of "
                       f"wastesort does not know (its newest is {wanted}); run the version "
                       "that migrated it")


def _known_revisions(app: Flask) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(app.extensions["migrate"].directory)
    return {revision.revision for revision in script.walk_revisions()}


def _require_sqlite_file(url) -> None:
    """An SQLite file that does not exist would be created, empty, on the first connection:
    every request would then fail with "no such table" (a missing or wrong instance folder)."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if not path.is_file():
        raise StartupError(f"the database file {path} does not exist (is the instance folder "
                           "right?); run `wastesort db upgrade` to create it")


# --- the health probe ---------------------------------------------------------------------

def database_health() -> tuple[dict, bool]:
    """What ``/healthz`` reports: whether the database can be read and written, and the
    migration it is at; True when it can serve.

    The write is real but undone: in a transaction that is rolled back, the one row of
    ``alembic_version`` is locked for update (PostgreSQL: refused on a standby or in a
    read-only transaction) or updated to itself (SQLite: refused on a read-only file or
    connection), with a short lock wait — a write lock held by a long import is reported as
    ``busy`` and counts as healthy."""
    from .errors import database_fault, one_line

    report = {"database": "unreachable", "write": "unknown", "migration": None}
    try:
        with db.engine.connect() as conn:
            try:
                revisions = conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                report["migration"] = ", ".join(sorted(r for (r,) in revisions)) or None
            except exc.SQLAlchemyError as error:
                if database_fault(error) is not None:
                    raise
                report["database"] = "not migrated"  # no alembic_version: an empty database
                raise
            report["database"] = "ok"
            conn.rollback()
            try:
                report["write"] = _try_write(conn)
            except exc.SQLAlchemyError as error:
                fault = database_fault(error)
                report["write"] = fault.kind if fault is not None else "failed"
                current_app.logger.warning("health: the database cannot be written: %s",
                                           one_line(error))
    except Exception as error:  # any driver error means "not healthy"; never a 500
        current_app.logger.warning("health: the database cannot be read: %s", one_line(error))
    ok = report["database"] == "ok" and report["write"] in ("ok", "busy")
    return report, ok


def _try_write(conn: Connection) -> str:
    """Write and roll back on ``conn``: "ok", or "busy" when another writer holds the lock."""
    sqlite = conn.dialect.name == "sqlite"
    try:
        if sqlite:
            conn.exec_driver_sql("PRAGMA busy_timeout=1000")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
        else:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            conn.exec_driver_sql("SELECT version_num FROM alembic_version FOR UPDATE")
    except exc.OperationalError as error:
        busy = ("SQLITE_BUSY" if sqlite else "55P03")
        if (getattr(error.orig, "sqlite_errorname", None) or
                getattr(error.orig, "sqlstate", None) or "").startswith(busy):
            return "busy"
        raise
    finally:
        conn.rollback()
        if sqlite:
            with contextlib.suppress(exc.SQLAlchemyError):
                conn.exec_driver_sql("PRAGMA busy_timeout=30000")
    return "ok"
