"""A street administrator's staff page: the point staff of their own town or street, created
with a password the service makes and shows once, reset, deactivated and reactivated; nothing
of other streets or other roles (reading: 404, writing: 403)."""

import re

import pytest
from sqlalchemy import func, select

from wastesort.accounts.models import LoginSession, Role, User
from wastesort.accounts.passwords import MADE_PASSWORD_ALPHABET, MADE_PASSWORD_LENGTH
from wastesort.accounts.tokens import issue_token
from wastesort.extensions import db
from wastesort.points.models import PointKind, RecyclingPoint

from ..factories import PASSWORD, make_user
from ..security.conftest import FreshContextClient
from .conftest import Browser

EN = {"Accept-Language": "en"}
SHOWN = re.compile(r'id="new-password"[^>]*value="([^"]+)"')


@pytest.fixture(autouse=True)
def _one_context_per_request(app):
    """Several browsers at once: each request in its own application context, as a server
    runs it (tests/security/conftest.py)."""
    app.test_client_class = FreshContextClient


@pytest.fixture
def street(city):
    """The city plus a second point in street a1 with its staff, and staff of street b1."""
    second = RecyclingPoint(township_id=city.townships["a1"].id, name="a1亭", kind=PointKind.KIOSK)
    db.session.add(second)
    db.session.flush()
    others = {"staff2": make_user("staff2", Role.POINT_STAFF, recycling_point_id=second.id),
              "staff_b1": make_user("staff_b1", Role.POINT_STAFF,
                                    recycling_point_id=city.points["b1"].id),
              "street_b1": make_user("street_b1", Role.STREET_ADMIN,
                                     township_id=city.townships["b1"].id)}
    db.session.commit()
    city.points["a1b"] = second
    city.users.update(others)
    return city


def _shown_password(response) -> str:
    (password,) = SHOWN.findall(response.text)
    return password


