"""``/api/v1/tickets``: weighbridge tickets (idempotent by the facility's ticket number, batch,
void, read) and ``/api/v1/intake``: the figures of the chain to treatment."""

import datetime as dt

from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..accounts.scope import require_roles
from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from ..errors_domain import RuleViolation
from ..metrics.capacity import MAX_RANGE_DAYS
from ..metrics.facilities import (
    collected_against_received,
    facilities_on,
    township_gaps,
    treatment_rates,
)
from ..timeutil import local_today
from . import service
from .schemas import (
    FacilitiesDaySchema,
    GapsSchema,
    IntakeDayQuery,
    IntakeRangeQuery,
    RatesSchema,
    TicketBatchResultSchema,
    TicketBatchSchema,
    TicketInSchema,
    TicketQuery,
    TicketSchema,
    TicketVoidSchema,
)

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets",
                description="Weighbridge tickets of the treatment facilities; voided, never "
                            "deleted.")
figures_blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake",
                        description="The chain to treatment: each facility against its "
                                    "capacity, collected against received, the rates "
                                    "(docs/metrics.md).")


@blp.route("")
class Tickets(MethodView):
    @blp.arguments(TicketQuery, location="query")
    @blp.response(200, page_of(TicketSchema))
    def get(self, args):
        """Visible tickets, newest first (operators: their facility's)."""
        return paged(service.tickets_query, args)

    @blp.arguments(TicketInSchema)
    @blp.response(201, TicketSchema, description="Stored.")
    @blp.alt_response(200, schema=TicketSchema, success=True,
                      description="A retry: the ticket stored before under this number.")
    def post(self, data):
        """Post one ticket; the facility's ticket number makes a retry safe (another body
        under the same number is a 409)."""
        ticket, created = service.post_ticket(current_api_user(), data)
        return ticket, 201 if created else 200


@blp.post("/batch")
@blp.arguments(TicketBatchSchema)
@blp.response(200, TicketBatchResultSchema)
def post_batch(data):
    """Post up to INTAKE_BATCH_MAX tickets; all or nothing (errors by record index); tickets
    already stored are answered, not repeated."""
    outcomes = service.post_batch(current_api_user(), data["records"])
    created = sum(1 for outcome in outcomes if outcome.created)
    return {"created": created, "replayed": len(outcomes) - created,
            "records": [{"index": i, "id": o.id, "ticket_number": o.ticket_number,
                         "created": o.created} for i, o in enumerate(outcomes)]}


@blp.get("/<int:ticket_id>")
@blp.response(200, TicketSchema)
def get_ticket(ticket_id):
    """One ticket."""
    return service.get_ticket(current_api_user(), ticket_id)


@blp.post("/<int:ticket_id>/void")
@blp.arguments(TicketVoidSchema)
@blp.response(200, TicketSchema)
def void_ticket(data, ticket_id):
    """Void a ticket with a reason (operators: their facility's, within INTAKE_BACKDATE_DAYS;
    administrators any); a void ticket is a 409."""
    return service.void_ticket(current_api_user(), ticket_id, data["reason"])


# --------------------------------------------------------------------------- figures

FIGURE_READERS = (Role.ADMIN, Role.MANAGER)


def _range(args) -> tuple[dt.date, dt.date]:
    last = args.get("date_to") or local_today()
    first = args.get("date_from") or last - dt.timedelta(days=29)
    if last < first:
        raise RuleViolation({"to": [_l("The last day is before the first.")]})
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RuleViolation({"from": [_l("At most %(n)s days at once.", n=MAX_RANGE_DAYS)]})
    return first, last


@figures_blp.get("/facilities")
@figures_blp.arguments(IntakeDayQuery, location="query")
@figures_blp.response(200, FacilitiesDaySchema)
def facilities_day(args):
    """Every facility on a day against the capacity in force, and those over or near it
    with same-type facilities that have room (administrators and managers)."""
    require_roles(current_api_user(), *FIGURE_READERS)
    return facilities_on(args.get("day") or local_today())


@figures_blp.get("/gaps")
@figures_blp.arguments(IntakeRangeQuery, location="query")
@figures_blp.response(200, GapsSchema)
def gaps(args):
    """Collected against received per stream and day, and per town or street where tickets
    name it, with mixed transport flagged (by default the last 30 days)."""
    require_roles(current_api_user(), *FIGURE_READERS)
    first, last = _range(args)
    return {"days": collected_against_received(first, last),
            "townships": township_gaps(first, last)}


@figures_blp.get("/rates")
@figures_blp.arguments(IntakeRangeQuery, location="query")
@figures_blp.response(200, RatesSchema)
def rates(args):
    """The harmless-treatment rate, landfill share, recycling rate and resource-utilisation
    rate over a range (by default the last 30 days)."""
    require_roles(current_api_user(), *FIGURE_READERS)
    return treatment_rates(*_range(args))
