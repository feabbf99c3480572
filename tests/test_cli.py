"""The ``wastesort`` command: users, and one plain line for a misconfiguration."""

import os
import subprocess
import sys

from flask_babel import refresh
from sqlalchemy import select

from wastesort.accounts.models import Role, User


def run_wastesort(*args, **env):
    return subprocess.run([sys.executable, "-m", "wastesort", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)


def test_bad_timezone_stops_with_one_line(tmp_path):
    result = run_wastesort("routes", WASTESORT_TIMEZONE="Mars/Olympus",
                           WASTESORT_INSTANCE_PATH=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "wastesort: configuration error: TIMEZONE: unknown time zone 'Mars/Olympus'"]


def test_bad_database_url_stops_with_one_line(tmp_path):
    result = run_wastesort("routes", WASTESORT_SQLALCHEMY_DATABASE_URI="nonsense",
                           WASTESORT_INSTANCE_PATH=str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SQLALCHEMY_DATABASE_URI" in lines[0]


def test_create_user_with_scope(runner, db, city):
    township = city.townships["b1"]
    result = runner.invoke(args=["create-user", "wang", "--role", "street_admin",
                                 "--township-id", str(township.id), "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert user.role is Role.STREET_ADMIN and user.township_id == township.id
    assert user.check_password("s3cret-pass")


def test_create_user_password_from_prompt(runner, db, city):
    result = runner.invoke(args=["create-user", "li", "--role", "manager"],
                           input="long-password\nlong-password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "li")).check_password(
        "long-password")


def test_create_user_refuses_bad_input_in_one_line(runner, db, city):
    result = runner.invoke(args=["create-user", "zhao", "--role", "point_staff",
                                 "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output and "recycling_point_id" in result.output
    assert "Traceback" not in result.output
    taken = runner.invoke(args=["create-user", "admin", "--role", "admin",
                                "--password", "long-password"])
    assert "用户名 admin 已被占用" in taken.output  # a command speaks the environment's language
    refresh()  # the locale is chosen once per application context (a command's process)
    english = runner.invoke(args=["create-user", "admin", "--role", "admin",
                                  "--password", "long-password"], env={"LANG": "en_US.UTF-8"})
    assert "The username admin is taken." in english.output
    assert db.session.scalar(select(User).where(User.username == "zhao")) is None


def test_demo_logins(runner, db, city):
    result = runner.invoke(args=["demo-logins", "--password", "demo-pass-1"])
    assert result.exit_code == 0, result.output
    street = db.session.scalar(select(User).where(User.username == "street"))
    assert street.township_id is not None and street.check_password("demo-pass-1")
