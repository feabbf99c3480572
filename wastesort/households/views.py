"""Household pages: list and search, create, edit, import from and export to spreadsheets."""

import uuid
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..accounts.models import Role
from ..accounts.scope import require_registry_write
from ..areas.models import Community
from ..areas.views import township_choices
from ..errors_domain import Forbidden, RuleViolation
from ..extensions import db
from ..pages import (
    can_write_registry,
    form_page,
    keyset_paginate,
    login_required_for,
    show_rule_errors,
)
from ..spreadsheets import XLSX_TYPE
from ..spreadsheets import chunks as _chunks
from ..spreadsheets import started as _started
from ..timeutil import local_today
from .address import household_address
from .export import csv_stream, export_rows, header, template_file, xlsx_file
from .forms import ConfirmImportForm, HouseholdForm, ImportForm
from .importing import apply_import, plan_import
from .models import Household
from .service import create_household, get_household, households_query, update_household
from .sheet import read_rows
from .upload_limits import ImportBusy, one_import_at_a_time, remove_stale_previews

bp = Blueprint("household_pages", __name__, url_prefix="/households")
login_required_for(bp)
bp.add_app_template_global(household_address)
PREVIEW_ROWS = 200  # rows to add and rows changed, each, listed on the preview


def _filters() -> dict:
    covered = request.args.get("covered")
    return {"township_id": request.args.get("township_id", type=int),
            "community_id": request.args.get("community_id", type=int),
            "covered": {"yes": True, "no": False}.get(covered),
            "code_prefix": request.args.get("q", "").strip()[:32] or None}


@bp.get("/")
def index():
    """Households of the user's scope: search by the start of the code, filter by place and
    coverage; pages of 50 by id (by code when searching), found from the last one of the page
    before (no count of millions of rows)."""
    filters = _filters()
    stmt = households_query(current_user, **filters).options(
        joinedload(Household.community).joinedload(Community.township))
    key = Household.code if filters["code_prefix"] else Household.id
    return render_template("households/index.html", page=keyset_paginate(stmt, key),
                           q=filters["code_prefix"] or "", filters=filters,
                           townships=township_choices(), today=local_today())


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Register a household in a community the user may write."""
    form = HouseholdForm()
    return form_page(form, lambda: create_household(current_user, form.data_for_service()),
                     template="registry_form.html", heading=_("New household"),
                     cancel_url=url_for(".index"), done_url=lambda h: url_for(".index", q=h.code),
                     done_message=lambda h: _("Household %(code)s saved.", code=h.code))


@bp.route("/<int:household_id>", methods=["GET", "POST"])
def edit(household_id: int):
    """Change a household's address, members or sorting date."""
    household = get_household(current_user, household_id)  # 404 outside the user's scope
    require_registry_write(current_user, household.community.township_id)  # 403 for readers
    form = HouseholdForm(obj=household)
    return form_page(form, lambda: update_household(current_user, household.id,
                                                    form.data_for_service()),
                     template="registry_form.html",
                     heading=_("Edit household %(code)s", code=household.code),
                     cancel_url=url_for(".index"), done_url=lambda h: url_for(".index", q=h.code),
                     done_message=lambda h: _("Household %(code)s saved.", code=h.code))


# --- import ------------------------------------------------------------------------------

def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _busy_page(form: ImportForm):
    """Another import is being read on this machine: say so beside the file, 503."""
    form.file.errors = [*form.file.errors, _(
        "Another file is being checked right now; try again in a minute.")]
    response = current_app.make_response(
        (render_template("households/import.html", form=form), 503))
    response.headers["Retry-After"] = "60"
    return response


def _import_township(form: ImportForm) -> int | None:
    if current_user.role is Role.STREET_ADMIN:
        return current_user.township_id
    return form.township_id.data


