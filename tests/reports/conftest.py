"""Fixtures of the reports' tests: a real SMTP server (aiosmtpd on 127.0.0.1), the city's
clock, subscriptions, and matplotlib's cache in a temporary folder."""

import datetime as dt
import os
import socket
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from wastesort.reports.subscriptions import add_subscription

CITY = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="session", autouse=True)
def _matplotlib_cache(tmp_path_factory):
    os.environ["MPLCONFIGDIR"] = str(tmp_path_factory.mktemp("mplconfig"))


@pytest.fixture(autouse=True)
def _english_mail(request):
    """E-mails in English, so tests can read them (the city's default is Chinese)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["MAIL_LOCALE"] = "en"


def city_time(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CITY)


def free_port() -> int:
    """A port nobody listens on now (aiosmtpd's Controller(port=0) is broken upstream)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The messages an SMTP server received, parsed."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.mailbox = Mailbox()
        self.controller = None
        self.logins = []

    def start(self, *, credentials: tuple[str, str] | None = None):
        """Listen; with ``credentials``, check AUTH against them (plain text, tests only)."""
        options = {}
        if credentials is not None:
            def authenticator(server, session, envelope, mechanism, auth_data):
                login = (auth_data.login.decode(), auth_data.password.decode())
                self.logins.append(login)
                return AuthResult(success=login == credentials)
            options = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port,
                                     **options)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    """An SMTP server on a free port of 127.0.0.1, configured as the app's mail server but not
    started: call ``smtp.start()`` (so a test can first find it down)."""
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SECURITY="none",
                      MAIL_TIMEOUT_SECONDS=5)
    yield server
    server.stop()


@pytest.fixture
def subscribe(city):
    def _subscribe(email, kind, period="day", district_id=None):
        return add_subscription(city.users["manager"], email=email, kind=kind, period=period,
                                district_id=district_id)
    return _subscribe


# A reported day, and "now" a week and a half later at 10:00 city time (02:00 UTC: a time shown in
# UTC would read 02:00).
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10, 0), tick=False)
    return time_machine


@pytest.fixture
def capacity_day(city):
    """DAY with 520 t collected in township a1 (residual and kitchen)."""
    from wastesort.enums import WasteCategory

    from ..factories import add_collection

    add_collection(city.points["a1"], DAY, WasteCategory.RESIDUAL, 400_000)
    add_collection(city.points["a1"], DAY, WasteCategory.KITCHEN, 120_000)
    return city


@pytest.fixture
def bound(app):
    """The scheduler's jobs bound to ``app``, mail going to the outbox."""
    from wastesort.reports import tasks

    app.config["MAIL_SERVER"] = ""
    tasks.bind(app)
    yield app
    tasks._bound.clear()
