"""Facility pages: an operator's day at the weighbridge (the day's tickets, the intake against
the capacity in force, the ticket form and the import), and the managers' view of every
facility (today, the strained ones with room elsewhere, the gaps, the rates, each one's
trend). The rules are in intake/service.py, every figure in wastesort/metrics."""

import datetime as dt
import uuid
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Role
from ..accounts.scope import require_roles
from ..areas.models import Township
from ..errors_domain import Conflict, RuleViolation
from ..extensions import db
from ..facilities.forms import TYPE_LABELS
from ..facilities.models import TreatmentFacility
from ..households.upload_limits import ImportBusy, one_import_at_a_time, remove_stale_previews
from ..metrics.facilities import (
    collected_against_received,
    facilities_on,
    facility_days,
    facility_summary,
    township_gaps,
    treatment_rates,
)
from ..pages import day as format_day
from ..pages import keyset_paginate, login_required_for, number, show_rule_errors
from ..timeutil import local_today
from .forms import ConfirmTicketImportForm, TicketForm, TicketImportForm, TicketVoidForm
from .importing import apply_import, plan_import
from .labels import STATUS_LABELS, STREAM_LABELS, facility_status, stream_label
from .models import WeighbridgeTicket
from .service import (
    POSTERS,
    facility_scope,
    post_ticket,
    readable_facility,
    tickets_query,
    void_ticket,
)

bp = Blueprint("intake_pages", __name__, url_prefix="/intake")
login_required_for(bp)
bp.add_app_template_filter(stream_label, "stream_label")
TREND_DAYS = 30
GAP_DAYS = 7
PREVIEW_ROWS = 200


def _day() -> dt.date:
    """The day asked for (``?day=YYYY-MM-DD``), else today; never after today."""
    today = local_today()
    try:
        day = dt.date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return today
    return min(max(day, dt.date(2000, 1, 1)), today)


def _facility() -> TreatmentFacility:
    """An operator's own facility; for others the one of ``?facility=`` (404 without)."""
    return readable_facility(current_user, request.args.get("facility", type=int))


def _facilities_for_posting() -> list[TreatmentFacility]:
    if current_user.role is Role.FACILITY_OPERATOR:
        return [current_user.treatment_facility]
    return list(db.session.scalars(select(TreatmentFacility).order_by(TreatmentFacility.name)))


def _ticket_form(facility: TreatmentFacility) -> TicketForm:
    form = TicketForm()
    form.set_choices(_facilities_for_posting(), db.session.scalars(
        select(Township).options(joinedload(Township.district)).order_by(Township.id)))
    if request.method == "GET":
        form.treatment_facility_id.data = facility.id
        form.arrived_at.data = dt.datetime.now(current_app.config["TZ"]).replace(
            second=0, microsecond=0, tzinfo=None)
    return form


@bp.route("/", methods=["GET", "POST"])
def index():
    """A facility's day: the intake against the capacity in force, the ticket form (operators
    and administrators) and the day's tickets, newest first."""
    if facility_scope(current_user) is None and request.args.get("facility") is None:
        return redirect(url_for(".facilities"))
    facility = _facility()
    day = _day()
    form = _ticket_form(facility) if current_user.role in POSTERS else None
    if form is not None and form.validate_on_submit():
        try:
            ticket, created = post_ticket(current_user, form.data_for_service())
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        except Conflict as exc:
            db.session.rollback()
            form.ticket_number.errors = [*form.ticket_number.errors, str(exc.description)]
        else:
            flash(_("Ticket %(number)s saved: %(weight)s kg of %(stream)s.",
                    number=ticket.ticket_number, weight=number(ticket.net_weight_kg),
                    stream=stream_label(ticket.stream)) if created else
                  _("Ticket %(number)s was saved before: counted once.",
                    number=ticket.ticket_number), "success")
            return redirect(url_for(".index", **_facility_args(facility)))
    figures = facility_days(day, day, facility.id)[0]["days"][0]
    tickets = keyset_paginate(
        tickets_query(current_user, treatment_facility_id=facility.id, date_from=day,
                      date_to=day).options(joinedload(WeighbridgeTicket.township)),
        WeighbridgeTicket.id, descending=True)
    status = 422 if form is not None and form.errors else 200
    return render_template(
        "intake/index.html", facility=facility, day=day, today=local_today(), form=form,
        figures=figures, status_word=facility_status(figures), tickets=tickets,
        void_form=TicketVoidForm(), types=TYPE_LABELS, streams=STREAM_LABELS,
        facility_args=_facility_args(facility),
        warning_percent=current_app.config["CAPACITY_WARNING_PERCENT"]), status


def _facility_args(facility: TreatmentFacility) -> dict:
    return {} if current_user.role is Role.FACILITY_OPERATOR else {"facility": facility.id}


@bp.post("/tickets/<int:ticket_id>/void")
def void(ticket_id: int):
    """Void a ticket with a reason, then back to its facility's day."""
    form = TicketVoidForm()
    ticket = db.session.get(WeighbridgeTicket, ticket_id) if form.validate_on_submit() \
        else None
    facility_args = {}
    if ticket is not None:
        facility_args = _facility_args(ticket.facility)
        try:
            void_ticket(current_user, ticket_id, form.reason.data)
        except (RuleViolation, Conflict) as exc:
            db.session.rollback()
            messages = exc.errors.values() if isinstance(exc, RuleViolation) \
                else [[exc.description]]
            for message in messages:
                flash(" ".join(str(m) for m in message), "error")
        else:
            flash(_("Ticket %(number)s voided.", number=ticket.ticket_number), "success")
    return redirect(url_for(".index", **facility_args))


