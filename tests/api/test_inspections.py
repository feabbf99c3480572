"""Inspections over the API: posting and its checks field by field, idempotency (same key and
body → the first inspection; another body → 409), batches (all or nothing, errors by index,
sent twice counts once), voids, who may read and write what, the daily tally beside them, and
photos (type by content, size, who may see them)."""

import base64
import datetime as dt
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.bins.models import BinStatus, SortingBin
from wastesort.check import drift
from wastesort.inspections.models import Inspection
from wastesort.inspections.tally import DailyInspectionTally
from wastesort.points.models import PointKind, RecyclingPoint
from wastesort.timeutil import local_now

URL = "/api/v1/inspections"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x01" * 100


@pytest.fixture
def inspectors(city, tokens):
    """An inspector of township a1 ("inspector"), a second one there ("inspector2") and one of
    b1 ("inspector_b1"), with tokens beside the city's roles."""
    for name, township in (("inspector", "a1"), ("inspector2", "a1"), ("inspector_b1", "b1")):
        user = factories.make_user(name, Role.INSPECTOR,
                                   township_id=city.townships[township].id)
        factories.db.session.flush()
        city.users[name] = user
        tokens[name] = issue_token(user, "test")[1]
    factories.db.session.commit()
    return city


def at(hours_ago: float = 1) -> str:
    return (local_now() - dt.timedelta(hours=hours_ago)).isoformat()


def body(city, where="a1", **changes):
    record = {"community_id": city.communities[f"{where}c1"].id, "inspected_at": at(),
              "households_seen": 40, "households_sorted": 30, "items_inspected": 20,
              "items_correct": 15, "contaminated_kitchen": 3, "contaminated_residual": 2,
              "notes": "桶边有散落垃圾"}
    return {**record, **changes}


def count_rows(db):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Inspection))


def tally_rows(db):
    db.session.rollback()  # read afresh what the requests committed
    return db.session.execute(select(
        DailyInspectionTally.community_id, DailyInspectionTally.inspections,
        DailyInspectionTally.households_seen, DailyInspectionTally.households_sorted,
        DailyInspectionTally.items_inspected, DailyInspectionTally.items_correct,
        DailyInspectionTally.contaminated_kitchen)
        .where(DailyInspectionTally.inspections != 0)).all()


def test_post_and_read_back(api, inspectors, db):
    city = inspectors
    sent = body(city, inspected_at="2026-11-29T17:30:00+00:00")  # 01:30 on the 30th in the city
    with_time = {**sent}
    response = api.post(URL, as_="admin", json=with_time)  # admins may post any day
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["inspected_on"] == "2026-11-30"
    assert made["inspected_at"] == "2026-11-30T01:30:00+08:00"  # answered in city time
    assert made["inspector_id"] == city.users["admin"].id
    assert made["contaminated_kitchen"] == 3 and made["contaminated_hazardous"] == 0
    assert made["notes"] == "桶边有散落垃圾" and made["photos"] == []
    assert made["voided"] is False and made["recycling_point_id"] is None
    assert api.get(f"{URL}/{made['id']}", as_="manager").get_json() == made
    assert count_rows(db) == 1
    assert tally_rows(db) == [(city.communities["a1c1"].id, 1, 40, 30, 20, 15, 3)]


