"""``/api/v1/users`` for a street administrator: the point staff of their own town or street,
and nothing else (reading outside: 404, writing: 403); administrators keep everything and
filter by name and by town or street."""

import hashlib

import pytest
from sqlalchemy import func, select

from wastesort.accounts.models import LoginSession, Role, User
from wastesort.accounts.sessions import begin
from wastesort.accounts.tokens import issue_token
from wastesort.extensions import db
from wastesort.points.models import PointKind, RecyclingPoint

from ..factories import PASSWORD, make_user


@pytest.fixture
def world(city, tokens):
    second = RecyclingPoint(township_id=city.townships["a1"].id, name="a1亭", kind=PointKind.KIOSK)
    db.session.add(second)
    db.session.flush()
    city.points["a1b"] = second
    city.users.update({
        "staff2": make_user("staff2", Role.POINT_STAFF, recycling_point_id=second.id),
        "staff_b1": make_user("staff_b1", Role.POINT_STAFF,
                              recycling_point_id=city.points["b1"].id),
        "street_b1": make_user("street_b1", Role.STREET_ADMIN,
                               township_id=city.townships["b1"].id)})
    db.session.commit()
    return city


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [u["username"] for u in response.get_json()["items"]]


def test_a_street_administrator_lists_their_point_staff(api, world):
    assert usernames(api.get("/api/v1/users", as_="street")) == ["staff", "staff2"]
    assert usernames(api.get("/api/v1/users?role=manager", as_="street")) == []
    assert usernames(api.get("/api/v1/users?name=2", as_="street")) == ["staff2"]
    b1 = world.townships["b1"].id
    assert usernames(api.get(f"/api/v1/users?township_id={b1}", as_="street")) == []


@pytest.mark.parametrize("target", ["staff_b1", "street_b1", "street", "manager", "admin"])
def test_nobody_else_can_be_read(api, world, target):
    user_id = world.users[target].id
    assert api.get(f"/api/v1/users/{user_id}", as_="street").status_code == 404
    assert api.get(f"/api/v1/users/{world.users['staff'].id}", as_="street").status_code == 200


def test_creates_point_staff_of_their_street(api, world):
    made = api.post("/api/v1/users", as_="street", json={
        "username": "wang", "password": "long enough", "role": "point_staff",
        "recycling_point_id": world.points["a1b"].id, "email": "wang@example.org"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["recycling_point_id"] == world.points["a1b"].id
    assert "wang" in usernames(api.get("/api/v1/users", as_="street"))


@pytest.mark.parametrize("body", [
    {"role": "point_staff", "recycling_point_id": "b1"},  # a point of another street
    {"role": "manager"},
    {"role": "admin"},
    {"role": "street_admin", "township_id": "a1"},
    {"role": "street_admin", "township_id": "b1"},
])
def test_creates_nothing_else(api, world, body):
    body = {k: (world.points[v].id if k == "recycling_point_id" else
                world.townships[v].id if k == "township_id" else v) for k, v in body.items()}
    made = api.post("/api/v1/users", as_="street", json={
        "username": "intruder", "password": "long enough", **body})
    assert made.status_code == 403, made.get_json()
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.username == "intruder")) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"recycling_point_id": 999_999}, "recycling_point_id"),
    ({"recycling_point_id": None}, "recycling_point_id"),
    ({"username": "staff2"}, "username"),
    ({"password": "short"}, "password"),
])
def test_bad_input_is_a_message_by_field(api, world, body, field):
    made = api.post("/api/v1/users", as_="street", json={
        "username": "wang", "password": "long enough", "role": "point_staff",
        "recycling_point_id": world.points["a1"].id, **body})
    assert made.status_code == 422
    assert list(made.get_json()["errors"]) == [field]


def test_password_and_active_of_their_staff(api, world, app):
    staff = world.users["staff"]
    sid = begin(staff)
    kiosk_token = issue_token(staff, "kiosk")[1]
    street_sid = begin(world.users["street"])
    changed = api.patch(f"/api/v1/users/{staff.id}", as_="street",
                        json={"password": "a brand new one"})
    assert changed.status_code == 200, changed.get_json()
    db.session.remove()
    again = db.session.get(User, staff.id)
    assert again.check_password("a brand new one") and not again.check_password(PASSWORD)
    live = set(db.session.scalars(select(LoginSession.sid_hash)
                                  .where(LoginSession.ended_at.is_(None))))
    assert sha256(sid) not in live and sha256(street_sid) in live  # that user's sessions only
    # nothing is revoked: the staff member's token still works
    assert api.client.get("/api/v1/collections", headers={
        "Authorization": f"Bearer {kiosk_token}"}).status_code == 200
    off = api.patch(f"/api/v1/users/{staff.id}", as_="street", json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    on = api.patch(f"/api/v1/users/{staff.id}", as_="street",
                   json={"active": True, "email": "s@example.org", "role": "point_staff"})
    assert on.status_code == 200 and on.get_json()["active"] is True


@pytest.mark.parametrize("body", [
    {"role": "manager"},
    {"role": "street_admin", "township_id": "a1"},
    {"recycling_point_id": "a1b"},
    {"recycling_point_id": "b1"},
    {"township_id": "a1"},
])
def test_role_and_point_stay_the_administrators(api, world, body):
    body = {k: (world.points[v].id if k == "recycling_point_id" else
                world.townships[v].id if k == "township_id" else v) for k, v in body.items()}
    staff, point_id = world.users["staff"], world.points["a1"].id
    assert api.patch(f"/api/v1/users/{staff.id}", as_="street", json=body).status_code == 403
    db.session.remove()
    again = db.session.get(User, staff.id)
    assert (again.role, again.recycling_point_id) == (Role.POINT_STAFF, point_id)


@pytest.mark.parametrize("target", ["staff_b1", "street_b1", "street", "manager", "admin"])
def test_nobody_else_can_be_changed(api, world, target):
    user = world.users[target]
    before = user.password_hash
    for body in ({"password": "taken over!"}, {"active": False}, {"email": "x@example.org"}):
        assert api.patch(f"/api/v1/users/{user.id}", as_="street",
                         json=body).status_code == 403
    db.session.remove()
    again = db.session.get(User, user.id)
    assert again.password_hash == before and again.active


def test_unknown_user_is_404(api, world):
    assert api.patch("/api/v1/users/999999", as_="street",
                     json={"active": False}).status_code == 404


def test_administrators_filter_by_name_and_town_or_street(api, world):
    a1, b1 = world.townships["a1"].id, world.townships["b1"].id
    assert usernames(api.get(f"/api/v1/users?township_id={a1}")) == [
        "street", "inspector", "staff", "staff2"]
    assert usernames(api.get(f"/api/v1/users?township_id={b1}&role=point_staff")) == [
        "staff_b1"]
    assert usernames(api.get("/api/v1/users?name=B1")) == ["staff_b1", "street_b1"]
    assert usernames(api.get("/api/v1/users?name=MANAGER%40")) == ["manager"]
    assert api.get("/api/v1/users?name=%00").status_code == 422
    assert api.get("/api/v1/users?township_id=0").status_code == 422


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_other_roles_manage_nobody(api, world, role):
    assert api.get("/api/v1/users", as_=role).status_code == 403
    assert api.post("/api/v1/users", as_=role, json={
        "username": "x", "password": "long enough", "role": "point_staff",
        "recycling_point_id": world.points["a1"].id}).status_code == 403
    assert api.patch(f"/api/v1/users/{world.users['staff2'].id}", as_=role,
                     json={"active": False}).status_code == 403
