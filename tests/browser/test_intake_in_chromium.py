"""A facility operator's day at the weighbridge in Chromium: a ticket from the form (on a
phone), then a weighbridge export with one bad row, corrected, previewed and stored."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from wastesort.intake.aggregate import DailyIntake
from wastesort.intake.models import WeighbridgeTicket
from wastesort.timeutil import local_now, local_today

from .conftest import log_in

pytestmark = pytest.mark.browser


def _count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(WeighbridgeTicket))


def test_an_operator_posts_a_ticket_then_imports_the_export(live_server, open_page, city, db):
    page = open_page(phone=True)
    log_in(page, live_server, "operator")
    assert page.url.endswith("/intake/")  # the operator's landing page
    page.fill("input[name=ticket_number]", "BR-0001")
    arrived = (local_now() - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=arrived_at]", arrived)
    page.select_option("select[name=stream]", "residual")
    page.fill("input[name=net_weight_kg]", "18250")
    page.fill("input[name=vehicle_plate]", "渝A·66666")
    page.click("#ticket-form button[type=submit]")
    flash = page.locator(".flash").inner_text()
    assert "Ticket BR-0001 saved: 18,250 kg of Residual waste." in flash
    assert "BR-0001" in page.locator("#tickets").inner_text()
    assert "18.2 t" in page.locator("#intake-today").inner_text()  # 18.25, half to even
    assert _count(db) == 1

    page.click("text=Import a weighbridge export")
    day = local_today()
    bad = ("磅单号,进场时间,垃圾类别,净重(kg)\n"
           f"BR-0002,{day:%Y/%m/%d} 07:10,厨余垃圾,6400\n"
           f"BR-0003,{day:%Y/%m/%d} 07:20,混合,5000\n").encode("gbk")
    page.set_input_files("input[name=file]", files=[{
        "name": "export.csv", "mimeType": "text/csv", "buffer": bad}])
    page.click("text=Check the file")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.inner_text().split("\t")[:2] == ["row 3", "垃圾类别"]
    assert _count(db) == 1
    good = bad.replace("混合".encode("gbk"), "其他垃圾".encode("gbk"))
    page.set_input_files("input[name=file]", files=[{
        "name": "export.csv", "mimeType": "text/csv", "buffer": good}])
    page.click("text=Check the file")
    assert "2 new tickets" in page.locator("#import-preview").inner_text()
    page.click("text=Store these tickets")
    assert "2 tickets stored" in page.locator(".flash").inner_text()
    assert _count(db) == 3
    assert db.session.scalar(select(func.sum(DailyIntake.weight_kg))) == 18_250 + 6_400 + 5_000
