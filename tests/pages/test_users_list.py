"""The administrators' users list: found by part of the name (username or e-mail, any case),
role, town or street (a user's own, or a staff member's point's) and active flag; the filters
live in the URL and the pages keep them."""

import re

import pytest

from wastesort.accounts.models import Role
from wastesort.extensions import db

from ..factories import make_user

EN = {"Accept-Language": "en"}


def names(html: str) -> list[str]:
    return re.findall(r'<a href="/users/\d+">([^<]+)</a>', html)


@pytest.fixture
def admin(login, city):
    """An administrator's browser, with a few more users: Wang (upper case, inactive) staff of
    street b1, and a manager with a distinctive e-mail address."""
    wang = make_user("WangLi", Role.POINT_STAFF, recycling_point_id=city.points["b1"].id)
    wang.active = False
    make_user("zhou", Role.MANAGER).email = "Zhou.Min@City.example"
    db.session.commit()
    return login("admin")


@pytest.mark.parametrize(("query", "expected"), [
    ("q=wang", ["WangLi"]),
    ("q=WANG", ["WangLi"]),
    ("q=min%40city", ["zhou"]),  # part of the e-mail address, in any case
    ("q=st", ["street", "staff"]),
    ("role=point_staff", ["staff", "WangLi"]),
    ("active=0", ["WangLi"]),
    ("active=1&role=point_staff", ["staff"]),
    # a street administrator's, its inspector and its point's staff
    ("township_id={a1}", ["street", "inspector", "staff"]),
    ("township_id={b1}", ["WangLi"]),
    ("township_id={a2}", []),
    ("q=GER&role=manager", ["manager"]),
    ("q=100%25", []),  # a LIKE wildcard is a character like any other
    ("q=_", []),
])
def test_filters(admin, city, query, expected):
    url = "/users/?" + query.format(**{k: t.id for k, t in city.townships.items()})
    response = admin.get(url, headers=EN)
    assert response.status_code == 200
    assert names(response.text) == expected
    if not expected:
        assert "No user matches these filters." in response.text


def test_no_filter_lists_everyone(admin, city):
    listed = names(admin.get("/users/").text)
    assert {"admin", "manager", "street", "staff", "WangLi", "zhou"} <= set(listed)
    assert len(listed) == len(set(listed)) == len(city.users) + 2


def test_the_form_shows_the_filters_of_the_url(admin, city):
    b1 = city.townships["b1"].id
    html = admin.get(f"/users/?q=wang&role=point_staff&active=0&township_id={b1}").text
    assert 'name="q" value="wang"' in html
    assert '<option value="point_staff" selected>' in html
    assert '<option value="0" selected>' in html
    assert f'<option value="{b1}" selected>' in html


@pytest.mark.parametrize("query", ["township_id=abc", "township_id=99999999999999",
                                   "active=maybe", "role=king", "q=%00", "q=" + "x" * 500,
                                   "page=-3", "page=99999999"])
def test_bad_filter_values_are_ignored_never_a_500(admin, query):
    assert admin.get("/users/?" + query).status_code == 200


def test_the_pages_keep_the_filters(admin, city):
    for n in range(55):
        make_user(f"kiosk{n:02d}", Role.POINT_STAFF, recycling_point_id=city.points["a1"].id)
    db.session.commit()
    first = admin.get("/users/?q=KIOSK&role=point_staff", headers=EN).text
    assert len(names(first)) == 50
    (next_url,) = re.findall(r'href="([^"]*page=2[^"]*)"', first)
    next_url = next_url.replace("&amp;", "&")
    assert "q=KIOSK" in next_url and "role=point_staff" in next_url
    second = admin.get(next_url, headers=EN).text
    assert names(second) == [f"kiosk{n:02d}" for n in range(50, 55)]


def test_a_staff_members_scope_names_the_street_and_the_point(admin, city):
    html = admin.get("/users/?q=wang").text
    assert "新山村街道 · b1回收站" in html


@pytest.mark.parametrize("role", ["manager", "street", "staff"])
def test_the_list_is_for_administrators(login, city, role):
    browser = login(role)
    html = {"Accept": "text/html"}
    assert browser.get("/users/?q=a", headers=html).status_code == 403
    assert browser.get("/users/new", headers=html).status_code == 403
    assert browser.get(f"/users/{city.users['staff'].id}", headers=html).status_code == 403
