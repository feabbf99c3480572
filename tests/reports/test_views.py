"""The reports' pages: managers and administrators only; reports, failed deliveries, the chart,
the CSV, and the subscription form with its CSRF token."""

import datetime as dt
import re

import pytest

from tests.factories import PASSWORD, add_collection
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import ReportKind, ReportPeriod, Subscription
from wastesort.reports.service import make_report

from .conftest import city_time

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10), tick=False)


def log_in(app, user):
    """A client logged in as ``user`` through the log-in form, as a person would."""
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    done = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                       "csrf_token": token})
    assert done.status_code == 302
    return client


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def report(app, today, city, smtp, subscribe):
    """A capacity report whose one delivery failed for good (the SMTP server is down)."""
    app.config["DELIVERY_RETRY_FOR_HOURS"] = 0  # the first failure is the last
    add_collection(city.points["a1"], DAY, WasteCategory.RESIDUAL, 430_000)
    subscribe("boss@example.org", "capacity", "day")
    made, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(made)
    assert send_due()["failed"] == 1
    return made


def test_anonymous_visitors_are_sent_to_log_in(client, city):
    response = client.get("/reports/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("username", "status"), [
    ("admin", 200), ("manager", 200), ("street", 403), ("staff", 403)])
def test_managers_and_administrators_only(app, city, username, status):
    client = log_in(app, city.users[username])  # one log-in per test: the app context is shared
    assert client.get("/reports/").status_code == status
    assert client.get("/reports/subscriptions").status_code == status


def test_index_lists_reports_and_failed_deliveries(app, city, report):
    client = log_in(app, city.users["manager"])
    page = client.get("/reports/", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Failed deliveries (1)" in html
    assert "boss@example.org" in html and "ConnectionRefusedError" in html
    assert f'/reports/{report.id}"' in html
    assert f"/reports/{report.id}.csv" in html


def test_report_page_chart_and_csv(app, city, report):
    client = log_in(app, city.users["manager"])
    page = client.get(f"/reports/{report.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'src="/reports/{report.id}/chart.png"' in html
    assert "430.0 t" in html and "86.00 %" in html and "500 t/day" in html
    chart = client.get(f"/reports/{report.id}/chart.png")
    assert chart.mimetype == "image/png"
    assert chart.data.startswith(b"\x89PNG\r\n\x1a\n")
    csv = client.get(f"/reports/{report.id}.csv", headers={"Accept-Language": "en"})
    assert csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"]
    assert "2026-11-20,430.0,0.0,0.0,0.0,430.0,500,86.0,70.0,warning" in csv.get_data(
        as_text=True)
    assert client.get("/reports/999999").status_code == 404
    assert client.get("/reports/99999999999999999999").status_code == 404


def test_coverage_report_page_for_a_district(app, city, today):
    made, _ = make_report(ReportKind.COVERAGE, ReportPeriod.MONTH, dt.date(2026, 10, 1),
                          district_id=city.districts["a"].id)
    client = log_in(app, city.users["manager"])
    page = client.get(f"/reports/{made.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "渝中区" in page.get_data(as_text=True)
    assert client.get(f"/reports/{made.id}/chart.png").data.startswith(b"\x89PNG")


def test_subscription_form_needs_its_csrf_token(app, city):
    client = log_in(app, city.users["manager"])
    form = {"email": "duty@example.org", "kind": "alert", "period": "day", "district_id": ""}
    assert client.post("/reports/subscriptions", data=form).status_code == 400
    token = csrf_token(client.get("/reports/subscriptions").get_data(as_text=True))
    done = client.post("/reports/subscriptions", data={**form, "csrf_token": token})
    assert done.status_code == 302
    subscription = db.session.scalar(db.select(Subscription))
    assert (subscription.email, subscription.kind.value, subscription.created_by_id) == (
        "duty@example.org", "alert", city.users["manager"].id)

    wrong = client.post("/reports/subscriptions", headers={"Accept-Language": "en"}, data={
        "email": "x@example.org", "kind": "capacity", "period": "day",
        "district_id": str(city.districts["a"].id), "csrf_token": token})
    assert wrong.status_code == 422
    assert "Capacity reports and alerts are for the whole city." in wrong.get_data(as_text=True)

    removed = client.post(f"/reports/subscriptions/{subscription.id}/remove",
                          data={"csrf_token": token})
    assert removed.status_code == 302
    assert db.session.scalar(db.select(Subscription)) is None


def test_a_failed_delivery_can_be_tried_again(app, city, report, smtp):
    client = log_in(app, city.users["manager"])
    token = csrf_token(client.get("/reports/").get_data(as_text=True))
    delivery = report.deliveries[0]
    again = client.post(f"/reports/deliveries/{delivery.id}/retry", data={"csrf_token": token})
    assert again.status_code == 302
    smtp.start()
    assert send_due()["sent"] == 1
    db.session.expire_all()
    assert (delivery.status.value, delivery.attempts) == ("sent", 1)
    assert len(smtp.mailbox.envelopes) == 1


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_reports_page_renders_in_both_languages(app, city, report, language):
    coverage, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY)
    client = log_in(app, city.users["manager"])
    for url in ("/reports/", "/reports/?kind=coverage", f"/reports/{report.id}",
                f"/reports/{coverage.id}", "/reports/subscriptions"):
        page = client.get(url, headers={"Accept-Language": language})
        assert page.status_code == 200, url
    capacity_page = client.get(f"/reports/{report.id}", headers={"Accept-Language": language})
    tonnes = "430.0 吨" if language == "zh-CN" else "430.0 t"
    assert tonnes in capacity_page.get_data(as_text=True)
