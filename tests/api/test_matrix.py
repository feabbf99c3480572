"""The role × resource matrix: who may list, read and write what (issue 3, "Who may do what").

The street administrator's township is a1 (district a); b1 is another township in district b.
Point staff belong to the point of a1. Reading outside one's scope is 404; writing outside it
(or writing at all, for a role that may not) is 403.
"""

import datetime as dt
import itertools

import pytest

from tests import factories
from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

ROLES = ("admin", "manager", "street", "staff")
_serial = itertools.count()


@pytest.fixture
def world(city):
    """Households and collections in the street administrator's township and in another."""
    factories.add_households(city.communities["a1c1"], 2, 1)
    factories.add_households(city.communities["b1c1"], 2, 1)
    day = local_today() - dt.timedelta(days=1)
    mine = factories.add_collection(city.points["a1"], day, WasteCategory.KITCHEN, 500)
    other = factories.add_collection(city.points["b1"], day, WasteCategory.KITCHEN, 700)
    return {"city": city, "collection": {"a1": mine.id, "b1": other.id}}


def object_url(world, resource, where):
    """The URL of one object of ``resource`` in township ``where`` (a1 in scope, b1 not)."""
    from sqlalchemy import select

    from wastesort.extensions import db
    from wastesort.households.models import Household

    city = world["city"]
    community = city.communities[f"{where}c1"]
    ids = {
        "districts": city.townships[where].district_id,
        "townships": city.townships[where].id,
        "communities": community.id,
        "households": db.session.scalar(select(Household.id).where(
            Household.community_id == community.id).limit(1)),
        "bins": next(b.id for b in _bins(community)),
        "recycling-points": city.points[where].id,
        "collections": world["collection"][where],
    }
    return f"/api/v1/{resource}/{ids[resource]}"


def _bins(community):
    from sqlalchemy import select

    from wastesort.bins.models import SortingBin
    from wastesort.extensions import db

    return db.session.scalars(select(SortingBin).where(SortingBin.community_id == community.id))


def new_object(world, resource, where):
    """A valid body creating an object of ``resource`` in township ``where``."""
    city = world["city"]
    n = next(_serial)
    township, community = city.townships[where], city.communities[f"{where}c1"]
    return {
        "communities": {"township_id": township.id, "name": f"新社区{n}"},
        "households": {"community_id": community.id, "code": f"NEW-{n}"},
        "bins": {"community_id": community.id, "serial": f"NEW-{n}", "category": "kitchen",
                 "capacity_l": 120},
        "recycling-points": {"township_id": township.id, "name": f"新回收站{n}",
                             "kind": "kiosk"},
        "collections": {"recycling_point_id": city.points[where].id,
                        "collected_on": str(local_today()), "category": "residual",
                        "weight_kg": 1200},
    }[resource]


def patch_body(resource):
    n = next(_serial)
    return {"communities": {"name": f"改名{n}"}, "households": {"members": 4},
            "bins": {"status": "damaged"}, "recycling-points": {"name": f"改名{n}"}}[resource]


# --- reading -----------------------------------------------------------------------------

READ = {  # resource: role -> (list status, in-scope item, out-of-scope item)
    "districts": {"admin": (200, 200, 200), "manager": (200, 200, 200),
                  "street": (200, 200, 404), "staff": (403, 403, 403)},
    "townships": {"admin": (200, 200, 200), "manager": (200, 200, 200),
                  "street": (200, 200, 404), "staff": (403, 403, 403)},
    "communities": {"admin": (200, 200, 200), "manager": (200, 200, 200),
                    "street": (200, 200, 404), "staff": (403, 403, 403)},
    "households": {"admin": (200, 200, 200), "manager": (200, 200, 200),
                   "street": (200, 200, 404), "staff": (403, 403, 403)},
    "bins": {"admin": (200, 200, 200), "manager": (200, 200, 200),
             "street": (200, 200, 404), "staff": (403, 403, 403)},
    "recycling-points": {"admin": (200, 200, 200), "manager": (200, 200, 200),
                         "street": (200, 200, 404), "staff": (200, 200, 404)},
    "collections": {"admin": (200, 200, 200), "manager": (200, 200, 200),
                    "street": (200, 200, 404), "staff": (200, 200, 404)},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(READ))
def test_read_matrix(api, world, resource, role):
    list_status, mine, other = READ[resource][role]
    listing = api.get(f"/api/v1/{resource}", as_=role)
    assert listing.status_code == list_status
    assert api.get(object_url(world, resource, "a1"), as_=role).status_code == mine
    assert api.get(object_url(world, resource, "b1"), as_=role).status_code == other
    if list_status == 200 and other == 404:  # the list holds nothing out of scope either
        listed = {f"/api/v1/{resource}/{item['id']}" for item in listing.get_json()["items"]}
        assert object_url(world, resource, "a1") in listed
        assert object_url(world, resource, "b1") not in listed


# --- writing -----------------------------------------------------------------------------

