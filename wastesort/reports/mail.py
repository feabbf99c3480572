"""E-mails of reports and alerts, and sending them.

A report's message: multipart/mixed [ multipart/alternative [ text/plain,
multipart/related [ text/html, image/png (the chart, by Content-ID) ] ], text/csv ].
Sent over SMTP (``MAIL_SECURITY`` none, starttls or tls; login when ``MAIL_USERNAME`` is set);
with ``MAIL_SERVER`` empty, written as an ``.eml`` file into ``<instance>/outbox/``.

Each message is in its recipient's language (:func:`recipient_locale`): the subject, both
bodies, the chart and the attachment's headers and name.

Connecting and each command wait ``MAIL_TIMEOUT_SECONDS`` for the server; the reply to the end
of the message waits ``MAIL_DATA_TIMEOUT_SECONDS`` (RFC 5321 4.5.3.2.6: 10 minutes), because a
server that is slow to say "250" has usually taken the message, and giving up early would send
it twice. A conversation never runs past the ``deadline`` its caller gives (the delivery's lease).
"""

import os
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from ..accounts.models import User
from ..brand import BRAND
from ..extensions import db
from ..timeutil import utcnow
from .charts import chart_png
from .csvout import csv_title_filename, report_csv
from .models import CapacityAlert, IntakeAlert, Report
from .presentation import long_date, report_context


def mail_locale() -> str:
    cfg = current_app.config
    return cfg.get("MAIL_LOCALE") or cfg["BABEL_DEFAULT_LOCALE"]


def recipient_locale(email: str) -> str:
    """The language of one recipient's e-mails: the language chosen by the active user with
    this address, if there is one and they chose; else ``MAIL_LOCALE``.

    A subscription is an address, often of somebody without a login, so it has no language
    of its own; a user who picks English on the pages gets English e-mails too.
    """
    chosen = db.session.scalars(
        select(User.locale).where(func.lower(User.email) == email.lower(), User.active,
                                  User.locale.is_not(None)).order_by(User.id)).first()
    return chosen if chosen in current_app.config["LANGUAGES"] else mail_locale()


