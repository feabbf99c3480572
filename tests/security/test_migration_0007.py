"""Migration 0007 (login sessions) up and down, on SQLite or on PostgreSQL."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from wastesort import create_app
from wastesort.extensions import db

from ..test_migration_0006 import scratch_database_url


def test_login_sessions_table_comes_and_goes(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path),
                          "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(revision="0006")
            assert "login_sessions" not in inspect(db.engine).get_table_names()
            upgrade(revision="0007")
            columns = {c["name"] for c in inspect(db.engine).get_columns("login_sessions")}
            assert columns == {"id", "user_id", "sid_hash", "created_at", "last_seen_at",
                               "ended_at"}
            downgrade(revision="0006")
            assert "login_sessions" not in inspect(db.engine).get_table_names()
            db.engine.dispose()
