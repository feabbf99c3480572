"""The figures: each defined once here (docs/metrics.md) and reused by the API, the pages,
the reports and the e-mails."""
