"""The words for bin problems and task states, marked where they are written (pages, reports
and messages use these)."""

from flask_babel import lazy_gettext as _l

from .models import BinProblemKind, BinTaskStatus

KIND_LABELS = {
    BinProblemKind.FULL: _l("full"),
    BinProblemKind.DAMAGED: _l("damaged"),
    BinProblemKind.DIRTY: _l("dirty"),
    BinProblemKind.MISSING: _l("missing"),
}

# What a reporter taps: the kind said as the problem seen
KIND_CHOICES = {
    BinProblemKind.FULL: _l("The bin is full"),
    BinProblemKind.DAMAGED: _l("The bin is damaged"),
    BinProblemKind.DIRTY: _l("The bin is dirty"),
    BinProblemKind.MISSING: _l("The bin is missing"),
}

STATUS_LABELS = {
    BinTaskStatus.OPEN: _l("open"),
    BinTaskStatus.ACKNOWLEDGED: _l("acknowledged"),
    BinTaskStatus.RESOLVED: _l("resolved"),
    BinTaskStatus.REJECTED: _l("rejected"),
}

# Told to the second of two administrators acting on one task at once
ENDED_ALREADY = {
    BinTaskStatus.ACKNOWLEDGED: _l("This task has been acknowledged already."),
    BinTaskStatus.RESOLVED: _l("This task has been resolved already."),
    BinTaskStatus.REJECTED: _l("This task has been rejected already."),
}
