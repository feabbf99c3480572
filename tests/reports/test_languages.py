"""Reports in the reader's language: e-mails (through a real SMTP conversation), the CSV files,
the pages' names and times, the subscription form's messages, and one brand per language."""

import csv
import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest

from tests.factories import add_collection, add_households
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import DAY
from .test_views import csrf_token, log_in

CAPACITY_HEADER_ZH = ["日期", "收运量（吨）", "可回收物（吨）", "有害垃圾（吨）", "厨余垃圾（吨）",
                      "其他垃圾（吨）", "处理能力（吨/日）", "负荷率（%）", "剩余处理能力（吨）",
                      "状态", "处理设施接收量（吨）", "可回收物接收量（吨）",
                      "有害垃圾接收量（吨）", "厨余垃圾接收量（吨）", "其他垃圾接收量（吨）",
                      "混装混运（吨）"]



@pytest.fixture
def chinese_mail(app):
    app.config["MAIL_LOCALE"] = "zh_Hans_CN"



def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text))


def test_a_chinese_report_email_is_chinese_throughout(now, chinese_mail, capacity_day, smtp,
                                                      subscribe):
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    smtp.start()
    assert send_due()["sent"] == 1

    (message,) = smtp.mailbox.messages
    assert message["Subject"] == "【垃圾分类管理】2026年11月20日 处理能力日报"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("2026年11月20日 处理能力日报\n")
    for words in ("本期收运量：520.0 吨（1 天）", "预警天数：0", "超负荷天数：1", "各类垃圾：",
                  "峰值日：2026-11-20，520.0 吨，104.00 %", "厨余垃圾：日均 120.0 吨",
                  "生成于 2026-11-29 10:00。全部数据见附件 CSV。"):
        assert words in text, words
    assert _latin_words(text) <= {"CSV"}, text
    without_times = re.sub(r"\d\d:\d\d", "", text)
    assert not set(without_times) & set(":,;()"), text  # Chinese punctuation: ：，；（）
    html = message.get_body(("html",)).get_content()
    assert '<html lang="zh-CN">' in html
    assert "末端处理能力" in html and "生成于 2026-11-29 10:00。" in html and "UTC" not in html
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    (chart,) = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert chart.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.get_filename() == "图表.png"
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "2026年11月20日 处理能力日报.csv"
    rows = _rows(attachment.get_content())
    assert rows[0] == CAPACITY_HEADER_ZH
    assert rows[1] == ["2026-11-20", "520.0", "0.0", "0.0", "120.0", "400.0", "500", "104.0",
                       "-20.0", "超负荷", "0.0", "0.0", "0.0", "0.0", "0.0", "0.0"]


def test_an_english_report_email_is_english_throughout(now, capacity_day, smtp, subscribe):
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    smtp.start()
    send_due()
    (message,) = smtp.mailbox.messages
    assert message["Subject"] == "[wastesort] Capacity report, November 20, 2026"
    text = message.get_body(("plain",)).get_content()
    assert "Days in warning: 0" in text and "Waste streams:" in text
    assert "Collected in the period: 520.0 t (1 day)" in text
    assert re.search(r"- kitchen waste: 120\.0 t/day of [\d,]+ t/day, [\d.]+ %", text)
    assert "Made at 2026-11-29 10:00. The attached CSV has every figure." in text
    assert not re.search(r"[\u4e00-\u9fff]", text)
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "Capacity report, November 20, 2026.csv"
    assert _rows(attachment.get_content())[1][9] == "over capacity"  # then the facilities


def test_a_chinese_coverage_email_names_its_week_with_yes_and_no_in_chinese(
        now, chinese_mail, city, smtp, subscribe):
    add_households(city.communities["a2c1"], 10, 3)
    add_households(city.communities["b1c1"], 10, 10)
    subscribe("boss@example.org", "coverage", "week")
    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY)
    queue_report(report)
    smtp.start()
    send_due()
    (message,) = smtp.mailbox.messages
    assert message["Subject"] == "【垃圾分类管理】2026年第47周 覆盖率周报"
    text = message.get_body(("plain",)).get_content()
    assert "覆盖达标的镇街：1 / 3" in text and "八桥镇（渝中区）：30.00 %" in text
    assert "未达标的镇街（共 1 个，按覆盖率从低到高）：" in text
    html = message.get_body(("html",)).get_content()
    assert "<h3>未达标的镇街（共 1 个，按覆盖率从低到高）</h3>" in html
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "2026年第47周 覆盖率周报.csv"
    rows = _rows(attachment.get_content())
    assert rows[0] == ["层级", "编号", "名称", "区", "住户", "已覆盖户数", "覆盖率（%）",
                       "变化（百分点）", "覆盖达标", "检查次数", "参与率（%）",
                       "参与率变化（百分点）", "投放准确率（%）", "投放准确率变化（百分点）",
                       "受检社区占比（%）", "久未检查的社区数"]
    assert rows[1][0] == "全市"
    assert {r[0] for r in rows[2:]} <= {"区", "镇", "街道"}
    assert {r[8] for r in rows if r[0] in ("镇", "街道")} == {"是", "否"}


