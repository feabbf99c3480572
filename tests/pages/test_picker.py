"""The searchable picker of a community or a recycling point (issue 6): forms no longer list
every community (~1,100) or point (~2,000); a JSON endpoint searches by name with a limit,
inside the same scope as the lists, and the server checks the chosen id, with a message beside
the field for anything else."""

import datetime as dt
import re

from sqlalchemy import select

from wastesort.areas.models import Community
from wastesort.collections.models import Collection
from wastesort.households.models import Household
from wastesort.picker import LIMIT
from wastesort.points.models import PointKind, RecyclingPoint

from .conftest import csrf_token

EN = {"Accept-Language": "en"}
JSON = {"Accept": "application/json"}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {r["id"] for r in response.get_json()["results"]}


def test_community_search_is_scoped_like_the_lists(login, city):
    own = {city.communities["a1c1"].id, city.communities["a1c2"].id}
    street = login("street")
    assert ids(street.get("/pick/communities?q=社区", headers=JSON)) == own
    assert ids(street.get("/pick/communities", headers=JSON)) == own
    other = city.communities["b1c1"]
    assert ids(street.get(f"/pick/communities?q={other.id}", headers=JSON)) == set()
    assert ids(street.get(f"/pick/communities?q={other.name}", headers=JSON)) == set()
    # by the community's name, its town's or street's name, or its number
    found = street.get("/pick/communities?q=a1社区2", headers=JSON).get_json()["results"]
    assert found == [{"id": city.communities["a1c2"].id,
                      "label": f"{city.townships['a1'].name} · a1社区2"}]
    assert ids(street.get(f"/pick/communities?q={city.townships['a1'].name}",
                          headers=JSON)) == own


def test_administrators_and_managers_search_every_community(browser, city):
    all_six = {c.id for c in city.communities.values()}
    browser.login("manager")
    assert ids(browser.get("/pick/communities?q=社区", headers=JSON)) == all_six
    assert ids(browser.get("/pick/communities?q=b1", headers=JSON)) == {
        city.communities["b1c1"].id, city.communities["b1c2"].id}
    assert ids(browser.get("/pick/communities?q=100%25", headers=JSON)) == set()  # % is text
    # beyond any id, or not ASCII digits: no match, and no 500
    for huge in ("2147483648", "99999999999999999999999", "%C2%B2"):
        assert ids(browser.get(f"/pick/communities?q={huge}", headers=JSON)) == set()
        assert ids(browser.get(f"/pick/points?q={huge}", headers=JSON)) == set()


def test_point_staff_may_not_search_communities_and_see_only_their_point(login, city):
    staff = login("staff")
    assert staff.get("/pick/communities?q=社区", headers=JSON).status_code == 403
    assert ids(staff.get("/pick/points?q=回收站", headers=JSON)) == {city.points["a1"].id}
    assert ids(staff.get(f"/pick/points?q={city.points['b1'].id}", headers=JSON)) == set()


def test_point_search_is_scoped_and_can_leave_out_inactive_points(login, city, db):
    idle = RecyclingPoint(township=city.townships["a1"], name="a1停用回收站",
                          kind=PointKind.KIOSK, active=False)
    db.session.add(idle)
    db.session.commit()
    street = login("street")
    assert ids(street.get("/pick/points?q=回收站", headers=JSON)) == {city.points["a1"].id,
                                                                    idle.id}
    assert ids(street.get("/pick/points?q=回收站&active=1", headers=JSON)) == {
        city.points["a1"].id}


def test_search_answers_a_bounded_number_of_rows(browser, city, db):
    township = city.townships["b1"]
    db.session.add_all(Community(township=township, name=f"滨江社区{n:02d}")
                       for n in range(LIMIT + 5))
    db.session.commit()
    browser.login("admin")
    body = browser.get("/pick/communities?q=滨江", headers=JSON).get_json()
    assert len(body["results"]) == LIMIT and body["more"] is True
    body = browser.get("/pick/communities?q=滨江社区07", headers=JSON).get_json()
    assert [r["label"] for r in body["results"]] == [f"{township.name} · 滨江社区07"]
    assert body["more"] is False


def test_search_needs_a_login(client, city):
    response = client.get("/pick/communities?q=a")
    assert response.status_code in (302, 401)


def household(community_id, code="PICK-1"):
    return {"community_id": community_id, "code": code, "building": "1", "unit": "1",
            "room": "0101", "members": "2", "sorting_since": "2021-01-01"}


