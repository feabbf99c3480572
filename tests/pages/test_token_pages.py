"""The administrators' API tokens page: every token with its owner and dates, a token issued
for a user and shown once (in the answer to the POST, never in the session), revoked with a
POST that carries the CSRF token."""

import re

import pytest
from sqlalchemy import select

from wastesort.accounts.models import ApiToken
from wastesort.accounts.tokens import TOKEN_PREFIX, hash_token, issue_token
from wastesort.extensions import db

EN = {"Accept-Language": "en"}
SHOWN = re.compile(r'id="new-token"[^>]*value="([^"]+)"')


def api_status(client, token: str) -> int:
    return client.get("/api/v1/recycling-points",
                      headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.fixture
def admin(login, city):
    return login("admin")


def test_the_list_shows_owner_label_prefix_and_dates_never_the_token(admin, city):
    token, plain = issue_token(city.users["staff"], "kiosk 7")
    html = admin.get("/tokens/", headers=EN).text
    row = html.split(f'id="token-{token.id}"')[1].split("</tr>")[0]
    assert "<td>staff</td>" in row and "kiosk 7" in row and f"{token.prefix}…" in row
    assert "never" in row  # not used yet
    assert plain not in html


def test_a_token_is_issued_shown_once_and_works(app, admin, city, client):
    response = admin.submit("/tokens/", {"username": "staff", "name": "kiosk 8"}, headers=EN)
    assert response.status_code == 201
    (plain,) = SHOWN.findall(response.text)
    assert plain.startswith(TOKEN_PREFIX) and "shown only this once" in response.text
    cookie = client.get_cookie("session").value
    assert plain not in cookie
    assert plain not in str(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert plain not in admin.get("/tokens/").text
    db.session.remove()
    stored = db.session.scalar(select(ApiToken).where(ApiToken.name == "kiosk 8"))
    assert stored.user_id == city.users["staff"].id and stored.token_hash == hash_token(plain)
    assert api_status(app.test_client(), plain) == 200


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"username": "nobody"}, "username", "No such user."),
    ({"username": ""}, "username", "This field is required."),
    ({"name": ""}, "name", "This field is required."),
    ({"name": "x" * 81}, "name", "At most 80 characters."),
])
def test_bad_input_is_said_beside_its_field(admin, city, form, field, message):
    response = admin.submit("/tokens/", {"username": "staff", "name": "kiosk", **form},
                            headers=EN)
    assert response.status_code == 422
    assert message in response.text.split(f'id="{field}-errors"')[1].split("</ul>")[0]
    assert not SHOWN.search(response.text)
    db.session.remove()
    assert db.session.scalar(select(ApiToken)) is None


def test_no_token_for_an_inactive_user(admin, city, db):
    city.users["staff"].active = False
    db.session.commit()
    response = admin.submit("/tokens/", {"username": "staff", "name": "kiosk"}, headers=EN)
    assert response.status_code == 422
    assert "This user is inactive." in response.text.split('id="username-errors"')[1]


def test_revoke_then_the_token_is_refused(app, admin, city):
    token, plain = issue_token(city.users["street"], "laptop")
    assert api_status(app.test_client(), plain) == 200
    response = admin.submit(f"/tokens/{token.id}/revoke", form_url="/tokens/", headers=EN)
    assert response.status_code == 302
    page = admin.get("/tokens/", headers=EN).text
    assert f"Token {token.prefix}… of street revoked." in page
    row = page.split(f'id="token-{token.id}"')[1].split("</tr>")[0]
    assert "Revoke</button>" not in row
    assert api_status(app.test_client(), plain) == 401
    again = admin.submit(f"/tokens/{token.id}/revoke", form_url="/tokens/", headers=EN)
    assert again.status_code == 302  # a second click: said, not an error page
    assert "This token is already revoked." in admin.get("/tokens/", headers=EN).text


def test_revoke_needs_the_csrf_token(app, admin, city, client):
    token, plain = issue_token(city.users["street"], "laptop")
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 400
    assert api_status(app.test_client(), plain) == 200


def test_unknown_token_is_404(admin):
    assert admin.submit("/tokens/999999/revoke", form_url="/tokens/",
                        headers={"Accept": "text/html"}).status_code == 404


def test_search_by_owner_prefills_the_form(admin, city):
    issue_token(city.users["staff"], "kiosk A")
    issue_token(city.users["manager"], "for the mailer")
    html = admin.get("/tokens/?owner=STA", headers=EN).text
    assert "kiosk A" in html and "for the mailer" not in html
    assert 'id="username" name="username" type="text" value="STA"' in html


def test_newest_first_with_pages(admin, city):
    made = [issue_token(city.users["staff"], f"k{n}")[0].id for n in range(53)]
    first = admin.get("/tokens/").text
    ids = [int(i) for i in re.findall(r'id="token-(\d+)"', first)]
    assert ids == made[::-1][:50]
    (next_url,) = re.findall(r'href="([^"]+)" rel="next"', first)
    second = admin.get(next_url.replace("&amp;", "&")).text
    assert [int(i) for i in re.findall(r'id="token-(\d+)"', second)] == made[2::-1]


@pytest.mark.parametrize("role", ["manager", "street", "staff"])
def test_the_page_is_for_administrators(login, city, role):
    browser = login(role)
    assert 'href="/tokens/"' not in browser.get("/dashboard/").text
    assert browser.get("/tokens/", headers={"Accept": "text/html"}).status_code == 403
    own, _plain = issue_token(city.users[role], "mine")
    assert browser.submit(f"/tokens/{own.id}/revoke", form_url="/dashboard/",
                          headers={"Accept": "text/html"}).status_code == 403


def test_the_administrators_navigation_leads_here(admin):
    assert 'href="/tokens/"' in admin.get("/dashboard/").text
