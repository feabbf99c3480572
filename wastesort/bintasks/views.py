"""Bin problem pages: the report form (a phone's: a bin by serial number or from its
community, what is wrong, a note and a photo), the task list (open ones by due time, the
most overdue first, with the steps for the street's administrator), a task with its reports,
and the overdue list of the districts and the city for managers and administrators.

The rules are the service's: another street's task is "not found" here, a step by someone
who may not take it is 403, and of two administrators taking a step at once the second is
told what became of the task (a message, back on the task's page).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import storage
from ..accounts.models import Role
from ..areas.models import District
from ..collections.forms import CATEGORY_LABELS
from ..errors_domain import Conflict, Forbidden, RuleViolation
from ..extensions import db
from ..metrics.bintasks import by_district
from ..pages import as_id, login_required_for, moment, paginate, safe_next, show_rule_errors
from ..timeutil import utcnow
from . import reporting, service
from .forms import RejectForm, ReportForm, ResolveForm, StepForm
from .labels import KIND_LABELS, STATUS_LABELS
from .models import ACTIVE, OUT_OF_SERVICE, BinProblemKind, BinTask

bp = Blueprint("bintask_pages", __name__, url_prefix="/bin-tasks")
login_required_for(bp)

SHOW = ("open", "overdue", "resolved", "rejected", "all")


@bp.before_request
def _room_for_a_photo():
    """The report form carries a photo of up to PHOTO_MAX_BYTES as a file."""
    if request.endpoint == "bintask_pages.report":
        request.max_content_length = storage.photo_body_limit(1, encoding_overhead=1)


def _context(**extra) -> dict:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "now": utcnow(),
            "active": ACTIVE, "may_handle": service.may_handle,
            "category_labels": CATEGORY_LABELS, **extra}


@bp.get("/")
def index():
    """The tasks the user may read: open ones by due time (the most overdue first) unless
    ``show`` asks for the overdue, resolved, rejected or all; ``kind`` narrows them."""
    show = request.args.get("show") if request.args.get("show") in SHOW else "open"
    kind = request.args.get("kind") if request.args.get("kind") in set(BinProblemKind) \
        else None
    filters = {"open": {"active": True}, "overdue": {"overdue": True},
               "resolved": {"status": "resolved"}, "rejected": {"status": "rejected"},
               "all": {}}[show]
    township_id = as_id(request.args.get("township_id", ""))
    stmt = service.tasks_query(current_user, kind=kind, township_id=township_id, **filters)
    if show in ("resolved", "rejected"):
        stmt = stmt.order_by(None).order_by(BinTask.closed_at.desc(), BinTask.id.desc())
    page = paginate(service.with_places(stmt))
    names = service.users_named(t.closed_by_id for t in page.items)
    return render_template("bintasks/index.html", **_context(
        page=page, show=show, kind=kind, township_id=township_id, names=names,
        may_report=current_user.role in reporting.REPORTERS))


@bp.get("/overdue")
def overdue():
    """Managers and administrators: the tasks past their due time, by district and for the
    city, the most overdue first."""
    if current_user.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden(_("Managers and administrators see the districts' overdue lists."))
    district_id = as_id(request.args.get("district_id", ""))
    district = db.session.get(District, district_id) if district_id else None
    page = paginate(service.with_places(service.tasks_query(
        current_user, overdue=True, district_id=district.id if district else None)))
    return render_template("bintasks/overdue.html", **_context(
        page=page, district=district, districts=by_district(utcnow())))


def _task_page(task, status: int = 200, **forms):
    reports = service.reports_of(task.id)
    names = service.users_named([task.opened_by_id, task.acknowledged_by_id,
                                 task.closed_by_id, *(r.reported_by_id for r in reports)])
    forms.setdefault("acknowledge_form", StepForm())
    forms.setdefault("resolve_form", ResolveForm())
    forms.setdefault("reject_form", RejectForm())
    return render_template("bintasks/show.html", **_context(
        task=task, reports=reports, names=names, out_of_service=task.kind in OUT_OF_SERVICE,
        **forms)), status


@bp.get("/<int:task_id>")
def show(task_id: int):
    """One task: the bin, its reports (with photos), what has happened, and the steps."""
    return _task_page(service.get_task(current_user, task_id))


def _step(task_id: int, form, take, done_message: str):
    """A step's one flow: the task must be readable (404), the form valid (CSRF), the step
    the service's (403, 409 told as a message, 422 beside the fields)."""
    task = service.get_task(current_user, task_id)
    back = safe_next(form.next.data) or url_for(".show", task_id=task.id)
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "error")
        return redirect(url_for(".show", task_id=task.id), 303)
    try:
        take(task)
    except RuleViolation as refused:
        db.session.rollback()
        show_rule_errors(form, refused.errors)
        name = {StepForm: "acknowledge_form", ResolveForm: "resolve_form",
                RejectForm: "reject_form"}[type(form)]
        return _task_page(service.get_task(current_user, task_id), 422, **{name: form})
    except Conflict as lost:
        db.session.rollback()
        flash(str(lost.description), "error")
        return redirect(url_for(".show", task_id=task.id), 303)
    flash(done_message, "success")
    return redirect(back, 303)


