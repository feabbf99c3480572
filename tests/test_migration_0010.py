"""Migration 0010 on a database holding users, facilities, a posting, a capacity alert and its
delivery, on SQLite or PostgreSQL: every facility's capacity history starts with the capacity
it had (0 if it was not active) since 2000-01-01, so past days keep their figures; the role and
type constraints take facility operators (with a facility) and landfills and keep every other
rule and row; the downgrade refuses while operators or landfills exist, then restores 0009."""

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
FACILITY = """INSERT INTO treatment_facilities (name, district_id, facility_type,
    capacity_t_per_day, active) VALUES (:name, 1, :type, :capacity, :active)"""
NEW_TABLES = {"facility_capacities", "weighbridge_tickets", "daily_intake", "intake_alerts"}


@pytest.fixture
def at_0009(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path),
                          "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(revision="0009")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO districts (code, name, name_en) "
                                  "VALUES ('500103', '渝中区', 'Yuzhong')"))
                conn.execute(text("INSERT INTO townships (district_id, name, kind) "
                                  "VALUES (1, '解放碑街道', 'street')"))
                conn.execute(text("INSERT INTO recycling_points (township_id, name, kind, "
                                  "active) VALUES (1, 'kiosk', 'kiosk', true)"))
                for name, role, township, point in (("a", "admin", None, None),
                                                    ("s", "street_admin", 1, None),
                                                    ("p", "point_staff", None, 1),
                                                    ("i", "inspector", 1, None)):
                    conn.execute(text(USER), {"name": name, "role": role,
                                              "township": township, "point": point})
                conn.execute(text(FACILITY), {"name": "焚烧厂", "type": "incineration",
                                              "capacity": 3000, "active": True})
                conn.execute(text(FACILITY), {"name": "旧厂", "type": "other",
                                              "capacity": 200, "active": False})
                conn.execute(text("INSERT INTO collections (recycling_point_id, collected_on, "
                                  "category, weight_kg, posted_by_id, posted_at, "
                                  "idempotency_key, voided) VALUES (1, '2026-11-01', "
                                  "'kitchen', 10, 3, '2026-11-01 10:00:00', 'k1', false)"))
                conn.execute(text("INSERT INTO capacity_alerts (day, level, collected_t, "
                                  "capacity_t_per_day, utilisation_percent, raised_at) VALUES "
                                  "('2026-11-01', 'over', 3100, 3000, 103.3, "
                                  "'2026-11-01 10:00:00')"))
                conn.execute(text("INSERT INTO report_subscriptions (email, kind, period, scope, "
                                  "created_at) VALUES ('d@example.org', 'alert', 'day', 'city', "
                                  "'2026-11-01 00:00:00')"))
                conn.execute(text("INSERT INTO report_deliveries (alert_id, subscription_id, "
                                  "email, status, attempts, next_attempt_at, created_at) VALUES "
                                  "(1, 1, 'd@example.org', 'sent', 1, '2026-11-01 10:00:00', "
                                  "'2026-11-01 10:00:00')"))
            yield app
            db.engine.dispose()


def _run(sql, **params):
    with db.engine.begin() as conn:
        return conn.execute(text(sql), params)


def test_upgrade_fills_the_capacity_history_and_keeps_the_rest(at_0009):
    with pytest.raises(IntegrityError):  # 0009 knows no landfills
        _run(FACILITY, name="填埋场", type="landfill", capacity=100, active=True)
    upgrade()
    assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
    history = _run("SELECT f.name, c.effective_from, c.capacity_t_per_day FROM "
                   "facility_capacities c JOIN treatment_facilities f "
                   "ON f.id = c.treatment_facility_id ORDER BY f.id").all()
    assert [(name, str(day), t) for name, day, t in history] == [
        ("焚烧厂", "2000-01-01", 3000), ("旧厂", "2000-01-01", 0)]
    assert _run("SELECT username, role FROM users ORDER BY id").all() == [
        ("a", "admin"), ("s", "street_admin"), ("p", "point_staff"), ("i", "inspector")]
    assert _run("SELECT posted_by_id FROM collections").scalar() == 3
    assert _run("SELECT alert_id, status FROM report_deliveries").all() == [(1, "sent")]
    _run(FACILITY, name="填埋场", type="landfill", capacity=100, active=True)
    _run(USER.replace("recycling_point_id,", "recycling_point_id, treatment_facility_id,")
         .replace(":point,", ":point, :facility,"), name="o", role="facility_operator",
         township=None, point=None, facility=1)
    with pytest.raises(IntegrityError):  # an operator without a facility
        _run(USER, name="o2", role="facility_operator", township=None, point=None)
    with pytest.raises(IntegrityError):  # a delivery of two things at once
        _run("INSERT INTO intake_alerts (day, subject, level, treatment_facility_id, figure_t, "
             "reference_t, raised_at) VALUES ('2026-11-02', 'facility:1', 'over', 1, 3100, "
             "3000, '2026-11-02 10:00:00')")
        _run("INSERT INTO report_deliveries (alert_id, intake_alert_id, subscription_id, email, "
             "status, attempts, next_attempt_at, created_at) VALUES (1, 1, 1, 'd@example.org', "
             "'pending', 0, '2026-11-02 10:00:00', '2026-11-02 10:00:00')")
    for name, role, township, point in (("s2", "street_admin", None, None),
                                        ("p2", "point_staff", None, None),
                                        ("x", "visitor", None, None)):
        with pytest.raises(IntegrityError):
            _run(USER, name=name, role=role, township=township, point=point)


def test_downgrade_refuses_operators_and_landfills_then_restores_0009(at_0009, capfd):
    upgrade()
    _run(FACILITY, name="填埋场", type="landfill", capacity=100, active=True)
    with pytest.raises(SystemExit):
        downgrade(revision="0009")
    assert "1 facilities are landfills" in capfd.readouterr().err
    _run("DELETE FROM facility_capacities WHERE treatment_facility_id = 3")
    _run("DELETE FROM treatment_facilities WHERE facility_type = 'landfill'")
    downgrade(revision="0009")
    assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
    assert "treatment_facility_id" not in {c["name"] for c in inspect(db.engine)
                                           .get_columns("users")}
    assert _run("SELECT alert_id, status FROM report_deliveries").all() == [(1, "sent")]
    with pytest.raises(IntegrityError):
        _run(FACILITY, name="填埋场", type="landfill", capacity=100, active=True)
    upgrade()  # and up again
    assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
