"""Weighbridge tickets through the API: an operator posts and reads only their facility's;
the facility's ticket number is the idempotency key (same body → the stored ticket, other body
→ 409); batches are all or nothing with errors by index; a void subtracts once; the daily
intake follows every path."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from wastesort.check import drift
from wastesort.intake.aggregate import DailyIntake
from wastesort.intake.models import WeighbridgeTicket
from wastesort.timeutil import local_now, local_today

URL = "/api/v1/tickets"


def ticket(city, number="T-0001", **changes):
    arrived = local_now().replace(microsecond=0) - dt.timedelta(minutes=5)
    body = {"ticket_number": number, "arrived_at": arrived.isoformat(), "stream": "residual",
            "net_weight_kg": 12_340, "township_id": city.townships["a1"].id,
            "vehicle_plate": "渝A·12345"}
    return {**body, **changes}


def intake_kg(db, facility_id) -> tuple[int, int]:
    db.session.rollback()  # read what the requests committed
    kg, tickets = db.session.execute(
        select(func.coalesce(func.sum(DailyIntake.weight_kg), 0),
               func.coalesce(func.sum(DailyIntake.tickets), 0))
        .where(DailyIntake.treatment_facility_id == facility_id)).one()
    return int(kg), int(tickets)


def no_drift():
    assert drift()["daily_intake"] == []


def test_operator_posts_for_their_facility_and_reads_it_back(api, city, db):
    facility = city.facilities["incineration"].id
    response = api.post(URL, as_="operator", json=ticket(city))
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["treatment_facility_id"] == facility  # the operator's own, unnamed
    assert made["arrived_on"] == str(local_today())
    assert made["vehicle_plate"] == "渝A·12345"
    assert api.get(f"{URL}/{made['id']}", as_="operator").get_json() == made
    assert intake_kg(db, facility) == (12_340, 1)
    no_drift()


def test_arrival_without_offset_is_city_time(api, city):
    # a time just after midnight in the city is the city's day, not UTC's (the day before)
    day = local_today() - dt.timedelta(days=1)
    made = api.post(URL, as_="operator", json=ticket(
        city, arrived_at=f"{day}T00:10:00")).get_json()
    assert made["arrived_on"] == str(day)
    assert made["arrived_at"].startswith(f"{day - dt.timedelta(days=1)}T16:10:00")


def test_operator_sees_only_their_facility(api, city):
    other = city.facilities["kitchen_waste"].id
    theirs = api.post(URL, as_="admin", json=ticket(
        city, treatment_facility_id=other, stream="kitchen")).get_json()
    assert api.get(f"{URL}/{theirs['id']}", as_="operator").status_code == 404
    mine = api.post(URL, as_="operator", json=ticket(city, "T-0002")).get_json()
    listed = api.get(URL, as_="operator").get_json()
    assert [t["id"] for t in listed["items"]] == [mine["id"]]
    assert {t["id"] for t in api.get(URL, as_="manager").get_json()["items"]} == {
        theirs["id"], mine["id"]}
    refused = api.post(URL, as_="operator", json=ticket(city, "T-0003",
                                                        treatment_facility_id=other))
    assert refused.status_code == 422
    assert "treatment_facility_id" in refused.get_json()["errors"]
    assert api.post(f"{URL}/{theirs['id']}/void", as_="operator",
                    json={"reason": "not ours"}).status_code == 404


@pytest.mark.parametrize("role", ["manager", "street", "staff"])
def test_other_roles_may_not_post(api, city, role):
    assert api.post(URL, as_=role, json=ticket(city, treatment_facility_id=1)).status_code == 403


def test_street_and_staff_read_no_tickets(api, city):
    assert api.get(URL, as_="street").status_code == 403
    assert api.get(URL, as_="staff").status_code == 403


def test_same_number_same_body_is_the_stored_ticket(api, city, db):
    first = api.post(URL, as_="operator", json=ticket(city))
    again = api.post(URL, as_="operator", json=ticket(city))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert intake_kg(db, city.facilities["incineration"].id) == (12_340, 1)


def test_same_number_other_body_is_409(api, city, db):
    assert api.post(URL, as_="operator", json=ticket(city)).status_code == 201
    response = api.post(URL, as_="operator", json=ticket(city, net_weight_kg=12_341))
    assert response.status_code == 409
    assert intake_kg(db, city.facilities["incineration"].id) == (12_340, 1)


def test_numbers_are_each_facilitys_own(api, city, db):
    assert api.post(URL, as_="operator", json=ticket(city)).status_code == 201
    other = ticket(city, treatment_facility_id=city.facilities["kitchen_waste"].id)
    assert api.post(URL, as_="admin", json=other).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(WeighbridgeTicket)) == 2


def test_a_retry_after_the_window_is_still_answered(api, city, app):
    old = local_today() - dt.timedelta(days=app.config["INTAKE_BACKDATE_DAYS"])
    body = ticket(city, arrived_at=f"{old}T09:00:00")
    assert api.post(URL, as_="operator", json=body).status_code == 201
    app.config["INTAKE_BACKDATE_DAYS"] -= 1  # the window closed while the client retried
    assert api.post(URL, as_="operator", json=body).status_code == 200
    too_old = api.post(URL, as_="operator", json=ticket(city, "T-9", arrived_at=f"{old}T09:00"))
    assert too_old.status_code == 422 and "arrived_at" in too_old.get_json()["errors"]


@pytest.mark.parametrize("changes, field", [
    ({"net_weight_kg": 0}, "net_weight_kg"),
    ({"net_weight_kg": 60_001}, "net_weight_kg"),
    ({"net_weight_kg": "12"}, "net_weight_kg"),
    ({"stream": "mixed"}, "stream"),
    ({"ticket_number": ""}, "ticket_number"),
    ({"ticket_number": "x" * 41}, "ticket_number"),
    ({"arrived_at": "2026-13-01T00:00"}, "arrived_at"),
    ({"arrived_at": "yesterday"}, "arrived_at"),
    ({"township_id": 999_999}, "township_id"),
    ({"vehicle_plate": "A" * 17}, "vehicle_plate"),
    ({"colour": "red"}, "colour"),
    ({"stream": [["residual"]]}, "stream"),  # found by schemathesis: a list is no stream
    ({"arrived_at": "0001-01-01T00:10:00+08:00"}, "arrived_at"),  # no overflow, a message
    ({"arrived_at": "9999-12-31T23:59:00-08:00"}, "arrived_at"),
])
def test_bad_tickets_get_messages_by_field(api, city, changes, field):
    response = api.post(URL, as_="operator", json=ticket(city, **changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_future_arrival_is_refused(api, city):
    future = (local_now() + dt.timedelta(hours=2)).replace(microsecond=0).isoformat()
    response = api.post(URL, as_="operator", json=ticket(city, arrived_at=future))
    assert response.status_code == 422
    assert "arrived_at" in response.get_json()["errors"]


def test_batch_all_or_nothing_with_errors_by_index(api, city, db):
    records = [ticket(city, f"B-{n}", net_weight_kg=1000 + n) for n in range(5)]
    records[3]["stream"] = "mixed"
    records[4]["net_weight_kg"] = -1
    response = api.post(f"{URL}/batch", as_="operator", json={"records": records})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["records"]) == {"3", "4"}
    assert db.session.scalar(select(func.count()).select_from(WeighbridgeTicket)) == 0


def test_batch_sent_twice_counts_once_and_a_changed_record_is_409(api, city, db):
    records = [ticket(city, f"B-{n}", net_weight_kg=1000 + n) for n in range(50)]
    first = api.post(f"{URL}/batch", as_="operator", json={"records": records})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["created"] == 50
    again = api.post(f"{URL}/batch", as_="operator", json={"records": records})
    assert again.get_json()["replayed"] == 50
    assert [r["id"] for r in again.get_json()["records"]] == \
        [r["id"] for r in first.get_json()["records"]]
    kg = sum(1000 + n for n in range(50))
    assert intake_kg(db, city.facilities["incineration"].id) == (kg, 50)
    records[7]["net_weight_kg"] += 1
    records.append(ticket(city, "B-new"))
    changed = api.post(f"{URL}/batch", as_="operator", json={"records": records})
    assert changed.status_code == 409
    assert "7" in changed.get_json()["message"]
    assert intake_kg(db, city.facilities["incineration"].id) == (kg, 50)  # B-new not stored
    no_drift()


def test_batch_with_a_number_twice(api, city):
    same = [ticket(city, "D-1"), ticket(city, "D-1")]
    response = api.post(f"{URL}/batch", as_="operator", json={"records": same})
    assert response.get_json()["created"] == 1 and response.get_json()["replayed"] == 1
    differing = [ticket(city, "D-2"), ticket(city, "D-2", net_weight_kg=1)]
    response = api.post(f"{URL}/batch", as_="operator", json={"records": differing})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["records"]) == ["1"]


def test_batch_limit(api, city, app):
    app.config["INTAKE_BATCH_MAX"] = 3
    records = [ticket(city, f"L-{n}") for n in range(4)]
    response = api.post(f"{URL}/batch", as_="operator", json={"records": records})
    assert response.status_code == 422
    assert "records" in response.get_json()["errors"]


def test_void_subtracts_once(api, city, db):
    made = api.post(URL, as_="operator", json=ticket(city)).get_json()
    voided = api.post(f"{URL}/{made['id']}/void", as_="operator", json={"reason": "wrong truck"})
    assert voided.status_code == 200
    assert voided.get_json()["voided"] is True
    assert voided.get_json()["void_reason"] == "wrong truck"
    again = api.post(f"{URL}/{made['id']}/void", as_="admin", json={"reason": "again"})
    assert again.status_code == 409
    assert intake_kg(db, city.facilities["incineration"].id) == (0, 0)
    no_drift()
    no_reason = api.post(URL, as_="operator", json=ticket(city, "T-2")).get_json()
    assert api.post(f"{URL}/{no_reason['id']}/void", as_="operator",
                    json={"reason": " "}).status_code == 422


def test_only_operators_of_a_facility_have_one(api, city):
    made = api.post("/api/v1/users", as_="admin", json={
        "username": "weigher", "password": "password123", "role": "facility_operator"})
    assert made.status_code == 422
    assert "treatment_facility_id" in made.get_json()["errors"]
    made = api.post("/api/v1/users", as_="admin", json={
        "username": "weigher", "password": "password123", "role": "facility_operator",
        "treatment_facility_id": city.facilities["incineration"].id})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["treatment_facility_id"] == city.facilities["incineration"].id
    other = api.post("/api/v1/users", as_="admin", json={
        "username": "m2", "password": "password123", "role": "manager",
        "treatment_facility_id": city.facilities["incineration"].id})
    assert other.status_code == 422
