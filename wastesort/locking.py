"""Who decides a change that an aggregate follows: the database, never the request.

``daily_tonnage`` and ``household_tallies`` move by the difference between a row's old and new
values. If two requests read the same old values and both write, the aggregate moves twice for
one real change (two voids of one record, two edits of one household). So every such change
either is a conditional UPDATE whose row count says whether *this* request changed the row
(voids), or reads the row under a lock held until the commit (:func:`locked`, :func:`lock_rows`):
the second request then reads what the first wrote, and moves the aggregate by that difference.

The locks, by database:

- PostgreSQL: ``SELECT … FOR UPDATE``, several rows in id order (two writers locking overlapping
  sets in another order would deadlock).
- SQLite: one writer at a time for the whole file. The driver begins a transaction only at the
  first write, so reads before it are not part of it; :func:`hold_write_lock` begins it with
  ``BEGIN IMMEDIATE`` (waiting up to ``busy_timeout``), and the reads that follow see the last
  commit, which no other writer can follow until ours ends.

A deadlock or serialisation failure that PostgreSQL still reports (a lock order we do not
control) is retried by :func:`retry_conflicts` from the start of the unit of work.
"""

import functools
import logging
import random
import time

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from .extensions import db

log = logging.getLogger(__name__)

RETRIED_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
ATTEMPTS = 4


def hold_write_lock() -> None:
    """SQLite: take the database's write lock now, in the session's transaction (a no-op on
    PostgreSQL, whose locks are per row)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def locked(model, row_id: int):
    """``model``'s row ``row_id`` read afresh under a lock held until the commit, or None."""
    rows = lock_rows(model, [row_id])
    return rows[0] if rows else None


def lock_rows(model, ids) -> list:
    """The rows of ``model`` with these ids, locked in id order and read afresh (values an
    earlier read left in the session are replaced)."""
    hold_write_lock()
    return list(db.session.scalars(
        select(model).where(model.id.in_(sorted(set(ids)))).order_by(model.id)
        .with_for_update(of=model).execution_options(populate_existing=True)))


def is_retryable(error: BaseException) -> bool:
    """A deadlock or serialisation failure: the transaction lost, and may be run again."""
    orig = getattr(error, "orig", None)
    return isinstance(error, DBAPIError) and getattr(orig, "sqlstate", None) in RETRIED_SQLSTATES


def retry_conflicts(function):
    """Run ``function`` (a unit of work that commits) again after a deadlock or serialisation
    failure, up to ``ATTEMPTS`` times with a short random pause; the last failure propagates
    (the error handler answers 503 with Retry-After)."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except DBAPIError as error:
                db.session.rollback()
                if not is_retryable(error) or attempt == ATTEMPTS:
                    raise
                log.info("%s: %s, attempt %d of %d", function.__name__,
                         type(error.orig).__name__, attempt, ATTEMPTS)
                time.sleep(random.uniform(0.005, 0.05) * attempt)
        raise AssertionError("unreachable")

    return run
