"""The words of the chain to treatment shown to people, in one place (pages, e-mails, files)."""

from flask_babel import lazy_gettext as _l

STREAM_LABELS = {
    "recyclable": _l("Recyclables"),
    "hazardous": _l("Hazardous waste"),
    "kitchen": _l("Kitchen waste"),
    "residual": _l("Residual waste"),
}
STATUS_LABELS = {
    "ok": _l("normal"),
    "warning": _l("near capacity"),
    "over": _l("over capacity"),
    "closed": _l("closed"),
}


def stream_label(stream) -> str:
    return str(STREAM_LABELS.get(str(stream), stream))


def facility_status(row: dict) -> str:
    """A facility's day in a word: closed (no capacity and nothing received), else its
    status."""
    if row["closed"] and not row["intake_t"]:
        return str(STATUS_LABELS["closed"])
    return str(STATUS_LABELS[row["status"]])
