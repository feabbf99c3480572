"""API tokens expire API_TOKEN_LIFETIME_DAYS after they are issued; the token list shows when."""

import datetime as dt

import pytest
import time_machine
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from wastesort import create_app
from wastesort.accounts.tokens import issue_token
from wastesort.extensions import db as _db

from ..test_migration_0006 import scratch_database_url

START = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def test_a_token_answers_401_once_it_has_expired(api, client, city):
    with time_machine.travel(START, tick=False) as clock:
        _token, plain = issue_token(city.users["street"], "kiosk")
        auth = {"Authorization": f"Bearer {plain}", "Accept-Language": "en"}
        clock.shift(dt.timedelta(days=90) - dt.timedelta(minutes=1))
        assert client.get("/api/v1/communities", headers=auth).status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        expired = client.get("/api/v1/communities", headers=auth)
        assert expired.status_code == 401
        assert "expired" in expired.json["message"]


@pytest.mark.config(API_TOKEN_LIFETIME_DAYS=7)
def test_the_token_list_shows_when_each_expires(api, city):
    with time_machine.travel(START, tick=False):
        made = api.post("/api/v1/tokens", json={"name": "kiosk 7"}, as_="admin")
        assert made.status_code == 201, made.json
        assert made.json["expires_at"].startswith("2026-12-07T02:00:00")
        listed = api.get("/api/v1/tokens", as_="admin").json["items"]
        [row] = [t for t in listed if t["name"] == "kiosk 7"]
        assert row["expires_at"].startswith("2026-12-07T02:00:00")


def test_create_token_command_says_until_when(runner, city):
    result = runner.invoke(args=["create-token", "street", "--name", "kiosk"])
    assert result.exit_code == 0, result.output
    assert "valid until" in result.stderr


def test_wrong_lifetime_is_one_line(migrated, tmp_path):
    from wastesort.config import ConfigError

    from ..conftest import app_config

    with pytest.raises(ConfigError, match="API_TOKEN_LIFETIME_DAYS"):
        create_app(app_config(migrated, tmp_path, API_TOKEN_LIFETIME_DAYS=0))


def test_migration_gives_old_tokens_ninety_days_and_goes_back(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path),
                          "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(revision="0007")
            with _db.engine.begin() as conn:
                conn.execute(text("INSERT INTO users (username, password_hash, role, active, "
                                  "created_at) VALUES ('a', '!', 'admin', true, "
                                  "'2026-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, prefix, "
                                  "created_at) VALUES (1, 'old', 'h', 'ws_x', "
                                  "'2026-01-01 00:00:00')"))
            upgrade(revision="0008")
            from wastesort.accounts.models import ApiToken

            ends = _db.session.get(ApiToken, 1).expires_at
            expected = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
            assert abs(ends - expected) < dt.timedelta(minutes=5)
            column = {c["name"]: c for c in inspect(_db.engine).get_columns("api_tokens")}
            assert column["expires_at"]["nullable"] is False
            _db.session.remove()
            downgrade(revision="0007")
            assert "expires_at" not in {c["name"] for c in
                                        inspect(_db.engine).get_columns("api_tokens")}
            _db.engine.dispose()
