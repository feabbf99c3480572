"""``GET /api/v1/collections/totals`` and the list's filters: the totals are the sums of the
rows the list selects (its ``total_items`` their count), from the daily tonnage where the filter
allows and from the collections otherwise; the poster filter; street administrators' voids."""

import datetime as dt
import itertools

import pytest
from sqlalchemy import insert

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.collections.models import Collection
from wastesort.collections.service import collections_query
from wastesort.enums import WasteCategory
from wastesort.metrics.collected import collection_totals
from wastesort.points.models import PointKind, RecyclingPoint
from wastesort.timeutil import local_today, utcnow

URL = "/api/v1/collections"
CATEGORIES = [c.value for c in WasteCategory]


@pytest.fixture
def postings(api, city, db):
    """A week of postings in a1 (by its staff and by a kiosk's), b1's by the admin, some void."""
    kiosk = RecyclingPoint(township_id=city.townships["a1"].id, name="a1亭",
                           kind=PointKind.KIOSK)
    db.session.add(kiosk)
    db.session.flush()
    kiosk_user = factories.make_user("kiosk", Role.POINT_STAFF, recycling_point_id=kiosk.id)
    db.session.commit()
    api.tokens["kiosk"] = issue_token(kiosk_user, "test")[1]
    db.session.commit()
    today = local_today()
    made = []
    for n, (days, category) in enumerate(itertools.product(range(5), CATEGORIES)):
        for who, point in (("staff", city.points["a1"].id), ("kiosk", kiosk.id),
                           ("admin", city.points["b1"].id)):
            response = api.post(URL, as_=who, json={
                "recycling_point_id": point, "collected_on": str(today - dt.timedelta(days)),
                "category": category, "weight_kg": 10 + n + len(who)})
            assert response.status_code == 201, response.get_json()
            made.append(response.get_json())
    for row in made[::7]:
        assert api.post(f"{URL}/{row['id']}/void", as_="admin",
                        json={"reason": "test"}).status_code == 200
    return {"kiosk": kiosk, "kiosk_user": kiosk_user, "today": today}


def listed(api, as_, query) -> list[dict]:
    items, page = [], 1
    while True:
        answer = api.get(f"{URL}?{query}&page_size=500&page={page}", as_=as_).get_json()
        items += answer["items"]
        if page >= answer["total_pages"]:
            return items, answer["total_items"]
        page += 1


def filters(postings, city):
    today = postings["today"]
    return [
        "", "voided=false", "voided=true", "category=kitchen&voided=false",
        f"from={today - dt.timedelta(days=2)}&to={today}&voided=false",
        f"from={today}&voided=false&category=hazardous",
        f"recycling_point_id={postings['kiosk'].id}",
        f"recycling_point_id={city.points['a1'].id}&voided=false",
        f"posted_by_id={postings['kiosk_user'].id}&voided=false",
        f"posted_by_id={city.users['admin'].id}&category=residual",
        f"to={today - dt.timedelta(days=3)}&voided=true",
    ]


@pytest.mark.parametrize("role", ["admin", "manager", "street", "staff"])
def test_totals_are_the_sums_of_the_listed_rows(api, city, postings, role):
    for query in filters(postings, city):
        items, total_items = listed(api, role, query or "page=1")
        answer = api.get(f"{URL}/totals?{query}", as_=role)
        assert answer.status_code == 200, (query, answer.get_json())
        totals = answer.get_json()
        assert totals["records"] == len(items) == total_items, (role, query)
        assert totals["weight_kg"] == sum(i["weight_kg"] for i in items), (role, query)
        for category in CATEGORIES:
            rows = [i for i in items if i["category"] == category]
            assert totals["by_category"][category] == {
                "records": len(rows), "weight_kg": sum(i["weight_kg"] for i in rows)}


def test_street_admin_totals_are_their_street_s(api, city, postings):
    street = api.get(f"{URL}/totals?voided=false", as_="street").get_json()
    everything = api.get(f"{URL}/totals?voided=false", as_="manager").get_json()
    assert 0 < street["records"] < everything["records"]
    b1 = api.get(f"{URL}/totals?recycling_point_id={city.points['b1'].id}",
                 as_="street").get_json()
    assert b1["records"] == 0 and b1["weight_kg"] == 0