# --------------------------------------------------------------------------- import

def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _import_form() -> TicketImportForm:
    form = TicketImportForm()
    form.treatment_facility_id.choices = [(f.id, f.name) for f in _facilities_for_posting()]
    return form


def _import_page(form, status=200, **context):
    return render_template("intake/import.html", form=form, preview_rows=PREVIEW_ROWS,
                           **context), status


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Upload a weighbridge export: every bad row is listed (row, column, message); a good file
    is shown as a preview to confirm, and nothing is stored before that."""
    require_roles(current_user, *POSTERS)
    form = _import_form()
    if not form.validate_on_submit():
        return _import_page(form, 422 if form.errors else 200)
    upload = form.file.data
    data = upload.read()
    remove_stale_previews(_upload_dir())
    try:
        with one_import_at_a_time(_upload_dir()):
            plan = plan_import(current_user, form.treatment_facility_id.data, upload.filename,
                               data)
    except ImportBusy:
        form.file.errors = [*form.file.errors, _(
            "Another file is being checked right now; try again in a minute.")]
        response = current_app.make_response(_import_page(form, 503))
        response.headers["Retry-After"] = "60"
        return response
    except RuleViolation as exc:
        db.session.rollback()
        show_rule_errors(form, exc.errors)
        return _import_page(form, 422)
    if plan.errors:
        return _import_page(form, 422, plan=plan, filename=upload.filename)
    token = uuid.uuid4().hex
    suffix = ".xlsx" if upload.filename.lower().endswith(".xlsx") else ".csv"
    (_upload_dir() / f"{token}{suffix}").write_bytes(data)
    session["ticket_import"] = {"token": token, "suffix": suffix, "facility_id": plan.facility_id,
                                "filename": upload.filename}
    return _import_page(form, plan=plan, filename=upload.filename,
                        confirm=ConfirmTicketImportForm(token=token))


@bp.post("/import/confirm")
def confirm_import():
    """Store a previewed file: checked again (tickets may have come meanwhile), then all rows
    or none."""
    require_roles(current_user, *POSTERS)
    form = ConfirmTicketImportForm()
    pending = session.get("ticket_import") or {}
    path = _upload_dir() / f"{pending.get('token')}{pending.get('suffix')}"
    if not form.validate_on_submit() or form.token.data != pending.get("token") \
            or not path.exists():
        session.pop("ticket_import", None)
        flash(_("This import has expired; upload the file again."), "error")
        return redirect(url_for(".import_file"))
    try:
        with one_import_at_a_time(_upload_dir()):
            plan = plan_import(current_user, pending["facility_id"], pending["filename"],
                               path.read_bytes())
        if plan.errors:
            return _import_page(_import_form(), 422, plan=plan, filename=pending["filename"])
        outcomes = apply_import(current_user, plan)
    except ImportBusy:
        flash(_("Another file is being checked right now; try again in a minute."), "error")
        return redirect(url_for(".import_file"))
    except RuleViolation as exc:
        db.session.rollback()
        form = _import_form()
        show_rule_errors(form, exc.errors)
        return _import_page(form, 422)
    path.unlink(missing_ok=True)
    session.pop("ticket_import", None)
    flash(_("Import done: %(created)s tickets stored, %(stored)s were stored before.",
            created=sum(1 for o in outcomes if o.created), stored=plan.stored), "success")
    facility = db.session.get(TreatmentFacility, plan.facility_id)
    return redirect(url_for(".index", **_facility_args(facility)))


# --------------------------------------------------------------------------- managers

@bp.get("/facilities")
def facilities():
    """Every facility on a day against the capacity in force; the ones over or near it with
    the same-type facilities that have room; collected against received over the last days;
    the treatment rates of the last 30 days."""
    require_roles(current_user, Role.ADMIN, Role.MANAGER)
    day = _day()
    today_figures = facilities_on(day)
    last = min(day, local_today() - dt.timedelta(days=1))
    gap_days = collected_against_received(last - dt.timedelta(days=GAP_DAYS - 1), last)
    names = dict(db.session.execute(select(Township.id, Township.name)).all())
    mixed = [dict(t, name=names.get(t["township_id"], t["township_id"]))
             for t in township_gaps(last - dt.timedelta(days=GAP_DAYS - 1), last)
             if t["mixed_streams"]]
    rates = treatment_rates(last - dt.timedelta(days=TREND_DAYS - 1), last)
    return render_template(
        "intake/facilities.html", day=day, today=local_today(), figures=today_figures,
        gap_days=gap_days, mixed=mixed, rates=rates, types=TYPE_LABELS,
        streams=STREAM_LABELS, statuses=STATUS_LABELS, facility_status=facility_status,
        rate_days=TREND_DAYS, rate_first=last - dt.timedelta(days=TREND_DAYS - 1),
        rate_last=last, tolerances=current_app.config["INTAKE_GAP_TOLERANCE_PERCENT"],
        format_day=format_day)


@bp.get("/facilities/<int:facility_id>")
def trend(facility_id: int):
    """One facility's last 30 days against the capacity in force each day."""
    facility = readable_facility(current_user, facility_id)
    last = _day()
    row = facility_days(last - dt.timedelta(days=TREND_DAYS - 1), last, facility.id)[0]
    return render_template("intake/trend.html", facility=facility, row=row,
                           summary=facility_summary(row), types=TYPE_LABELS,
                           facility_status=facility_status, facility_args=_facility_args(facility),
                           day=last)
