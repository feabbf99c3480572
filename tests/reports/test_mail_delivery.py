"""E-mail: a real SMTP conversation (aiosmtpd on 127.0.0.1), the outbox without a server,
retries with back-off, failed-and-visible, and exactly one message per delivery."""

import datetime as dt
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import Delivery, DeliveryStatus, ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import DAY


def test_report_email_over_real_smtp(now, capacity_day, smtp, subscribe):
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    assert queue_report(report) == 1
    smtp.start()

    assert send_due() == {"sent": 1, "retry": 0, "failed": 0}

    (envelope,) = smtp.mailbox.envelopes
    assert envelope.rcpt_tos == ["boss@example.org"]
    assert envelope.mail_from == "wastesort@localhost"
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "[wastesort] Capacity report, November 20, 2026"
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(("plain",)).get_content()
    assert "Collected in the period: 520.0 t (1 day)" in text
    assert "Average utilisation: 104.00 %" in text
    assert "Disposal capacity: 500 t/day" in text
    html_part = message.get_body(("html",))
    html = html_part.get_content()
    assert "520.0 t" in html and "104.00 %" in html and "500 t/day" in html
    # the chart is inline: an image in the same multipart/related, named by its Content-ID
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    (image,) = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    # the CSV is attached
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "Capacity report, November 20, 2026.csv"
    assert attachment.get_content_type() == "text/csv"
    csv_text = attachment.get_content()
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0] == ("Day,Collected (t),Recyclables (t),Hazardous waste (t),Kitchen waste (t),"
                        "Residual waste (t),Capacity (t/day),Utilisation (%),Headroom (t),Status,"
                        "Received at the facilities (t),Recyclables received (t),"
                        "Hazardous waste received (t),Kitchen waste received (t),"
                        "Residual waste received (t),Mixed transport (t)")
    assert lines[1] == ("2026-11-20,520.0,0.0,0.0,120.0,400.0,500,104.0,-20.0,over capacity,"
                        "0.0,0.0,0.0,0.0,0.0,0.0")
    delivery = Delivery.query.one()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SENT, 1, None)


def test_coverage_email_names_the_towns_below_full_coverage(now, city, smtp, subscribe):
    from tests.factories import add_households

    add_households(city.communities["a2c1"], 10, 3)
    subscribe("boss@example.org", "coverage", "week")
    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, DAY)
    queue_report(report)
    smtp.start()
    send_due()
    (message,) = smtp.mailbox.messages
    assert message["Subject"] == "[wastesort] Coverage report, week 47 of 2026"
    text = message.get_body(("plain",)).get_content()
    assert "Coverage: 30.00 %" in text
    assert "八桥镇 (渝中区): 30.00 %" in text


def test_without_a_mail_server_messages_go_to_the_outbox(now, app, capacity_day, subscribe):
    app.config["MAIL_SERVER"] = ""
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    assert send_due()["sent"] == 1
    (eml,) = Path(app.instance_path, "outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "boss@example.org"
    assert "Capacity report" in message["Subject"]
    assert len(list(message.iter_attachments())) == 1


@pytest.mark.config(DELIVERY_RETRY_BASE_SECONDS=60, DELIVERY_RETRY_MAX_SECONDS=120,
                    DELIVERY_RETRY_FOR_HOURS=0.1)  # waits of 60, 120, 120 s: 300 s of 360
def test_retries_with_back_off_then_failed_and_visible(now, capacity_day, smtp, subscribe,
                                                       client):
    subscribe("boss@example.org", "capacity", "day")  # the server is never started
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    start = dt.datetime.now(dt.UTC)

    assert send_due() == {"sent": 0, "retry": 1, "failed": 0}
    delivery = Delivery.query.one()
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=60)
    assert "ConnectionRefusedError" in delivery.last_error

    now.shift(59)
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    now.shift(1)
    assert send_due()["retry"] == 1
    delivery = Delivery.query.one()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=60 + 120)  # doubled

    now.shift(120)
    assert send_due()["retry"] == 1
    delivery = Delivery.query.one()
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=60 + 120 + 120)  # capped

    now.shift(120)  # one more wait (120 s) would take the retries past 360 s
    assert send_due() == {"sent": 0, "retry": 0, "failed": 1}
    delivery = Delivery.query.one()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 4)
    now.shift(3600)
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0}  # failed stays failed


def test_smtp_down_then_up_each_report_delivered_exactly_once(now, capacity_day, smtp,
                                                              subscribe):
    subscribe("boss@example.org", "capacity", "day")
    subscribe("deputy@example.org", "capacity", "day")
    for day in (DAY - dt.timedelta(days=1), DAY):
        report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, day)
        queue_report(report)

    assert send_due() == {"sent": 0, "retry": 4, "failed": 0}  # the server is down
    smtp.start()
    now.shift(30)
    assert send_due()["sent"] == 0  # back-off: not yet
    now.shift(31)
    assert send_due() == {"sent": 4, "retry": 0, "failed": 0}

    # a manual re-run with --send, and later scheduler rounds, send nothing again
    for day in (DAY - dt.timedelta(days=1), DAY):
        report, made = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, day)
        assert not made
        assert queue_report(report) == 0
    now.shift(3600)
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0}

    sent = [(m["To"], m["Subject"]) for m in smtp.mailbox.messages]
    assert len(sent) == 4 and len(set(sent)) == 4
    assert {d.status for d in Delivery.query} == {DeliveryStatus.SENT}


def test_smtp_credentials_from_the_configuration(app, now, capacity_day, smtp, subscribe):
    app.config.update(MAIL_USERNAME="wastesort", MAIL_PASSWORD="s3cret")
    smtp.start(credentials=("wastesort", "s3cret"))
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    assert send_due()["sent"] == 1
    assert smtp.logins == [("wastesort", "s3cret")]


def test_wrong_smtp_credentials_are_a_visible_error(app, now, capacity_day, smtp, subscribe):
    app.config.update(MAIL_USERNAME="wastesort", MAIL_PASSWORD="wrong", MAIL_TIMEOUT_SECONDS=2)
    smtp.start(credentials=("wastesort", "s3cret"))
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    assert send_due()["retry"] == 1
    # refused (aiosmtpd answers a wrong password late: an authentication error or a timeout)
    assert Delivery.query.one().last_error.startswith(("SMTPAuthenticationError",
                                                       "SMTPServerDisconnected"))
    assert smtp.logins == [("wastesort", "wrong")]
    assert smtp.mailbox.envelopes == []