def test_a_recipient_who_chose_english_gets_english(now, chinese_mail, app, capacity_day, smtp,
                                                   subscribe):
    manager = capacity_day.users["manager"]
    manager.locale = "en"
    db.session.commit()
    subscribe(manager.email.upper(), "capacity", "day")  # the same address, typed otherwise
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    smtp.start()
    send_due()
    subjects = {e.rcpt_tos[0]: m["Subject"]
                for e, m in zip(smtp.mailbox.envelopes, smtp.mailbox.messages, strict=True)}
    assert subjects == {"MANAGER@example.org": "[wastesort] Capacity report, November 20, 2026",
                        "boss@example.org": "【垃圾分类管理】2026年11月20日 处理能力日报"}


def test_a_chinese_alert_names_its_day_in_chinese(now, chinese_mail, app, city, smtp,
                                                   subscribe):
    from wastesort.reports.alerts import check_day

    subscribe("duty@example.org", "alert")
    add_collection(city.points["a1"], dt.date(2026, 11, 29), WasteCategory.RESIDUAL, 520_000)
    check_day(dt.date(2026, 11, 29))
    smtp.start()
    send_due()
    (message,) = [m for m in smtp.mailbox.messages if "超负荷" in m["Subject"]]
    assert message["Subject"].strip() == (
        "【垃圾分类管理】2026年11月29日 超负荷：收运 520.0 吨，处理能力 500 吨/日")
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("超负荷：2026年11月29日")
    assert "负荷率：104.00 %（预警线 85 %）" in text and "截至目前收运量：520.0 吨" in text


