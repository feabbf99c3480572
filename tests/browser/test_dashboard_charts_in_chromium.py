"""The dashboard's charts as Chromium draws them: in the reader's language, and no label over
another label or over a bar (the lines' names once sat on the bars of busy days)."""

import datetime as dt

import pytest

from tests.factories import add_collection, add_households
from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from .test_pages_in_chromium import log_in

BOXES = """svg => {
  const box = e => { const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom]; };
  return {texts: [...svg.querySelectorAll('text')].map(t => [t.textContent, box(t)]),
          bars: [...svg.querySelectorAll('rect.bar')].map(box)};
}"""


def overlaps(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


@pytest.fixture
def busy_days(city):
    """Days over capacity (500 t/day) and in warning, the latest today, at the chart's right
    edge where the lines' names were."""
    add_households(city.communities["a1c1"], 20, 19)
    for back, weight_kg in ((0, 460_000), (1, 498_000), (3, 520_000), (11, 420_000)):
        add_collection(city.points["a1"], local_today() - dt.timedelta(days=back),
                       WasteCategory.RESIDUAL, weight_kg)


@pytest.mark.parametrize(("locale", "capacity", "warning"), [
    ("zh-CN", "处理能力 500 吨/日", "预警线 85 %"),
    ("en-US", "capacity 500 t/day", "warning 85 %")])
@pytest.mark.parametrize("phone", [False, True])
def test_the_tonnage_chart_names_its_lines_clear_of_the_bars(live_server, open_page, busy_days,
                                                              locale, capacity, warning, phone):
    page = open_page(locale=locale, phone=phone)
    log_in(page, live_server, "manager")
    chart = page.locator("#tonnage-chart svg")
    found = chart.evaluate(BOXES)
    texts = found["texts"]
    assert [t for t, _box in texts if t in (capacity, warning)] == [capacity, warning]
    for i, (text, box) in enumerate(texts):
        assert not any(overlaps(box, bar) for bar in found["bars"]), f"{text!r} is over a bar"
        for other, other_box in texts[i + 1:]:
            assert not overlaps(box, other_box), f"{text!r} overlaps {other!r}"

