"""PostgreSQL connections lost while pooled (a server restart, a firewall's idle timeout): one
idle past DATABASE_PING_AFTER_IDLE_SECONDS is pinged and replaced unnoticed; one lost between
two close uses fails its request with a 503, never a 500, and the next request works. A pooled
connection in steady use is not pinged (the ping is a round trip of every request)."""

import psycopg
import pytest
from sqlalchemy import make_url, text

URL = "/api/v1/districts"


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: an SQLite file has no connection to lose")


def cut_pooled_connection(db) -> None:
    """Terminate the server process behind the pool's connection (the only one: requests
    here run one after another)."""
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.remove()  # back to the pool, still believed alive
    url = make_url(db.engine.url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


@pytest.mark.config(DATABASE_PING_AFTER_IDLE_SECONDS=0)
def test_an_idle_connection_cut_by_the_server_is_replaced_unnoticed(api, db):
    assert api.get(URL).status_code == 200
    cut_pooled_connection(db)
    assert api.get(URL).status_code == 200


@pytest.mark.config(DATABASE_PING_AFTER_IDLE_SECONDS=3600)
def test_a_connection_cut_between_close_uses_is_one_503(api, db):
    assert api.get(URL).status_code == 200
    cut_pooled_connection(db)
    response = api.get(URL)
    assert response.status_code == 503
    assert response.get_json()["message"] == "The database is unavailable for a moment; try again."
    assert api.get(URL).status_code == 200


@pytest.mark.config(DATABASE_PING_AFTER_IDLE_SECONDS=30)
def test_only_a_connection_idle_past_the_setting_is_pinged(api, db, monkeypatch):
    """A connection in steady use is not pinged; one idle past the setting is (a clock
    stands in for the wait)."""
    from wastesort import database

    now = [database.time.monotonic()]
    monkeypatch.setattr(database.time, "monotonic", lambda: now[0])
    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))

    def get_after(seconds):
        db.session.remove()  # as each request's teardown does: the connection goes back
        now[0] += seconds
        return api.get(URL).status_code

    assert get_after(0) == 200
    assert get_after(29) == 200
    assert pings == []
    assert get_after(31) == 200
    assert len(pings) == 1


@pytest.mark.config(DATABASE_PING_AFTER_IDLE_SECONDS=3600)
def test_a_posting_whose_connection_is_lost_is_a_503_and_its_retry_counts_once(api, city, db,
                                                                               monkeypatch):
    """Lost in the middle of the posting (its insert runs on the driver's own cursor): a 503,
    the pool reconnects, and the kiosk's retry with the same key stores it once."""
    from wastesort.collections import service, store
    from wastesort.collections.models import Collection
    from wastesort.timeutil import local_today

    real_store = store.store_new
    cut = []

    def cut_then_store(*args):
        if not cut:
            cut.append(True)
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
            url = make_url(db.engine.url).set(drivername="postgresql")
            with psycopg.connect(url.render_as_string(hide_password=False),
                                 autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return real_store(*args)

    monkeypatch.setattr(service.store, "store_new", cut_then_store)
    body = {"recycling_point_id": city.points["a1"].id, "collected_on": str(local_today()),
            "category": "kitchen", "weight_kg": 1500}
    headers = {"Idempotency-Key": "kiosk-lost-1"}
    response = api.post("/api/v1/collections", as_="staff", json=body, headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert api.post("/api/v1/collections", as_="staff", json=body,
                    headers=headers).status_code == 201
    assert api.post("/api/v1/collections", as_="staff", json=body,
                    headers=headers).status_code == 200
    db.session.remove()
    assert db.session.query(Collection).count() == 1
