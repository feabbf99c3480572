"""Log in and out, CSRF on every form, the session cookie, and who sees which page."""

import pytest

from .conftest import csrf_token


def test_login_page_has_csrf_token_and_fields(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert csrf_token(page.text)
    assert 'name="username"' in page.text and 'name="password"' in page.text


def test_login_then_logout(browser, city):
    response = browser.login("manager")
    assert response.headers["Location"].endswith("/dashboard/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert browser.get("/dashboard/").status_code == 200
    out = browser.submit("/logout", form_url="/dashboard/")
    assert out.status_code == 302
    assert browser.get("/dashboard/").status_code == 302  # back to the login page


def test_point_staff_land_on_the_posting_screen(browser, city):
    assert browser.login("staff").headers["Location"].endswith("/post")


def test_wrong_password_is_shown_beside_the_field(browser, city):
    response = browser.submit("/login", {"username": "street", "password": "nope-nope"},
                              headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert 'id="password-errors"' in response.text
    assert "The username or the password is wrong." in response.text


def test_empty_form_names_each_missing_field(browser, city):
    response = browser.submit("/login", {"username": "", "password": ""},
                              headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Enter your username." in response.text
    assert "Enter your password." in response.text


def test_deactivated_user_cannot_log_in(browser, city, db):
    city.users["street"].active = False
    db.session.commit()
    response = browser.submit("/login", {"username": "street", "password": "password123"},
                              headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "This account is deactivated." in response.text


def test_post_without_csrf_token_is_refused(client, city):
    response = client.post("/login", data={"username": "admin", "password": "password123"},
                           headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert client.get("/dashboard/").status_code == 302  # not logged in


def test_next_goes_back_to_the_page_asked_for_but_never_off_site(browser, city):
    page = browser.get("/households/?q=H1")
    assert page.status_code == 302
    assert "/login?next=" in page.headers["Location"]
    token = csrf_token(browser.get("/login").text)
    ok = browser.client.post("/login?next=/households/%3Fq%3DH1",
                             data={"csrf_token": token, "username": "street",
                                   "password": "password123"})
    assert ok.headers["Location"] == "/households/?q=H1"
    browser.submit("/logout", form_url="/dashboard/")
    token = csrf_token(browser.get("/login").text)
    evil = browser.client.post("/login?next=//evil.example/x",
                               data={"csrf_token": token, "username": "street",
                                     "password": "password123"})
    assert evil.headers["Location"] == "/street/"  # the landing page, not the other site


@pytest.mark.parametrize(("username", "visible", "hidden"), [
    ("admin", ["/users/", "/facilities/", "/households/"], []),
    ("manager", ["/facilities/", "/households/"], ["/users/"]),
    ("street", ["/households/", "/communities/"], ["/users/"]),
    ("staff", ["/collections/"], ["/households/", "/users/", "/facilities/"]),
])
def test_navigation_and_access_follow_the_role(login, username, visible, hidden):
    browser = login(username)
    nav = browser.get("/dashboard/").text
    for url in visible:
        assert f'href="{url}"' in nav
        assert browser.get(url).status_code == 200
    for url in hidden:
        assert f'href="{url}"' not in nav
        assert browser.get(url, headers={"Accept": "text/html"}).status_code == 403


def test_reports_link_for_admins_and_managers_once_the_reports_pages_exist(login, app):
    exists = "reports.index" in app.view_functions
    browser = login("manager")
    manager_nav = browser.get("/dashboard/").text.split('class="main"')[1]
    assert ('href="/reports/"' in manager_nav) == exists
    browser.submit("/logout", form_url="/dashboard/")
    street = login("street")
    assert 'href="/reports/"' not in street.get("/dashboard/").text


def test_home_page_figures_have_units(client, city):
    from ..factories import add_households

    add_households(city.communities["a1c1"], 4, 3)
    html = client.get("/", headers={"Accept-Language": "en"}).text
    assert "75.0 %" in html and "500 t/day" in html and "0.0 t" in html