def test_pages_name_reports_by_period_in_city_time(app, now, capacity_day):
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    coverage, _ = make_report(ReportKind.COVERAGE, ReportPeriod.MONTH, dt.date(2026, 10, 1),
                              district_id=capacity_day.districts["a"].id)
    client = log_in(app, capacity_day.users["manager"])
    index = client.get("/reports/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "2026年11月20日 处理能力日报</a>" in index
    assert "2026年10月 覆盖率月报（渝中区）</a>" in index
    assert "处理能力报表 " not in index and "UTC" not in index
    assert "<td>2026-11-29 10:00</td>" in index and "服务器命令行" in index
    page = client.get(f"/reports/{report.id}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert "<h1>2026年11月20日 处理能力日报</h1>" in html
    assert "由服务器命令行生成于 2026-11-29 10:00。" in html
    assert "520.0 吨（1 天）" in html and "2026-11-20，520.0 吨，104.00 %" in html
    assert "1（2026-11-20）" in html  # the days over capacity
    assert "<title>2026年11月20日 处理能力日报 · 垃圾分类管理</title>" in html
    english = client.get("/reports/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Capacity report, November 20, 2026</a>" in english
    assert "Coverage report, October 2026 (Yuzhong)</a>" in english
    assert "a command on the server" in english and "<td>2026-11-29 10:00</td>" in english


def test_the_download_is_in_the_readers_language_and_the_api_keeps_machine_headers(
        app, now, capacity_day, client):
    from wastesort.accounts.tokens import issue_token

    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    browser = log_in(app, capacity_day.users["manager"])
    download = browser.get(f"/reports/{report.id}.csv", headers={"Accept-Language": "zh-CN"})
    assert _rows(download.get_data(as_text=True))[0] == CAPACITY_HEADER_ZH
    disposition = download.headers["Content-Disposition"]
    assert 'filename="wastesort-capacity-day-2026-11-20-city.csv"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "2026年11月20日 处理能力日报.csv"
    token = issue_token(capacity_day.users["manager"], "csv")[1]
    machine = client.get(f"/api/v1/reports/{report.id}/csv", headers={
        "Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"})
    rows = _rows(machine.get_data(as_text=True))
    assert rows[0][:2] == ["day", "collected_t"] and rows[1][9] == "over"
    assert rows[0][10:] == ["received_t", "recyclable_received_t", "hazardous_received_t",
                            "kitchen_received_t", "residual_received_t", "mixed_transport_t"]
    assert machine.headers["Content-Disposition"] == (
        'attachment; filename="wastesort-capacity-day-2026-11-20-city.csv"')


def test_the_subscription_form_speaks_chinese(app, city):
    client = log_in(app, city.users["manager"])
    token = csrf_token(client.get("/reports/subscriptions").get_data(as_text=True))
    form = {"kind": "alert", "period": "day", "district_id": "", "csrf_token": token}
    bad = client.post("/reports/subscriptions", data={**form, "email": "bad"},
                      headers={"Accept-Language": "zh-CN"})
    assert bad.status_code == 422
    assert "请输入一个电子邮箱地址，例如 name@example.org。" in bad.get_data(as_text=True)
    assert client.post("/reports/subscriptions", data={**form, "email": "a@example.org"},
                       headers={"Accept-Language": "zh-CN"}).status_code == 302
    again = client.post("/reports/subscriptions", data={**form, "email": "a@example.org"},
                        headers={"Accept-Language": "zh-CN"})
    assert again.status_code == 422
    html = again.get_data(as_text=True)
    assert "该邮箱已订阅此报表。" in html and "already receives" not in html


BAD_ADDRESSES = ["bad", "a@b", "a b@example.org", "a@example.org, b@example.org",
                 "<a@example.org>", "a@-example.org", "a@example..org", "a@@example.org",
                 "a\u200bb@example.org", f"{'a' * 65}@example.org", f"a@{'b' * 250}.org"]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_the_same_addresses_are_refused_by_the_form_the_api_and_the_command(
        app, city, client, runner, monkeypatch, address):
    from wastesort.accounts.tokens import issue_token
    from wastesort.reports.models import Subscription

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    browser = log_in(app, city.users["manager"])
    token = csrf_token(browser.get("/reports/subscriptions").get_data(as_text=True))
    page = browser.post("/reports/subscriptions", headers={"Accept-Language": "en"}, data={
        "email": address, "kind": "alert", "period": "day", "district_id": "",
        "csrf_token": token})
    assert page.status_code == 422
    api_token = issue_token(city.users["manager"], "emails")[1]
    api = client.post("/api/v1/subscriptions", json={"email": address, "kind": "alert"},
                      headers={"Authorization": f"Bearer {api_token}",
                               "Accept-Language": "en"})
    assert api.status_code == 422
    assert list(api.get_json()["errors"]) == ["email"]
    command = runner.invoke(args=["subscription", "add", address, "--kind", "alert"])
    assert command.exit_code != 0
    message = api.get_json()["errors"]["email"][0]
    assert message in page.get_data(as_text=True).replace("&#39;", "'")
    assert f"email: {message}" in command.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 0


@pytest.mark.parametrize(("typed", "stored"), [
    ("  Duty.Officer+alerts@Example.ORG ", "Duty.Officer+alerts@example.org"),
    ("张三@例子.中国", "张三@例子.中国"),
])
def test_good_addresses_are_taken_everywhere_alike(app, city, client, runner, typed, stored):
    from wastesort.accounts.tokens import issue_token

    done = runner.invoke(args=["subscription", "add", typed, "--kind", "alert"])
    assert done.exit_code == 0, done.output
    assert f": {stored} receives" in done.output
    api_token = issue_token(city.users["manager"], "emails")[1]
    again = client.post("/api/v1/subscriptions", json={"email": typed, "kind": "alert"},
                        headers={"Authorization": f"Bearer {api_token}",
                                 "Accept-Language": "en"})
    assert again.status_code == 422  # the same address after cleaning: already subscribed
    assert again.get_json()["errors"] == {"email": ["This address already receives this report."]}


@pytest.mark.parametrize(("language", "brand"), [("zh-CN", "垃圾分类管理"), ("en", "wastesort")])
def test_one_brand_per_language(app, city, language, brand):
    client = log_in(app, city.users["manager"])
    html = client.get("/reports/", headers={"Accept-Language": language}).get_data(as_text=True)
    reports = "报表" if language == "zh-CN" else "Reports"
    assert f"<title>{reports} · {brand}</title>" in html
    assert f'<a class="brand" href="/">{brand}</a>' in html
    for dropped in ("重庆市生活垃圾分类", "重庆生活垃圾分类管理平台", "Chongqing garbage sorting",
                    "garbage classification"):
        assert dropped not in html


def test_a_mail_locale_without_a_catalogue_stops_the_start(tmp_path):
    from wastesort import create_app
    from wastesort.config import ConfigError

    with pytest.raises(ConfigError, match="MAIL_LOCALE: must be one of zh_Hans_CN, en"):
        create_app({"INSTANCE_PATH": str(tmp_path), "MAIL_LOCALE": "fr"})
