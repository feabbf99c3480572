"""The coverage report's section on sorting inspections, e-mailed through a real SMTP server:
participation, accuracy, the share of communities inspected and the communities not inspected
for more than INSPECTION_STALE_DAYS, for the city and each district, with the change since the
previous report (stored, or computed when there is none) — every figure worked out by hand
below for the small city, in English and in Chinese, in the text, the HTML and the CSV.

The week reported is week 47 of 2026 (16–22 November); the week before, 9–15 November.

=========  ==========  =====================  =====================
community  day         seen / sorted          inspected / correct
=========  ==========  =====================  =====================
a1c1       17 Nov      40 / 30                20 / 15
a2c1       18 Nov      10 / 2                 10 / 4
b1c1       20 Nov      50 / 50                25 / 25
a1c1       10 Nov      20 / 10                10 / 5     (week before)
b1c2       12 Nov      10 / 10                10 / 10    (week before)
=========  ==========  =====================  =====================

Week 47, the city: participation 82/100 = 82.00 %, accuracy 44/55 = 80.00 %, 3 of 6
communities inspected (50.00 %); not inspected for more than 14 days on 22 November (last
inspection before 8 November, or none): a1c2 and a2c2 — 2. The week before: 20/30 = 66.67 %,
15/20 = 75.00 %, 2 of 6 (33.33 %), and on 15 November a1c2, a2c1, a2c2 and b1c1 had not been
inspected since 1 November — 4. Changes: +15.33, +5.00, +16.67 points, -2 communities.
Yuzhong (a1, a2): 32/50 = 64.00 %, 19/30 = 63.33 %, 2 of 4 = 50.00 %, 2 stale; the week before
10/20 = 50.00 %, 5/10 = 50.00 %, 1 of 4 = 25.00 %, 3 stale. Dadukou (b1): 100.00 %, 100.00 %,
1 of 2 = 50.00 %, 0 stale; the week before the same rates, 1 stale.
"""

import csv
import datetime as dt
import io

import pytest

from wastesort.inspections.service import post_inspection
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import DAY, city_time

VISITS = [("a1c1", 17, 40, 30, 20, 15), ("a2c1", 18, 10, 2, 10, 4), ("b1c1", 20, 50, 50, 25, 25),
          ("a1c1", 10, 20, 10, 10, 5), ("b1c2", 12, 10, 10, 10, 10)]


def inspect(city, community, day, seen, sorted_, inspected, correct):
    post_inspection(city.users["admin"], {  # administrators may post a past week
        "community_id": city.communities[community].id,
        "inspected_at": city_time(2026, 11, day, 9, 30), "households_seen": seen,
        "households_sorted": sorted_, "items_inspected": inspected, "items_correct": correct})


@pytest.fixture
def inspected(now, city):
    for visit in VISITS:
        inspect(city, *visit)
    return city


def mail_of_week(smtp, subscribe):
    subscribe("boss@example.org", "coverage", "week")
    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY)
    queue_report(report)
    smtp.start()
    assert send_due()["sent"] == 1
    (message,) = smtp.mailbox.messages
    (attachment,) = message.iter_attachments()
    rows = list(csv.reader(io.StringIO(attachment.get_content().lstrip("\ufeff"))))
    return (report, message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content(), rows)


