"""The bin problem forms (HTML): the report a phone sends, and the administrator's steps. The
rules stay in the service; these parse what a browser sends."""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Optional

from ..pages import optional_int
from .labels import KIND_CHOICES
from .models import BinProblemKind
from .service import MAX_NOTE_LENGTH, MAX_REASON_LENGTH


def new_key() -> str:
    return uuid.uuid4().hex


class ReportForm(FlaskForm):
    """A bin (its serial number, or chosen from its community's bins), what is wrong with
    it, a note and a photo. The key, rendered by the server, makes a resent form one report."""

    serial = StringField(_l("Serial number on the bin"), validators=[Optional()],
                         render_kw={"autocomplete": "off", "maxlength": 32,
                                    "autocapitalize": "characters"})
    sorting_bin_id = RadioField(_l("Or choose the bin"), choices=[], validate_choice=False,
                                validators=[Optional()])
    kind = RadioField(_l("What is wrong"), choices=[], validate_choice=False,
                      validators=[Optional()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional()],
                         render_kw={"maxlength": MAX_NOTE_LENGTH, "rows": 3})
    photo = FileField(_l("Photo (optional)"), render_kw={"accept": "image/jpeg,image/png,"
                                                                   "image/webp",
                                                         "capture": "environment"})
    community_id = HiddenField()
    inspection_id = HiddenField()
    idempotency_key = HiddenField(default=new_key)

    def __init__(self, *args, bins=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(KIND_CHOICES[k])) for k in BinProblemKind]
        self.sorting_bin_id.choices = [(str(b.id), b.serial) for b in bins]

    def data_for_service(self, photo: bytes | None) -> dict:
        bin_id = optional_int(self.sorting_bin_id.data)
        data = {"kind": self.kind.data, "note": self.note.data,
                "inspection_id": optional_int(self.inspection_id.data), "photo": photo}
        if bin_id is not None:
            data["sorting_bin_id"] = bin_id
        else:
            data["serial"] = self.serial.data or ""
        return data


class StepForm(FlaskForm):
    """Acknowledge: the button, and where to go back to."""

    next = HiddenField()


class ResolveForm(StepForm):
    note = TextAreaField(_l("What was done (optional)"), validators=[Optional()],
                         render_kw={"maxlength": MAX_NOTE_LENGTH, "rows": 2})
    bin_removed = BooleanField(_l("The bin was taken away (not repaired or replaced)"))


class RejectForm(StepForm):
    reason = StringField(_l("Reason for rejecting"), validators=[Optional()],
                         render_kw={"maxlength": MAX_REASON_LENGTH})