def _cookie_text(app, client) -> str:
    """The session the browser holds, decoded, and the raw cookie."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return f"{cookie.value} {data}"


def _can_log_in(app, username, password) -> bool:
    response = Browser(app.test_client()).submit("/login", {"username": username,
                                                            "password": password})
    return response.status_code == 302


def test_the_staff_page_lists_the_streets_point_staff_only(login, street):
    browser = login("street")
    nav = browser.get("/dashboard/", headers=EN).text
    assert 'href="/staff/"' in nav
    page = browser.get("/staff/", headers=EN)
    assert page.status_code == 200
    rows = re.findall(r'<tr id="staff-(\d+)"><td>([^<]+)</td>', page.text)
    assert [name for _, name in rows] == ["staff", "staff2"]
    assert "a1亭" in page.text and "never" in page.text
    for name in ("staff_b1", "street_b1", "manager", "admin"):
        assert f"<td>{name}</td>" not in page.text
    points = re.findall(r'<option value="(\d+)">', page.text.split('id="recycling_point_id"')[1]
                        .split("</select>")[0])
    assert sorted(map(int, points)) == sorted([street.points["a1"].id, street.points["a1b"].id])


def test_last_login_is_shown_once_known(app, login, street):
    assert _can_log_in(app, "staff2", PASSWORD)
    page = login("street").get("/staff/", headers=EN).text
    row = page.split(f'id="staff-{street.users["staff2"].id}"')[1].split("</tr>")[0]
    assert "never" not in row and re.search(r"\d{1,2}:\d{2}", row)


@pytest.mark.parametrize("role", ["admin", "manager", "staff"])
def test_other_roles_have_no_staff_page(login, street, role):
    browser = login(role)
    assert 'href="/staff/"' not in browser.get("/dashboard/").text
    assert browser.get("/staff/", headers={"Accept": "text/html"}).status_code == 403


def test_a_new_account_shows_its_password_once_and_it_logs_in(app, login, street):
    browser = login("street")
    response = browser.submit("/staff/", {"username": "  wang ", "recycling_point_id":
                                          str(street.points["a1b"].id), "email": ""},
                              headers=EN)
    assert response.status_code == 201
    password = _shown_password(response)
    assert len(password) == MADE_PASSWORD_LENGTH and set(password) <= set(MADE_PASSWORD_ALPHABET)
    assert "shown only this once" in response.text
    assert password not in _cookie_text(app, browser.client)  # not carried in the session
    assert password not in browser.get("/staff/").text  # nor shown again
    db.session.remove()
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert (user.role, user.recycling_point_id) == (Role.POINT_STAFF, street.points["a1b"].id)
    assert password not in user.password_hash and user.check_password(password)
    assert _can_log_in(app, "wang", password)


def test_two_new_accounts_get_different_passwords(login, street):
    browser = login("street")
    shown = {_shown_password(browser.submit("/staff/", {
        "username": name, "recycling_point_id": str(street.points["a1"].id)}))
        for name in ("p1", "p2")}
    assert len(shown) == 2


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"username": "staff2"}, "username", "The username staff2 is taken."),
    ({"username": ""}, "username", "Enter a username."),
    ({"recycling_point_id": ""}, "recycling_point_id",
     "Point staff need an existing recycling point."),
    ({"recycling_point_id": "999999"}, "recycling_point_id",
     "Point staff need an existing recycling point."),
    ({"email": "not an address"}, "email", "Enter one e-mail address"),
])
def test_bad_input_is_said_beside_its_field(login, street, form, field, message):
    browser = login("street")
    data = {"username": "new", "recycling_point_id": str(street.points["a1"].id), "email": "",
            **form}
    response = browser.submit("/staff/", data, headers=EN)
    assert response.status_code == 422
    beside = response.text.split(f'id="{field}-errors"')[1].split("</ul>")[0]
    assert message in beside.replace("&#39;", "'")
    assert 'id="new-password"' not in response.text


def test_a_point_of_another_street_is_refused(login, street):
    """A typed or crafted number of another street's point: 403, the message beside the point,
    no account."""
    browser = login("street")
    response = browser.submit("/staff/", {"username": "intruder", "recycling_point_id":
                                          str(street.points["b1"].id)}, headers=EN)
    assert response.status_code == 403
    beside = response.text.split('id="recycling_point_id-errors"')[1].split("</ul>")[0]
    assert "Choose a recycling point of your own town or street." in beside
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.username == "intruder")) == 0


def test_a_reset_shows_a_new_password_once_and_ends_only_that_users_sessions(app, login,
                                                                             street):
    staff = street.users["staff"]
    token = issue_token(staff, "kiosk")[1]
    staff_browser = Browser(app.test_client())
    staff_browser.login("staff")
    other_browser = Browser(app.test_client())
    other_browser.login("staff2")
    browser = login("street")
    confirm = browser.get(f"/staff/{staff.id}/password", headers=EN)
    assert confirm.status_code == 200 and "logged out everywhere" in confirm.text
    assert 'id="new-password"' not in confirm.text
    response = browser.submit(f"/staff/{staff.id}/password",
                              form_url=f"/staff/{staff.id}/password", headers=EN)
    assert response.status_code == 200
    password = _shown_password(response)
    assert password not in _cookie_text(app, browser.client)
    assert not _can_log_in(app, "staff", PASSWORD)
    assert _can_log_in(app, "staff", password)
    # the staff member's open session has ended; nobody else's, and no token is revoked
    assert staff_browser.get("/collections/").status_code == 302
    assert other_browser.get("/collections/").status_code == 200
    assert browser.get("/staff/").status_code == 200
    assert app.test_client().get("/api/v1/collections", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200


def test_deactivate_ends_the_sessions_and_refuses_the_login_reactivate_allows_it(app, login,
                                                                                street):
    staff = street.users["staff"]
    staff_browser = Browser(app.test_client())
    staff_browser.login("staff")
    browser = login("street")
    response = browser.submit(f"/staff/{staff.id}/active", {"active": "0"},
                              form_url="/staff/", headers=EN)
    assert response.status_code == 302
    page = browser.get("/staff/", headers=EN).text
    assert "staff is deactivated" in page
    assert f'action="/staff/{staff.id}/active"' in page and 'value="1"' in page
    assert staff_browser.get("/collections/").status_code == 302
    refused = Browser(app.test_client()).submit("/login", {"username": "staff",
                                                           "password": PASSWORD}, headers=EN)
    assert refused.status_code == 422 and "This account is deactivated." in refused.text
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == staff.id, LoginSession.ended_at.is_(None))) == 0
    assert browser.submit(f"/staff/{staff.id}/active", {"active": "1"},
                          form_url="/staff/").status_code == 302
    assert _can_log_in(app, "staff", PASSWORD)


@pytest.mark.parametrize("target", ["staff_b1", "street_b1", "manager", "admin", "street"])
def test_nothing_of_other_streets_or_roles(login, street, target):
    """Reading another user's reset page: 404; writing: 403, and nothing changes."""
    user = street.users[target]
    browser = login("street")
    html = {"Accept": "text/html"}
    assert browser.get(f"/staff/{user.id}/password", headers=html).status_code == 404
    before = user.password_hash
    assert browser.submit(f"/staff/{user.id}/password", form_url="/staff/",
                          headers=html).status_code == 403
    assert browser.submit(f"/staff/{user.id}/active", {"active": "0"}, form_url="/staff/",
                          headers=html).status_code == 403
    db.session.remove()
    again = db.session.get(User, user.id)
    assert again.password_hash == before and again.active


def test_unknown_users_and_bad_values(login, street):
    browser = login("street")
    html = {"Accept": "text/html"}
    assert browser.get("/staff/999999/password", headers=html).status_code == 404
    assert browser.submit("/staff/999999/password", form_url="/staff/",
                          headers=html).status_code == 404
    staff = street.users["staff"]
    for bad in ("", "yes", "2"):
        assert browser.submit(f"/staff/{staff.id}/active", {"active": bad}, form_url="/staff/",
                              headers=html).status_code == 400


def test_buttons_need_the_csrf_token(client, login, street):
    staff = street.users["staff"]
    login("street")
    assert client.post(f"/staff/{staff.id}/password").status_code == 400
    assert client.post(f"/staff/{staff.id}/active", data={"active": "0"}).status_code == 400
    db.session.remove()
    assert db.session.get(User, staff.id).active


def test_the_staff_page_in_chinese(login, street):
    browser = login("street")
    page = browser.get("/staff/", headers={"Accept-Language": "zh-CN"}).text
    assert "解放碑街道的回收点工作人员" in page and "重置密码" in page
    made = browser.submit("/staff/", {"username": "li", "recycling_point_id":
                                      str(street.points["a1"].id)},
                          headers={"Accept-Language": "zh-CN"})
    assert made.status_code == 201 and "密码只显示这一次" in made.text
