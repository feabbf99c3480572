"""Migration 0006 on a database holding postings: keys become unique per poster (the rows and
their keys are kept, the payload hash goes), and back."""

import contextlib
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

from wastesort import create_app
from wastesort.extensions import db

POSTINGS = """INSERT INTO collections (recycling_point_id, collected_on, category, weight_kg,
    posted_by_id, posted_at, idempotency_key, payload_hash, voided)
    VALUES (:point, '2026-11-01', 'kitchen', :kg, :user, '2026-11-01 10:00:00', :key, 'h', false)"""


@contextlib.contextmanager
def scratch_database_url(tmp_path):
    url = os.environ.get("WASTESORT_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    name = f"wastesort_migration_{os.getpid()}"
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def at_0005(tmp_path):
    """An app on a scratch database at revision 0005 with two postings by two users."""
    with scratch_database_url(tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path),
                          "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(revision="0005")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO districts (code, name, name_en) "
                                  "VALUES ('500103', '渝中区', 'Yuzhong')"))
                conn.execute(text("INSERT INTO townships (district_id, name, kind) "
                                  "VALUES (1, '解放碑街道', 'street')"))
                conn.execute(text("INSERT INTO recycling_points (township_id, name, kind, "
                                  "active) VALUES (1, 'kiosk', 'kiosk', true)"))
                for name in ("a", "b"):
                    conn.execute(text("INSERT INTO users (username, password_hash, role, "
                                      "active, created_at) VALUES (:n, '!', 'admin', true, "
                                      "'2026-01-01 00:00:00')"), {"n": name})
                conn.execute(text(POSTINGS), {"point": 1, "kg": 10, "user": 1, "key": "k1"})
                conn.execute(text(POSTINGS), {"point": 1, "kg": 20, "user": 2, "key": "k2"})
            yield app
            db.engine.dispose()


def collection_columns():
    return {c["name"] for c in inspect(db.engine).get_columns("collections")}


def test_keys_become_unique_per_poster_and_rows_are_kept(at_0005):
    upgrade()
    assert "payload_hash" not in collection_columns()
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT posted_by_id, idempotency_key, weight_kg FROM "
                                 "collections ORDER BY id")).all() == [(1, "k1", 10),
                                                                       (2, "k2", 20)]
        # another poster may now use k1; the same poster may not
        conn.execute(text("INSERT INTO collections (recycling_point_id, collected_on, "
                          "category, weight_kg, posted_by_id, posted_at, idempotency_key, "
                          "voided) VALUES (1, '2026-11-02', 'kitchen', 5, 2, "
                          "'2026-11-02 10:00:00', 'k1', false)"))
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO collections (recycling_point_id, collected_on, "
                          "category, weight_kg, posted_by_id, posted_at, idempotency_key, "
                          "voided) VALUES (1, '2026-11-03', 'kitchen', 5, 2, "
                          "'2026-11-03 10:00:00', 'k1', false)"))


def test_downgrade_restores_city_wide_keys(at_0005):
    upgrade()
    downgrade(revision="0005")
    (payload_hash,) = [c for c in inspect(db.engine).get_columns("collections")
                       if c["name"] == "payload_hash"]
    assert payload_hash["default"] is None and not payload_hash["nullable"]  # as 0001 made it
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text(POSTINGS), {"point": 1, "kg": 30, "user": 2, "key": "k1"})
