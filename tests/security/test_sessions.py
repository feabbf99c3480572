"""A login session ends at logout, at a password, role or scope change, after the idle and the
absolute lifetime; logging in starts a new session. A copy of the cookie taken before any of
these no longer logs anyone in."""

import datetime as dt

import pytest
import time_machine

from .conftest import Browser


def session_cookie(client):
    return client.get_cookie("session").value


def copy_of(app, cookie_value):
    """Another browser holding a copy of the cookie (stolen, or left on a shared computer)."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def logged_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


def test_cookie_copied_before_logout_is_dead_after_it(app, browser, city):
    browser.login("manager")
    copy = copy_of(app, session_cookie(browser.client))
    assert logged_in(copy)
    browser.submit("/logout", form_url="/dashboard/")
    assert not logged_in(browser.client)
    assert not logged_in(copy)


def test_login_starts_a_new_session(app, browser, city):
    """Nothing of the session before the login is carried into it (its CSRF secret neither),
    but the language chosen."""
    browser.submit("/language", {"language": "en", "next": "/login"}, form_url="/login")
    before = decoded(app, browser.client)
    browser.login("manager")
    browser.get("/dashboard/")
    after = decoded(app, browser.client)
    assert after["csrf_token"] != before["csrf_token"]
    assert after["locale"] == "en"
    assert after["_user_id"] == str(city.users["manager"].id)


def decoded(app, client) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(session_cookie(client))


def test_second_login_does_not_revive_a_logged_out_session(app, browser, city):
    browser.login("manager")
    old = session_cookie(browser.client)
    browser.submit("/logout", form_url="/dashboard/")
    browser.login("manager")
    assert logged_in(browser.client)
    assert not logged_in(copy_of(app, old))


@pytest.mark.parametrize("change", [
    {"password": "a-new-password-1"},
    {"role": "manager", "township_id": ""},
    {"active": ""},
])
def test_password_role_or_deactivation_ends_the_users_sessions(app, browser, city, change):
    street = Browser(app.test_client())
    street.login("street")
    assert logged_in(street.client)
    user = city.users["street"]
    browser.login("admin")
    form = {"role": "street_admin", "township_id": str(user.township_id), "email": "",
            "active": "y", **change}
    response = browser.submit(f"/users/{user.id}", form)
    assert response.status_code == 302, response.text
    assert not logged_in(street.client)
    assert logged_in(browser.client)  # the administrator's own session goes on


def test_email_change_keeps_the_session(app, browser, city):
    street = Browser(app.test_client())
    street.login("street")
    user = city.users["street"]
    browser.login("admin")
    response = browser.submit(f"/users/{user.id}", {
        "role": "street_admin", "township_id": str(user.township_id),
        "email": "street@example.cn", "active": "y"})
    assert response.status_code == 302, response.text
    assert logged_in(street.client)


def test_administrator_changing_own_password_stays_logged_in_here_only(app, browser, city):
    other = Browser(app.test_client())
    other.login("admin")
    browser.login("admin")
    admin = city.users["admin"]
    response = browser.submit(f"/users/{admin.id}", {
        "role": "admin", "email": "", "active": "y", "password": "a-new-password-1"})
    assert response.status_code == 302, response.text
    assert logged_in(browser.client)
    assert not logged_in(other.client)


@pytest.mark.config(SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=8)
def test_idle_session_ends(browser, city):
    start = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        browser.login("manager")
        clock.shift(dt.timedelta(minutes=29))
        assert logged_in(browser.client)
        clock.shift(dt.timedelta(minutes=29))  # 29 minutes since the last request
        assert logged_in(browser.client)
        clock.shift(dt.timedelta(minutes=31))
        assert not logged_in(browser.client)


@pytest.mark.config(SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=2)
def test_busy_session_still_ends_at_the_absolute_lifetime(browser, city):
    start = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        browser.login("manager")
        for _ in range(7):
            clock.shift(dt.timedelta(minutes=17))
            assert logged_in(browser.client)
        clock.shift(dt.timedelta(minutes=2))  # 2 h 1 min after the login
        assert not logged_in(browser.client)


@pytest.mark.config(SESSION_ABSOLUTE_HOURS=8)
def test_cookie_lasts_the_absolute_lifetime(browser, city):
    cookie = browser.login("manager").headers["Set-Cookie"]
    assert "Expires=" in cookie


@pytest.mark.parametrize(("key", "value"), [("SESSION_IDLE_MINUTES", 0),
                                            ("SESSION_ABSOLUTE_HOURS", "8")])
def test_wrong_lifetime_setting_is_one_line(migrated, tmp_path, key, value):
    from wastesort import create_app
    from wastesort.config import ConfigError

    from ..conftest import app_config

    with pytest.raises(ConfigError, match=key):
        create_app(app_config(migrated, tmp_path, **{key: value}))
