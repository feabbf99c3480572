"""Every page of every role opens (no 500), in both languages; edit forms come pre-filled."""

import pytest
from sqlalchemy import select

from wastesort.bins.models import SortingBin
from wastesort.facilities.models import TreatmentFacility
from wastesort.households.models import Household

from ..factories import add_households


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_admin_opens_every_list_and_form(login, city, db, language):
    add_households(city.communities["a1c1"], 2, 1)
    household = db.session.scalar(select(Household))
    bin_ = db.session.scalar(select(SortingBin))
    facility = db.session.scalar(select(TreatmentFacility))
    browser = login("admin")
    pages = {
        "/dashboard/": None, "/dashboard/?district_id=999&sort=name&dir=desc": None,
        "/collections/": None, "/communities/": None, "/communities/new": None,
        f"/communities/{city.communities['b1c1'].id}": city.communities["b1c1"].name,
        "/households/": None, "/households/new": None, "/households/import": None,
        f"/households/{household.id}": household.code,
        "/bins/": None, "/bins/new": None, f"/bins/{bin_.id}": bin_.serial,
        "/points/": None, "/points/new": None,
        f"/points/{city.points['b1'].id}": city.points["b1"].name,
        "/facilities/": None, "/facilities/new": None,
        f"/facilities/{facility.id}": facility.name,
        "/users/": None, "/users/new": None, f"/users/{city.users['street'].id}": "street",
        "/households/?page=999999999": None, "/users/?page=-4": None,
    }
    for url, expected in pages.items():
        response = browser.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200, url
        if expected:
            assert f'value="{expected}"' in response.text or expected in response.text, url


def test_a_date_that_does_not_parse_is_explained_in_chinese(login, city):
    response = login("street").submit("/households/new", {
        "community_id": str(city.communities["a1c1"].id), "code": "D-1", "members": "2",
        "sorting_since": "2021-13-45"}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    errors = response.text.split('id="sorting_since-errors"')[1].split("</ul>")[0]
    assert "Not a valid" not in errors and any("\u4e00" <= ch <= "\u9fff" for ch in errors)


def test_unknown_ids_are_not_found_pages(login, city):
    browser = login("admin")
    for url in ("/households/999999", "/bins/999999", "/points/999999", "/facilities/999999",
                "/communities/999999", "/users/999999"):
        response = browser.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 404, url
        assert response.mimetype == "text/html"
