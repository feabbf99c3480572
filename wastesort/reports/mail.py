"""E-mails of reports and alerts, and sending them.

A report's message: multipart/mixed [ multipart/alternative [ text/plain,
multipart/related [ text/html, image/png (the chart, by Content-ID) ] ], text/csv ].
Sent over SMTP (``MAIL_SECURITY`` none, starttls or tls; login when ``MAIL_USERNAME`` is set);
with ``MAIL_SERVER`` empty, written as an ``.eml`` file into ``<instance>/outbox/``.
"""

import os
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, gettext

from ..timeutil import utcnow
from .charts import chart_png
from .csvout import csv_filename, report_csv
from .models import CapacityAlert, Report
from .presentation import report_context


def mail_locale() -> str:
    cfg = current_app.config
    return cfg.get("MAIL_LOCALE") or cfg["BABEL_DEFAULT_LOCALE"]


def _new_message(subject: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(utcnow().timestamp(), usegmt=True)
    message["Message-ID"] = make_msgid(domain="wastesort")
    return message


def report_subject(report: Report) -> str:
    context = report_context(report)
    return gettext("[wastesort] %(title)s", title=context["title"])


def build_report_message(report: Report, to: str) -> EmailMessage:
    chart_cid = make_msgid(domain="wastesort")
    with force_locale(mail_locale()):
        context = report_context(report)
        subject = report_subject(report)
        text = render_template("reports/email_report.txt", **context)
        html = render_template("reports/email_report.html", chart_cid=chart_cid[1:-1],
                               **context)
    message = _new_message(subject, to)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.get_payload()[1].add_related(chart_png(report), maintype="image", subtype="png",
                                         cid=chart_cid, filename="chart.png")
    message.add_attachment(report_csv(report), subtype="csv", charset="utf-8",
                           cte="base64", filename=csv_filename(report))
    return message


def build_alert_message(alert: CapacityAlert, to: str) -> EmailMessage:
    with force_locale(mail_locale()):
        if alert.level.value == "over":
            subject = gettext("[wastesort] Over capacity on %(day)s: %(collected).1f t "
                              "collected, capacity %(capacity)s t/day", day=alert.day,
                              collected=alert.collected_t,
                              capacity=f"{alert.capacity_t_per_day:,}")
        else:
            subject = gettext("[wastesort] Capacity warning on %(day)s: %(utilisation)s %% "
                              "of %(capacity)s t/day", day=alert.day,
                              utilisation=alert.utilisation_percent,
                              capacity=f"{alert.capacity_t_per_day:,}")
        context = {"alert": alert,
                   "warning_percent": current_app.config["CAPACITY_WARNING_PERCENT"]}
        text = render_template("reports/email_alert.txt", **context)
        html = render_template("reports/email_alert.html", **context)
    message = _new_message(subject, to)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send_message(message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server, or write it to the outbox when none is set.

    Raises ``OSError`` or ``smtplib.SMTPException`` when the server cannot take it.
    """
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        _write_outbox(message)
        return
    timeout = cfg["MAIL_TIMEOUT_SECONDS"]
    if cfg["MAIL_SECURITY"] == "tls":
        smtp = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
    with smtp:
        if cfg["MAIL_SECURITY"] == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_outbox(message: EmailMessage) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
    partial = folder / f".{name}.part"
    partial.write_bytes(message.as_bytes())
    os.replace(partial, folder / name)  # readers never see a half-written file
    return folder / name
