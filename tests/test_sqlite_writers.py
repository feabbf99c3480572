"""SQLite writers queue on a file lock (wastesort.sqlite_writers), and the app's engine uses it
with its pragmas intact."""

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from wastesort.sqlite_writers import QueuedWritersConnection


def connect(path):
    conn = sqlite3.connect(path, factory=QueuedWritersConnection, timeout=0.05,
                           check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "queue.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
    return path


def test_a_second_writer_waits_for_the_first_instead_of_failing(database):
    """With a 50 ms busy timeout, plain SQLite would fail the second writer ("database is
    locked") while the first holds its transaction for 300 ms; queued, it waits its turn."""
    first, second = connect(database), connect(database)
    first.execute("INSERT INTO t VALUES (1)")  # holds the write lock until commit
    finished = []

    def write():
        second.execute("INSERT INTO t VALUES (2)")
        second.commit()
        finished.append(time.monotonic())

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.3)
    assert not finished, "the second writer must wait while the first holds the lock"
    committed = time.monotonic()
    first.commit()
    thread.join(5)
    assert finished and finished[0] >= committed
    assert [n for (n,) in first.execute("SELECT n FROM t ORDER BY rowid")] == [1, 2]


def test_plain_sqlite_would_have_failed_the_same_way(database):
    """The control for the test above: without the queue the second writer gets "busy"."""
    first = sqlite3.connect(database, timeout=0.05)
    second = sqlite3.connect(database, timeout=0.05)
    first.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")
    first.rollback()


def test_readers_do_not_wait_for_a_writer(database):
    writer, reader = connect(database), connect(database)
    writer.execute("INSERT INTO t VALUES (1)")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # WAL: no waiting
    writer.rollback()


def test_one_thread_with_two_writing_connections_does_not_deadlock(database):
    """The second connection of a thread that holds the lock falls back to SQLite's busy
    handler (here: fails after 50 ms) instead of waiting for itself forever."""
    first, second = connect(database), connect(database)
    first.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")
    second.rollback()
    first.commit()
    second.execute("INSERT INTO t VALUES (3)")  # the lock was released: no wait, no error
    second.commit()


def test_the_app_engine_queues_writers_and_keeps_its_pragmas(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, QueuedWritersConnection)
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
