"""Posting collections: validation, idempotency (same key and body → the first record; other
body → 409), batches (all or nothing, errors by index, sent twice counts once), voiding."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.timeutil import local_today

URL = "/api/v1/collections"


def body(city, **changes):
    record = {"recycling_point_id": city.points["a1"].id, "collected_on": str(local_today()),
              "category": "kitchen", "weight_kg": 1500}
    return {**record, **changes}


def count_rows(db):
    return db.session.scalar(select(func.count()).select_from(Collection))


def test_post_and_read_back(api, city, db):
    response = api.post(URL, as_="staff", json=body(city))
    assert response.status_code == 201
    made = response.get_json()
    assert made["weight_kg"] == 1500 and made["voided"] is False
    assert made["posted_by_id"] == city.users["staff"].id
    assert api.get(f"{URL}/{made['id']}", as_="staff").get_json() == made
    assert count_rows(db) == 1


def test_same_key_same_body_answers_the_first_record(api, city, db):
    headers = {"Idempotency-Key": "kiosk-7-0001"}
    first = api.post(URL, as_="staff", json=body(city), headers=headers)
    again = api.post(URL, as_="staff", json=body(city), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count_rows(db) == 1


def test_same_key_other_body_is_409(api, city, db):
    headers = {"Idempotency-Key": "kiosk-7-0002"}
    assert api.post(URL, as_="staff", json=body(city), headers=headers).status_code == 201
    response = api.post(URL, as_="staff", json=body(city, weight_kg=1501), headers=headers)
    assert response.status_code == 409
    assert count_rows(db) == 1


def test_same_key_for_another_point_is_409(api, city, db):
    headers = {"Idempotency-Key": "admin-0001"}
    assert api.post(URL, as_="admin", json=body(city), headers=headers).status_code == 201
    other = body(city, recycling_point_id=city.points["a2"].id)
    assert api.post(URL, as_="admin", json=other, headers=headers).status_code == 409
    assert count_rows(db) == 1


def test_keys_are_each_callers_own(api, city, db):
    """Two posters' keys never collide (as an account's keys at Stripe): the admin's posting
    under the kiosk's key is the admin's own record, and each retries into its own."""
    headers = {"Idempotency-Key": "kiosk-7-0003"}
    staff = api.post(URL, as_="staff", json=body(city), headers=headers)
    admin = api.post(URL, as_="admin", json=body(city), headers=headers)
    assert (staff.status_code, admin.status_code) == (201, 201)
    assert staff.get_json()["id"] != admin.get_json()["id"]
    assert api.post(URL, as_="admin", json=body(city), headers=headers).get_json() == \
        admin.get_json()
    assert api.post(URL, as_="staff", json=body(city, weight_kg=2),
                    headers=headers).status_code == 409
    assert count_rows(db) == 2


def test_without_a_key_each_post_is_new(api, city, db):
    api.post(URL, as_="staff", json=body(city))
    api.post(URL, as_="staff", json=body(city))
    assert count_rows(db) == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"weight_kg": 0}, "weight_kg"),
    ({"weight_kg": 50_001}, "weight_kg"),
    ({"weight_kg": 12.5}, "weight_kg"),
    ({"weight_kg": "12"}, "weight_kg"),
    ({"category": "glass"}, "category"),
    ({"collected_on": "2026-02-30"}, "collected_on"),
    ({"collected_on": "2026-01-01T08:00:00"}, "collected_on"),
    ({"recycling_point_id": 999_999}, "recycling_point_id"),
])
def test_invalid_records_are_422_by_field(api, city, db, changes, field):
    response = api.post(URL, as_="staff", json=body(city, **changes))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count_rows(db) == 0


def test_dates_in_the_city_time_zone(api, city):
    tomorrow = local_today() + dt.timedelta(days=1)
    response = api.post(URL, as_="staff", json=body(city, collected_on=str(tomorrow)))
    assert response.get_json()["errors"]["collected_on"][0].startswith("The date is in the future")
    old = str(local_today() - dt.timedelta(days=8))
    assert api.post(URL, as_="staff", json=body(city, collected_on=old)).status_code == 422
    assert api.post(URL, as_="admin", json=body(city, collected_on=old)).status_code == 201
    week = str(local_today() - dt.timedelta(days=7))
    assert api.post(URL, as_="staff", json=body(city, collected_on=week)).status_code == 201


@pytest.mark.config(COLLECTION_MAX_WEIGHT_KG=100, COLLECTION_BACKDATE_DAYS=1)
def test_limits_are_configured(api, city):
    assert api.post(URL, as_="staff", json=body(city, weight_kg=101)).status_code == 422
    two_days = str(local_today() - dt.timedelta(days=2))
    assert api.post(URL, as_="staff", json=body(city, weight_kg=100,
                                                collected_on=two_days)).status_code == 422


def test_inactive_point_is_refused(api, city, db):
    city.points["a1"].active = False
    db.session.commit()
    response = api.post(URL, as_="staff", json=body(city))
    assert response.get_json()["errors"] == {
        "recycling_point_id": ["This recycling point is not active."]}


def test_bad_idempotency_key_is_422(api, city):
    response = api.post(URL, as_="staff", json=body(city), headers={"Idempotency-Key": "x" * 101})
    assert response.status_code == 422


def batch_records(city, n, prefix="b", **changes):
    return [{**body(city, weight_kg=100 + i, **changes), "idempotency_key": f"{prefix}-{i}"}
            for i in range(n)]


def test_batch_sent_twice_counts_once(api, city, db):
    records = batch_records(city, 25)
    first = api.post(f"{URL}/batch", as_="staff", json={"records": records})
    assert first.status_code == 200
    assert (first.get_json()["created"], first.get_json()["replayed"]) == (25, 0)
    again = api.post(f"{URL}/batch", as_="staff", json={"records": records + batch_records(
        city, 2, prefix="new")})
    assert (again.get_json()["created"], again.get_json()["replayed"]) == (2, 25)
    assert [r["id"] for r in again.get_json()["records"][:25]] == \
        [r["id"] for r in first.get_json()["records"]]
    assert count_rows(db) == 27
    assert db.session.scalar(select(func.sum(Collection.weight_kg))) == \
        sum(100 + i for i in range(25)) + 100 + 101


def test_batch_is_all_or_nothing_with_errors_by_index(api, city, db):
    records = batch_records(city, 5)
    records[1]["weight_kg"] = 50_001  # above the configured maximum: a rule
    records[3]["category"] = "glass"
    records[4]["recycling_point_id"] = city.points["b1"].id
    response = api.post(f"{URL}/batch", as_="staff", json={"records": records})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["records"]
    assert set(errors) == {"3"}  # shapes first: the schema rejects the unknown category
    records[3]["category"] = "residual"
    errors = api.post(f"{URL}/batch", as_="staff",
                      json={"records": records}).get_json()["errors"]["records"]
    assert set(errors) == {"1", "4"}
    assert set(errors["1"]) == {"weight_kg"} and set(errors["4"]) == {"recycling_point_id"}
    assert count_rows(db) == 0


def test_batch_key_reused_for_another_body_is_409(api, city, db):
    api.post(f"{URL}/batch", as_="staff", json={"records": batch_records(city, 3)})
    changed = batch_records(city, 4)
    changed[2]["weight_kg"] = 9
    assert api.post(f"{URL}/batch", as_="staff", json={"records": changed}).status_code == 409
    assert count_rows(db) == 3


def test_batch_keys_are_each_callers_own(api, city, db):
    """The kiosk's batch and the admin's, under the same keys, are two posters' records; each
    resent counts once."""
    records = batch_records(city, 3)
    for caller in ("staff", "admin", "staff", "admin"):
        assert api.post(f"{URL}/batch", as_=caller, json={"records": records}).status_code == 200
    assert count_rows(db) == 6


@pytest.mark.config(COLLECTION_BATCH_MAX=10)
def test_batch_size_is_bounded(api, city, db):
    assert api.post(f"{URL}/batch", as_="staff",
                    json={"records": batch_records(city, 11)}).status_code == 422
    assert api.post(f"{URL}/batch", as_="staff", json={"records": []}).status_code == 422
    assert api.post(f"{URL}/batch", as_="staff", json={
        "records": [{**batch_records(city, 1)[0], "idempotency_key": None}]}).status_code == 422
    assert count_rows(db) == 0


def test_void_keeps_the_record(api, city, db):
    made = api.post(URL, as_="staff", json=body(city)).get_json()
    assert api.post(f"{URL}/{made['id']}/void", as_="staff", json={}).status_code == 422
    voided = api.post(f"{URL}/{made['id']}/void", as_="staff", json={"reason": "scale broken"})
    assert voided.status_code == 200
    assert voided.get_json()["voided"] is True
    assert voided.get_json()["void_reason"] == "scale broken"
    assert api.post(f"{URL}/{made['id']}/void", as_="staff",
                    json={"reason": "again"}).status_code == 409
    assert count_rows(db) == 1
    listed = api.get(f"{URL}?voided=true", as_="staff").get_json()["items"]
    assert [c["id"] for c in listed] == [made["id"]]


@pytest.mark.parametrize("item", [
    {"recycling_point_id": 3, "collected_on": "2026-03-01", "category": "kitchen",
     "weight_kg": 10, "idempotency_key": "k"},
    {"recycling_point_id": True, "collected_on": "2026-3-1", "category": "glass",
     "weight_kg": 0, "idempotency_key": ""},
    {"recycling_point_id": "3", "collected_on": "2026-03-01T00:00:00", "category": None,
     "weight_kg": 1.5, "idempotency_key": "a\x00b", "extra": 1},
    {"recycling_point_id": 2**31, "collected_on": "2026-02-30", "weight_kg": -1,
     "idempotency_key": 5},
    {"recycling_point_id": 1, "collected_on": ["2026-02-03"], "category": ["kitchen"],
     "weight_kg": {"kg": 1}, "idempotency_key": ["k"]},
    {},
    [],
])
def test_fast_record_loading_agrees_with_the_schemas(item):
    """The posting and batch endpoints load records by hand for speed; they must accept and
    refuse exactly what the marshmallow schemas do, field by field."""
    import marshmallow as ma

    from wastesort.collections.schemas import (
        BatchRecordSchema,
        CollectionFields,
        CollectionInSchema,
        load_batch_record,
    )

    def reference(schema, data):
        try:
            return schema.load(data), {}
        except ma.ValidationError as exc:
            return None, exc.messages

    record, problems = load_batch_record(item)
    expected, expected_problems = reference(BatchRecordSchema(), item)
    assert set(problems) == set(expected_problems)
    if not problems:
        assert record == expected
    posting = {k: v for k, v in item.items() if k != "idempotency_key"} \
        if isinstance(item, dict) else item
    assert reference(CollectionInSchema(), posting) == reference(CollectionFields(), posting) \
        or set(reference(CollectionInSchema(), posting)[1]) == \
        set(reference(CollectionFields(), posting)[1])


def test_rows_stored_through_the_driver_read_back_through_the_orm(api, city, db):
    """store.py writes plain values straight to the driver: they must read back exactly as
    the answer said (dates, the enum, an aware UTC timestamp, not void)."""
    single = api.post(URL, as_="staff", json=body(city)).get_json()
    records = [{**body(city, weight_kg=700 + i), "idempotency_key": f"sync-{i}"}
               for i in range(3)]
    batch = api.post(f"{URL}/batch", as_="staff", json={"records": records}).get_json()
    staff_id = city.users["staff"].id
    db.session.remove()  # nothing from the requests' identity map: read the stored rows
    stored = {row.id: row for row in db.session.scalars(select(Collection))}
    row = stored[single["id"]]
    assert row.collected_on == local_today() and row.category.value == "kitchen"
    assert row.posted_at.tzinfo is not None
    assert row.posted_at == dt.datetime.fromisoformat(single["posted_at"])
    assert row.voided is False and row.posted_by_id == staff_id
    for item, record in zip(batch["records"], records, strict=True):
        row = stored[item["id"]]
        assert (row.idempotency_key, row.weight_kg, row.collected_on.isoformat()) == (
            record["idempotency_key"], record["weight_kg"], record["collected_on"])
        assert row.voided is False and row.void_reason is None