def test_same_key_same_body_answers_the_first(api, inspectors, db):
    city = inspectors
    headers = {"Idempotency-Key": "phone-1-0001"}
    record = body(city)
    first = api.post(URL, as_="inspector", json=record, headers=headers)
    again = api.post(URL, as_="inspector", json=record, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count_rows(db) == 1
    assert tally_rows(db)[0][1] == 1


def test_same_instant_in_another_offset_is_the_same_body(api, inspectors, db):
    city = inspectors
    when = local_now().replace(microsecond=0) - dt.timedelta(hours=2)
    headers = {"Idempotency-Key": "phone-1-0002"}
    first = api.post(URL, as_="inspector", headers=headers,
                     json=body(city, inspected_at=when.isoformat()))
    again = api.post(URL, as_="inspector", headers=headers,
                     json=body(city, inspected_at=when.astimezone(dt.UTC).isoformat()))
    assert (first.status_code, again.status_code) == (201, 200)


@pytest.mark.parametrize("change", [{"households_seen": 41}, {"notes": "另一条"},
                                    {"contaminated_kitchen": 2}, {"recycling_point_id": None,
                                                                  "community_id": "a1c2"}])
def test_same_key_other_body_is_409(api, inspectors, db, change):
    city = inspectors
    headers = {"Idempotency-Key": "phone-1-0003"}
    assert api.post(URL, as_="inspector", json=body(city), headers=headers).status_code == 201
    if change.get("community_id") == "a1c2":
        change = {"community_id": city.communities["a1c2"].id}
    response = api.post(URL, as_="inspector", json=body(city, **change), headers=headers)
    assert response.status_code == 409
    assert count_rows(db) == 1


def test_taken_key_with_a_body_that_fails_the_checks_is_409(api, inspectors):
    city = inspectors
    headers = {"Idempotency-Key": "phone-1-0004"}
    assert api.post(URL, as_="inspector", json=body(city), headers=headers).status_code == 201
    bad = body(city, households_sorted=99)
    assert api.post(URL, as_="inspector", json=bad, headers=headers).status_code == 409


def test_keys_are_each_posters_own(api, inspectors, db):
    city = inspectors
    headers = {"Idempotency-Key": "same-key"}
    assert api.post(URL, as_="inspector", json=body(city), headers=headers).status_code == 201
    assert api.post(URL, as_="inspector2", json=body(city), headers=headers).status_code == 201
    assert count_rows(db) == 2


def test_without_a_key_each_posting_counts(api, inspectors, db):
    city = inspectors
    for _ in range(2):
        assert api.post(URL, as_="inspector", json=body(city)).status_code == 201
    assert count_rows(db) == 2
    assert tally_rows(db)[0][1:3] == (2, 80)


# --- checks, field by field ----------------------------------------------------------------

def _place(city, name):
    """Ids the cases below name: another community's bin, a removed bin, and so on."""
    from wastesort.extensions import db

    bins = {b.community_id: b for b in db.session.scalars(select(SortingBin))}
    if name == "bin of a1c2":
        return bins[city.communities["a1c2"].id].id
    if name == "removed bin":
        row = bins[city.communities["a1c1"].id]
        row.status = BinStatus.REMOVED
        db.session.commit()
        return row.id
    if name == "inactive point":
        point = RecyclingPoint(township_id=city.townships["a1"].id, name="old kiosk",
                               community_id=city.communities["a1c1"].id,
                               kind=PointKind.KIOSK, active=False)
        db.session.add(point)
        db.session.commit()
        return point.id
    raise KeyError(name)


CASES = [  # (field, change, words of the message)
    ("community_id", {"community_id": 999999}, "No such community"),
    ("community_id", {"community_id": None}, "empty"),
    ("community_id", {"community_id": "1"}, "whole number"),
    ("recycling_point_id", {"recycling_point_id": 999999}, "No such recycling point"),
    ("recycling_point_id", {"recycling_point_id": "point a2"}, "whole number"),
    ("recycling_point_id", {"recycling_point_id": "inactive point"}, "not active"),
    ("recycling_point_id", {"recycling_point_id": "point of a1c2"}, "not in the community"),
    ("sorting_bin_id", {"sorting_bin_id": "bin of a1c2"}, "not in the community"),
    ("sorting_bin_id", {"sorting_bin_id": "removed bin"}, "removed"),
    ("sorting_bin_id", {"sorting_bin_id": 999999}, "No such bin"),
    ("sorting_bin_id", {"sorting_bin_id": "bin of a1c2", "recycling_point_id": "point a1"},
     "not both"),
    ("inspected_at", {"inspected_at": "2026-11-30T09:30:00"}, "offset"),
    ("inspected_at", {"inspected_at": "yesterday"}, "date and time"),
    ("inspected_at", {"inspected_at": "in a day"}, "in the future"),
    ("inspected_at", {"inspected_at": "9999-12-31T23:59:00-12:00"}, "in the future"),
    ("inspected_at", {"inspected_at": "0001-01-01T00:00:00+14:00"}, "from 2000-01-01"),
    ("inspected_at", {"inspected_at": "8 days ago"}, "at most 7 days late"),
    ("households_seen", {"households_seen": -1}, "from 0 to 100,000"),
    ("households_seen", {"households_seen": 100_001}, "from 0 to 100,000"),
    ("households_seen", {"households_seen": 2.5}, "whole number"),
    ("households_seen", {"households_seen": True}, "whole number"),
    ("households_sorted", {"households_sorted": 41}, "More households sorted than were seen"),
    ("items_inspected", {"items_inspected": None}, "empty"),
    ("items_correct", {"items_correct": 21}, "More bags or bins sorted correctly"),
    ("contaminated_kitchen", {"contaminated_kitchen": 4}, "add up to 6, but only 5"),
    ("contaminated_residual", {"contaminated_hazardous": 1}, "add up to 6, but only 5"),
    ("contaminated_recyclable", {"contaminated_recyclable": -1}, "from 0 to"),
    ("notes", {"notes": "x" * 501}, "500"),
    ("notes", {"notes": "bell\x07"}, "printable"),
    ("notes", {"notes": 5}, "Enter text"),
    ("weight_kg", {"weight_kg": 5}, "Unknown field"),
]


@pytest.mark.parametrize(("field", "change", "words"), CASES,
                         ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)])