def test_the_section_with_its_change_by_hand(inspected, smtp, subscribe):
    report, text, html, rows = mail_of_week(smtp, subscribe)
    section = report.figures["inspections"]
    assert section["previous"]["source"] == "computed"  # no report of the week before
    assert "Sorting inspections: 3 inspections" in text
    assert "Participation: 82.00 % (+15.33 points)" in text
    assert "Accuracy: 80.00 % (+5.00 points)" in text
    assert "Communities inspected in the period: 3 / 6, 50.00 % (+16.67 points)" in text
    assert "Communities not inspected for more than 14 days: 2 (-2)" in text
    assert ("- 渝中区: participation 64.00 %, accuracy 63.33 %, 50.00 % of communities "
            "inspected, 2 not inspected lately") in text
    assert ("- 大渡口区: participation 100.00 %, accuracy 100.00 %, 50.00 % of communities "
            "inspected, 0 not inspected lately") in text
    assert "<h3>Sorting inspections</h3>" in html
    assert "82.00 % (+15.33 points)" in html and "<h4>Sorting inspections by district</h4>" in html
    header = rows[0]
    assert header[-7:] == ["Number of inspections", "Participation (%)",
                           "Change in participation (percentage points)", "Accuracy (%)",
                           "Change in accuracy (percentage points)",
                           "Communities inspected (%)", "Communities not inspected lately"]
    by_name = {(r[0], r[2]): r[-7:] for r in rows[1:]}
    assert by_name[("city", "")] == ["3", "82.0", "15.33", "80.0", "5.0", "50.0", "2"]
    assert by_name[("district", "渝中区")] == ["2", "64.0", "14.0", "63.33", "13.33", "50.0", "2"]
    assert by_name[("district", "大渡口区")] == ["1", "100.0", "0.0", "100.0", "0.0", "50.0",
                                                 "0"]
    assert by_name[("street", "解放碑街道")] == ["1", "75.0", "25.0", "75.0", "25.0", "50.0",
                                                  "1"]
    assert by_name[("town", "八桥镇")] == ["1", "20.0", "", "40.0", "", "50.0", "1"]


def test_the_change_is_since_the_stored_report_of_the_week_before(inspected, smtp, subscribe):
    """The week before was reported already: a late correction posted into that week since
    changes neither that report nor the change this report shows."""
    before, made = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY - dt.timedelta(7))
    assert made and before.figures["inspections"]["total"]["participation_percent"] == 66.67
    inspect(inspected, "b1c1", 13, 100, 0, 10, 0)  # would make that week 20/130 = 15.38 %
    report, text, _html, _rows = mail_of_week(smtp, subscribe)
    assert report.figures["inspections"]["previous"]["source"] == "report"
    assert "Participation: 82.00 % (+15.33 points)" in text
    assert "Communities not inspected for more than 14 days: 2 (-2)" in text


def test_a_report_made_before_the_section_existed_counts_as_none(inspected, smtp, subscribe,
                                                                  db):
    """An older stored report without the section: the change is computed for its week."""
    before, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY - dt.timedelta(7))
    before.figures = {k: v for k, v in before.figures.items() if k != "inspections"}
    db.session.commit()
    report, text, _html, rows = mail_of_week(smtp, subscribe)
    assert report.figures["inspections"]["previous"]["source"] == "computed"
    assert "Accuracy: 80.00 % (+5.00 points)" in text
    # and the older report's own CSV leaves the inspection columns blank
    from wastesort.reports.csvout import report_csv

    old = list(csv.reader(io.StringIO(report_csv(before).lstrip("\ufeff"))))
    assert old[1][-7:] == [""] * 7


def test_the_section_in_chinese(inspected, smtp, subscribe, app):
    app.config["MAIL_LOCALE"] = "zh_Hans_CN"
    _report, text, html, rows = mail_of_week(smtp, subscribe)
    assert "督导检查：3 次检查" in text
    assert "参与率：82.00 %（+15.33 个百分点）" in text
    assert "投放准确率：80.00 %（+5.00 个百分点）" in text
    assert "本期受检社区：3 / 6，50.00 %（+16.67 个百分点）" in text
    assert "超过 14 天未检查的社区：2（-2）" in text
    assert ("- 渝中区：参与率 64.00 %，投放准确率 63.33 %，50.00 % 的社区受检，2 个社区久未检查"
            in text)
    assert "<h4>各区督导检查</h4>" in html
    assert rows[0][-7:] == ["检查次数", "参与率（%）", "参与率变化（百分点）", "投放准确率（%）",
                            "投放准确率变化（百分点）", "受检社区占比（%）", "久未检查的社区数"]


def test_the_report_page_shows_the_section(inspected, app, client):
    from tests.pages.conftest import Browser

    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY)
    browser = Browser(client)
    browser.login("manager")
    page = browser.get(f"/reports/{report.id}", headers={"Accept-Language": "en"}).text
    assert "<h3>Sorting inspections</h3>" in page
    assert "82.00 % (+15.33 points)" in page
    assert 'style="' not in page.split("<h3>Sorting inspections</h3>")[1]  # CSP: no inline style