def _new_message(subject: str, to: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(utcnow().timestamp(), usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain="wastesort")
    return message


def delivery_message_id(delivery_id: int, created_at) -> str:
    """The same Message-ID for every attempt of one delivery: if a copy is ever sent again
    (see docs/reports.md, "at least once"), mail systems that drop duplicates by Message-ID
    can recognise it."""
    sender = str(current_app.config["MAIL_SENDER"])
    domain = sender.rpartition("@")[2].strip(" >") or "wastesort"
    return f"<wastesort.delivery.{delivery_id}.{created_at:%Y%m%d%H%M%S}@{domain}>"


def report_subject(report: Report) -> str:
    context = report_context(report)
    return gettext("[%(brand)s] %(title)s", brand=BRAND, title=context["title"])


def build_report_message(report: Report, to: str, message_id: str | None = None) -> EmailMessage:
    chart_cid = make_msgid(domain="wastesort")
    with force_locale(recipient_locale(to)):
        context = report_context(report)
        subject = report_subject(report)
        text = render_template("reports/email_report.txt", **context)
        html = render_template("reports/email_report.html", chart_cid=chart_cid[1:-1],
                               **context)
        chart, chart_name = chart_png(report), gettext("chart.png")
        figures_csv, csv_name = report_csv(report), csv_title_filename(report)
    message = _new_message(subject, to, message_id)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.get_payload()[1].add_related(chart, maintype="image", subtype="png",
                                         cid=chart_cid, filename=chart_name)
    message.add_attachment(figures_csv, subtype="csv", charset="utf-8", cte="base64",
                           filename=csv_name)
    return message


def build_alert_message(alert: CapacityAlert, to: str,
                        message_id: str | None = None) -> EmailMessage:
    with force_locale(recipient_locale(to)):
        if alert.level.value == "over":
            subject = gettext("[%(brand)s] Over capacity on %(day)s: %(collected).1f t "
                              "collected, capacity %(capacity)s t/day", brand=BRAND,
                              day=long_date(alert.day), collected=alert.collected_t,
                              capacity=f"{alert.capacity_t_per_day:,}")
        else:
            subject = gettext("[%(brand)s] Capacity warning on %(day)s: %(utilisation)s %% "
                              "of %(capacity)s t/day", brand=BRAND, day=long_date(alert.day),
                              utilisation=alert.utilisation_percent,
                              capacity=f"{alert.capacity_t_per_day:,}")
        context = {"alert": alert,
                   "warning_percent": current_app.config["CAPACITY_WARNING_PERCENT"]}
        text = render_template("reports/email_alert.txt", **context)
        html = render_template("reports/email_alert.html", **context)
    message = _new_message(subject, to, message_id)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def build_intake_alert_message(alert: IntakeAlert, to: str,
                               message_id: str | None = None) -> EmailMessage:
    """A facility's intake near or over its capacity, or a stream's gap past its tolerance."""
    from ..intake.labels import stream_label

    with force_locale(recipient_locale(to)):
        day = long_date(alert.day)
        if alert.level.value == "gap":
            subject = gettext("[%(brand)s] %(stream)s on %(day)s: %(received).1f t received "
                              "against %(collected).1f t collected", brand=BRAND,
                              stream=stream_label(alert.stream), day=day,
                              received=alert.figure_t, collected=alert.reference_t)
        elif alert.level.value == "over":
            subject = gettext("[%(brand)s] %(facility)s over capacity on %(day)s: %(intake).1f t "
                              "received, capacity %(capacity)s t/day", brand=BRAND,
                              facility=alert.facility.name, day=day, intake=alert.figure_t,
                              capacity=f"{alert.reference_t:,.0f}")
        else:
            subject = gettext("[%(brand)s] %(facility)s near capacity on %(day)s: "
                              "%(utilisation)s %% of %(capacity)s t/day", brand=BRAND,
                              facility=alert.facility.name, day=day,
                              utilisation=alert.percent, capacity=f"{alert.reference_t:,.0f}")
        context = {"alert": alert, "stream": stream_label(alert.stream) if alert.stream else None,
                   "warning_percent": current_app.config["CAPACITY_WARNING_PERCENT"],
                   "tolerance": current_app.config["INTAKE_GAP_TOLERANCE_PERCENT"].get(
                       str(alert.stream)) if alert.stream else None}
        text = render_template("reports/email_intake_alert.txt", **context)
        html = render_template("reports/email_intake_alert.html", **context)
    message = _new_message(subject, to, message_id)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


class _PatientReplies:
    """What ``smtplib.SMTP`` (and ``SMTP_SSL``) lacks: the reply to the end of the message
    waits ``data_timeout``, every other step ``timeout``, and nothing goes past ``deadline``
    (a ``time.monotonic()`` value, or None)."""

    data_timeout: float | None = None
    deadline: float | None = None
    _phase: str | None = None  # during data(): "data", then "body" after 354, "sent" after it

    def __init__(self, *args, timeout: float, data_timeout: float,
                 deadline: float | None = None, **kwargs):
        self.data_timeout, self.deadline = data_timeout, deadline
        self.timeout = timeout
        super().__init__(*args, timeout=self._left(timeout), **kwargs)
        self.timeout = timeout

    def _left(self, seconds: float) -> float:
        if self.deadline is None:
            return seconds
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.close()
            raise TimeoutError("the SMTP conversation ran past its delivery's lease")
        return min(seconds, left)

    def send(self, s):
        if self.sock:
            self.sock.settimeout(self._left(self.timeout))
        super().send(s)
        if self._phase == "body":
            self._phase = "sent"

    def getreply(self):
        if self.sock:
            wait = self.data_timeout if self._phase == "sent" else self.timeout
            self.sock.settimeout(self._left(wait))
        reply = super().getreply()
        if self._phase == "data" and reply[0] == 354:
            self._phase = "body"
        return reply

    def data(self, msg):
        self._phase = "data"
        try:
            return super().data(msg)
        finally:
            self._phase = None


class PatientSMTP(_PatientReplies, smtplib.SMTP):
    pass


class PatientSMTP_SSL(_PatientReplies, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    pass


def send_message(message: EmailMessage, *, deadline: float | None = None,
                 accepted: Callable[[], None] | None = None) -> None:
    """Hand ``message`` to the SMTP server, or write it to the outbox when none is set.

    Returns once the server accepted the message (its reply to the end of the data); raises
    ``OSError`` or ``smtplib.SMTPException`` when it did not. ``deadline`` is a
    ``time.monotonic()`` value the conversation never runs past. ``accepted`` is called as
    soon as the server has accepted the message, before QUIT, so that it is recorded as sent
    without waiting for the rest of the conversation.
    """
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        _write_outbox(message)
        if accepted is not None:
            accepted()
        return
    timeouts = {"timeout": cfg["MAIL_TIMEOUT_SECONDS"],
                "data_timeout": cfg["MAIL_DATA_TIMEOUT_SECONDS"], "deadline": deadline}
    if cfg["MAIL_SECURITY"] == "tls":
        smtp = PatientSMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"],
                               context=ssl.create_default_context(), **timeouts)
    else:
        smtp = PatientSMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], **timeouts)
    try:
        if cfg["MAIL_SECURITY"] == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)
        if accepted is not None:
            accepted()
    except BaseException:
        smtp.close()
        raise
    try:  # accepted: a failing QUIT must not make it count as failed (and be sent again)
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        smtp.close()


def _write_outbox(message: EmailMessage) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
    partial = folder / f".{name}.part"
    partial.write_bytes(message.as_bytes())
    os.replace(partial, folder / name)  # readers never see a half-written file
    return folder / name
