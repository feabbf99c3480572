"""Registry forms: valid and invalid input through the service's rules, messages beside the
fields, and the scope of street administrators (another township: 404; readers: 403)."""

import re

import pytest
from sqlalchemy import select

from wastesort.accounts.models import Role, User
from wastesort.areas.models import Community
from wastesort.bins.models import SortingBin
from wastesort.facilities.models import TreatmentFacility
from wastesort.households.models import Household
from wastesort.points.models import RecyclingPoint

from ..factories import add_households

EN = {"Accept-Language": "en"}
HTML = {"Accept": "text/html", "Accept-Language": "en"}


def household_data(community, code="NEW-1", **extra):
    return {"community_id": str(community.id), "code": code, "building": "3", "unit": "2",
            "room": "0401", "members": "4", "sorting_since": "2021-05-01", **extra}


def test_street_admin_creates_a_household(login, city, db):
    browser = login("street")
    response = browser.submit("/households/new", household_data(city.communities["a1c1"]),
                              headers=EN)
    assert response.status_code == 302
    row = db.session.scalar(select(Household).where(Household.code == "NEW-1"))
    assert row.community_id == city.communities["a1c1"].id and row.members == 4
    listed = browser.get("/households/?q=NEW-1", headers=EN).text
    assert "NEW-1" in listed and "Household NEW-1 saved." in listed


def test_taken_code_is_shown_beside_the_code_field(login, city, db):
    add_households(city.communities["b1c1"], 1, 0)  # code H<id>-0 in another township
    taken = f"H{city.communities['b1c1'].id}-0"
    response = login("street").submit(
        "/households/new", household_data(city.communities["a1c1"], code=taken,
                                          members="0"), headers=EN)
    assert response.status_code == 422
    assert 'id="code-errors"' in response.text
    assert "A household with this code is registered already." in response.text
    assert 'id="members-errors"' in response.text
    assert db.session.scalar(select(Household).where(Household.code == taken)) \
        .community_id == city.communities["b1c1"].id


def test_street_admin_cannot_put_a_household_into_another_township(login, city, db):
    response = login("street").submit(
        "/households/new", household_data(city.communities["b1c1"]), headers=HTML)
    assert response.status_code == 403
    assert db.session.scalar(select(Household)) is None


def test_edit_own_household_and_not_another_townships(login, city, db):
    add_households(city.communities["a1c1"], 1, 0)
    add_households(city.communities["b1c1"], 1, 0)
    own = db.session.scalar(select(Household).where(
        Household.community_id == city.communities["a1c1"].id))
    other = db.session.scalar(select(Household).where(
        Household.community_id == city.communities["b1c1"].id))
    browser = login("street")
    assert browser.get(f"/households/{other.id}", headers=HTML).status_code == 404
    token_page = f"/households/{own.id}"
    refused = browser.submit(f"/households/{other.id}",
                             household_data(city.communities["a1c1"], code=other.code),
                             form_url=token_page, headers=HTML)
    assert refused.status_code == 404
    response = browser.submit(token_page, household_data(city.communities["a1c2"],
                                                         code=own.code, members="5"),
                              headers=EN)
    assert response.status_code == 302
    db.session.refresh(own)
    assert own.members == 5 and own.community_id == city.communities["a1c2"].id


def test_manager_reads_but_may_not_edit(login, city, db):
    add_households(city.communities["a1c1"], 1, 0)
    row = db.session.scalar(select(Household))
    browser = login("manager")
    listed = browser.get("/households/", headers=EN).text
    assert row.code in listed and "New household" not in listed
    assert browser.get(f"/households/{row.id}", headers=HTML).status_code == 403


def test_household_list_is_scoped_and_searchable(login, city):
    add_households(city.communities["a1c1"], 3, 3)
    add_households(city.communities["b1c1"], 3, 0)
    browser = login("street")
    html = browser.get("/households/", headers=EN).text
    assert f"H{city.communities['a1c1'].id}-0" in html
    assert f"H{city.communities['b1c1'].id}-0" not in html
    own = city.communities["a1c1"].id
    assert re.findall(r">(H\d+-\d+)<", html) == [f"H{own}-{n}" for n in range(3)]
    assert "No households here." in browser.get("/households/?covered=no", headers=EN).text


