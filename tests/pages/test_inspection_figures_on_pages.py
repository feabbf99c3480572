"""The inspection figures where people look: "my street today" (the last 7 and 30 days, the
communities not inspected lately) and the dashboard (this month so far, for the city, a
district and a town or street), recomputed by hand for the small city on 25 November 2026.

=========  ==========  =============  ===================
community  day         seen / sorted  inspected / correct
=========  ==========  =============  ===================
a1c1       25 Nov      40 / 30        20 / 15   (by the inspector, this morning)
a1c1       15 Nov      10 / 10        10 / 5
a1c2        5 Nov      10 / 5          4 / 4
a2c1       24 Nov     100 / 0         50 / 0
b1c1       28 Oct      20 / 20        10 / 10   (last month)
=========  ==========  =============  ===================

Street a1: last 7 days (19–25 Nov) 30/40 = 75.0 %, 15/20 = 75.0 %, 1 of 2 communities; last
30 days (27 Oct–25 Nov) 45/60 = 75.0 %, 24/34 = 70.6 %, 2 of 2. a1c2 was last inspected 20
days ago: more than INSPECTION_STALE_DAYS (14). This month: the city 45/160 = 28.1 %, 24/84 =
28.6 %, 3 of 6 communities = 50.0 %; Yuzhong the same rates with 3 of 4 = 75.0 %; a1 75.0 %,
70.6 %, 2 of 2 = 100.0 %.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from wastesort.inspections.models import Inspection
from wastesort.inspections.service import post_inspection

from .conftest import csrf_token

EN = {"Accept-Language": "en"}
CITY = ZoneInfo("Asia/Shanghai")
VISITS = [("admin", "a1c1", 15, 10, 10, 10, 5), ("admin", "a1c2", 5, 10, 5, 4, 4),
          ("admin", "a2c1", 24, 100, 0, 50, 0)]


@pytest.fixture
def inspected(city, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, 0, tzinfo=CITY), tick=False)
    visits = [*VISITS, ("admin", "b1c1", None, 20, 20, 10, 10),
              ("inspector", "a1c1", 25, 40, 30, 20, 15)]
    for who, community, day, seen, sorted_, items, correct in visits:
        at = dt.datetime(2026, 11, day, 8, 0, tzinfo=CITY) if day else \
            dt.datetime(2026, 10, 28, 8, 0, tzinfo=CITY)
        post_inspection(city.users[who], {
            "community_id": city.communities[community].id, "inspected_at": at,
            "households_seen": seen, "households_sorted": sorted_, "items_inspected": items,
            "items_correct": correct})
    return city


def row(html: str, css: str) -> str:
    found = re.search(rf'<tr class="{css}">(.*?)</tr>', html, re.S)
    assert found, css
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def cards(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="month-(\w+)">([^<]*)<', html))


def test_my_street_today_shows_the_last_7_and_30_days_and_the_stale(login, inspected):
    page = login("street").get("/street/", headers=EN).text
    assert row(page, "last-7") == ("Last 7 days Nov 19, 2026 to Nov 25, 2026 1 75.0 % 30 of 40 "
                                   "75.0 % 15 of 20 1 of 2")
    assert row(page, "last-30") == ("Last 30 days Oct 27, 2026 to Nov 25, 2026 3 75.0 % 45 of "
                                    "60 70.6 % 24 of 34 2 of 2")
    stale = re.search(r'<ul class="stale-communities">(.*?)</ul>', page, re.S).group(1)
    assert "a1社区2" in stale and "last inspected Nov 5, 2026, 20 days ago" in stale
    assert "a1社区1" not in stale
    assert "Communities not inspected for more than 14 days" in page


def test_the_street_page_follows_a_void(login, inspected, db):
    """The inspector voids this morning's inspection: the 7 days have nothing left."""
    browser = login("inspector")
    mine = Inspection.query.filter_by(inspector_id=inspected.users["inspector"].id).one()
    token = csrf_token(browser.get("/inspections/new").text)
    assert browser.client.post(f"/inspections/{mine.id}/void", data={
        "csrf_token": token, "reason": "wrong community"}).status_code == 302
    page = browser.get("/street/", headers=EN).text  # inspectors read their street's page too
    assert row(page, "last-7") == ("Last 7 days Nov 19, 2026 to Nov 25, 2026 0 – 0 of 0 – 0 of "
                                   "0 0 of 2")
    assert row(page, "last-30").startswith("Last 30 days Oct 27, 2026 to Nov 25, 2026 2 75.0 % "
                                           "15 of 20 64.3 % 9 of 14 2 of 2")


@pytest.mark.parametrize(("who", "url", "expected"), [
    ("manager", "/dashboard/", {"participation": "28.1 %", "accuracy": "28.6 %",
                                "inspected": "50.0 %"}),
    ("manager", "/dashboard/district/{a}", {"participation": "28.1 %", "accuracy": "28.6 %",
                                            "inspected": "75.0 %"}),
    ("street", "/dashboard/", {"participation": "75.0 %", "accuracy": "70.6 %",
                               "inspected": "100.0 %"}),
    ("manager", "/dashboard/township/{b1}", {"participation": "–", "accuracy": "–",
                                             "inspected": "0.0 %"}),
])
def test_the_dashboard_shows_this_month_so_far(login, inspected, who, url, expected):
    url = url.format(a=inspected.districts["a"].id, b1=inspected.townships["b1"].id)
    page = login(who).get(url, headers=EN).text
    assert cards(page) == expected
    if who == "manager" and url == "/dashboard/":
        assert "participation this month (45 of 160 households)" in page
        assert "accuracy this month (24 of 84 bags or bins)" in page
        assert "communities inspected this month (3 of 6)" in page
        assert "Nov 1, 2026 to Nov 25, 2026" in page
