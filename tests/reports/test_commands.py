"""``wastesort report`` and ``wastesort subscription``: results, and bad input as one line."""

import datetime as dt
from pathlib import Path

import pytest

from tests.factories import add_collection
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.reports.models import Delivery, Report, Subscription

from .conftest import city_time


@pytest.fixture
def today(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10), tick=False)


def test_run_list_and_send(app, runner, today, city):
    app.config["MAIL_SERVER"] = ""
    add_collection(city.points["a1"], dt.date(2026, 11, 20), WasteCategory.KITCHEN, 90_000)
    result = runner.invoke(args=["subscription", "add", "boss@example.org", "--kind",
                                 "capacity", "--period", "week"])
    assert result.exit_code == 0, result.output
    assert "receives capacity week (city)" in result.output

    args = ["report", "run", "capacity", "--as-of", "2026-11-20", "--period", "week", "--send"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "Made: report" in first.output and "2026-11-16..2026-11-22" in first.output
    assert "at 2026-11-29 10:00 +0800." in first.output  # the city's clock, not UTC's 02:00
    assert "Queued 1 new delivery(ies); sent 1" in first.output
    again = runner.invoke(args=args)  # a manual re-run: the same report, nothing sent again
    assert again.exit_code == 0
    assert "Already made" in again.output and "Queued 0 new delivery(ies); sent 0" in again.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Report)) == 1
    assert len(list(Path(app.instance_path, "outbox").glob("*.eml"))) == 1

    listing = runner.invoke(args=["report", "list"])
    assert listing.exit_code == 0
    assert "1 report(s)." in listing.output
    assert "capacity week  2026-11-16..2026-11-22" in listing.output
    assert "deliveries sent 1/1" in listing.output
    assert "made 2026-11-29 10:00 +0800 by cli" in listing.output


def test_coverage_for_a_district_and_subscription_removal(runner, today, city):
    district = city.districts["b"]
    result = runner.invoke(args=["report", "run", "coverage", "--as-of", "2026-10-31",
                                 "--period", "month", "--district", str(district.id)])
    assert result.exit_code == 0, result.output
    assert f"(district:{district.id})" in result.output
    added = runner.invoke(args=["subscription", "add", "b@example.org", "--kind", "coverage",
                                "--period", "month", "--district", str(district.id)])
    assert added.exit_code == 0, added.output
    subscription = db.session.scalar(db.select(Subscription))
    assert runner.invoke(args=["subscription", "list"]).output.count("b@example.org") == 1
    removed = runner.invoke(args=["subscription", "remove", str(subscription.id)])
    assert removed.exit_code == 0
    assert db.session.scalar(db.select(Subscription)) is None
    assert db.session.scalar(db.select(Delivery)) is None


@pytest.mark.parametrize(("args", "says"), [
    (["report", "run", "weather", "--as-of", "2026-11-20"], "kind: Choose one of: coverage"),
    (["report", "run", "capacity", "--as-of", "20/11/2026"], "as_of: Enter a date as YYYY-MM-DD"),
    (["report", "run", "capacity", "--as-of", "2026-02-30"], "as_of: Enter a date"),
    (["report", "run", "capacity", "--as-of", "2026-11-20", "--period", "year"],
     "period: Choose one of: day, week, month"),
    (["report", "run", "capacity", "--as-of", "2026-11-29"], "not over yet"),
    (["report", "run", "capacity", "--as-of", "2026-11-20", "--district", "1"], "whole city"),
    (["report", "run", "coverage", "--as-of", "2026-11-20", "--district", "x"],
     "district: Give the district's id as a number"),
    (["report", "run", "coverage", "--as-of", "2026-11-20", "--district", "99999999999"],
     "district_id: No district with id"),
    (["report", "list", "--kind", "weather"], "kind: Choose one of"),
    (["subscription", "add", "not-an-address", "--kind", "capacity", "--period", "day"],
     "email: Enter one e-mail address"),
    (["subscription", "add", "a@example.org", "--kind", "alert", "--period", "week"],
     "period: Capacity alerts are per day."),
    (["subscription", "add", "a@example.org", "--kind", "capacity"],
     "period: Choose one of"),
    (["subscription", "remove", "12"], "No such subscription."),
    (["subscription", "remove", "twelve"], "id: Give the subscription's id as a number"),
])
def test_bad_input_is_one_plain_line(runner, today, city, args, says, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # an operator's English shell
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert says in result.output
    assert result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_duplicate_subscription_is_refused(runner, city, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    args = ["subscription", "add", "a@example.org", "--kind", "alert"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already receives this report" in again.output


def test_bad_input_in_a_chinese_shell_is_chinese(runner, city, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    args = ["subscription", "add", "a@example.org", "--kind", "alert"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert again.output == "Error: email: 该邮箱已订阅此报表。\n"
    bad = runner.invoke(args=["subscription", "add", "bad", "--kind", "alert"])
    assert bad.output == "Error: email: 请输入一个电子邮箱地址，例如 name@example.org。\n"


def test_send_command_sends_what_is_due(app, runner, today, city):
    app.config["MAIL_SERVER"] = ""
    assert runner.invoke(args=["subscription", "add", "a@example.org", "--kind", "capacity",
                               "--period", "day"]).exit_code == 0
    assert runner.invoke(args=["report", "run", "capacity", "--as-of", "2026-11-27"]
                         ).exit_code == 0  # made, not sent
    from wastesort.reports.delivery import queue_report

    queue_report(db.session.scalar(db.select(Report)))
    result = runner.invoke(args=["report", "send"])
    assert result.exit_code == 0
    assert result.output.strip() == "Sent 1, to retry 0, failed 0."
