"""A street administrator's morning in Chromium: log in, land on "my street today", see which
recycling points have not posted yet (with their last posting, city time), and watch a point
move to "posted" once it posts today."""

import datetime as dt

import pytest

from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.points.models import PointKind, RecyclingPoint
from wastesort.timeutil import local_today

from ..factories import add_collection
from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def kiosk(city):
    """A second point of street a1 that last posted yesterday at 01:05 UTC (09:05 in the
    city); the station posted this morning."""
    point = RecyclingPoint(township=city.townships["a1"], name="a1自助机", kind=PointKind.KIOSK)
    db.session.add(point)
    db.session.commit()
    yesterday = local_today() - dt.timedelta(days=1)
    row = add_collection(point, yesterday, WasteCategory.KITCHEN, 120)
    row.posted_at = dt.datetime.combine(yesterday, dt.time(1, 5), tzinfo=dt.UTC)
    db.session.commit()
    add_collection(city.points["a1"], local_today(), WasteCategory.RESIDUAL, 640)
    return point


@pytest.mark.parametrize(("locale", "not_posted", "last"), [
    ("en-US", "not yet posted", "Last posting: {m}/{d}/{yy}, 9:05\u202fAM"),
    ("zh-CN", "未上报", "上次上报：{y}/{m}/{d} 09:05")])
@pytest.mark.parametrize("phone", [False, True])
def test_the_not_yet_posted_list_until_the_point_posts(live_server, open_page, city, kiosk,
                                                       locale, not_posted, last, phone):
    page = open_page(locale=locale, phone=phone)
    log_in(page, live_server, "street")
    assert page.url == f"{live_server}/street/"
    waiting = page.locator("#not-posted li.point")
    assert waiting.count() == 1
    item = waiting.first
    assert item.get_attribute("data-point-id") == str(kiosk.id)
    assert "a1自助机" in item.inner_text()
    assert item.locator(".badge.not-posted").inner_text() == not_posted
    yesterday = local_today() - dt.timedelta(days=1)
    assert last.format(y=yesterday.year, yy=f"{yesterday.year % 100:02d}", m=yesterday.month,
                       d=yesterday.day) in item.locator(".meta").inner_text()
    assert page.locator("#posted tr.point").count() == 1  # the station, this morning
    assert page.locator("#trend-chart svg rect.bar").count() == 2
    assert page.locator("#trend-chart svg").is_visible()

    add_collection(kiosk, local_today(), WasteCategory.RECYCLABLE, 75)
    page.reload()
    assert page.locator("#not-posted li.point").count() == 0
    posted = page.locator(f'#posted tr.point[data-point-id="{kiosk.id}"]')
    assert posted.count() == 1 and "75 kg" in posted.inner_text()


def test_the_figures_fit_a_phone(live_server, open_page, city, kiosk):
    """On a 390 px screen the page scrolls down, not sideways: the wide tables scroll inside
    their own box."""
    page = open_page(locale="zh-CN", phone=True)
    log_in(page, live_server, "street")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert page.locator("h1").inner_text().startswith("解放碑街道今日")
