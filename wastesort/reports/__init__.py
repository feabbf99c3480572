"""Scheduled coverage and capacity reports, subscriptions and e-mail delivery (docs/reports.md).

Files: ``models`` (reports, subscriptions, deliveries, alerts), ``service`` (making reports from
wastesort.metrics), ``delivery`` (queue, send, retry), ``mail``, ``charts``, ``csvout``,
``alerts``, ``schedule`` (what is due, catch-up), ``scheduler`` and ``tasks`` (the process and
its jobs), ``commands`` (CLI), ``views`` (pages), ``api`` (JSON).
"""

from flask import Flask


def init_reports(app: Flask) -> None:
    """Register the reports' pages, API and commands."""
    from ..api.core import api
    from .api import blp as api_blp
    from .commands import report_group, scheduler_command, subscription_group
    from .presentation import city_time, fmt_num, fmt_signed, long_date, made_by_label, report_title
    from .views import bp

    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
    app.jinja_env.filters.update(report_num=fmt_num, report_signed=fmt_signed,
                                 report_title=report_title, city_time=city_time,
                                 long_date=long_date, made_by=made_by_label)
    for command in (report_group, subscription_group, scheduler_command):
        app.cli.add_command(command)