def test_each_field_is_checked(api, inspectors, db, field, change, words):
    city = inspectors
    change = dict(change)
    for name, value in change.items():
        if value == "point a2":
            continue
        if value == "point a1":
            change[name] = city.points["a1"].id
        elif value == "point of a1c2":
            change[name] = _point_in(city, "a1c2")
        elif value in ("bin of a1c2", "removed bin", "inactive point"):
            change[name] = _place(city, value)
        elif value == "in a day":
            change[name] = at(-25)
        elif value == "8 days ago":
            change[name] = at(24 * 8 + 1)
    response = api.post(URL, as_="inspector", json=body(city, **change))
    assert response.status_code == 422, response.get_json()
    messages = response.get_json()["errors"]
    assert field in messages, messages
    assert words in " ".join(messages[field]), messages
    assert count_rows(db) == 0


def _point_in(city, community):
    from wastesort.extensions import db

    point = RecyclingPoint(township_id=city.townships["a1"].id, name=f"station {community}",
                           community_id=city.communities[community].id,
                           kind=PointKind.STATION)
    db.session.add(point)
    db.session.commit()
    return point.id


def test_a_point_or_a_bin_of_the_community(api, inspectors, db):
    city = inspectors
    bin_id = db.session.scalar(select(SortingBin.id).where(
        SortingBin.community_id == city.communities["a1c1"].id))
    point = api.post(URL, as_="inspector", json=body(city, recycling_point_id=city.points["a1"].id))
    one_bin = api.post(URL, as_="inspector", json=body(city, sorting_bin_id=bin_id))
    assert (point.status_code, one_bin.status_code) == (201, 201)
    assert point.get_json()["recycling_point_id"] == city.points["a1"].id
    assert one_bin.get_json()["sorting_bin_id"] == bin_id
    listed = api.get(f"{URL}?sorting_bin_id={bin_id}", as_="inspector").get_json()["items"]
    assert [i["id"] for i in listed] == [one_bin.get_json()["id"]]


def test_admins_post_older_inspections(api, inspectors):
    city = inspectors
    old = body(city, inspected_at=at(24 * 30))
    assert api.post(URL, as_="inspector", json=old).status_code == 422
    assert api.post(URL, as_="admin", json=old).status_code == 201