@bp.post("/<int:task_id>/acknowledge")
def acknowledge(task_id: int):
    """The administrator is on it."""
    return _step(task_id, StepForm(), lambda t: service.acknowledge(current_user, t.id),
                 _("Task acknowledged."))


@bp.post("/<int:task_id>/resolve")
def resolve(task_id: int):
    """Dealt with: a note, and for a damaged or missing bin whether it was taken away."""
    form = ResolveForm()
    return _step(task_id, form, lambda t: service.resolve(
        current_user, t.id, form.note.data, bool(form.bin_removed.data)), _("Task resolved."))


@bp.post("/<int:task_id>/reject")
def reject(task_id: int):
    """Not a problem after all, with a reason."""
    form = RejectForm()
    return _step(task_id, form, lambda t: service.reject(current_user, t.id, form.reason.data),
                 _("Task rejected."))


@bp.get("/<int:task_id>/reports/<int:report_id>/photo")
def photo(task_id: int, report_id: int):
    """A report's photo, for readers of its task (404 for anyone else)."""
    return reporting.report_photo(current_user, task_id, report_id)


@bp.route("/report", methods=["GET", "POST"])
def report():
    """Report a bin problem from a phone: the bin by its serial number, or chosen among the
    bins of a community the user works in; what is wrong; a note and a photo."""
    if current_user.role not in reporting.REPORTERS:
        raise Forbidden(_("Your role does not report bin problems."))
    communities = service.reportable_communities(current_user)
    community_id = as_id(request.values.get("community_id", "")) or (
        communities[0].id if len(communities) == 1 else None)
    if community_id is not None and current_user.role is not Role.ADMIN and \
            community_id not in {c.id for c in communities}:
        community_id = None
    bins = service.bins_of(community_id) if community_id else []
    form = ReportForm(bins=bins)
    if request.method == "GET":
        form.serial.data = request.args.get("serial", "")[:32]
        form.inspection_id.data = request.args.get("inspection_id", "")
    form.community_id.data = str(community_id or "")
    if form.is_submitted():
        if not form.validate():  # only the CSRF token can fail: every field is optional
            form.form_errors.extend(form.csrf_token.errors)
        else:
            upload = request.files.get(form.photo.name)
            data = upload.read() if upload and upload.filename else None
            try:
                outcome = reporting.report_problem(current_user, form.data_for_service(data),
                                                   form.idempotency_key.data,
                                                   photo_field="photo")
            except RuleViolation as refused:
                db.session.rollback()
                show_rule_errors(form, refused.errors)
            except (Forbidden, Conflict) as refused:
                db.session.rollback()
                field = form.serial if form.sorting_bin_id.data in (None, "", "None") \
                    else form.sorting_bin_id
                field.errors = [*field.errors, str(refused.description)]
            else:
                flash(_saved_message(outcome), "success")
                return redirect(url_for(".show", task_id=outcome.report.task_id), 303)
    return render_template("bintasks/report.html", **_context(
        form=form, communities=communities, community_id=community_id, bins=bins)), \
        422 if form.errors or form.form_errors else 200


def _saved_message(outcome: reporting.Outcome) -> str:
    task = outcome.report.task
    words = {"serial": task.sorting_bin.serial, "kind": KIND_LABELS[task.kind],
             "due": moment(task.due_at)}
    if not outcome.created:
        return _("This report was saved already.")
    if outcome.joined:
        return _("Bin %(serial)s was reported %(kind)s already: your report joins the open "
                 "task, due %(due)s.", **words)
    return _("Reported: bin %(serial)s is %(kind)s. The street's administrator has a task, "
             "due %(due)s.", **words)

