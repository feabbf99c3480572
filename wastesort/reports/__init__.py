"""Scheduled coverage and capacity reports, subscriptions and e-mail delivery."""


def init_reports(app):
    """Register the reports' pages, API and commands."""
