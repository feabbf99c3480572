"""The reports' pages: reports and deliveries (failed ones too), a report with its chart and
CSV, and the subscriptions. Managers and administrators only."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.models import Role
from ..areas.models import District
from ..errors_domain import Forbidden, RuleViolation
from ..extensions import db
from .charts import chart_png
from .csvout import content_disposition, report_csv
from .delivery import delivery_totals, list_deliveries, retry_failed, retry_now
from .forms import SubscriptionForm
from .models import Delivery, DeliveryStatus, ReportKind
from .presentation import report_context
from .service import get_report, list_reports
from .subscriptions import add_subscription, list_subscriptions, remove_subscription

bp = Blueprint("reports", __name__, url_prefix="/reports")
PER_PAGE = 30


@bp.before_request
@login_required
def _managers_only():
    if current_user.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden(_("Reports are for managers and administrators."))


@bp.get("/")
def index():
    """The latest reports, and the deliveries: failed ones first, then the latest."""
    kind = request.args.get("kind")
    kind = ReportKind(kind) if kind in tuple(ReportKind) else None
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    reports, total = list_reports(kind=kind, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template(
        "reports/index.html", reports=reports, total=total, page=page, per_page=PER_PAGE,
        kind=kind, failed=list_deliveries(status=DeliveryStatus.FAILED),
        deliveries=list_deliveries(limit=30), totals=delivery_totals())


@bp.get("/<int:report_id>")
def show(report_id: int):
    """One report: the chart, the key figures, its deliveries and the CSV to download."""
    report = get_report(report_id)
    return render_template("reports/show.html", deliveries=report.deliveries,
                           **report_context(report))


@bp.get("/<int:report_id>/chart.png")
def chart(report_id: int):
    """The report's chart (PNG), drawn from its stored figures."""
    png = chart_png(get_report(report_id))
    response = Response(png, mimetype="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})
    response.vary.add("Accept-Language")  # drawn in the reader's language (Flask adds Cookie)
    return response


@bp.get("/<int:report_id>.csv")
def download_csv(report_id: int):
    """The report's figures as CSV, in the reader's language, named like the report."""
    report = get_report(report_id)
    return Response(report_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(report)})


@bp.post("/deliveries/<int:delivery_id>/retry")
def retry(delivery_id: int):
    """Put a failed delivery back in the queue; the scheduler sends it within a minute."""
    delivery = retry_now(delivery_id)
    if delivery is None:
        flash(_("No such delivery."), "error")
    else:
        flash(_("Delivery %(id)s to %(email)s is queued again.", id=delivery.id,
                email=delivery.email), "success")
    return redirect(url_for(".index"))


@bp.post("/deliveries/retry-failed")
def retry_all_failed():
    """Put every failed delivery back in the queue (after an SMTP outage, say)."""
    flash(_("Failed deliveries queued again: %(num)s. The scheduler sends them within "
            "%(seconds)s seconds.", num=retry_failed(),
            seconds=current_app.config["DELIVERY_POLL_SECONDS"]), "success")
    return redirect(url_for(".index"))


@bp.route("/subscriptions", methods=["GET", "POST"])
def subscriptions():
    """Who receives which report, and a form to add a subscription."""
    form = SubscriptionForm()
    form.set_districts(db.session.scalars(select(District).order_by(District.code)))
    status = 200
    if form.validate_on_submit():
        try:
            add_subscription(current_user, email=form.email.data, kind=form.kind.data,
                             period=form.period.data, district_id=form.district_id.data)
        except RuleViolation as exc:
            db.session.rollback()
            for name, messages in exc.errors.items():
                field = getattr(form, name, None)
                (field.errors if field is not None else form.form_errors).extend(
                    str(m) for m in messages)
            status = 422
        else:
            flash(_("%(email)s is subscribed.", email=form.email.data), "success")
            return redirect(url_for(".subscriptions"))
    elif form.errors:
        status = 422
    last_sent = dict(db.session.execute(
        select(Delivery.subscription_id, db.func.max(Delivery.sent_at))
        .where(Delivery.status == DeliveryStatus.SENT).group_by(Delivery.subscription_id)).all())
    return render_template("reports/subscriptions.html", form=form,
                           subscriptions=list_subscriptions(), last_sent=last_sent), status


@bp.post("/subscriptions/<int:subscription_id>/remove")
def remove(subscription_id: int):
    """Remove a subscription (its past deliveries stay on record)."""
    remove_subscription(current_user, subscription_id)
    flash(_("The subscription is removed."), "success")
    return redirect(url_for(".subscriptions"))
