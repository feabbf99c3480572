"""The page "my street today": a street administrator's landing page, the same page of any
town or street for managers and administrators, and nobody else's."""

import datetime as dt
import re

import pytest

from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.points.models import PointKind, RecyclingPoint
from wastesort.timeutil import local_today

from ..factories import add_collection, add_households

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
HTML = {"Accept": "text/html"}


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">')[1].split("</section>")[0]


@pytest.fixture
def street_day(city):
    """Street a1 today: its station posted 1,000 kg of kitchen waste; its kiosk last posted
    two days ago at 02:30 UTC (10:30 in the city); it has 90 kg a day of kitchen waste on
    each of the 10 days before today."""
    today = local_today()
    kiosk = RecyclingPoint(township=city.townships["a1"], name="a1自助机", kind=PointKind.KIOSK)
    db.session.add(kiosk)
    db.session.commit()
    for days in range(1, 11):
        add_collection(city.points["a1"], today - dt.timedelta(days=days), WasteCategory.KITCHEN,
                       90)
    add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 1000)
    two_days_ago = today - dt.timedelta(days=2)
    row = add_collection(kiosk, two_days_ago, WasteCategory.RESIDUAL, 350)
    row.posted_at = dt.datetime.combine(two_days_ago, dt.time(2, 30), tzinfo=dt.UTC)
    db.session.commit()
    add_households(city.communities["a1c1"], 10, 5)
    return kiosk


def test_a_street_administrator_lands_on_their_street(browser, city):
    response = browser.login("street")
    assert response.headers["Location"].endswith("/street/")
    html = browser.get("/street/", headers=EN).text
    nav = html.split('class="main"')[1].split("</nav>")[0]
    assert re.findall(r'<a href="([^"]+)"', nav)[0] == "/street/"  # "My street" first
    assert "My street" in nav
    assert "<h1>解放碑街道 today" in html


def test_others_still_land_where_they_did(browser, city):
    assert browser.login("manager").headers["Location"].endswith("/dashboard/")
    nav = browser.get("/dashboard/", headers=EN).text.split('class="main"')[1]
    assert 'href="/street/"' not in nav.split("</nav>")[0]


def test_not_yet_posted_with_the_last_posting_in_city_time(login, street_day):
    html = login("street").get("/street/", headers=EN).text
    not_posted = section(html, "not-posted")
    assert "a1自助机" in not_posted and "a1回收站" not in not_posted
    assert "not yet posted" in not_posted
    day = local_today() - dt.timedelta(days=2)
    short = f"{day.month}/{day.day}/{day.year % 100:02d}"
    assert f"Last posting: {short}, 10:30\u202fAM, for {day:%b} {day.day}, {day.year}" in \
        not_posted
    assert "1 of 2 recycling points" in not_posted
    posted = section(html, "posted")
    assert "a1回收站" in posted and "1,000 kg" in posted and "a1自助机" not in posted


def test_a_posting_of_today_moves_the_point_to_posted(login, street_day):
    browser = login("street")
    add_collection(street_day, local_today(), WasteCategory.HAZARDOUS, 3)
    html = browser.get("/street/", headers=EN).text
    assert "Every recycling point has posted today." in section(html, "not-posted")
    posted = section(html, "posted")
    assert "a1自助机" in posted and "3 kg" in posted


def test_a_voided_posting_is_not_a_posting(login, street_day):
    add_collection(street_day, local_today(), WasteCategory.HAZARDOUS, 3, voided=True)
    html = login("street").get("/street/", headers=EN).text
    assert "a1自助机" in section(html, "not-posted")


def test_tonnage_against_the_average_trend_and_coverage(login, street_day):
    html = login("street").get("/street/", headers=EN).text
    tonnage = section(html, "street-tonnage")
    kitchen = tonnage.split('class="category-kitchen"')[1].split("</tr>")[0]
    # before today: 10 days of 90 kg (the kiosk's residual is another category)
    assert re.findall(r'<td class="num">(.*?)</td>', kitchen) == [
        "1.00 t", '<span class="difference above">+1,011.1 %</span>',  # 1,000 / 90 - 1
        "0.09 t", '<span class="difference level">0.0 %</span>',
        "0.09 t", '<span class="difference level">0.0 %</span>', "0.09 t"]
    assert "mean day of the 10 days before today" in tonnage
    residual = tonnage.split('class="category-residual"')[1].split("</tr>")[0]
    assert '<span class="difference below">-100.0 %</span>' in residual  # nothing today
    trend = section(html, "street-trend")
    assert trend.count('class="bar cat-kitchen"') == 11
    assert trend.count('class="bar cat-residual"') == 1
    assert 'class="average"' in trend and "the street&#39;s average 0.12 t per day" in trend
    coverage = section(html, "street-coverage")
    assert "50.0 %" in coverage and "not yet covered" in coverage
    below = coverage.split('id="communities-below"')[1]
    assert "a1社区1" in below and "a1社区2" not in below  # no households: nothing to judge


def test_the_page_reads_chinese(login, street_day):
    html = login("street").get("/street/", headers=ZH).text
    assert "<h1>解放碑街道今日" in html
    assert "今日尚未上报" in html and "上次上报：" in html
    assert "收运量与本街镇日均对比" in html and "本街镇日均" in html
    assert "覆盖率低于 95 % 的社区" in html


def test_managers_and_admins_open_any_street_from_the_dashboard(login, street_day, city):
    browser = login("manager")
    dashboard = browser.get("/dashboard/", headers=EN).text
    table = dashboard.split('id="coverage-table"')[1]
    for township in city.townships.values():
        assert f'href="/street/{township.id}"' in table
    html = browser.get(f"/street/{city.townships['a1'].id}", headers=EN).text
    assert "<h1>解放碑街道 today" in html and "a1自助机" in section(html, "not-posted")
    other = browser.get(f"/street/{city.townships['b1'].id}", headers=EN)
    assert other.status_code == 200 and "新山村街道 today" in other.text
    assert browser.get("/street/").headers["Location"].endswith("/dashboard/")
    assert browser.get("/street/999999", headers=HTML).status_code == 404


def test_an_admin_reads_a_street_too(login, city):
    assert login("admin").get(f"/street/{city.townships['a2'].id}").status_code == 200


def test_a_street_administrator_reads_only_their_own_street(login, city):
    browser = login("street")
    assert browser.get(f"/street/{city.townships['a1'].id}").status_code == 200
    assert browser.get(f"/street/{city.townships['b1'].id}", headers=HTML).status_code == 404
    assert browser.get(f"/street/{city.townships['a2'].id}", headers=HTML).status_code == 404


def test_point_staff_read_no_street(login, city):
    browser = login("staff")
    assert browser.get("/street/", headers=HTML).status_code == 403
    assert browser.get(f"/street/{city.townships['a1'].id}", headers=HTML).status_code == 403


def test_the_page_needs_a_login(client, city):
    response = client.get("/street/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_empty_street_has_no_average_and_every_point_not_posted(login, city):
    html = login("street").get("/street/", headers=EN).text
    assert "No postings before today: the street has no average yet." in html
    assert "Never posted." in section(html, "not-posted")
    assert "No recycling point has posted today yet." in section(html, "posted")
    assert 'class="average"' not in html
