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
    from .presentation import fmt_num, fmt_signed
    from .views import bp

    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
    app.jinja_env.filters.update(report_num=fmt_num, report_signed=fmt_signed)
    for command in (report_group, subscription_group, scheduler_command):
        app.cli.add_command(command)
