"""One error handler for the whole app: JSON for the API and for clients that ask for JSON,
an HTML page for browsers. Never a traceback for the user.

A database that cannot serve the request right now — unreachable (a restart: connection
refused, "the database system is starting up" or "shutting down", a connection cut), busy (a
deadlock, a serialization failure or SQLite's "database is locked" that the services' own
retries did not absorb) or not writable (a read-only or missing SQLite file, a disk error, a
standby) — is a 503 with ``Retry-After`` and one log line, not a 500 with a traceback:
:func:`database_fault` tells them apart by the driver's error.
"""

import contextlib
import sqlite3
from dataclasses import dataclass

import psycopg
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .extensions import db, login_manager

UNAVAILABLE = _l("The database is unavailable for a moment; try again.")
BUSY = _l("The database is busy; try again in a moment.")
NOT_WRITABLE = _l("The database cannot be written at the moment; try again later.")


@dataclass(frozen=True)
class DatabaseFault:
    """Why the database cannot serve now: ``kind`` for the log and /healthz, ``message`` for
    the client, ``retry_after`` in seconds."""

    kind: str  # "unreachable", "busy" or "not writable"
    message: str
    retry_after: int


UNREACHABLE_FAULT = DatabaseFault("unreachable", UNAVAILABLE, 5)
BUSY_FAULT = DatabaseFault("busy", BUSY, 1)
NOT_WRITABLE_FAULT = DatabaseFault("not writable", NOT_WRITABLE, 30)

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_UNREACHABLE_CLASSES = ("08",)  # connection exception
_PG_BY_SQLSTATE = {
    "57P01": UNREACHABLE_FAULT,  # admin_shutdown: "terminating connection due to administrator
    "57P02": UNREACHABLE_FAULT,  # crash_shutdown                    command" (a restart)
    "57P03": UNREACHABLE_FAULT,  # cannot_connect_now: "the database system is starting up"
    "53300": UNREACHABLE_FAULT,  # too_many_connections
    "53100": NOT_WRITABLE_FAULT,  # disk_full
    "58030": NOT_WRITABLE_FAULT,  # io_error
    "25006": NOT_WRITABLE_FAULT,  # read_only_sql_transaction (a standby after a fail-over)
    "40P01": BUSY_FAULT,  # deadlock_detected
    "40001": BUSY_FAULT,  # serialization_failure
    "55P03": BUSY_FAULT,  # lock_not_available
}
# SQLite primary result codes (error names; extended codes such as SQLITE_BUSY_SNAPSHOT or
# SQLITE_IOERR_WRITE start with them).
_SQLITE_BY_NAME = {
    "SQLITE_BUSY": BUSY_FAULT,  # "database is locked"
    "SQLITE_LOCKED": BUSY_FAULT,
    "SQLITE_READONLY": NOT_WRITABLE_FAULT,  # "attempt to write a readonly database"
    "SQLITE_CANTOPEN": UNREACHABLE_FAULT,  # "unable to open database file"
    "SQLITE_IOERR": NOT_WRITABLE_FAULT,  # "disk I/O error"
    "SQLITE_FULL": NOT_WRITABLE_FAULT,  # "database or disk is full"
}
_SQLITE_BY_MESSAGE = {
    "database is locked": BUSY_FAULT,
    "database table is locked": BUSY_FAULT,
    "attempt to write a readonly database": NOT_WRITABLE_FAULT,
    "unable to open database file": UNREACHABLE_FAULT,
    "disk i/o error": NOT_WRITABLE_FAULT,
    "database or disk is full": NOT_WRITABLE_FAULT,
}


def database_fault(error: BaseException) -> DatabaseFault | None:
    """The fault ``error`` (or an error it was raised from) shows, or None when it is not one
    of "the database cannot serve now" (a bug, a constraint, a syntax error: a 500)."""
    seen = 0
    while error is not None and seen < 5:
        fault = _fault_of(error)
        if fault is not None:
            return fault
        error, seen = error.__cause__, seen + 1
    return None


def _fault_of(error: BaseException) -> DatabaseFault | None:
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return BUSY_FAULT
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return UNREACHABLE_FAULT
        return _driver_fault(error.orig)
    return _driver_fault(error)


def _driver_fault(error) -> DatabaseFault | None:
    if isinstance(error, psycopg.Error):
        sqlstate = error.sqlstate
        if sqlstate is None:
            # Raised by the client library, not the server: connection refused or lost, and
            # every failure to connect (psycopg gives no SQLSTATE to "starting up" there).
            return UNREACHABLE_FAULT if isinstance(error, psycopg.OperationalError) else None
        if sqlstate.startswith(_PG_UNREACHABLE_CLASSES):
            return UNREACHABLE_FAULT
        return _PG_BY_SQLSTATE.get(sqlstate)
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", None) or ""
        for prefix, fault in _SQLITE_BY_NAME.items():
            if name == prefix or name.startswith(prefix + "_"):
                return fault
        return _SQLITE_BY_MESSAGE.get(str(error).strip().lower())
    return None


def one_line(error: BaseException) -> str:
    """The driver's own message, first line only (psycopg adds hints on further lines)."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip() or type(orig).__name__
    return text.splitlines()[0]


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(error: HTTPException):
    """Render ``error`` as JSON or HTML, keeping its headers (405 keeps ``Allow``)."""
    code = error.code or 500
    if wants_json():
        body = {"code": code, "status": error.name, "message": error.description}
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:
            body["errors"] = messages
        response = jsonify(body)
    else:
        response = current_app.make_response(_html_page(error))
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _html_page(error: HTTPException) -> str:
    """The error page; a bare one if the page itself fails (it shows the user, and loading the
    user needs the database that may be the very thing that failed)."""
    try:
        return render_template("error.html", error=error)
    except Exception as page_error:  # never let the error page turn a 503 into a 500
        current_app.logger.warning("the error page failed (%s: %s); sent a plain one",
                                   type(page_error).__name__, one_line(page_error))
        return (f"<!doctype html><title>{error.code} {escape(error.name)}</title>"
                f"<h1>{error.code} · {escape(error.name)}</h1>"
                f"<p>{escape(error.description or '')}</p>")


def database_unavailable(fault: DatabaseFault, error: BaseException):
    """The 503 for ``fault``: one log line (no traceback), ``Retry-After``, JSON or HTML."""
    # The session's transaction died with the statement (rolling back on a dead connection
    # may fail too: it is gone anyway).
    with contextlib.suppress(Exception):
        db.session.rollback()
    if "_login_user" not in g:
        # The page would load the logged-in user from the database that just failed.
        g._login_user = login_manager.anonymous_user()
    current_app.logger.warning("database %s on %s %s: %s", fault.kind, request.method,
                               request.path, one_line(error))
    return error_response(ServiceUnavailable(fault.message, retry_after=fault.retry_after))


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        fault = database_fault(error)
        if fault is not None:
            return database_unavailable(fault, error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(InternalServerError())
