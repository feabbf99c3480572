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


@pytest.mark.config(DATABASE_PING_AFTER_IDLE_SECONDS=3600)
def test_a_connection_in_steady_use_is_not_pinged(api, db, monkeypatch):
    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    for _ in range(3):
        assert api.get(URL).status_code == 200
    assert pings == []


@pytest.mark.config(DATABASE_PING_AFTER_IDLE_SECONDS=0)
def test_an_idle_connection_is_pinged(api, db, monkeypatch):
    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    assert api.get(URL).status_code == 200
    assert pings

