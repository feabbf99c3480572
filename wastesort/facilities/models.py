from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import District
from ..enums import FacilityType, enum_column_type
from ..extensions import db


class TreatmentFacility(db.Model):
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
