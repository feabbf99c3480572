"""The locks and the retry behind every aggregate-changing write (wastesort/locking.py)."""

import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests import factories
from wastesort.extensions import db
from wastesort.households.models import Household
from wastesort.locking import locked, retry_conflicts


def _two_households(city):
    factories.add_households(city.communities["a1c1"], 2, covered=0)
    return list(db.session.scalars(select(Household.id).order_by(Household.id)))


def test_a_locked_row_is_read_afresh(app, city):
    """A value another connection committed since the session read the row is what the lock
    returns (the session's stale copy is replaced)."""
    first, _ = _two_households(city)
    stale = db.session.get(Household, first)
    assert stale.members == 3
    with db.engine.begin() as other:
        other.execute(text("UPDATE households SET members = 7 WHERE id = :id"), {"id": first})
    assert locked(Household, first).members == 7
    db.session.rollback()


def test_a_lock_makes_the_other_writer_wait(app, city):
    """While one transaction holds a household's lock, another edit of it waits for the commit
    and then sees what was written (SQLite: the write lock; PostgreSQL: FOR UPDATE)."""
    first, _ = _two_households(city)
    held, seen = threading.Event(), []

    def second_writer():
        with app.app_context():
            held.wait(10)
            seen.append(locked(Household, first).members)
            db.session.rollback()
            db.session.remove()

    thread = threading.Thread(target=second_writer)
    thread.start()
    row = locked(Household, first)
    held.set()
    time.sleep(0.3)  # the other writer is waiting for this lock now
    assert not seen
    row.members = 9
    db.session.commit()
    thread.join(10)
    assert seen == [9]


def test_a_deadlock_is_retried(app, city):
    """PostgreSQL: two units of work lock two households in opposite orders; the one that
    loses the deadlock runs again, and both end committed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: it cannot deadlock")
    households = _two_households(city)
    both_hold_one = threading.Barrier(2)
    attempts, done = [], []

    @retry_conflicts
    def edit(order, members):
        attempts.append(members)
        locked(Household, order[0]).members = members
        db.session.flush()
        if attempts.count(members) == 1:
            both_hold_one.wait(10)  # each holds its first household: a cycle follows
        locked(Household, order[1]).members = members
        db.session.commit()
        done.append(members)

    def run(order, members):
        with app.app_context():
            edit(order, members)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(households, 4)),
               threading.Thread(target=run, args=(households[::-1], 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(done) == [4, 5]
    assert len(attempts) == 3  # the deadlock's victim ran twice
    db.session.remove()
    last = done[-1]
    assert db.session.scalars(select(Household.members)).all() == [last, last]


def test_other_errors_are_not_retried(app, city):
    calls = []

    @retry_conflicts
    def duplicate():
        calls.append(1)
        factories.add_households(city.communities["a1c1"], 1, covered=0)

    duplicate()
    with pytest.raises(IntegrityError):
        duplicate()  # the same code again
    assert len(calls) == 2