def _untracked_row(db, city):
    """A row written past the daily tonnage (as a broken script would): the two ways of
    summing then differ, which shows which one answered."""
    db.session.execute(insert(Collection).values(
        recycling_point_id=city.points["a1"].id, collected_on=local_today(),
        category=WasteCategory.KITCHEN, weight_kg=100_000, posted_by_id=city.users["admin"].id,
        posted_at=utcnow(), idempotency_key="untracked", voided=False))
    db.session.commit()


def test_the_daily_tonnage_answers_where_the_filter_allows(app, city, db, postings):
    before = {user: collection_totals(city.users[user], voided=False, category="kitchen")
              for user in ("admin", "street")}
    _untracked_row(db, city)
    for user in ("admin", "street"):  # no point, no poster, void left out: the aggregate
        assert collection_totals(city.users[user], voided=False,
                                 category="kitchen") == before[user]
    # a point, a poster, void records included, or point staff: the collections themselves
    for user, filters in (("admin", {"voided": None}), ("street", {"voided": True}),
                          ("admin", {"voided": False, "recycling_point_id": city.points["a1"].id}),
                          ("admin", {"voided": False, "posted_by_id": city.users["admin"].id}),
                          ("staff", {"voided": False})):
        found = collection_totals(city.users[user], **filters, category="kitchen")
        weights = [w for (w,) in db.session.execute(
            collections_query(city.users[user], **filters, category="kitchen")
            .with_only_columns(Collection.weight_kg))]
        assert found.weight_kg == sum(weights) and found.records == len(weights), filters
        assert (100_000 in weights) == (filters.get("voided") is not True)


def test_the_poster_filter(api, city, postings):
    items, _total = listed(api, "street", f"posted_by_id={postings['kiosk_user'].id}")
    assert items and {i["posted_by_id"] for i in items} == {postings["kiosk_user"].id}
    assert {i["recycling_point_id"] for i in items} == {postings["kiosk"].id}


@pytest.mark.parametrize("query", ["from=2026-05-10&to=2026-05-09", "posted_by_id=0",
                                   "posted_by_id=x", "category=glass", "voided=maybe",
                                   "from=2026-02-30"])
def test_bad_filters_are_422_by_field(api, city, query):
    for url in (f"{URL}/totals?{query}", f"{URL}?{query}"):
        response = api.get(url, as_="street")
        assert response.status_code == 422, (url, response.get_json())
        field = {"from=2026-05-10&to=2026-05-09": "to", "from=2026-02-30": "from"}.get(
            query, query.split("=")[0])
        assert field in response.get_json()["errors"], response.get_json()


# --- voids by a street administrator -----------------------------------------------------

def test_street_admin_voids_their_street_s_postings_of_any_day(api, city, db):
    old = factories.add_collection(city.points["a1"], local_today() - dt.timedelta(days=90),
                                   WasteCategory.KITCHEN, 640)
    before = api.get(f"{URL}/totals?voided=false", as_="street").get_json()
    response = api.post(f"{URL}/{old.id}/void", as_="street", json={"reason": "wrong point"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["voided"] and body["voided_by_id"] == city.users["street"].id
    assert body["void_reason"] == "wrong point" and body["voided_at"]
    after = api.get(f"{URL}/totals?voided=false", as_="street").get_json()
    assert after["weight_kg"] == before["weight_kg"] - 640
    assert api.post(f"{URL}/{old.id}/void", as_="street",
                    json={"reason": "again"}).status_code == 409


def test_street_admin_may_not_void_another_street_s(api, city, db):
    other = factories.add_collection(city.points["b1"], local_today(), WasteCategory.KITCHEN, 70)
    response = api.post(f"{URL}/{other.id}/void", as_="street", json={"reason": "not mine"})
    assert response.status_code == 403
    assert api.get(f"{URL}/{other.id}", as_="street").status_code == 404
    db.session.refresh(other)
    assert not other.voided


def test_point_staff_still_keep_to_their_window(api, city, db):
    old = factories.add_collection(city.points["a1"], local_today() - dt.timedelta(days=90),
                                   WasteCategory.KITCHEN, 640)
    response = api.post(f"{URL}/{old.id}/void", as_="staff", json={"reason": "late"})
    assert response.status_code == 422 and "collected_on" in response.get_json()["errors"]