def test_messages_in_chinese_by_default(api, inspectors):
    city = inspectors
    response = api.post(URL, as_="inspector", json=body(city, households_sorted=41),
                        headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["households_sorted"] == [
        "正确分类的户数多于看到的投放户数（40 户）。"]


# --- batches --------------------------------------------------------------------------------

def batch(city, n, prefix="day-1", **changes):
    return {"records": [body(city, idempotency_key=f"{prefix}-{i}", households_seen=10 + i,
                             households_sorted=5, **changes) for i in range(n)]}


def test_batch_stores_all_and_a_resend_counts_once(api, inspectors, db):
    city = inspectors
    day = batch(city, 5)
    first = api.post(f"{URL}/batch", as_="inspector", json=day)
    assert first.status_code == 200, first.get_json()
    assert (first.get_json()["created"], first.get_json()["replayed"]) == (5, 0)
    again = api.post(f"{URL}/batch", as_="inspector", json=day)
    assert (again.get_json()["created"], again.get_json()["replayed"]) == (0, 5)
    assert [r["id"] for r in again.get_json()["records"]] == \
        [r["id"] for r in first.get_json()["records"]]
    assert count_rows(db) == 5
    assert tally_rows(db)[0][1:3] == (5, 10 + 11 + 12 + 13 + 14)
    assert not any(drift().values())


def test_batch_is_all_or_nothing_with_errors_by_index(api, inspectors, db):
    city = inspectors
    records = batch(city, 4)["records"]
    records[1]["households_sorted"] = 99
    records[3]["community_id"] = 999999
    response = api.post(f"{URL}/batch", as_="inspector", json={"records": records})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["records"]
    assert set(errors) == {"1", "3"}
    assert "households_sorted" in errors["1"] and "community_id" in errors["3"]
    assert count_rows(db) == 0 and tally_rows(db) == []


def test_batch_shapes_are_checked_by_index(api, inspectors, db):
    city = inspectors
    records = batch(city, 2)["records"]
    del records[1]["idempotency_key"]
    records[0]["items_correct"] = "many"
    response = api.post(f"{URL}/batch", as_="inspector", json={"records": records})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["records"]
    assert "items_correct" in errors["0"] and "idempotency_key" in errors["1"]
    assert count_rows(db) == 0


def test_batch_keys_reused_within_or_across(api, inspectors, db):
    city = inspectors
    records = batch(city, 2)["records"]
    records[1]["idempotency_key"] = records[0]["idempotency_key"]
    response = api.post(f"{URL}/batch", as_="inspector", json={"records": records})
    assert response.status_code == 422
    assert "idempotency_key" in response.get_json()["errors"]["records"]["1"]
    day = batch(city, 2)
    assert api.post(f"{URL}/batch", as_="inspector", json=day).status_code == 200
    changed = {"records": [dict(r) for r in day["records"]]}
    changed["records"][1]["households_seen"] = 30
    assert api.post(f"{URL}/batch", as_="inspector", json=changed).status_code == 409
    assert count_rows(db) == 2


@pytest.mark.config(INSPECTION_BATCH_MAX=3)
def test_batch_size_is_bounded(api, inspectors, db):
    city = inspectors
    response = api.post(f"{URL}/batch", as_="inspector", json=batch(city, 4))
    assert response.status_code == 422
    assert "at most 3" in response.get_json()["errors"]["records"][0]
    assert api.post(f"{URL}/batch", as_="inspector", json={"records": []}).status_code == 422


def test_batch_outside_the_inspectors_street_is_403(api, inspectors, db):
    city = inspectors
    records = batch(city, 3)["records"]
    records[2]["community_id"] = city.communities["b1c1"].id
    response = api.post(f"{URL}/batch", as_="inspector", json={"records": records})
    assert response.status_code == 403
    assert "records 2" in response.get_json()["message"]
    assert count_rows(db) == 0


# --- voids ----------------------------------------------------------------------------------

def test_void_takes_it_out_of_the_tally_once(api, inspectors, db):
    city = inspectors
    kept = api.post(URL, as_="inspector", json=body(city)).get_json()
    made = api.post(URL, as_="inspector", json=body(city, households_seen=50)).get_json()
    response = api.post(f"{URL}/{made['id']}/void", as_="inspector",
                        json={"reason": "counted the wrong court"})
    assert response.status_code == 200
    voided = response.get_json()
    assert voided["voided"] is True and voided["void_reason"] == "counted the wrong court"
    assert voided["voided_by_id"] == city.users["inspector"].id
    again = api.post(f"{URL}/{made['id']}/void", as_="admin", json={"reason": "twice"})
    assert again.status_code == 409
    assert tally_rows(db)[0][1:3] == (1, 40)
    assert api.get(f"{URL}?voided=false", as_="inspector").get_json()["items"][0]["id"] \
        == kept["id"]
    assert not any(drift().values())


@pytest.mark.parametrize(("role", "status"), [
    ("inspector", 200), ("inspector2", 403), ("street", 200), ("admin", 200),
    ("inspector_b1", 403), ("manager", 403), ("staff", 403)])
def test_who_may_void(api, inspectors, role, status):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    response = api.post(f"{URL}/{made['id']}/void", as_=role, json={"reason": "wrong"})
    assert response.status_code == status


def test_void_needs_a_reason_and_a_recent_day(api, inspectors, db):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    assert api.post(f"{URL}/{made['id']}/void", as_="inspector",
                    json={"reason": " "}).status_code == 422
    assert api.post(f"{URL}/{made['id']}/void", as_="inspector", json={}).status_code == 422
    assert api.post(f"{URL}/999999/void", as_="inspector",
                    json={"reason": "x"}).status_code == 404
    old = api.post(URL, as_="admin", json=body(city, inspected_at=at(24 * 30))).get_json()
    response = api.post(f"{URL}/{old['id']}/void", as_="street", json={"reason": "x"})
    assert response.status_code == 422
    assert api.post(f"{URL}/{old['id']}/void", as_="admin", json={"reason": "x"}).status_code \
        == 200


def test_orm_changes_are_refused(api, inspectors, db):
    """The tally follows only posting and the conditional void: an ORM change is an error."""
    from wastesort.inspections.tally import UntrackedChange

    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    row = db.session.get(Inspection, made["id"])
    row.households_seen = 41
    with pytest.raises(UntrackedChange):
        db.session.flush()
    db.session.rollback()


# --- who reads and writes what -------------------------------------------------------------

@pytest.mark.parametrize(("role", "post_a1", "post_b1", "list_", "read_a1", "read_b1"), [
    ("admin", 201, 201, 200, 200, 200),
    ("manager", 403, 403, 200, 200, 200),
    ("street", 201, 403, 200, 200, 404),
    ("inspector", 201, 403, 200, 200, 404),
    ("inspector_b1", 403, 201, 200, 404, 200),
    ("staff", 403, 403, 403, 403, 403),
])
def test_scope(api, inspectors, role, post_a1, post_b1, list_, read_a1, read_b1):
    city = inspectors
    ids = {where: api.post(URL, as_="admin", json=body(city, where)).get_json()["id"]
           for where in ("a1", "b1")}
    assert api.post(URL, as_=role, json=body(city, "a1")).status_code == post_a1
    assert api.post(URL, as_=role, json=body(city, "b1")).status_code == post_b1
    listing = api.get(URL, as_=role)
    assert listing.status_code == list_
    assert api.get(f"{URL}/{ids['a1']}", as_=role).status_code == read_a1
    assert api.get(f"{URL}/{ids['b1']}", as_=role).status_code == read_b1
    if list_ == 200 and 404 in (read_a1, read_b1):
        hidden = ids["b1"] if read_b1 == 404 else ids["a1"]
        assert hidden not in {i["id"] for i in listing.get_json()["items"]}


def test_list_filters(api, inspectors):
    city = inspectors
    a1c1 = api.post(URL, as_="admin", json=body(city)).get_json()
    a1c2 = api.post(URL, as_="admin", json=body(
        city, community_id=city.communities["a1c2"].id,
        inspected_at=at(24 * 3))).get_json()
    b1 = api.post(URL, as_="inspector_b1", json=body(city, "b1")).get_json()

    def ids(query):
        response = api.get(f"{URL}?{query}", as_="manager")
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert ids("") == [b1["id"], a1c2["id"], a1c1["id"]]
    assert ids(f"township_id={city.townships['a1'].id}") == [a1c2["id"], a1c1["id"]]
    assert ids(f"district_id={city.districts['b'].id}") == [b1["id"]]
    assert ids(f"community_id={city.communities['a1c2'].id}") == [a1c2["id"]]
    assert ids(f"inspector_id={city.users['inspector_b1'].id}") == [b1["id"]]
    assert ids(f"from={a1c1['inspected_on']}&to={a1c1['inspected_on']}") in (
        [b1["id"], a1c1["id"]], [b1["id"], a1c2["id"], a1c1["id"]])
    assert ids(f"to={a1c2['inspected_on']}") == [a1c2["id"]]


def test_inspectors_read_their_registry_but_not_households(api, inspectors):
    city = inspectors
    factories.add_households(city.communities["a1c1"], 2, 1)
    mine, other = city.communities["a1c1"].id, city.communities["b1c1"].id
    assert api.get(f"/api/v1/communities/{mine}", as_="inspector").status_code == 200
    assert api.get(f"/api/v1/communities/{other}", as_="inspector").status_code == 404
    assert api.get("/api/v1/bins", as_="inspector").status_code == 200
    assert api.get(f"/api/v1/recycling-points/{city.points['a1'].id}",
                   as_="inspector").status_code == 200
    assert api.get("/api/v1/households", as_="inspector").status_code == 403
    assert api.get("/api/v1/households", as_="street").status_code == 200
    assert api.post("/api/v1/communities", as_="inspector", json={
        "township_id": city.townships["a1"].id, "name": "新社区"}).status_code == 403


def test_inspector_accounts_need_a_township(api, city):
    made = api.post("/api/v1/users", as_="admin", json={
        "username": "inspector-9", "password": "long enough", "role": "inspector",
        "township_id": city.townships["a1"].id})
    assert made.status_code == 201, made.get_json()
    missing = api.post("/api/v1/users", as_="admin", json={
        "username": "inspector-10", "password": "long enough", "role": "inspector"})
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["township_id"] == [
        "An inspector needs an existing township."]


# --- photos ---------------------------------------------------------------------------------

def upload(api, inspection_id, data, as_="inspector"):
    return api.post(f"{URL}/{inspection_id}/photos", as_=as_,
                    json={"photo_base64": base64.b64encode(data).decode()})


@pytest.mark.parametrize(("data", "content_type"), [(JPEG, "image/jpeg"), (PNG, "image/png"),
                                                    (WEBP, "image/webp")])
def test_photo_stored_and_served_by_its_content(api, inspectors, data, content_type):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    response = upload(api, made["id"], data)
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["content_type"] == content_type and photo["size_bytes"] == len(data)
    served = api.get(photo["url"], as_="street", buffered=True)
    assert served.status_code == 200
    assert served.data == data
    assert served.headers["Content-Type"] == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert api.get(f"{URL}/{made['id']}", as_="manager").get_json()["photos"] == [photo]
    stored = [p for p in (Path(current_app.instance_path) / "photos").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == data
    assert stored[0].stem not in (photo["url"], "photo") and len(stored[0].stem) == 32


def test_same_photo_again_is_the_first(api, inspectors):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    first, again = upload(api, made["id"], JPEG), upload(api, made["id"], JPEG)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    stored = [p for p in (Path(current_app.instance_path) / "photos").rglob("*") if p.is_file()]
    assert len(stored) == 1


@pytest.mark.parametrize("data", [b"<html><script>alert(1)</script></html>", b"GIF89a" + b"0" * 20,
                                  b""])
def test_photos_judged_by_content_not_name(api, inspectors, data):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    response = upload(api, made["id"], data)
    assert response.status_code == 422
    assert "photo_base64" in response.get_json()["errors"]
    assert not (Path(current_app.instance_path) / "photos").exists() or not [
        p for p in (Path(current_app.instance_path) / "photos").rglob("*") if p.is_file()]


def test_photo_must_be_base64(api, inspectors):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    response = api.post(f"{URL}/{made['id']}/photos", as_="inspector",
                        json={"photo_base64": "not base64!"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["photo_base64"] == ["Send the picture as base64 text."]


@pytest.mark.config(PHOTO_MAX_BYTES=2000, MAX_CONTENT_LENGTH=1000)
def test_photo_size_limit_and_room_for_one_photo(api, inspectors):
    """A photo within PHOTO_MAX_BYTES passes although its body exceeds MAX_CONTENT_LENGTH;
    one larger is refused by the field."""
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    fits = JPEG[:11] + b"\x00" * 1989
    assert upload(api, made["id"], fits).status_code == 201
    too_large = upload(api, made["id"], fits + b"\x00")
    assert too_large.status_code == 422
    assert too_large.get_json()["errors"]["photo_base64"] == ["A photo may be at most 0.002 MB."]
    huge = upload(api, made["id"], JPEG * 10)
    assert huge.status_code == 413


def test_who_may_add_and_see_photos(api, inspectors):
    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    assert upload(api, made["id"], PNG, as_="inspector_b1").status_code == 403
    assert upload(api, made["id"], PNG, as_="inspector2").status_code == 403
    assert upload(api, made["id"], PNG, as_="manager").status_code == 403
    assert upload(api, 999999, PNG).status_code == 404
    photo = upload(api, made["id"], JPEG, as_="street").get_json()
    for role, status in (("inspector", 200), ("inspector2", 200), ("manager", 200),
                         ("admin", 200), ("inspector_b1", 404), ("staff", 403)):
        assert api.get(photo["url"], as_=role).status_code == status, role
    other = api.post(URL, as_="admin", json=body(city)).get_json()
    assert api.get(f"{URL}/{other['id']}/photos/{photo['id']}", as_="admin").status_code == 404


def test_photos_limit_and_void(api, inspectors):
    from wastesort.inspections.photos import MAX_PHOTOS

    city = inspectors
    made = api.post(URL, as_="inspector", json=body(city)).get_json()
    for n in range(MAX_PHOTOS):
        assert upload(api, made["id"], JPEG + bytes([n])).status_code == 201
    full = upload(api, made["id"], JPEG + b"more")
    assert full.status_code == 422
    assert str(MAX_PHOTOS) in full.get_json()["errors"]["photo_base64"][0]
    voided = api.post(URL, as_="inspector", json=body(city)).get_json()
    api.post(f"{URL}/{voided['id']}/void", as_="inspector", json={"reason": "wrong"})
    assert upload(api, voided["id"], JPEG).status_code == 409
