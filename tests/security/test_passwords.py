"""Passwords: Argon2id with OWASP's parameters, older hashes made again at login, and a login
that takes as long whether the username exists or not."""

import statistics
import time

import pytest
from sqlalchemy import select

from wastesort.accounts.models import User

OWASP_ARGON2 = "$argon2id$v=19$m=19456,t=2,p=1$"


def stored_hash(db, username):
    db.session.expire_all()
    return db.session.scalar(select(User.password_hash).where(User.username == username))


@pytest.mark.config(PASSWORD_HASH_METHOD="argon2id")
def test_new_passwords_are_argon2id_with_owasp_parameters(db, city):
    user = city.users["street"]
    user.set_password("a-new-password-1")
    db.session.commit()
    assert stored_hash(db, "street").startswith(OWASP_ARGON2)
    assert user.check_password("a-new-password-1")
    assert not user.check_password("a-new-password-2")


@pytest.mark.config(PASSWORD_HASH_METHOD="argon2id")
def test_an_older_hash_is_made_again_at_login(browser, db, city):
    from werkzeug.security import generate_password_hash

    city.users["street"].password_hash = generate_password_hash("password123", "scrypt")
    db.session.commit()  # as made before Argon2id
    browser.submit("/login", {"username": "street", "password": "wrong-password"})
    assert stored_hash(db, "street").startswith("scrypt:")  # not by a wrong password
    browser.login("street")
    assert stored_hash(db, "street").startswith(OWASP_ARGON2)
    browser.submit("/logout", form_url="/dashboard/")
    browser.login("street")  # the new hash verifies


@pytest.mark.config(PASSWORD_HASH_METHOD="argon2id")
def test_login_takes_as_long_for_an_unknown_name(browser, db, city):
    city.users["street"].set_password("password123")
    db.session.commit()

    def median_seconds(username):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = browser.submit("/login", {"username": username,
                                                 "password": "wrong-password"},
                                      form_url="/")  # the form's token, not its time
            times.append(time.perf_counter() - started)
            assert response.status_code == 422
        return statistics.median(times)

    known, unknown = median_seconds("street"), median_seconds("nobody-by-this-name")
    assert unknown > 0.03  # a hash was checked
    assert 0.5 < unknown / known < 2


def test_wrong_hash_method_is_one_line(migrated, tmp_path):
    from wastesort import create_app
    from wastesort.config import ConfigError

    from ..conftest import app_config

    with pytest.raises(ConfigError, match="PASSWORD_HASH_METHOD"):
        create_app(app_config(migrated, tmp_path, PASSWORD_HASH_METHOD="md5"))
