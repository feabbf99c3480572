"""Mail faults (issue 11): an SMTP outage longer than the back-off loses nothing, retries are
capped and last DELIVERY_RETRY_FOR_HOURS, all failed deliveries can be retried at once (page,
API, command) with true totals, and a "250" slower than MAIL_TIMEOUT_SECONDS is waited for
instead of sending the message twice."""

import asyncio
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from wastesort.accounts.tokens import issue_token
from wastesort.extensions import db
from wastesort.reports import delivery as deliveries
from wastesort.reports.alerts import check_day
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import Delivery, DeliveryStatus, ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import DAY


def all_deliveries() -> list[Delivery]:
    db.session.expire_all()
    return db.session.scalars(db.select(Delivery).order_by(Delivery.id)).all()


def queue_alert_deliveries(city, subscribe, count: int) -> None:
    """One capacity alert (no chart to draw: cheap to send many times) to ``count`` people."""
    from tests.factories import add_collection
    from wastesort.enums import WasteCategory

    for n in range(count):
        subscribe(f"duty{n}@example.org", "alert")
    add_collection(city.points["a1"], DAY, WasteCategory.RESIDUAL, 450_000)  # 90 %: warning
    assert len(check_day(DAY)) == 1
    assert len(all_deliveries()) == count


def test_an_smtp_outage_longer_than_the_back_off_loses_nothing(now, city, smtp, subscribe):
    # The issue: with the old five attempts (60+120+240+480 s), an outage of 15 minutes
    # failed every delivery for good. Defaults: retried for a day, waits capped at 30 min.
    for n in range(3):
        subscribe(f"boss{n}@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    assert queue_report(report) == 3
    for _minute in range(120):  # the deliveries job, every minute for two hours: server down
        assert send_due()["failed"] == 0
        now.shift(60)
    assert {(d.status, d.attempts) for d in all_deliveries()} == {(DeliveryStatus.PENDING, 8)}
    assert deliveries.delivery_totals() == {"pending": 3, "retrying": 3, "sent": 0, "failed": 0}
    smtp.start()
    for _minute in range(31):  # the longest wait is DELIVERY_RETRY_MAX_SECONDS (30 min)
        send_due()
        now.shift(60)
    assert {(d.status, d.attempts) for d in all_deliveries()} == {(DeliveryStatus.SENT, 9)}
    assert sorted(m["To"] for m in smtp.mailbox.messages) == [
        "boss0@example.org", "boss1@example.org", "boss2@example.org"]


def test_retries_double_up_to_the_cap_for_a_day_then_fail(now, city, smtp, subscribe):
    queue_alert_deliveries(city, subscribe, 1)
    waits, first = [], dt.datetime.now(dt.UTC)
    while True:
        outcome = send_due()
        (delivery,) = all_deliveries()
        if delivery.status is DeliveryStatus.FAILED:
            break
        assert outcome == {"sent": 0, "retry": 1, "failed": 0}
        waits.append((delivery.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds())
        now.move_to(delivery.next_attempt_at)
    assert outcome == {"sent": 0, "retry": 0, "failed": 1}
    assert waits[:6] == [60, 120, 240, 480, 960, 1800]
    assert set(waits[5:]) == {1800}  # DELIVERY_RETRY_MAX_SECONDS
    assert delivery.attempts == len(waits) + 1 == 52
    # the last attempt came within DELIVERY_RETRY_FOR_HOURS of the first; one more would not
    assert sum(waits) <= 24 * 3600 < sum(waits) + 1800
    assert dt.datetime.now(dt.UTC) - first == dt.timedelta(seconds=sum(waits))
    assert "ConnectionRefusedError" in delivery.last_error
    now.shift(7 * 24 * 3600)
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0}  # failed stays failed


@pytest.mark.config(DELIVERY_RETRY_BASE_SECONDS=10, DELIVERY_RETRY_MAX_SECONDS=25,
                    DELIVERY_RETRY_FOR_HOURS=0.02)  # 72 s
def test_the_retry_settings(app, now):
    with app.app_context():
        assert [deliveries.retry_delay(n).total_seconds() for n in range(1, 6)] == [
            10, 20, 25, 25, 25]
        assert [deliveries.retried_for(n).total_seconds() for n in range(0, 6)] == [
            0, 10, 30, 55, 80, 105]
        assert [deliveries.gives_up(n) for n in range(1, 6)] == [False, False, False, True, True]
        assert deliveries.retry_delay(10**6).total_seconds() == 25  # no overflow
        # the lease outlasts the longest conversation: 600 s for the reply to the data, and
        # 30 s for each other step
        app.config.update(MAIL_TIMEOUT_SECONDS=30, MAIL_DATA_TIMEOUT_SECONDS=600)
        assert deliveries.conversation_limit() == 600 + 11 * 30
        assert deliveries._lease().total_seconds() == 600 + 11 * 30 + 120


# -- retry all failed, with true totals -----------------------------------------------------


@pytest.fixture
def failed_68(app, now, city, smtp, subscribe):
    """68 deliveries that failed for good (the server is down; they were given up)."""
    queue_alert_deliveries(city, subscribe, 68)
    assert send_due(limit=500) == {"sent": 0, "retry": 68, "failed": 0}
    db.session.execute(db.update(Delivery).values(status=DeliveryStatus.FAILED))
    db.session.commit()
    return smtp


def log_in(app, user):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": user.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_page_shows_true_totals_and_retries_all_failed(app, city, failed_68):
    client = log_in(app, city.users["manager"])
    html = client.get("/reports/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Failed deliveries (68)" in html  # not the 50 rows listed
    assert "The latest 50 are listed." in html
    assert "Pending: 0 (retrying: 0) · sent: 0 · failed: 68" in html
    assert html.count("Try again</button>") == 50
    # a POST without its CSRF token is refused, and changes nothing
    assert client.post("/reports/deliveries/retry-failed").status_code == 400
    assert deliveries.delivery_totals()["failed"] == 68
    done = client.post("/reports/deliveries/retry-failed", data={"csrf_token": csrf_token(html)},
                       headers={"Accept-Language": "en"}, follow_redirects=True)
    assert done.status_code == 200
    assert "Failed deliveries queued again: 68." in done.get_data(as_text=True)
    assert deliveries.delivery_totals() == {"pending": 68, "retrying": 0, "sent": 0, "failed": 0}
    failed_68.start()
    assert send_due(limit=500)["sent"] == 68
    assert len(failed_68.mailbox.envelopes) == 68
    zh = client.get("/reports/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已发送：68" in zh


def test_the_api_shows_true_totals_and_retries_all_or_one(app, client, city, failed_68):
    tokens = {role: issue_token(user, "test")[1] for role, user in city.users.items()}

    def call(method, url, as_="manager"):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {tokens[as_]}"})

    assert call("GET", "/api/v1/reports/deliveries/totals").get_json() == {
        "pending": 0, "retrying": 0, "sent": 0, "failed": 68}
    listed = call("GET", "/api/v1/reports/deliveries?status=failed").get_json()
    assert (listed["total_items"], len(listed["items"])) == (68, 50)
    for url in ("/api/v1/reports/deliveries/retry-failed",
                f"/api/v1/reports/deliveries/{listed['items'][0]['id']}/retry"):
        assert call("POST", url, as_="street").status_code == 403
    one = call("POST", f"/api/v1/reports/deliveries/{listed['items'][0]['id']}/retry")
    assert one.status_code == 200
    assert (one.get_json()["status"], one.get_json()["attempts"]) == ("pending", 0)
    assert call("POST", "/api/v1/reports/deliveries/999999/retry").status_code == 404
    retried = call("POST", "/api/v1/reports/deliveries/retry-failed")
    assert (retried.status_code, retried.get_json()) == (200, {"queued": 67})
    assert call("POST", "/api/v1/reports/deliveries/retry-failed").get_json() == {"queued": 0}
    assert call("GET", "/api/v1/reports/deliveries/totals").get_json()["pending"] == 68


def test_the_command_retries_all_failed_in_one_line(app, runner, failed_68):
    listing = runner.invoke(args=["report", "list"])
    assert "Deliveries: 0 pending (0 retrying), 0 sent, 68 failed." in listing.output
    assert listing.output.count("FAILED delivery") == 50
    assert "... and 18 more failed; 'wastesort report retry-failed' queues them all again." \
        in listing.output
    result = runner.invoke(args=["report", "retry-failed"])
    assert result.exit_code == 0
    assert result.output == ("Queued 68 failed delivery(ies) again; the scheduler sends them "
                             "within 60 s (or run: wastesort report send).\n")
    assert deliveries.delivery_totals()["pending"] == 68
    again = runner.invoke(args=["report", "retry-failed"])
    assert again.output.startswith("Queued 0 failed delivery(ies) again;")
    wrong = runner.invoke(args=["report", "retry-failed", "--all"])
    assert wrong.exit_code != 0 and "Traceback" not in wrong.output


# -- a slow "250" -------------------------------------------------------------------------


class SlowMailbox:
    """Takes the message at once, then says "250" only after ``delay`` seconds (a server that
    scans the message before it answers)."""

    def __init__(self, mailbox, delay: float):
        self.mailbox, self.delay = mailbox, delay

    async def handle_DATA(self, server, session, envelope):
        self.mailbox.envelopes.append(envelope)
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


@pytest.fixture
def capacity_report(now, city, subscribe):
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    return report


def test_a_250_slower_than_the_timeout_is_waited_for_and_sent_once(app, now, capacity_report,
                                                                   smtp):
    app.config.update(MAIL_TIMEOUT_SECONDS=1)  # the data's reply: MAIL_DATA_TIMEOUT (600 s)
    smtp.mailbox = SlowMailbox(smtp.mailbox, delay=2.5)
    smtp.start()
    assert send_due() == {"sent": 1, "retry": 0, "failed": 0}
    (delivery,) = all_deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SENT, 1, None)
    now.shift(3600)
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp.mailbox.mailbox.envelopes) == 1  # exactly one copy arrived


def test_a_250_slower_than_the_data_timeout_is_a_failure(app, now, capacity_report, smtp):
    app.config.update(MAIL_TIMEOUT_SECONDS=5, MAIL_DATA_TIMEOUT_SECONDS=1)
    smtp.mailbox = SlowMailbox(smtp.mailbox, delay=2.5)
    smtp.start()
    assert send_due() == {"sent": 0, "retry": 1, "failed": 0}
    (delivery,) = all_deliveries()
    assert "timed out" in delivery.last_error


def test_other_steps_still_wait_only_the_mail_timeout(app, now, capacity_report, smtp):
    class SlowGreeting:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            await asyncio.sleep(2.5)
            session.host_name = hostname
            return responses

    app.config.update(MAIL_TIMEOUT_SECONDS=1)
    smtp.mailbox = SlowGreeting()
    smtp.start()
    started = time.monotonic()
    assert send_due() == {"sent": 0, "retry": 1, "failed": 0}
    assert 1 <= time.monotonic() - started < 2.5
    assert "SMTPServerDisconnected" in all_deliveries()[0].last_error


def test_a_conversation_never_runs_past_its_lease(app, now, capacity_report, smtp, monkeypatch):
    # the lease is the bound: with a lease of 2 s, a server slow to say "250" (5 s) is given up
    # at the lease's deadline, before another sender could claim the delivery again
    monkeypatch.setattr(deliveries, "conversation_limit", lambda: 0)
    monkeypatch.setattr(deliveries, "LEASE_MARGIN_SECONDS", 2)
    smtp.mailbox = SlowMailbox(smtp.mailbox, delay=5)
    smtp.start()
    assert send_due() == {"sent": 0, "retry": 1, "failed": 0}
    assert "lease" in all_deliveries()[0].last_error or "timed out" in \
        all_deliveries()[0].last_error


# -- at least once: the one window where a copy may repeat ---------------------------------


def test_the_one_window_where_a_copy_may_repeat(app, migrated, city, smtp, subscribe,
                                                time_machine):
    """The sender is killed after the server has the whole message and before the "250"
    (or before the commit of SENT): the lease runs out and the message goes again, with the
    same Message-ID. This is the only way a copy repeats."""
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    queue_report(report)
    server = SlowMailbox(smtp.mailbox, delay=120)
    smtp.mailbox = server
    smtp.start()
    env = {**os.environ, "WASTESORT_SQLALCHEMY_DATABASE_URI": migrated,
           "WASTESORT_INSTANCE_PATH": app.instance_path, "WASTESORT_MAIL_SERVER": "127.0.0.1",
           "WASTESORT_MAIL_PORT": str(smtp.port), "WASTESORT_MAIL_TIMEOUT_SECONDS": "5"}
    sender = subprocess.Popen(  # `wastesort report send`, with this checkout's code
        [sys.executable, "-c", "from wastesort.cli import main; main()", "report", "send"],
        cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        limit = time.monotonic() + 60
        while not server.mailbox.envelopes and time.monotonic() < limit:
            time.sleep(0.05)
        assert len(server.mailbox.envelopes) == 1  # the server has it; no "250" yet
    finally:
        sender.kill()  # SIGKILL: nothing is recorded
        sender.wait(timeout=30)
    (delivery,) = all_deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    lease_end = delivery.next_attempt_at
    assert lease_end - dt.datetime.now(dt.UTC) > dt.timedelta(seconds=600)  # the lease
    server.delay = 0
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0}  # nobody sends it meanwhile
    time_machine.move_to(lease_end + dt.timedelta(seconds=1), tick=False)
    assert send_due() == {"sent": 1, "retry": 0, "failed": 0}
    (delivery,) = all_deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    first, second = smtp.mailbox.mailbox.messages
    assert first["To"] == second["To"] == "boss@example.org"
    assert first["Message-ID"] == second["Message-ID"] == (
        f"<wastesort.delivery.{delivery.id}.{delivery.created_at:%Y%m%d%H%M%S}@localhost>")
