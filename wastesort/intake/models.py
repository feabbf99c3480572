import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Township
from ..enums import WasteCategory, enum_column_type
from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..timeutil import utcnow
from ..types import UtcDateTime

# The tickets that count and name a town or street: the condition of a partial index, which a
# query must repeat as it is written here for the planner to use the index.
NAMED_TICKETS = "NOT voided AND township_id IS NOT NULL"


class WeighbridgeTicket(db.Model):
    """One vehicle weighed in at a treatment facility: the stream its driver declared and the
    net weight, at an instant (stored in UTC; ``arrived_on`` is its day in the city).

    The facility's own ticket number is unique per facility and is the ticket's idempotency
    key: the weighbridge software numbers every weighing, so a ticket sent twice (a retry, an
    export imported again) is the same ticket, and the same number with another body is a
    conflict. Never deleted: a wrong ticket is voided with a reason.

    ``township_id`` is the town or street the load came from, when the ticket names it; the
    gap between collected and received per town or street is measured on those tickets.
    """

    __tablename__ = "weighbridge_tickets"
    __table_args__ = (
        CheckConstraint("net_weight_kg > 0", name="weight_positive"),
        CheckConstraint("NOT voided OR void_reason IS NOT NULL", name="void_has_reason"),
        Index("uq_weighbridge_tickets_facility_number", "treatment_facility_id",
              "ticket_number", unique=True),
        # an operator's day (the facility page) and a town's or street's received tonnage
        Index("ix_weighbridge_tickets_facility_arrived_on", "treatment_facility_id",
              "arrived_on"),
        # what each town or street delivered per day and stream (the gap per town or
        # street): the tickets that name one and count, read from the index alone
        # (voided too, though the condition fixes it: SQLite reads an index alone only when
        # it holds every column the query names)
        Index("ix_weighbridge_tickets_named_township", "arrived_on", "township_id", "stream",
              "net_weight_kg", "voided", sqlite_where=text(NAMED_TICKETS),
              postgresql_where=text(NAMED_TICKETS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_facility_id: Mapped[int] = mapped_column(ForeignKey("treatment_facilities.id"))
    ticket_number: Mapped[str] = mapped_column(String(40))
    arrived_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    arrived_on: Mapped[dt.date] = mapped_column(Date)  # local date in TIMEZONE
    stream: Mapped[WasteCategory] = mapped_column(enum_column_type(WasteCategory, "ticket_stream"))
    net_weight_kg: Mapped[int]
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    vehicle_plate: Mapped[str | None] = mapped_column(String(16))
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    facility: Mapped[TreatmentFacility] = relationship()
    township: Mapped[Township | None] = relationship()
