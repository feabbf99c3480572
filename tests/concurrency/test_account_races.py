"""Accounts raced from threads and from two processes, on the suite's database: two creations
of one username give one account and one message beside the username (422, or the form sent
back), never a 500; two resets of one password both succeed, the last one wins, and the
user's sessions end."""

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from wastesort.accounts.models import LoginSession, User
from wastesort.accounts.sessions import begin
from wastesort.extensions import db

from ..pages.conftest import Browser, csrf_token
from .conftest import MODES, ROUNDS, api_call, race

EN = {"Accept-Language": "en"}
COPIES = 4  # requests for one username at once: more chances that all pass the first check


def _accounts(username: str) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(User)
                             .where(User.username == username))


@pytest.mark.parametrize("mode", MODES)
def test_one_username_created_at_once_over_the_api(app, city, tokens, mode):
    """An administrator and a street administrator ask for the same new username at once."""
    point = city.points["a1"].id
    for round_ in range(ROUNDS):
        username = f"wang{round_}"
        ops = [api_call(app, "POST", "/api/v1/users", tokens["admin" if n % 2 else "street"],
                        {"username": username, "password": f"long enough {n}",
                         "role": "point_staff", "recycling_point_id": point}, EN)
               for n in range(COPIES)]
        results = race(app, ops, mode)
        statuses = Counter(status for status, _ in results)
        assert statuses == {201: 1, 422: COPIES - 1}, results
        for status, body in results:
            if status == 422:
                assert body["errors"] == {"username": [f"The username {username} is taken."]}
        assert _accounts(username) == 1


def _street_browser(app) -> tuple[Browser, str]:
    """A street administrator's browser of its own, and the CSRF token of its staff page."""
    browser = Browser(app.test_client())
    with app.app_context():
        browser.login("street")
        token = csrf_token(browser.get("/staff/").text)
        db.session.remove()
    return browser, token


def _page_post(app, browser, token, url, data=None):
    """An op: a form POST from ``browser``; its result is (status, the page's text)."""

    def op():
        response = browser.client.post(url, data={"csrf_token": token, **(data or {})},
                                       headers=EN)
        result = (response.status_code, response.get_data(as_text=True))
        response.close()
        return result

    return op


@pytest.mark.parametrize("mode", MODES)
def test_one_username_created_at_once_on_the_staff_page(app, city, mode):
    browsers = [_street_browser(app) for _ in range(COPIES)]
    point = str(city.points["a1"].id)
    for round_ in range(ROUNDS):
        username = f"li{round_}"
        ops = [_page_post(app, browser, token, "/staff/",
                          {"username": username, "recycling_point_id": point})
               for browser, token in browsers]
        results = race(app, ops, mode)
        assert Counter(status for status, _ in results) == {201: 1, 422: COPIES - 1}, \
            [(status, text[-2000:]) for status, text in results]
        for status, html in results:
            if status == 422:
                beside = html.split('id="username-errors"')[1].split("</ul>")[0]
                assert f"The username {username} is taken." in beside
        assert _accounts(username) == 1


def _password_check(user_id: int, passwords: list[str]) -> list[bool]:
    db.session.remove()
    user = db.session.get(User, user_id)
    return [user.check_password(p) for p in passwords]


def _live_sessions(user_id: int) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)))


@pytest.mark.parametrize("mode", MODES)
def test_two_resets_of_one_password_over_the_api(app, city, tokens, mode):
    """The administrator and the street administrator set the staff member's password at once:
    both succeed, one of the two passwords is the one that works, and every session ends."""
    staff_id = city.users["staff"].id
    for round_ in range(ROUNDS):
        begin(city.users["staff"])
        begin(city.users["staff"])
        assert _live_sessions(staff_id) == 2
        passwords = [f"admin's {round_} choice", f"street's {round_} choice"]
        ops = [api_call(app, "PATCH", f"/api/v1/users/{staff_id}", tokens[caller],
                        {"password": password}, EN)
               for caller, password in zip(("admin", "street"), passwords, strict=True)]
        results = race(app, ops, mode)
        assert [status for status, _ in results] == [200, 200], results
        assert sorted(_password_check(staff_id, passwords)) == [False, True]
        assert _live_sessions(staff_id) == 0
        db.session.remove()
        city.users["staff"] = db.session.get(User, staff_id)


@pytest.mark.parametrize("mode", MODES)
def test_two_resets_of_one_password_on_the_staff_page(app, city, mode):
    """Two street administrators' pages reset one password at once: each shows the password
    it made; the last one written is the one that works."""
    staff_id = city.users["staff"].id
    browsers = [_street_browser(app) for _ in range(2)]
    for _round in range(ROUNDS):
        begin(db.session.get(User, staff_id))
        ops = [_page_post(app, browser, token, f"/staff/{staff_id}/password")
               for browser, token in browsers]
        results = race(app, ops, mode)
        assert [status for status, _ in results] == [200, 200], \
            [(status, text[-2000:]) for status, text in results]
        shown = [re.search(r'id="new-password"[^>]*value="([^"]+)"', html).group(1)
                 for _, html in results]
        assert len(set(shown)) == 2
        assert sorted(_password_check(staff_id, shown)) == [False, True]
        assert _live_sessions(staff_id) == 0