def test_community_create_and_duplicate_name(login, city, db):
    browser = login("street")
    ok = browser.submit("/communities/new", {"township_id": str(city.townships["a1"].id),
                                             "name": "较场口社区"}, headers=EN)
    assert ok.status_code == 302
    assert db.session.scalar(select(Community).where(Community.name == "较场口社区"))
    again = browser.submit("/communities/new", {"township_id": str(city.townships["a1"].id),
                                                "name": "较场口社区"}, headers=EN)
    assert again.status_code == 422
    assert 'id="name-errors"' in again.text
    assert "A community of this name exists in this township." in again.text


def test_community_of_another_township_is_not_found(login, city):
    other = city.communities["b1c1"]
    assert login("street").get(f"/communities/{other.id}", headers=HTML).status_code == 404


def test_bin_create_with_invalid_capacity_and_then_valid(login, city, db):
    browser = login("street")
    data = {"community_id": str(city.communities["a1c1"].id), "serial": "CQ-0001",
            "category": "kitchen", "capacity_l": "0", "status": "in_service"}
    bad = browser.submit("/bins/new", data, headers=EN)
    assert bad.status_code == 422
    assert 'id="capacity_l-errors"' in bad.text
    assert "Enter a whole number from 1 to 100,000." in bad.text
    good = browser.submit("/bins/new", {**data, "capacity_l": "240"}, headers=EN)
    assert good.status_code == 302
    assert db.session.scalar(select(SortingBin).where(SortingBin.serial == "CQ-0001"))


def test_point_create_and_deactivate(login, city, db):
    browser = login("street")
    data = {"township_id": str(city.townships["a1"].id), "community_id": "",
            "name": "民族路回收站", "kind": "kiosk", "latitude": "29.56", "longitude": "106.58",
            "active": "y"}
    assert browser.submit("/points/new", data, headers=EN).status_code == 302
    point = db.session.scalar(select(RecyclingPoint).where(RecyclingPoint.name == "民族路回收站"))
    assert point.active and point.latitude == pytest.approx(29.56)
    bad = browser.submit(f"/points/{point.id}", {**data, "latitude": "123"}, headers=EN)
    assert bad.status_code == 422 and 'id="latitude-errors"' in bad.text
    off = {k: v for k, v in data.items() if k != "active"}
    assert browser.submit(f"/points/{point.id}", off, headers=EN).status_code == 302
    db.session.refresh(point)
    assert not point.active


def test_facilities_are_changed_by_administrators_only(login, city, db):
    street = login("street")
    assert street.get("/facilities/new", headers=HTML).status_code == 403
    listed = street.get("/facilities/", headers=EN).text
    assert "city capacity 500 t/day" in listed and "100 t/day" in listed


def test_admin_creates_a_facility(browser, city, db):
    browser.login("admin")
    data = {"name": "洛碛焚烧厂", "district_id": str(city.districts["a"].id),
            "facility_type": "incineration", "capacity_t_per_day": "", "active": "y"}
    bad = browser.submit("/facilities/new", data, headers=EN)
    assert bad.status_code == 422
    assert 'id="capacity_t_per_day-errors"' in bad.text
    assert "This field is required." in bad.text
    good = browser.submit("/facilities/new", {**data, "capacity_t_per_day": "3000"},
                          headers=EN)
    assert good.status_code == 302
    assert db.session.scalar(select(TreatmentFacility).where(
        TreatmentFacility.name == "洛碛焚烧厂")).capacity_t_per_day == 3000


def test_admin_creates_users_with_a_scope(browser, city, db):
    browser.login("admin")
    data = {"username": "newstreet", "role": "street_admin", "township_id": "",
            "recycling_point_id": "", "email": "n@example.org", "password": "longenough"}
    bad = browser.submit("/users/new", data, headers=EN)
    assert bad.status_code == 422
    assert 'id="township_id-errors"' in bad.text
    assert "A street administrator needs an existing township." in bad.text
    ok = browser.submit("/users/new", {**data, "township_id": str(city.townships["b1"].id)},
                        headers=EN)
    assert ok.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newstreet"))
    assert user.role is Role.STREET_ADMIN and user.township_id == city.townships["b1"].id


def test_admin_cannot_demote_themself(browser, city, db):
    browser.login("admin")
    admin = city.users["admin"]
    response = browser.submit(f"/users/{admin.id}", {
        "username": "admin", "role": "manager", "township_id": "", "recycling_point_id": "",
        "email": "admin@example.org", "password": "", "active": "y"}, headers=EN)
    assert response.status_code == 422
    assert "You cannot demote or deactivate yourself." in response.text
