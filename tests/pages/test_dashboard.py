"""The dashboard: tonnage against capacity as an SVG chart with the capacity and warning
lines, utilisation and headroom, days in warning, coverage chart and sortable table."""

import datetime as dt
import re

from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from ..factories import add_collection, add_households

EN = {"Accept-Language": "en"}


def test_manager_sees_capacity_chart_with_lines_and_units(login, city):
    today = local_today()
    # capacity in the small city: 5 facilities x 100 t/day = 500 t/day
    add_collection(city.points["a1"], today, WasteCategory.RESIDUAL, 450_000)  # 90 %: warning
    add_collection(city.points["b1"], today - dt.timedelta(days=3), WasteCategory.KITCHEN,
                   600_000)  # 120 %: over
    page = login("manager").get("/dashboard/", headers=EN)
    assert page.status_code == 200
    html = page.text
    assert '<svg' in html and 'class="chart"' in html
    assert html.count('class="limit"') >= 3  # capacity and warning lines, coverage threshold
    assert "capacity 500 t/day" in html and "warning 85 %" in html
    assert "450.0 t" in html  # collected today, with its unit
    assert "90.0 %" in html  # utilisation today
    assert "50.0 t" in html  # headroom today
    alerts = html.split('class="alerts"')[1].split("</table>")[0]
    assert "over capacity" in alerts and "warning" in alerts
    assert "600.0 t" in alerts and "120.0 %" in alerts
    assert 'class="bar status-over"' in html and 'class="bar status-warning"' in html
    streams = html.split('id="streams"')[1].split("</table>")[0]
    # residual waste against incineration: 450 t of 100 t/day
    assert 'class="status-over"' in streams and "450.0 %" in streams and "-350.0 t" in streams


def test_voided_collections_do_not_count(login, city):
    add_collection(city.points["a1"], local_today(), WasteCategory.RESIDUAL, 450_000,
                   voided=True)
    html = login("manager").get("/dashboard/", headers=EN).text
    assert "No day in warning or over capacity." in html


def test_street_admin_sees_own_township_by_community(login, city):
    add_households(city.communities["a1c1"], 10, 10)
    add_households(city.communities["a1c2"], 10, 5)
    add_households(city.communities["b1c1"], 7, 0)
    html = login("street").get("/dashboard/", headers=EN).text
    assert "解放碑街道" in html
    assert "a1社区1" in html and "a1社区2" in html
    assert "b1社区1" not in html and "新山村街道" not in html
    assert "75.0 %" in html  # 15 of 20 households covered
    assert "50.0 %" in html and "100.0 %" in html


def test_manager_can_narrow_to_a_district_and_sort_the_table(login, city):
    add_households(city.communities["a1c1"], 10, 10)
    add_households(city.communities["a2c1"], 10, 2)
    browser = login("manager")
    html = browser.get(f"/dashboard/?district_id={city.districts['a'].id}&sort=coverage"
                       "&dir=desc", headers=EN).text
    table = html.split('id="coverage-table"')[1]
    names = re.findall(r"<tr><td>([^<]+?)\s*</td>", table)
    assert names[:2] == ["解放碑街道", "八桥镇"]
    assert "新山村街道" not in table
    asc = browser.get(f"/dashboard/?district_id={city.districts['a'].id}&sort=coverage"
                      "&dir=asc", headers=EN).text.split('id="coverage-table"')[1]
    assert re.findall(r"<tr><td>([^<]+?)\s*</td>", asc)[:2] == ["八桥镇", "解放碑街道"]
    assert 'aria-sort="ascending"' in asc


def test_dashboard_needs_login(client, city):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
