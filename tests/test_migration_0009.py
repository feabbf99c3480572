"""Migration 0009 on a database holding users, tokens and postings, on SQLite or PostgreSQL: the
role constraint takes ``inspector`` (with a township) and keeps every other rule and row; the
inspection tables come, and go again on a downgrade, which refuses while inspectors exist."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from wastesort import create_app
from wastesort.extensions import db

from .test_migration_0006 import scratch_database_url

USER = """INSERT INTO users (username, password_hash, role, township_id, recycling_point_id,
    active, created_at)
    VALUES (:name, '!', :role, :township, :point, true, '2026-01-01 00:00:00')"""
INSPECTION_TABLES = {"inspections", "inspection_photos", "daily_inspection_tally"}


@pytest.fixture
def at_0008(tmp_path):
    """An app on a scratch database at revision 0008 with a user of each role, a token and a
    posting (rows that refer to ``users``, which SQLite's batch mode copies)."""
    with scratch_database_url(tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path),
                          "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(revision="0008")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO districts (code, name, name_en) "
                                  "VALUES ('500103', '渝中区', 'Yuzhong')"))
                conn.execute(text("INSERT INTO townships (district_id, name, kind) "
                                  "VALUES (1, '解放碑街道', 'street')"))
                conn.execute(text("INSERT INTO recycling_points (township_id, name, kind, "
                                  "active) VALUES (1, 'kiosk', 'kiosk', true)"))
                for name, role, township, point in (("a", "admin", None, None),
                                                    ("m", "manager", None, None),
                                                    ("s", "street_admin", 1, None),
                                                    ("p", "point_staff", None, 1)):
                    conn.execute(text(USER), {"name": name, "role": role,
                                              "township": township, "point": point})
                conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, prefix, "
                                  "created_at, expires_at) VALUES (4, 'kiosk', 'h', 'p', "
                                  "'2026-01-01 00:00:00', '2027-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO collections (recycling_point_id, collected_on, "
                                  "category, weight_kg, posted_by_id, posted_at, "
                                  "idempotency_key, voided) VALUES (1, '2026-11-01', "
                                  "'kitchen', 10, 4, '2026-11-01 10:00:00', 'k1', false)"))
            yield app
            db.engine.dispose()


def _insert_user(name, role, township=None, point=None):
    with db.engine.begin() as conn:
        conn.execute(text(USER), {"name": name, "role": role, "township": township,
                                  "point": point})


def test_upgrade_admits_inspectors_with_a_township_and_keeps_the_rest(at_0008):
    with pytest.raises(IntegrityError):  # 0008 knows no inspectors
        _insert_user("i0", "inspector", township=1)
    upgrade()
    assert set(inspect(db.engine).get_table_names()) >= INSPECTION_TABLES
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT username, role FROM users ORDER BY id")).all() == [
            ("a", "admin"), ("m", "manager"), ("s", "street_admin"), ("p", "point_staff")]
        assert conn.scalar(text("SELECT count(*) FROM api_tokens WHERE user_id = 4")) == 1
        assert conn.scalar(text("SELECT posted_by_id FROM collections")) == 4
    _insert_user("i1", "inspector", township=1)
    for name, role, township, point in (("i2", "inspector", None, None),  # no township
                                        ("x", "visitor", None, None),  # no such role
                                        ("s2", "street_admin", None, None),  # kept rules
                                        ("p2", "point_staff", None, None)):
        with pytest.raises(IntegrityError):
            _insert_user(name, role, township, point)


def test_downgrade_refuses_inspectors_then_restores_0008(at_0008, capfd):
    upgrade()
    _insert_user("i1", "inspector", township=1)
    with pytest.raises(SystemExit):  # how Flask-Migrate ends a failed command
        downgrade(revision="0008")
    assert "1 users are inspectors, a role 0008 does not know" in capfd.readouterr().err
    assert set(inspect(db.engine).get_table_names()) >= INSPECTION_TABLES
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE role = 'inspector'"))
    downgrade(revision="0008")
    assert not INSPECTION_TABLES & set(inspect(db.engine).get_table_names())
    with pytest.raises(IntegrityError):
        _insert_user("i3", "inspector", township=1)
    _insert_user("s3", "street_admin", township=1)
