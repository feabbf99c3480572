"""Idempotency completed: an acknowledged posting is answered on every retry (even when it would
no longer pass the checks), a batch says exactly what it stored, and point staff void within
the same window they post in; nothing after the commit turns a stored posting into an error."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.extensions import db
from wastesort.points.models import RecyclingPoint
from wastesort.timeutil import local_today

URL = "/api/v1/collections"


def record(city, day=None, **changes):
    return {"recycling_point_id": city.points["a1"].id, "collected_on": str(day or local_today()),
            "category": "kitchen", "weight_kg": 900, **changes}


def stored_rows():
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Collection))


def tonnage_kg():
    db.session.remove()
    return db.session.scalar(select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0)))


def _deactivate(city):
    db.session.get(RecyclingPoint, city.points["a1"].id).active = False
    db.session.commit()


def test_a_retry_after_the_point_was_deactivated_answers_the_stored_record(api, city):
    headers = {"Idempotency-Key": "kiosk-offline-1"}
    first = api.post(URL, as_="staff", json=record(city), headers=headers)
    assert first.status_code == 201
    _deactivate(city)
    again = api.post(URL, as_="staff", json=record(city), headers=headers)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    new = api.post(URL, as_="staff", json=record(city), headers={"Idempotency-Key": "new-1"})
    assert new.status_code == 422  # a new posting is still judged
    assert stored_rows() == 1


def test_a_retry_after_the_backdating_window_passed_answers_the_stored_record(api, city):
    posted_on = local_today()
    headers = {"Idempotency-Key": "kiosk-offline-9-days"}
    first = api.post(URL, as_="staff", json=record(city, posted_on), headers=headers)
    assert first.status_code == 201
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=9), tick=False):
        again = api.post(URL, as_="staff", json=record(city, posted_on), headers=headers)
        other_body = api.post(URL, as_="staff", json=record(city, posted_on, weight_kg=901),
                              headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert other_body.status_code == 409  # the key is taken by another body
    assert stored_rows() == 1


def test_a_batch_resent_after_the_window_passed_is_answered(api, city):
    posted_on = local_today()
    records = [{**record(city, posted_on, weight_kg=100 + n), "idempotency_key": f"b-{n}"}
               for n in range(3)]
    assert api.post(f"{URL}/batch", as_="staff", json={"records": records}).status_code == 200
    _deactivate(city)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=9), tick=False):
        again = api.post(f"{URL}/batch", as_="staff", json={"records": records})
        mixed = api.post(f"{URL}/batch", as_="staff", json={"records": [
            *records, {**record(city, posted_on), "idempotency_key": "b-new"}]})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["created"] == 0 and again.get_json()["replayed"] == 3
    assert mixed.status_code == 422 and set(mixed.get_json()["errors"]["records"]) == {"3"}
    assert stored_rows() == 3


def test_a_batch_with_one_key_twice_says_what_it_stored(api, city):
    same = {**record(city), "idempotency_key": "twice"}
    records = [same, {**record(city, weight_kg=5), "idempotency_key": "once"}, same]
    response = api.post(f"{URL}/batch", as_="staff", json={"records": records})
    assert response.status_code == 200
    answer = response.get_json()
    assert stored_rows() == 2
    assert answer["created"] == 2 and answer["replayed"] == 1
    assert [r["created"] for r in answer["records"]] == [True, True, False]
    assert answer["records"][0]["id"] == answer["records"][2]["id"]


def test_point_staff_void_within_the_backdating_window_only(api, city, app):
    days = app.config["COLLECTION_BACKDATE_DAYS"]
    old_day = local_today() - dt.timedelta(days=days + 1)
    recent = api.post(URL, as_="staff", json=record(city)).get_json()["id"]
    old = api.post(URL, as_="admin", json=record(city, old_day)).get_json()["id"]
    refused = api.post(f"{URL}/{old}/void", as_="staff", json={"reason": "wrong"})
    assert refused.status_code == 422 and "collected_on" in refused.get_json()["errors"]
    assert api.post(f"{URL}/{recent}/void", as_="staff", json={"reason": "wrong"}) \
        .status_code == 200
    assert api.post(f"{URL}/{old}/void", as_="admin", json={"reason": "wrong"}) \
        .status_code == 200
    assert tonnage_kg() == 0


def test_a_void_answers_the_voided_record_and_moves_the_tonnage_once(api, city):
    made = api.post(URL, as_="staff", json=record(city)).get_json()["id"]
    voided = api.post(f"{URL}/{made}/void", as_="staff", json={"reason": "scale"})
    assert voided.status_code == 200
    body = voided.get_json()
    assert body["voided"] is True and body["void_reason"] == "scale"
    assert body["voided_by_id"] == body["posted_by_id"] and body["voided_at"]
    again = api.post(f"{URL}/{made}/void", as_="admin", json={"reason": "twice"})
    assert again.status_code == 409
    assert tonnage_kg() == 0


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_dates_before_2000_are_refused(api, city, day):
    response = api.post(URL, as_="admin", json=record(city, day))
    assert response.status_code == 422
    assert "collected_on" in response.get_json()["errors"]
    batch = api.post(f"{URL}/batch", as_="admin", json={"records": [
        {**record(city, day), "idempotency_key": "y1"}]})
    assert batch.status_code == 422
    assert stored_rows() == 0


def test_the_earliest_day_is_accepted(api, city):
    response = api.post(URL, as_="admin", json=record(city, "2000-01-01"))
    assert response.status_code == 201


def test_a_failing_check_after_the_commit_never_fails_the_posting(api, city, monkeypatch,
                                                                   caplog):
    """Whatever goes wrong after the commit (the alert check here), the posting is stored and
    answered as stored: a client told otherwise would resend it under a new key."""
    from wastesort.collections import service

    def broken(_days):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(service, "check_after_posting", broken)
    single = api.post(URL, as_="staff", json=record(city), headers={"Idempotency-Key": "s"})
    batch = api.post(f"{URL}/batch", as_="staff", json={"records": [
        {**record(city, weight_kg=7), "idempotency_key": "b"}]})
    assert (single.status_code, batch.status_code) == (201, 200)
    assert stored_rows() == 2
    assert "capacity alert check after a posting failed" in caplog.text


def test_a_taken_key_with_another_body_is_a_conflict_even_when_that_body_fails(api, city):
    """A key already stored says more than the checks of a body sent under it: 409."""
    headers = {"Idempotency-Key": "kiosk-taken"}
    assert api.post(URL, as_="staff", json=record(city), headers=headers).status_code == 201
    _deactivate(city)
    response = api.post(URL, as_="staff", json=record(city, weight_kg=901), headers=headers)
    assert response.status_code == 409
    assert stored_rows() == 1
