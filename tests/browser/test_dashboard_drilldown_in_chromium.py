"""The dashboard's drill-down as a manager clicks through it in Chromium: the city → a
district → a town or street → a community, each with its 12-month trend by stream and its
coverage trend; the red and black lists lead to a town; a street administrator stays in its
own town or street."""

import datetime as dt

import pytest

from tests.factories import add_collection, add_households
from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from .conftest import log_in


@pytest.fixture
def lived_in(city):
    add_households(city.communities["a1c1"], 20, 19)
    add_households(city.communities["a2c1"], 10, 6)
    add_households(city.communities["b1c1"], 10, 10)
    today = local_today()
    last_month = today.replace(day=1) - dt.timedelta(days=10)
    for point, kg in (("a1", 40_000), ("a2", 10_000), ("b1", 25_000)):
        add_collection(city.points[point], today, WasteCategory.RESIDUAL, kg)
        add_collection(city.points[point], last_month, WasteCategory.RESIDUAL, kg)
        add_collection(city.points[point], last_month, WasteCategory.RECYCLABLE, kg // 4)
    return city


def test_a_manager_drills_down_to_a_community(live_server, open_page, lived_in):
    city = lived_in
    page = open_page()
    log_in(page, live_server, "manager")
    assert page.locator("#months-chart svg rect.bar.month").count() == 12
    assert page.locator("#districts-chart svg rect.seg").count() >= 2
    assert page.locator("#red-list li").count() + page.locator("#black-list li").count() == 3
    page.click("#districts .district-links >> text=渝中区")
    assert page.url.endswith(f"/dashboard/district/{city.districts['a'].id}")
    assert "渝中区" in page.locator("h1").inner_text()
    table = page.locator("#coverage-table")
    assert table.is_visible() and "新山村街道" not in table.inner_text()
    table.locator("tr", has_text="解放碑街道").locator("text=Trends").click()
    assert page.url.endswith(f"/dashboard/township/{city.townships['a1'].id}")
    assert page.locator("#months-chart svg rect.bar.month").count() == 12
    assert page.locator("#coverage-trend svg polyline.trend").count() == 1
    assert page.locator(".crumbs").inner_text().startswith("Whole city › 渝中区 ›")
    page.locator("#coverage-table tr", has_text="a1社区1").locator("text=Trends").click()
    assert page.url.endswith(f"/dashboard/community/{city.communities['a1c1'].id}")
    assert "a1社区1" in page.locator("h1").inner_text()
    months = page.locator("#months-chart svg rect.bar.month")
    assert months.count() == 12
    today = local_today()  # 40 t today: this month's tonnes per day so far
    assert f"{today:%Y-%m}: {40 / today.day:,.1f} t per day" in \
        page.locator("#months-chart").inner_html()
    page.click(".crumbs >> text=解放碑街道")
    page.click(".crumbs >> text=Whole city")
    page.click("#red-list >> text=新山村街道")
    assert page.url.endswith(f"/dashboard/township/{city.townships['b1'].id}")


def test_a_street_administrator_stays_in_its_street(live_server, open_page, lived_in):
    city = lived_in
    page = open_page()
    log_in(page, live_server, "street")
    page.goto(f"{live_server}/dashboard/")
    assert "解放碑街道" in page.locator("h1").inner_text()
    assert page.locator("#districts").count() == 0
    page.locator("#coverage-table tr", has_text="a1社区2").locator("text=Trends").click()
    assert page.url.endswith(f"/dashboard/community/{city.communities['a1c2'].id}")
    other = page.goto(f"{live_server}/dashboard/township/{city.townships['b1'].id}")
    assert other.status == 404
    other = page.goto(f"{live_server}/dashboard/community/{city.communities['b1c1'].id}")
    assert other.status == 404
