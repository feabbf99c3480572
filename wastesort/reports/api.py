"""``/api/v1/reports`` and ``/api/v1/subscriptions`` (managers and administrators): thin
views over the reports' services."""

from flask import Response
from flask.views import MethodView
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.scope import require_roles
from ..api.auth import current_api_user
from ..api.core import Blueprint, PageArgs, page_of, paginate
from .charts import chart_png
from .csvout import csv_filename, report_csv
from .delivery import delivery_totals, queue_report, retry_delivery, retry_failed, send_due
from .models import Delivery, Report, Subscription
from .schemas import (
    DeliveryQuery,
    DeliverySchema,
    DeliveryTotalsSchema,
    ReportQuery,
    ReportRunSchema,
    ReportSchema,
    ReportSummarySchema,
    RetriedSchema,
    SubscriptionSchema,
)
from .service import get_report, make_report
from .subscriptions import add_subscription, remove_subscription

blp = Blueprint("reports_api", __name__, url_prefix="/api/v1",
                description="Coverage and capacity reports as made, their deliveries, and "
                            "subscriptions (managers and administrators).")


def _managers():
    user = current_api_user()
    require_roles(user, Role.ADMIN, Role.MANAGER)
    return user


@blp.route("/reports")
class Reports(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, page_of(ReportSummarySchema))
    def get(self, args):
        """Reports made, the latest period first."""
        _managers()
        stmt = select(Report)
        if args.get("kind"):
            stmt = stmt.where(Report.kind == args["kind"])
        if args.get("period"):
            stmt = stmt.where(Report.period == args["period"])
        return paginate(stmt.order_by(Report.period_start.desc(), Report.id.desc()), args)

    @blp.arguments(ReportRunSchema)
    @blp.response(201, ReportSchema)
    @blp.alt_response(200, schema=ReportSchema, description="It was made already: the same "
                      "report (never two of one kind, period and scope).")
    def post(self, data):
        """Make the report of a complete period (or answer the one already made); with
        ``send``, queue it for its subscribers and send what is due."""
        _managers()
        report, made = make_report(data["kind"], data["period"], data["as_of"],
                                   district_id=data["district_id"],
                                   made_by=f"api:{current_api_user().username}")
        if data["send"]:
            queue_report(report)
            send_due()
        return report, 201 if made else 200


@blp.route("/reports/<int:report_id>")
class ReportItem(MethodView):
    @blp.response(200, ReportSchema)
    def get(self, report_id):
        """One report with its figures and deliveries."""
        _managers()
        return get_report(report_id)


@blp.route("/reports/<int:report_id>/csv")
class ReportCsv(MethodView):
    @blp.doc(responses={"200": {"description": "The figures as CSV (UTF-8 with a BOM), with "
                                "stable English machine headers (docs/reports.md).", "content": {
        "text/csv": {"schema": {"type": "string"}}}}})
    def get(self, report_id):
        """The report's figures as CSV, with machine headers that do not change with the
        language (the pages' download has headers in the reader's language)."""
        _managers()
        report = get_report(report_id)
        return Response(report_csv(report, for_people=False), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(report)}"'})


@blp.route("/reports/<int:report_id>/chart.png")
class ReportChart(MethodView):
    @blp.doc(responses={"200": {"description": "The report's chart.", "content": {
        "image/png": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, report_id):
        """The report's chart (PNG)."""
        _managers()
        return Response(chart_png(get_report(report_id)), mimetype="image/png")


@blp.route("/reports/deliveries")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, page_of(DeliverySchema))
    def get(self, args):
        """E-mail deliveries of reports and alerts, newest first; ``status=failed`` lists
        those that gave up after DELIVERY_RETRY_FOR_HOURS of retries (``total_items`` counts
        them all)."""
        _managers()
        stmt = select(Delivery)
        if args.get("status"):
            stmt = stmt.where(Delivery.status == args["status"])
        return paginate(stmt.order_by(Delivery.id.desc()), args)


@blp.route("/reports/deliveries/totals")
class DeliveryTotals(MethodView):
    @blp.response(200, DeliveryTotalsSchema)
    def get(self):
        """How many deliveries are pending (and retrying), sent and failed."""
        _managers()
        return delivery_totals()


@blp.route("/reports/deliveries/retry-failed")
class DeliveryRetryFailed(MethodView):
    @blp.response(200, RetriedSchema)
    def post(self):
        """Queue every failed delivery again; the scheduler sends them within
        DELIVERY_POLL_SECONDS."""
        _managers()
        return {"queued": retry_failed()}


@blp.route("/reports/deliveries/<int:delivery_id>/retry")
class DeliveryRetry(MethodView):
    @blp.response(200, DeliverySchema)
    def post(self, delivery_id):
        """Queue a failed delivery again (one that is not failed is left as it is)."""
        _managers()
        return retry_delivery(delivery_id)


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(SubscriptionSchema))
    def get(self, args):
        """Every subscription."""
        _managers()
        return paginate(select(Subscription).order_by(Subscription.id), args)

    @blp.arguments(SubscriptionSchema)
    @blp.response(201, SubscriptionSchema)
    def post(self, data):
        """Subscribe an address to a report kind and cadence (coverage: optionally for one
        district), or to the capacity alerts."""
        return add_subscription(_managers(), email=data["email"], kind=data["kind"],
                                period=data["period"], district_id=data["district_id"])


@blp.route("/subscriptions/<int:subscription_id>")
class SubscriptionItem(MethodView):
    @blp.response(204)
    def delete(self, subscription_id):
        """Remove a subscription; its past deliveries stay on record."""
        remove_subscription(_managers(), subscription_id)
