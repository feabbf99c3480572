import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import District
from ..enums import FacilityType, enum_column_type
from ..extensions import db
from ..timeutil import utcnow
from ..types import UtcDateTime


class TreatmentFacility(db.Model):
    """A treatment facility as registered: ``capacity_t_per_day`` is its design capacity and
    ``active`` whether it is in operation. The capacity the figures use is the one in force on
    each day, from :class:`FacilityCapacity` (docs/metrics.md, "Capacity with a history")."""

    __tablename__ = "treatment_facilities"
    __table_args__ = (
        CheckConstraint("capacity_t_per_day > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    facility_type: Mapped[FacilityType] = mapped_column(
        enum_column_type(FacilityType, "facility_type")
    )
    capacity_t_per_day: Mapped[int]  # whole tonnes per day
    active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District] = relationship()


class FacilityCapacity(db.Model):
    """A facility's capacity from ``effective_from`` (a local day) until the next period of the
    same facility starts: a new line, maintenance, a closure (capacity 0: one number says both
    how much and whether, so no day can be "closed" and "1,000 t" at once). A period may start
    in the future (a planned change). Before its first period a facility has no capacity."""

    __tablename__ = "facility_capacities"
    __table_args__ = (
        CheckConstraint("capacity_t_per_day >= 0", name="capacity_not_negative"),
        UniqueConstraint("treatment_facility_id", "effective_from",
                         name="uq_facility_capacities_facility_effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_facility_id: Mapped[int] = mapped_column(ForeignKey("treatment_facilities.id"))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    capacity_t_per_day: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    facility: Mapped[TreatmentFacility] = relationship()
