"""``/api/v1/reports`` and ``/api/v1/subscriptions`` with bearer tokens."""

import datetime as dt

import pytest

from tests.factories import add_collection
from wastesort.accounts.tokens import issue_token
from wastesort.enums import WasteCategory

from .conftest import city_time


@pytest.fixture
def call(client, city, time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10), tick=False)
    tokens = {role: issue_token(user, "reports test")[1] for role, user in city.users.items()}

    def _call(method, url, as_="manager", **kwargs):
        headers = {"Authorization": f"Bearer {tokens[as_]}"} if as_ else {}
        return client.open(url, method=method, headers=headers, **kwargs)

    return _call


def test_make_read_and_download_a_report(app, call, city):
    app.config["MAIL_SERVER"] = ""
    add_collection(city.points["a1"], dt.date(2026, 11, 20), WasteCategory.KITCHEN, 95_000)
    body = {"kind": "capacity", "period": "week", "as_of": "2026-11-20", "send": True}
    made = call("POST", "/api/v1/reports", json=body)
    assert made.status_code == 201, made.get_json()
    report = made.get_json()
    assert (report["period_start"], report["period_end"], report["scope"]) == (
        "2026-11-16", "2026-11-22", "city")
    assert report["made_by"] == "api:manager"
    assert report["figures"]["total"]["collected_t"] == 95.0
    assert report["figures"]["total"]["capacity_t_per_day"] == 500
    again = call("POST", "/api/v1/reports", json=body)
    assert again.status_code == 200 and again.get_json()["id"] == report["id"]

    listing = call("GET", "/api/v1/reports?kind=capacity").get_json()
    assert [r["id"] for r in listing["items"]] == [report["id"]]
    assert listing["total_items"] == 1
    one = call("GET", f"/api/v1/reports/{report['id']}")
    assert one.get_json()["figures"] == report["figures"]
    csv = call("GET", f"/api/v1/reports/{report['id']}/csv")
    assert csv.mimetype == "text/csv" and "2026-11-20,95.0" in csv.get_data(as_text=True)
    png = call("GET", f"/api/v1/reports/{report['id']}/chart.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert call("GET", "/api/v1/reports/424242").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "capacity", "period": "day", "as_of": "2026-11-29"}, "as_of"),  # not over
    ({"kind": "capacity", "period": "day", "as_of": "1999-12-31"}, "as_of"),
    ({"kind": "weather", "period": "day", "as_of": "2026-11-20"}, "kind"),
    ({"kind": "capacity", "period": "day"}, "as_of"),
    ({"kind": "coverage", "as_of": "2026-11-20", "district_id": 99999}, "district_id"),
])
def test_invalid_runs_are_422_by_field(call, body, field):
    response = call("POST", "/api/v1/reports", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_subscriptions(call, city):
    made = call("POST", "/api/v1/subscriptions", json={
        "email": "b@example.org", "kind": "coverage", "period": "month",
        "district_id": city.districts["b"].id})
    assert made.status_code == 201, made.get_json()
    subscription = made.get_json()
    assert subscription["scope"] == f"district:{city.districts['b'].id}"
    duplicate = call("POST", "/api/v1/subscriptions", json={
        "email": "b@example.org", "kind": "coverage", "period": "month",
        "district_id": city.districts["b"].id})
    assert duplicate.status_code == 422
    # the address is refused by the schema (wastesort/emails.py), before the service's rules
    wrong = call("POST", "/api/v1/subscriptions", json={"email": "nobody", "kind": "alert",
                                                        "period": "week"})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["errors"]) == {"email"}
    wrong = call("POST", "/api/v1/subscriptions", json={"email": "c@example.org",
                                                        "kind": "alert", "period": "week"})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["errors"]) == {"period"}
    alert = call("POST", "/api/v1/subscriptions", json={"email": "d@example.org",
                                                        "kind": "alert"})
    assert alert.status_code == 201 and alert.get_json()["period"] == "day"
    assert call("GET", "/api/v1/subscriptions").get_json()["total_items"] == 2
    assert call("DELETE", f"/api/v1/subscriptions/{subscription['id']}").status_code == 204
    assert call("DELETE", f"/api/v1/subscriptions/{subscription['id']}").status_code == 404
    assert call("GET", "/api/v1/subscriptions").get_json()["total_items"] == 1


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("manager", 200), ("street", 403), ("staff", 403), (None, 401)])
def test_managers_and_administrators_only(call, role, status):
    for url in ("/api/v1/reports", "/api/v1/reports/deliveries", "/api/v1/subscriptions"):
        assert call("GET", url, as_=role).status_code == status


def test_failed_deliveries_are_listed(app, call, city, smtp):
    app.config["DELIVERY_RETRY_FOR_HOURS"] = 0  # the SMTP server of ``smtp`` is never started
    call("POST", "/api/v1/subscriptions", json={"email": "b@example.org", "kind": "capacity",
                                                "period": "day"})
    made = call("POST", "/api/v1/reports", json={"kind": "capacity", "period": "day",
                                                 "as_of": "2026-11-28", "send": True})
    assert made.status_code == 201
    failed = call("GET", "/api/v1/reports/deliveries?status=failed").get_json()
    assert failed["total_items"] == 1
    (delivery,) = failed["items"]
    assert (delivery["email"], delivery["status"], delivery["attempts"]) == (
        "b@example.org", "failed", 1)
    assert "ConnectionRefusedError" in delivery["last_error"]
    assert call("GET", "/api/v1/reports/deliveries?status=sent").get_json()["total_items"] == 0
