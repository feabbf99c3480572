"""The filtered collections page: filters by point, category, days, poster and voided or not,
the totals of the filter, keyset pages that keep the filters, the CSV and XLSX of the filtered
rows, and voids by a street administrator (within their street only, back to ``next``)."""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.enums import WasteCategory
from wastesort.extensions import db as _db
from wastesort.points.models import PointKind, RecyclingPoint
from wastesort.timeutil import local_today

from ..factories import add_collection
from .conftest import csrf_token

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
KITCHEN, RESIDUAL = WasteCategory.KITCHEN, WasteCategory.RESIDUAL


@pytest.fixture
def street_week(city, db):
    """In township a1: its point's and a second point's postings (the second by its own staff,
    "kiosk"), one of them void; in b1 (another street) one posting."""
    today = local_today()
    kiosk = RecyclingPoint(township_id=city.townships["a1"].id, name="a1亭", kind=PointKind.KIOSK)
    db.session.add(kiosk)
    db.session.flush()
    kiosk_staff = factories.make_user("kiosk", Role.POINT_STAFF, recycling_point_id=kiosk.id)
    db.session.commit()
    rows = {
        "a1-today-kitchen": _posting(city.points["a1"], today, KITCHEN, 1100, city.users["staff"]),
        "a1-today-residual": _posting(city.points["a1"], today, RESIDUAL, 2200,
                                      city.users["staff"]),
        "a1-3days-kitchen": _posting(city.points["a1"], today - dt.timedelta(days=3), KITCHEN,
                                     400, city.users["staff"]),
        "kiosk-today-kitchen": _posting(kiosk, today, KITCHEN, 30, kiosk_staff),
        "kiosk-void": _posting(kiosk, today, KITCHEN, 9000, kiosk_staff, voided=True),
        "b1-today-kitchen": _posting(city.points["b1"], today, KITCHEN, 7777, None),
    }
    return {"kiosk": kiosk, "rows": rows, "today": today}


def _posting(point, day, category, weight_kg, poster, voided=False):
    row = add_collection(point, day, category, weight_kg, voided=voided)
    if poster is not None:
        row.posted_by_id = poster.id
    _db.session.commit()
    return row


def weights(html: str) -> list[int]:
    """The postings' weights as the list shows them (in kg, in the list's order)."""
    return [int(w.replace(",", "")) for w in
            re.findall(r'<div class="what">.*?<strong>([\d,]+) kg</strong>', html, re.S)]


def totals(html: str) -> dict[str, tuple[int, int]]:
    """{row label: (records, kg)} of the totals table."""
    table = html.split('class="totals"')[1].split("</table>")[0]
    found = {}
    for label, records, kg in re.findall(
            r'<t[hd]>(?:<span[^>]*></span> )?([^<]+)</t[hd]>\s*<td class="num">([\d,]+)</td>'
            r'<td class="num">([\d,]+) kg</td>', table):
        found[label.strip()] = (int(records.replace(",", "")), int(kg.replace(",", "")))
    return found


def test_street_admin_filters_by_category_days_point_poster_and_void(login, street_week):
    browser = login("street")
    today = street_week["today"]
    html = browser.get("/collections/", headers=EN).text
    assert sorted(weights(html)) == [30, 400, 1100, 2200]  # own street, void left out
    assert totals(html)["All categories"] == (4, 3730)
    assert totals(html)["Kitchen waste (green bin)"] == (3, 1530)
    assert totals(html)["Hazardous (red bin)"] == (0, 0)

    html = browser.get("/collections/?category=kitchen", headers=EN).text
    assert sorted(weights(html)) == [30, 400, 1100]
    assert totals(html)["All categories"] == (3, 1530)

    html = browser.get(f"/collections/?from={today}&to={today}", headers=EN).text
    assert sorted(weights(html)) == [30, 1100, 2200]
    assert totals(html)["All categories"] == (3, 3330)

    kiosk = street_week["kiosk"].id
    html = browser.get(f"/collections/?recycling_point_id={kiosk}&voided=all", headers=EN).text
    assert sorted(weights(html)) == [30, 9000]
    assert totals(html)["All categories"] == (2, 9030)

    html = browser.get("/collections/?poster=kiosk&voided=yes", headers=EN).text
    assert weights(html) == [9000]
    assert totals(html)["All categories"] == (1, 9000)

    html = browser.get("/collections/?poster=staff&category=kitchen", headers=EN).text
    assert sorted(weights(html)) == [400, 1100]


def test_the_poster_suggestions_are_the_street_s_staff_and_administrators(login, street_week):
    html = login("street").get("/collections/", headers=EN).text
    suggested = re.findall(r'<datalist id="posters">(.*?)</datalist>', html, re.S)[0]
    assert re.findall(r'<option value="([^"]+)">', suggested) == ["admin", "kiosk", "staff"]


def test_a_manager_reads_every_street_and_gets_the_same_totals(login, street_week):
    html = login("manager").get("/collections/?category=kitchen", headers=EN).text
    assert sorted(weights(html)) == [30, 400, 1100, 7777]
    assert totals(html)["All categories"] == (4, 9307)
    assert "Void this posting" not in html  # managers read, they do not correct