def _import_form() -> ImportForm:
    form = ImportForm()
    form.township_id.choices = township_choices()
    return form


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Upload a CSV or XLSX file: every bad row is listed (row, column, message); a good file
    is shown as a preview to confirm, and nothing is stored before that."""
    if not can_write_registry(current_user):
        raise Forbidden(_("Your role may not change the registry."))
    form = _import_form()
    valid = form.validate_on_submit()
    township_id = _import_township(form)
    if valid and township_id is None:
        form.township_id.errors = [_("Choose a town or street.")]
        valid = False
    if not valid:
        return render_template("households/import.html", form=form), 422 if form.errors else 200
    upload = form.file.data
    data = upload.read()
    remove_stale_previews(_upload_dir())
    try:
        with one_import_at_a_time(_upload_dir()):
            plan = plan_import(current_user, township_id, read_rows(upload.filename, data))
    except ImportBusy:
        return _busy_page(form)
    except RuleViolation as exc:
        db.session.rollback()
        show_rule_errors(form, exc.errors)
        return render_template("households/import.html", form=form), 422
    if plan.errors:
        return render_template("households/import.html", form=form, plan=plan,
                               filename=upload.filename), 422
    token = uuid.uuid4().hex
    suffix = ".xlsx" if upload.filename.lower().endswith(".xlsx") else ".csv"
    (_upload_dir() / f"{token}{suffix}").write_bytes(data)
    session["household_import"] = {"token": token, "suffix": suffix,
                                   "township_id": township_id, "filename": upload.filename}
    confirm = ConfirmImportForm(token=token)
    return render_template("households/import.html", form=form, plan=plan, confirm=confirm,
                           filename=upload.filename, preview_rows=PREVIEW_ROWS)


@bp.post("/import/confirm")
def confirm_import():
    """Store a previewed file: checked again (the registry may have changed), then all rows
    or none."""
    form = ConfirmImportForm()
    pending = session.get("household_import") or {}
    if not form.validate_on_submit() or form.token.data != pending.get("token"):
        flash(_("This import has expired; upload the file again."), "error")
        return redirect(url_for(".import_file"))
    remove_stale_previews(_upload_dir())  # this one too, if it was not confirmed in time
    path = _upload_dir() / f"{pending['token']}{pending['suffix']}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        session.pop("household_import", None)
        flash(_("This import has expired; upload the file again."), "error")
        return redirect(url_for(".import_file"))
    busy = False
    try:
        with one_import_at_a_time(_upload_dir()):
            plan = plan_import(current_user, pending["township_id"],
                               read_rows(pending["filename"], data))
        if plan.errors:
            return render_template("households/import.html", form=_import_form(), plan=plan,
                                   filename=pending["filename"]), 422
        created, updated = apply_import(current_user, plan)
    except ImportBusy:
        busy = True  # the preview stays: confirm it again in a minute
        return _busy_page(_import_form())
    except RuleViolation as exc:
        db.session.rollback()
        form = _import_form()
        show_rule_errors(form, exc.errors)
        return render_template("households/import.html", form=form), 422
    finally:
        if not busy:
            path.unlink(missing_ok=True)
    session.pop("household_import", None)
    flash(_("Import done: %(created)s households created, %(updated)s updated, "
            "%(unchanged)s unchanged.", created=created, updated=updated,
            unchanged=plan.unchanged), "success")
    return redirect(url_for(".index"))


# --- export ------------------------------------------------------------------------------

@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    """The households of the user's scope (with the list's filters) as CSV or XLSX. Both
    start in the view (the XLSX file is made whole), so a role without the registry gets its
    403 (and a database fault its 503) before the response begins."""
    filters = _filters()
    households_query(current_user, **filters)  # the role's scope: 403 here, not mid-file
    rows = export_rows(current_user, **filters)
    stamp = local_today().isoformat()
    if fmt == "csv":
        return Response(stream_with_context(_started(csv_stream(rows, header()))),
                        mimetype="text/csv",
                        headers={"Content-Disposition":
                                 f'attachment; filename="households-{stamp}.csv"'})
    return Response(_chunks(xlsx_file(rows, header())), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition":
                             f'attachment; filename="households-{stamp}.xlsx"'})


@bp.get("/import/template.xlsx")
def import_template():
    """The spreadsheet to fill in for an import: the header in the user's language, the code
    column formatted as text, one example row."""
    if not can_write_registry(current_user):
        raise Forbidden(_("Your role may not change the registry."))
    return Response(_chunks(template_file()), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition":
                             'attachment; filename="households-template.xlsx"'})
