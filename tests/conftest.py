"""Fixtures: ``app``, ``client``, ``db`` and ``city`` (a small registry built through the models).

The schema is made once per run by the real migrations (``flask db upgrade``), on SQLite by
default or on PostgreSQL when ``WASTESORT_TEST_DATABASE_URL`` is set. Every test starts from
empty tables: rows are deleted after each test, so tests may also use several connections and
threads (which a rolled-back outer transaction would not allow).
"""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from wastesort import create_app
from wastesort.extensions import db as _db

from . import factories

# Commands and the scheduler speak the environment's language (wastesort.i18n): the tests pin
# it to the C locale, so they read the default language unless a test sets LANG itself.
for _name in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("WASTESORT_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return url


@pytest.fixture(scope="session")
def instance_root(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def migrated(database_url, instance_root):
    """Run the migrations from an empty database once per test session."""
    app = create_app(app_config(database_url, instance_root))
    with app.app_context():
        _drop_everything()
        upgrade()
        _db.engine.dispose()
    return database_url


def app_config(database_url, instance_path, **extra):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **extra,
    }


def _drop_everything():
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def empty_all_tables():
    _db.session.remove()
    names = [t.name for t in _db.metadata.sorted_tables]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(names):
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(migrated, tmp_path, request):
    marker = request.node.get_closest_marker("config")
    extra = marker.kwargs if marker else {}
    app = create_app(app_config(migrated, tmp_path / "instance", **extra))
    with app.app_context():
        yield app
        empty_all_tables()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def city(db):
    """Two districts, three townships, communities, points, bins, facilities and one user per
    role: see tests/factories.py."""
    return factories.small_city()
