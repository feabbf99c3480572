"""The facility pages through the test client: an operator's day (the ticket form with its
messages beside the fields, a ticket sent twice counted once, a void), the import of a
weighbridge export (GBK CSV, XLSX with date cells, row errors, preview, confirm, a second import
of the same file), the managers' page and a facility's trend, and the capacity history."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from wastesort.enums import WasteCategory
from wastesort.facilities.models import FacilityCapacity
from wastesort.intake.aggregate import DailyIntake
from wastesort.intake.models import WeighbridgeTicket
from wastesort.timeutil import local_now, local_today

from ..factories import add_collection, add_ticket
from .conftest import csrf_token


def tickets(db):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(WeighbridgeTicket))


def intake_kg(db):
    db.session.rollback()
    return db.session.scalar(select(func.coalesce(func.sum(DailyIntake.weight_kg), 0)))


def form(city, **changes):
    arrived = (local_now() - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    data = {"treatment_facility_id": str(city.facilities["incineration"].id),
            "ticket_number": "P-001", "arrived_at": arrived, "stream": "residual",
            "net_weight_kg": "15230", "township_id": str(city.townships["a1"].id),
            "vehicle_plate": "渝b 88888"}
    return {**data, **changes}


def test_the_operator_posts_a_ticket_and_sees_the_day(login, city, db):
    browser = login("operator")
    page = browser.get("/intake/")
    assert page.status_code == 200 and 'id="ticket-form"' in page.text
    sent = browser.submit("/intake/", form(city), follow_redirects=True,
                          headers={"Accept-Language": "en"})
    assert sent.status_code == 200
    assert "P-001" in sent.text and "15,230 kg" in sent.text and "渝B 88888" in sent.text
    again = browser.submit("/intake/", form(city), follow_redirects=True,
                           headers={"Accept-Language": "en"})
    assert "P-001" in again.text
    assert tickets(db) == 1 and intake_kg(db) == 15_230
    # the day's intake against the capacity in force: 15.2 t of 100 t/day
    assert "15.2 t" in again.text and "100 t/day" in again.text


def test_bad_tickets_come_back_with_messages_beside_the_fields(login, city, db):
    browser = login("operator")
    future = (local_now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bad = browser.submit("/intake/", form(city, net_weight_kg="999999", arrived_at=future,
                                          ticket_number=" "),
                         headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    for name in ("net_weight_kg", "arrived_at", "ticket_number"):
        assert f'id="{name}-errors"' in bad.text, name
    assert tickets(db) == 0
    assert browser.submit("/intake/", form(city)).status_code == 302
    other = browser.submit("/intake/", form(city, net_weight_kg="1"),
                           headers={"Accept-Language": "en"})
    assert other.status_code == 422
    assert "was stored with other values" in other.text


def test_the_operator_voids_a_ticket(login, city, db):
    ticket = add_ticket(city.facilities["incineration"], local_today(), WasteCategory.RESIDUAL,
                        4_000, number="V-1")
    browser = login("operator")
    page = browser.get("/intake/")
    done = browser.client.post(f"/intake/tickets/{ticket.id}/void", data={
        "csrf_token": csrf_token(page.text), "reason": "weighed twice"}, follow_redirects=True)
    assert done.status_code == 200
    assert intake_kg(db) == 0
    assert "weighed twice" in done.text


def test_an_operator_sees_only_their_facility(login, city):
    theirs = add_ticket(city.facilities["kitchen_waste"], local_today(), WasteCategory.KITCHEN,
                        3_000, number="K-OTHER")
    browser = login("operator")
    assert "K-OTHER" not in browser.get(
        f"/intake/?facility={city.facilities['kitchen_waste'].id}").text
    assert browser.get(f"/intake/facilities/{city.facilities['kitchen_waste'].id}"
                       ).status_code == 404
    assert browser.get("/intake/facilities").status_code == 403
    page = browser.get("/intake/")
    assert browser.client.post(f"/intake/tickets/{theirs.id}/void", data={
        "csrf_token": csrf_token(page.text), "reason": "x"}).status_code == 404
    assert theirs.voided is False


@pytest.mark.parametrize("user", ["street", "staff"])
def test_other_roles_have_no_facility_pages(login, city, user):
    browser = login(user)
    assert browser.get("/intake/").status_code == 403
    assert browser.get("/intake/import").status_code == 403


def test_managers_see_every_facility_without_posting(login, city):
    add_ticket(city.facilities["incineration"], local_today(), WasteCategory.RESIDUAL, 50_000)
    add_ticket(city.facilities["incineration"], local_today(), WasteCategory.RESIDUAL, 45_000,
               number="second")
    browser = login("manager")
    page = browser.get("/intake/facilities", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'id="strained"' in page.text and "facility 0" in page.text
    assert "95.0 %" in page.text
    day = browser.get(f"/intake/?facility={city.facilities['incineration'].id}")
    assert day.status_code == 200 and 'id="ticket-form"' not in day.text
    trend = browser.get(f"/intake/facilities/{city.facilities['incineration'].id}")
    assert trend.status_code == 200 and 'id="trend"' in trend.text


# --------------------------------------------------------------------------- import

def _csv(rows, encoding="utf-8-sig") -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode(encoding)


def _upload(browser, data: bytes, name: str, **extra):
    page = browser.get("/intake/import")
    return browser.client.post("/intake/import", data={
        "csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data", headers={"Accept-Language": "en"})


def test_a_gbk_export_with_row_errors_stores_nothing(login, city, db):
    day = local_today() - dt.timedelta(days=2)
    rows = [["磅单号", "进场时间", "垃圾类别", "净重(kg)", "来源镇街", "车牌号"],
            ["G-1", f"{day:%Y/%m/%d} 8:05", "其他垃圾", "12000", "解放碑街道", "渝A12345"],
            ["G-2", f"{day:%Y/%m/%d} 8:30", "建筑垃圾", "11000", "", ""],
            ["G-3", f"{day:%Y/%m/%d}", "厨余垃圾", "12.5", "", ""],
            ["G-1", f"{day:%Y/%m/%d} 9:00", "其他垃圾", "9000", "无此街道", ""]]
    response = _upload(login("operator"), _csv(rows, "gbk"), "export.csv")
    assert response.status_code == 422
    text = response.text
    assert 'id="import-errors"' in text
    assert "row 3" in text and "垃圾类别" in text  # the column as the file names it
    assert "row 4" in text and "whole kilograms" in text
    assert "row 5" in text and "also on row 2" in text and "No town or street named" in text
    assert '<td class="num">row 2</td>' not in text  # the good row
    assert tickets(db) == 0


def test_an_xlsx_export_with_date_cells_previews_then_stores(login, city, db):
    day = local_today() - dt.timedelta(days=1)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["过磅单号", "日期", "时间", "货物名称", "净重(吨)", "车号"])
    sheet.append(["X-1", dt.datetime.combine(day, dt.time()), dt.time(7, 45), "厨余垃圾", 8.52,
                  "渝A00001"])
    sheet.append(["X-2", f"{day:%Y/%-m/%-d}", "13:02", "其他垃圾", "20.1", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["X-3", f"{day:%Y年%-m月%-d日}", None, "可回收物", 1, "渝A00003"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    browser = login("operator")
    preview = _upload(browser, buffer.getvalue(), "export.xlsx")
    assert preview.status_code == 200, preview.text
    assert 'id="import-preview"' in preview.text
    assert "3 new tickets (29.6 t), 0 stored before" in preview.text
    assert tickets(db) == 0  # nothing before the confirmation
    done = browser.client.post("/intake/import/confirm", data={
        "csrf_token": csrf_token(preview.text),
        "token": preview.text.split('name="token" type="hidden" value="')[1].split('"')[0]},
        follow_redirects=True, headers={"Accept-Language": "en"})
    assert done.status_code == 200
    assert "3 tickets stored, 0 were stored before" in done.text
    assert tickets(db) == 3 and intake_kg(db) == 8_520 + 20_100 + 1_000
    arrivals = dict(db.session.execute(select(WeighbridgeTicket.ticket_number,
                                              WeighbridgeTicket.arrived_at)).all())
    city_zone = local_now().tzinfo
    assert arrivals["X-1"].astimezone(city_zone).time() == dt.time(7, 45)
    assert arrivals["X-2"].astimezone(city_zone).time() == dt.time(13, 2)
    again = _upload(browser, buffer.getvalue(), "export.xlsx")
    assert "0 new tickets (0.0 t), 3 stored before" in again.text


def test_the_admin_imports_for_a_facility_they_choose(login, city, db):
    day = local_today()
    rows = [["Ticket number", "Arrival time", "Stream", "Net weight (kg)"],
            ["A-1", f"{day} 06:00", "kitchen", "5000"]]
    kitchen = city.facilities["kitchen_waste"].id
    preview = _upload(login("admin"), _csv(rows), "export.csv",
                      treatment_facility_id=str(kitchen))
    assert preview.status_code == 200 and "1 new tickets" in preview.text


# --------------------------------------------------------------------------- capacity history

def test_the_capacity_history_page(login, city, db):
    incinerator = city.facilities["incineration"].id
    browser = login("admin")
    planned = (local_today() + dt.timedelta(days=40)).isoformat()
    saved = browser.submit(f"/facilities/{incinerator}/capacity", {
        "effective_from": planned, "capacity_t_per_day": "250", "note": "new line"},
        follow_redirects=True, headers={"Accept-Language": "en"})
    assert saved.status_code == 200 and "planned" in saved.text and "new line" in saved.text
    bad = browser.submit(f"/facilities/{incinerator}/capacity", {
        "effective_from": "", "capacity_t_per_day": "-3"})
    assert bad.status_code == 422 and 'id="effective_from-errors"' in bad.text
    period = db.session.scalar(select(FacilityCapacity).where(
        FacilityCapacity.capacity_t_per_day == 250))
    page = browser.get(f"/facilities/{incinerator}/capacity")
    browser.client.post(f"/facilities/{incinerator}/capacity/{period.id}/remove",
                        data={"csrf_token": csrf_token(page.text)})
    db.session.rollback()
    assert db.session.get(FacilityCapacity, period.id) is None


def test_managers_read_the_capacity_history(login, city):
    view = login("manager").get(f"/facilities/{city.facilities['incineration'].id}/capacity",
                                headers={"Accept-Language": "en"})
    assert view.status_code == 200 and "100 t/day" in view.text
    assert "Change the capacity" not in view.text


def test_a_new_facility_counts_from_its_first_day(login, city, db):
    browser = login("admin")
    since = (local_today() - dt.timedelta(days=10)).isoformat()
    done = browser.submit("/facilities/new", {
        "name": "洛碛焚烧厂", "district_id": str(city.districts["a"].id),
        "facility_type": "incineration", "capacity_t_per_day": "3000", "active": "y",
        "in_service_from": since})
    assert done.status_code == 302, done.text
    period = db.session.scalar(select(FacilityCapacity).order_by(FacilityCapacity.id.desc()))
    assert (period.effective_from.isoformat(), period.capacity_t_per_day) == (since, 3000)


def test_collected_and_received_on_the_managers_page(login, city):
    yesterday = local_today() - dt.timedelta(days=1)
    add_collection(city.points["a1"], yesterday, WasteCategory.KITCHEN, 10_000)
    add_collection(city.points["a1"], yesterday, WasteCategory.RESIDUAL, 20_000)
    add_ticket(city.facilities["kitchen_waste"], yesterday, WasteCategory.KITCHEN, 2_000,
               township=city.townships["a1"])
    add_ticket(city.facilities["incineration"], yesterday, WasteCategory.RESIDUAL, 28_000,
               township=city.townships["a1"])
    page = login("manager").get("/intake/facilities", headers={"Accept-Language": "en"})
    assert 'id="mixed"' in page.text and "解放碑街道" in page.text and "8.0 t" in page.text
