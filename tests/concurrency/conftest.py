"""The race harness: run several requests at the same moment, from threads of this process or
from threads of two forked processes (each with its own connections, as gunicorn workers),
then prove with ``wastesort check`` that no aggregate drifted.

``WASTESORT_RACE_ROUNDS`` sets how many rounds each race runs (default 3): a race that loses
only sometimes is caught by repeating it, not by one lucky interleaving.
"""

import multiprocessing
import os
import threading
import traceback

import pytest

from wastesort.accounts.tokens import issue_token
from wastesort.check import drift
from wastesort.extensions import db

ROUNDS = int(os.environ.get("WASTESORT_RACE_ROUNDS", "3"))
MODES = ["threads", "processes"]


@pytest.fixture
def tokens(city):
    return {role: issue_token(user, f"{role} test")[1] for role, user in city.users.items()}


def race(app, ops, mode: str = "threads") -> list:
    """Call every ``op`` (a function of no arguments, run inside an application context) at
    once; returns their results in order. ``mode`` "processes" splits the ops over two forked
    processes, whose results come back through a queue (so they must be picklable)."""
    db.session.remove()
    if mode == "threads":
        barrier = threading.Barrier(len(ops))
        results = [None] * len(ops)
        threads = [threading.Thread(target=_run, args=(app, op, barrier, results, i))
                   for i, op in enumerate(ops)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(len(ops)), context.Queue()
    halves = [list(range(len(ops)))[k::2] for k in range(2)]
    db.engine.dispose()  # no pooled connection crosses the fork: each child opens its own
    children = [context.Process(target=_child, args=(app, ops, half, barrier, queue))
                for half in halves]
    for child in children:
        child.start()
    results = [None] * len(ops)
    for _ in ops:
        index, result = queue.get(timeout=120)
        results[index] = result
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0, f"a racing process exited with {child.exitcode}"
    return results


def _child(app, ops, indexes, barrier, queue):
    db.engine.dispose(close=False)  # never use the parent's pooled connections
    results = [None] * len(ops)
    threads = [threading.Thread(target=_run, args=(app, ops[i], barrier, results, i))
               for i in indexes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for i in indexes:
        queue.put((i, results[i]))
    db.engine.dispose()


def _run(app, op, barrier, results, index):
    with app.app_context():
        try:
            barrier.wait(timeout=60)
            results[index] = op()
        except Exception:  # reported as the op's result, so the test shows it
            results[index] = "error: " + traceback.format_exc(limit=3)
        finally:
            db.session.remove()


def api_call(app, method, url, token, json=None, headers=None):
    """An op: one API request; its result is (status, JSON body)."""

    def op():
        response = app.test_client().open(url, method=method, json=json, headers={
            "Authorization": f"Bearer {token}", **(headers or {})})
        result = (response.status_code, response.get_json())
        response.close()
        return result

    return op


def assert_no_drift(runner=None):
    """Every aggregate equals its recount (what ``wastesort check`` prints)."""
    db.session.remove()
    found = drift()
    assert found == {name: [] for name in found}, found
    if runner is not None:
        result = runner.invoke(args=["check"])
        assert result.exit_code == 0, result.output
