"""SQLite writers wait in line on a file lock instead of SQLite's sleeping busy handler.

SQLite lets one writer at a time into a database file. A second writer is told "busy" and its
busy handler *sleeps* (1, 2, 5, 10, … up to 100 ms) before trying again, while the first
writer is often done after a millisecond and already back with its next posting. Under a
kiosk fleet's load this starves a gunicorn worker: posting p99 went to 300 ms with two workers.

Here every SQLite connection takes an exclusive ``flock`` on ``<database>-writers`` before its
first statement that may write, and lets it go when its transaction ends (commit, rollback,
close). A waiting writer blocks in the kernel and wakes the moment the lock is released.
Readers never take it, so WAL readers still run beside the writer.

SQLite's own locking still guarantees correctness; the file lock only orders the writers of
this code. A thread that already holds the lock through another connection does not wait for
it again (it falls back to SQLite's busy handler), so two connections in one thread cannot
deadlock.
"""

import fcntl
import os
import sqlite3
import threading

_READS = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
          "EXPLAIN")
_holders: dict[int, int] = {}  # thread id -> connections of it holding the lock
_holders_lock = threading.Lock()


def _may_write(sql: str) -> bool:
    """Anything but a statement that is known to only read (a WITH may end in an INSERT)."""
    head = sql.lstrip()[:10].upper()
    return not head.startswith(_READS)


class QueuedWritersConnection(sqlite3.Connection):
    """``sqlite3.connect(…, factory=QueuedWritersConnection)``: see the module docstring."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        self._lock_fd = None
        self._lock_path = None if path in ("", ":memory:") or path.startswith("file:") \
            else path + "-writers"
        self._holding = None  # the thread that took the lock, while it holds it

    def cursor(self, factory=None):
        return super().cursor(factory or QueuedWritersCursor)

    def execute(self, sql, parameters=(), /):  # the C shortcut would bypass cursor()
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def _before(self, sql: str) -> None:
        if self._holding is not None or self._lock_path is None or not _may_write(sql):
            return
        thread = self._holding = threading.get_ident()
        with _holders_lock:
            reentrant = _holders.get(thread, 0) > 0
            _holders[thread] = _holders.get(thread, 0) + 1
        if reentrant:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def _after(self) -> None:
        thread, self._holding = self._holding, None
        if thread is None:
            return
        with _holders_lock:
            left = _holders.get(thread, 1) - 1
            if left:
                _holders[thread] = left
            else:
                _holders.pop(thread, None)
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self):
        try:
            super().commit()
        finally:
            self._after()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._after()

    def close(self):
        try:
            super().close()
        finally:
            self._after()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


class QueuedWritersCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        self.connection._before(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        self.connection._before(sql)
        return super().executemany(sql, seq_of_parameters)
