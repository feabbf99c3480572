"""The monthly ranking report (红黑榜): made once and stored, caught up by the schedule, sent
through a real SMTP conversation with its chart and CSV, in the reader's language."""

import csv
import datetime as dt
import io
from email import message_from_bytes, policy

import pytest

from tests.ranking_data import build_ranked_city
from wastesort.errors_domain import RuleViolation
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import Report, ReportKind, ReportPeriod
from wastesort.reports.schedule import run_catch_up, schedule_entries
from wastesort.reports.service import make_report

from .conftest import city_time

OCTOBER = dt.date(2026, 10, 15)


@pytest.fixture
def ranked(city, time_machine):
    time_machine.move_to(city_time(2026, 11, 20, 10, 0), tick=False)
    return build_ranked_city(city)


def test_made_once_with_the_lists(db, ranked):
    report, made = make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER)
    again, made_again = make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER)
    assert made and not made_again and again.id == report.id
    figures = report.figures
    ids = {t.id: k for k, t in ranked.townships.items()}
    assert [ids[t["id"]] for t in figures["townships"]] == ["b1", "a1", "a2"]
    assert figures["townships"][1]["composite_score"] == 62.18
    assert figures["townships"][1]["movement"]["composite"] == 1
    assert [ids[i] for i in figures["red"]] == ["b1", "a1"]
    assert figures["previous"]["source"] == "computed"


def test_movement_from_the_report_published_before(db, ranked):
    """September's report, made first, is where October's previous places come from."""
    september, _ = make_report(ReportKind.RANKING, ReportPeriod.MONTH, dt.date(2026, 9, 10))
    october, _ = make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER)
    assert october.figures["previous"] == {"period_start": "2026-09-01",
                                           "period_end": "2026-09-30",
                                           "report_id": september.id, "source": "report"}
    a1 = next(t for t in october.figures["townships"] if t["id"] == ranked.townships["a1"].id)
    assert a1["previous_rank"]["composite"] == 3


def test_city_and_week_or_month_only(db, ranked):
    with pytest.raises(RuleViolation) as refused:
        make_report(ReportKind.RANKING, ReportPeriod.DAY, OCTOBER)
    assert "period" in refused.value.errors
    with pytest.raises(RuleViolation) as refused:
        make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER,
                    district_id=ranked.districts["a"].id)
    assert "district_id" in refused.value.errors


def test_caught_up_by_the_schedule(db, ranked):
    entries = [e for e in schedule_entries() if e.key == "ranking:month"]
    assert entries and entries[0].cron == "30 8 1 * *"
    done = run_catch_up(entries, now=city_time(2026, 11, 20, 10, 0))
    assert [(r.kind, r.period_start) for r in done.made] == \
        [(ReportKind.RANKING, dt.date(2026, 10, 1))]
    assert db.session.query(Report).count() == 1


def test_sent_over_real_smtp_with_chart_and_csv(db, ranked, smtp, subscribe):
    subscribe("boss@example.org", "ranking", "month")
    report, _ = make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER)
    assert queue_report(report) == 1
    smtp.start()
    assert send_due() == {"sent": 1, "retry": 0, "failed": 0}
    (envelope,) = smtp.mailbox.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "[wastesort] Rankings of towns and streets, October 2026"
    text = message.get_body(("plain",)).get_content()
    assert "Red list: the best 2" in text and "2. 解放碑街道 (渝中区): 62.18" in text
    html = message.get_body(("html",)).get_content()
    assert "Black list: the worst 1" in html and "八桥镇" in html
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    (image,) = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Red and black lists" in image.get_content()  # the chart's title, in English
    (attachment,) = list(message.iter_attachments())[-1:]
    rows = list(csv.reader(io.StringIO(attachment.get_content().lstrip("\ufeff"))))
    assert rows[0][:4] == ["Place", "Movement", "Id", "Name"]
    assert rows[2][3] == "解放碑街道" and rows[2][5] == "62.18" and rows[2][-1] == "red list"


def test_in_the_readers_language(db, app, ranked, smtp, subscribe):
    app.config["MAIL_LOCALE"] = "zh_Hans_CN"
    subscribe("zhang@example.org", "ranking", "month")
    report, _ = make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER)
    queue_report(report)
    smtp.start()
    send_due()
    (envelope,) = smtp.mailbox.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert "2026年10月" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "Red list" not in text and "解放碑街道" in text


def test_the_report_page(db, ranked, client):
    from tests.pages.conftest import Browser

    report, _ = make_report(ReportKind.RANKING, ReportPeriod.MONTH, OCTOBER)
    browser = Browser(client)
    browser.login("manager")
    page = browser.get(f"/reports/{report.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Red list: the best 2" in page.text
    assert browser.get(f"/reports/{report.id}/chart.png").status_code == 200
    csv_page = browser.get(f"/reports/{report.id}.csv")
    assert csv_page.status_code == 200 and "解放碑街道" in csv_page.text