WRITE = {  # resource: role -> (create in a1, create in b1, patch in a1, patch in b1)
    "communities": {"admin": (201, 201, 200, 200), "manager": (403, 403, 403, 403),
                    "street": (201, 403, 200, 403), "staff": (403, 403, 403, 403)},
    "households": {"admin": (201, 201, 200, 200), "manager": (403, 403, 403, 403),
                   "street": (201, 403, 200, 403), "staff": (403, 403, 403, 403)},
    "bins": {"admin": (201, 201, 200, 200), "manager": (403, 403, 403, 403),
             "street": (201, 403, 200, 403), "staff": (403, 403, 403, 403)},
    "recycling-points": {"admin": (201, 201, 200, 200), "manager": (403, 403, 403, 403),
                         "street": (201, 403, 200, 403), "staff": (403, 403, 403, 403)},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(WRITE))
def test_write_matrix(api, world, resource, role):
    create_mine, create_other, patch_mine, patch_other = WRITE[resource][role]
    url = f"/api/v1/{resource}"
    assert api.post(url, as_=role, json=new_object(world, resource, "a1")).status_code \
        == create_mine
    assert api.post(url, as_=role, json=new_object(world, resource, "b1")).status_code \
        == create_other
    assert api.patch(object_url(world, resource, "a1"), as_=role,
                     json=patch_body(resource)).status_code == patch_mine
    assert api.patch(object_url(world, resource, "b1"), as_=role,
                     json=patch_body(resource)).status_code == patch_other


def test_patch_of_missing_object_is_404_not_403(api, world):
    assert api.patch("/api/v1/households/999999", as_="street",
                     json={"members": 2}).status_code == 404


@pytest.mark.parametrize(("role", "mine", "other"), [
    ("admin", 201, 201), ("manager", 403, 403), ("street", 403, 403), ("staff", 201, 422),
])
def test_posting_collections(api, world, role, mine, other):
    """Point staff post for their own point only (another point is a field error, as the
    issue lists it under validation); managers and street administrators do not post."""
    assert api.post("/api/v1/collections", as_=role,
                    json=new_object(world, "collections", "a1")).status_code == mine
    response = api.post("/api/v1/collections", as_=role,
                        json=new_object(world, "collections", "b1"))
    assert response.status_code == other
    if other == 422:
        assert "recycling_point_id" in response.get_json()["errors"]


@pytest.mark.parametrize(("role", "mine", "other"), [
    ("admin", 200, 200), ("manager", 403, 403), ("street", 200, 403), ("staff", 200, 403),
])
def test_voiding_collections(api, world, role, mine, other):
    for where, expected in (("a1", mine), ("b1", other)):
        response = api.post(object_url(world, "collections", where) + "/void", as_=role,
                            json={"reason": "weighed twice"})
        assert response.status_code == expected


@pytest.mark.parametrize(("role", "read", "write"), [
    ("admin", 200, 201), ("manager", 200, 403), ("street", 200, 403), ("staff", 403, 403),
])
def test_facilities(api, world, role, read, write):
    city = world["city"]
    assert api.get("/api/v1/facilities", as_=role).status_code == read
    first_id = api.get("/api/v1/facilities").get_json()["items"][0]["id"]
    facility_url = f"/api/v1/facilities/{first_id}"
    assert api.get(facility_url, as_=role).status_code == read
    body = {"name": f"new plant {role}", "district_id": city.districts["b"].id,
            "facility_type": "incineration", "capacity_t_per_day": 2000}
    assert api.post("/api/v1/facilities", as_=role, json=body).status_code == write
    assert api.patch(facility_url, as_=role, json={"active": False}).status_code \
        == (200 if write == 201 else 403)


@pytest.mark.parametrize(("role", "read", "write"), [
    ("admin", 200, 200), ("manager", 403, 403), ("street", 200, 403), ("staff", 403, 403),
])
def test_users_are_for_admins_and_street_admins_see_their_staff(api, world, role, read, write):
    """A street administrator reads their own point staff (tests/api/test_staff_api.py has
    the rest of their rules), and makes or changes no other account."""
    city = world["city"]
    assert api.get("/api/v1/users", as_=role).status_code == read
    assert api.get(f"/api/v1/users/{city.users['staff'].id}", as_=role).status_code == read
    made = api.post("/api/v1/users", as_=role, json={
        "username": f"new-{role}", "password": "long enough", "role": "street_admin",
        "township_id": city.townships["b1"].id})
    assert made.status_code == (201 if write == 200 else 403)
    assert api.patch(f"/api/v1/users/{city.users['manager'].id}", as_=role,
                     json={"email": "m@example.org"}).status_code == write


@pytest.mark.parametrize(("role", "capacity", "coverage"), [
    ("admin", 200, 200), ("manager", 200, 200), ("street", 200, 200), ("staff", 403, 403),
])
def test_figures(api, world, role, capacity, coverage):
    assert api.get("/api/v1/capacity/daily", as_=role).status_code == capacity
    assert api.get("/api/v1/coverage", as_=role).status_code == coverage


def test_street_admin_coverage_is_its_own_township(api, world):
    city = world["city"]
    rows = api.get("/api/v1/coverage?level=township", as_="street").get_json()["rows"]
    assert [r["id"] for r in rows] == [city.townships["a1"].id]
    other = city.townships["b1"].id
    assert api.get(f"/api/v1/coverage?township_id={other}", as_="street").status_code == 404
    assert api.get(f"/api/v1/coverage?district_id={city.districts['b'].id}",
                   as_="street").status_code == 404