def test_point_staff_see_their_point_only(login, street_week):
    html = login("staff").get("/collections/?voided=all", headers=EN).text
    assert sorted(weights(html)) == [400, 1100, 2200]
    assert totals(html)["All categories"] == (3, 3700)
    assert 'name="recycling_point_id" id="filter-point"' not in html


@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=2026-13-01", "filter-from", "Not a valid date value."),
    ("from=2026-05-10&to=2026-05-09", "filter-to", "The last day is before the first."),
    ("poster=nobody", "filter-poster", "Nobody of that username posts here."),
    ("category=glass", "filter-category", "Not a valid choice."),
    ("voided=maybe", "filter-voided", "Not a valid choice."),
    ("recycling_point_id=x1", "filter-point", "Choose a recycling point from the suggestions"),
])
def test_bad_filters_are_told_beside_their_field(login, street_week, query, field, message):
    browser = login("street")
    response = browser.get(f"/collections/?{query}", headers=EN)
    assert response.status_code == 422
    errors = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', response.text,
                       re.S)
    assert errors and message in unescape(errors.group(1)), response.text
    assert weights(response.text) == []
    export = browser.get(f"/collections/export.csv?{query}", headers=EN)
    assert export.status_code == 422 and export.mimetype == "text/html"


@pytest.mark.parametrize(("role", "status"), [("street", 422), ("admin", 200)])
def test_a_poster_of_another_street_is_unknown_here(login, street_week, city, db, role, status):
    factories.make_user("b1staff", Role.POINT_STAFF, recycling_point_id=city.points["b1"].id)
    db.session.commit()
    response = login(role).get("/collections/?poster=b1staff", headers=EN)
    assert response.status_code == status
    assert ("Nobody of that username posts here." in response.text) == (status == 422)


def test_keyset_pages_keep_the_filters(login, city, db):
    today = local_today()
    for n in range(25):
        add_collection(city.points["a1"], today, KITCHEN, 100 + n, key=f"k{n}")
    add_collection(city.points["a1"], today, RESIDUAL, 5000, key="other")
    browser = login("street")
    first = browser.get("/collections/?category=kitchen", headers=EN).text
    assert weights(first) == list(range(124, 104, -1))
    assert totals(first)["All categories"] == (25, sum(range(100, 125)))
    next_url = unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert "category=kitchen" in next_url and "after=" in next_url
    second = browser.get(next_url, headers=EN).text
    assert weights(second) == list(range(104, 99, -1))
    assert totals(second)["All categories"] == (25, sum(range(100, 125)))


def test_the_list_starts_30_days_back_unless_the_first_day_is_cleared(login, city):
    today = local_today()
    for days in (0, 29, 30, 400):
        add_collection(city.points["a1"], today - dt.timedelta(days=days), KITCHEN, 1000 + days)
    browser = login("street")
    html = browser.get("/collections/", headers=EN).text
    assert weights(html) == [1000, 1029]
    assert totals(html)["All categories"] == (2, 2029)
    assert f'value="{today - dt.timedelta(days=29)}"' in html  # the first day shown, editable
    html = browser.get("/collections/?from=", headers=EN).text
    assert weights(html) == [1000, 1029, 1030, 1400]
    assert totals(html)["All categories"] == (4, 4459)


def test_pages_run_by_day_then_by_posting_back_and_forth(login, city):
    today = local_today()
    for n in range(45):  # three days of 15 postings, stored out of day order
        add_collection(city.points["a1"], today - dt.timedelta(days=n % 3), KITCHEN, 100 + n,
                       key=f"k{n}")
    browser = login("street")
    pages, url = [], "/collections/"
    while url:
        html = browser.get(url, headers=EN).text
        pages.append(weights(html))
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = unescape(found.group(1)) if found else None
    listed = [w for page in pages for w in page]
    expected = [100 + n for day in range(3) for n in range(44, -1, -1) if n % 3 == day]
    assert listed == expected and [len(p) for p in pages] == [20, 20, 5]
    back = unescape(re.search(r'href="([^"]+)" rel="prev"', html).group(1))
    assert weights(browser.get(back, headers=EN).text) == pages[1]
    assert browser.get("/collections/?after=2026-02-30.5", headers=EN).status_code == 400
    assert browser.get("/collections/?before=12", headers=EN).status_code == 400