def test_household_form_has_the_picker_not_a_list_of_every_community(login, city):
    html = login("street").get("/households/new", headers=EN).text
    assert "<select" not in html.split('name="community_id"')[0].rsplit("<div", 1)[-1]
    assert 'data-picker="/pick/communities"' in html
    assert city.communities["a1c2"].name not in html  # no option per community
    assert "/static/picker.js" in html


def test_the_server_checks_what_the_picker_sent(login, city, db):
    browser = login("street")
    words = browser.submit("/households/new", household("a1社区1"), headers=EN)
    assert words.status_code == 422
    errors = words.text.split('id="community_id-errors"')[1].split("</ul>")[0]
    assert "Choose a community from the suggestions, or enter its number." in errors
    assert 'value="a1社区1"' in words.text  # what was typed comes back to be corrected
    for number in ("987654", "2147483648", "99999999999999999999", "²"):
        missing = browser.submit("/households/new", household(number), headers=EN)
        assert missing.status_code == 422, number
        errors = missing.text.split('id="community_id-errors"')[1].split("</ul>")[0]
        assert "No such community." in errors or "Choose a community" in errors
    other = browser.submit("/households/new", household(str(city.communities["b1c1"].id)),
                           headers={"Accept": "text/html", **EN})
    assert other.status_code == 403  # a community of another street: not theirs to write
    assert db.session.scalar(select(Household)) is None
    ok = browser.submit("/households/new", household(str(city.communities["a1c2"].id)),
                        headers=EN)
    assert ok.status_code == 302
    assert db.session.scalar(select(Household)).community_id == city.communities["a1c2"].id


def test_the_current_choice_is_named_beside_the_field(login, city, db):
    community = city.communities["a1c2"]
    db.session.add(Household(community=community, code="NAMED-1", members=1))
    db.session.commit()
    row = db.session.scalar(select(Household))
    html = login("street").get(f"/households/{row.id}", headers=EN).text
    assert f'name="community_id" type="text" value="{community.id}"' in html
    assert f'<small class="picker-current" id="community_id-current">' \
           f'{city.townships["a1"].name} · {community.name}</small>' in html


def test_no_name_is_shown_for_a_number_outside_the_scope(login, city):
    other = city.communities["b1c1"]
    browser = login("street")
    response = browser.submit("/households/new", household(str(other.id)),
                              headers={"Accept": "text/html", **EN})
    assert response.status_code == 403 and other.name not in response.text
    html = browser.get(f"/households/?community_id={other.id}", headers=EN).text
    assert other.name not in html  # the filter's label does not leak another street's name


def collection_form(browser):
    page = browser.get("/collections/")
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', page.text)
    return {"csrf_token": csrf_token(page.text), "idempotency_key": key.group(1),
            "collected_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "category": "kitchen", "weight_kg": "120"}


def test_admin_posts_for_a_point_chosen_with_the_picker(browser, city, db):
    browser.login("admin")
    html = browser.get("/collections/", headers=EN).text
    assert 'data-picker="/pick/points?active=1"' in html
    assert city.points["b1"].name not in html.split("Recent postings")[0]
    bad = browser.client.post("/collections/", data={**collection_form(browser),
                                                     "recycling_point_id": "b1回收站"},
                              headers=EN)
    assert bad.status_code == 422
    errors = bad.text.split('id="recycling_point_id-errors"')[1].split("</ul>")[0]
    assert "Choose a recycling point from the suggestions, or enter its number." in errors
    assert "weight" not in errors
    good = browser.client.post("/collections/", data={
        **collection_form(browser), "recycling_point_id": str(city.points["b1"].id)},
        headers=EN)
    assert good.status_code == 302
    assert db.session.scalar(select(Collection.recycling_point_id)) == city.points["b1"].id


def test_user_form_picks_the_point_of_point_staff(browser, city, db):
    from wastesort.accounts.models import User

    browser.login("admin")
    data = {"username": "newstaff", "role": "point_staff", "township_id": "",
            "recycling_point_id": "xyz", "email": "s@example.org", "password": "longenough"}
    bad = browser.submit("/users/new", data, headers=EN)
    assert bad.status_code == 422
    assert "Choose a recycling point from the suggestions" in \
        bad.text.split('id="recycling_point_id-errors"')[1]
    ok = browser.submit("/users/new", {**data, "recycling_point_id": str(city.points["b1"].id)},
                        headers=EN)
    assert ok.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newstaff"))
    assert user.recycling_point_id == city.points["b1"].id