def test_csv_export_of_the_filter_in_the_reader_s_language(login, street_week, db):
    row = street_week["rows"]["kiosk-void"]
    db.session.execute(Collection.__table__.update().where(Collection.id == row.id).values(
        void_reason="=HYPERLINK(\"http://x\")"))
    db.session.commit()
    browser = login("street")
    response = browser.get("/collections/export.csv?voided=all&category=kitchen", headers=ZH)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0][:6] == ["填报编号", "收运日期", "镇街", "回收点", "垃圾类别", "重量（千克）"]
    body = {int(r[0]): r for r in lines[1:]}
    assert sorted(int(r[5]) for r in body.values()) == [30, 400, 1100, 9000]  # street, kitchen
    void = body[row.id]
    assert void[4] == "厨余垃圾（绿色桶）" and void[6] == "kiosk" and void[8] == "是"
    assert void[11] == "'=HYPERLINK(\"http://x\")"  # inert in a spreadsheet
    posted = db.session.get(Collection, row.id).posted_at
    city_time = posted.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert void[7] == city_time.strftime("%Y-%m-%d %H:%M:%S")
    english = browser.get("/collections/export.csv?category=kitchen", headers=EN)
    header = next(csv.reader(io.StringIO(english.get_data(as_text=True).lstrip("\ufeff"))))
    assert header == ["Posting number", "Date collected", "Town or street", "Recycling point",
                      "Category", "Weight (kg)", "Posted by", "Posted at (city time)", "Voided",
                      "Voided by", "Voided at (city time)", "Reason for voiding"]


def test_xlsx_export_with_date_cells_and_the_filter(login, street_week):
    response = login("street").get(
        f"/collections/export.xlsx?recycling_point_id={street_week['kiosk'].id}&voided=all",
        headers=EN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Posting number" and sheet.freeze_panes == "A2"
    assert sorted(r[5] for r in rows[1:]) == [30, 9000]
    assert all(isinstance(r[1], dt.datetime) and isinstance(r[7], dt.datetime)
               for r in rows[1:])
    assert {r[8] for r in rows[1:]} == {"yes", "no"}


def test_the_export_links_carry_the_filters(login, street_week):
    html = login("street").get("/collections/?category=kitchen&voided=all", headers=EN).text
    links = [unescape(u) for u in re.findall(r'href="(/collections/export\.[a-z]+[^"]*)"', html)]
    assert len(links) == 2
    assert all("category=kitchen" in u and "voided=all" in u for u in links)


# --- voids by a street administrator -----------------------------------------------------

def void_on_page(browser, row_id, reason, next_url=None, list_url="/collections/"):
    page = browser.get(list_url, headers=EN)
    data = {"csrf_token": csrf_token(page.text), "reason": reason}
    if next_url is not None:
        data["next"] = next_url
    return browser.client.post(f"/collections/{row_id}/void", data=data, headers=EN)


def tonnage_kg(db) -> int:
    db.session.rollback()  # a fresh read of what the requests committed
    return int(db.session.scalar(select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0))))


def test_street_admin_voids_a_posting_of_their_street_of_any_day(login, city, db):
    old = add_collection(city.points["a1"], local_today() - dt.timedelta(days=40), KITCHEN, 640)
    before = tonnage_kg(db)
    browser = login("street")
    response = void_on_page(browser, old.id, "weighed at the wrong point")
    assert response.status_code == 302 and response.location.endswith("/collections/")
    db.session.refresh(old)
    assert old.voided and old.voided_by_id == city.users["street"].id
    assert tonnage_kg(db) == before - 640
    html = browser.get("/collections/?voided=yes&from=", headers=EN).text
    note = re.search(r'class="meta void-note">(.*?)</div>', html, re.S).group(1)
    assert note.startswith("Voided by street at ")
    assert note.endswith(": weighed at the wrong point")


def test_point_staff_may_not_void_past_their_window(login, city, db):
    old = add_collection(city.points["a1"], local_today() - dt.timedelta(days=40), KITCHEN, 640)
    response = void_on_page(login("staff"), old.id, "late")
    assert response.status_code == 302
    db.session.refresh(old)
    assert not old.voided


def test_a_void_outside_the_street_is_not_found_and_changes_nothing(login, city, db):
    other = add_collection(city.points["b1"], local_today(), KITCHEN, 70)
    before = tonnage_kg(db)
    response = void_on_page(login("street"), other.id, "not mine")
    assert response.status_code == 404
    db.session.refresh(other)
    assert not other.voided and tonnage_kg(db) == before


def test_a_manager_reads_but_may_not_void(login, city, db):
    row = add_collection(city.points["a1"], local_today(), KITCHEN, 70)
    response = void_on_page(login("manager"), row.id, "no")
    assert response.status_code == 403
    db.session.refresh(row)
    assert not row.voided


@pytest.mark.parametrize(("sent", "back"), [
    ("/post", "/post"),
    ("/collections/?category=kitchen&after=5", "/collections/?category=kitchen&after=5"),
    ("//evil.example/x", "/collections/"),
    ("https://evil.example/", "/collections/"),
    (None, "/collections/"),
])
def test_after_a_void_back_to_a_safe_next(login, city, db, sent, back):
    row = add_collection(city.points["a1"], local_today(), KITCHEN, 70)
    response = void_on_page(login("street"), row.id, "weighed twice", next_url=sent)
    assert response.status_code == 302
    assert response.location == back
    db.session.refresh(row)
    assert row.voided


def test_the_void_form_returns_to_the_filtered_list(login, city, db):
    add_collection(city.points["a1"], local_today(), KITCHEN, 70)
    html = login("street").get("/collections/?category=kitchen", headers=EN).text
    assert 'name="next" value="/collections/?category=kitchen"' in html
