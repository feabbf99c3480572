import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Community
from ..bins.models import SortingBin
from ..enums import WasteCategory
from ..extensions import db
from ..points.models import RecyclingPoint
from ..timeutil import utcnow
from ..types import UtcDateTime

# The counts an inspection records, each summed by the daily tally (wastesort.inspections.tally).
CONTAMINATED = {c: f"contaminated_{c.value}" for c in WasteCategory}
COUNTS = ("households_seen", "households_sorted", "items_inspected", "items_correct",
          *CONTAMINATED.values())


class Inspection(db.Model):
    """One visit of an inspector to a community's waste point (optionally one recycling point
    or one bin of that community).

    Participation: of ``households_seen`` putting out waste, ``households_sorted`` put it out
    sorted. Accuracy: of ``items_inspected`` bags or bins checked, ``items_correct`` were
    sorted correctly; the others are counted per category whose bag or bin held the wrong
    waste (``contaminated_*``, together at most the incorrect ones). The database checks the
    inequalities, so no figure can be made of impossible counts.

    As collections: never deleted, voided with a reason (the one way to void is
    ``service.void_inspection``'s conditional UPDATE, which the daily tally follows), and the
    ``idempotency_key``, unique per poster, makes a retried posting count once.
    """

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint("households_seen >= 0 AND households_sorted >= 0",
                        name="households_not_negative"),
        CheckConstraint("households_sorted <= households_seen", name="sorted_at_most_seen"),
        CheckConstraint("items_inspected >= 0 AND items_correct >= 0", name="items_not_negative"),
        CheckConstraint("items_correct <= items_inspected", name="correct_at_most_inspected"),
        CheckConstraint("contaminated_recyclable >= 0 AND contaminated_hazardous >= 0 AND "
                        "contaminated_kitchen >= 0 AND contaminated_residual >= 0",
                        name="contaminated_not_negative"),
        CheckConstraint("contaminated_recyclable + contaminated_hazardous + contaminated_kitchen"
                        " + contaminated_residual <= items_inspected - items_correct",
                        name="contaminated_at_most_incorrect"),
        CheckConstraint("recycling_point_id IS NULL OR sorting_bin_id IS NULL",
                        name="point_or_bin"),
        CheckConstraint("NOT voided OR void_reason IS NOT NULL", name="void_has_reason"),
        # a community's inspections by day: its list, and when it was last inspected
        Index("ix_inspections_community_inspected_on", "community_id", "inspected_on"),
        Index("uq_inspections_inspector_idempotency_key", "inspector_id", "idempotency_key",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    recycling_point_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_points.id"),
                                                           index=True)
    sorting_bin_id: Mapped[int | None] = mapped_column(ForeignKey("sorting_bins.id"), index=True)
    inspected_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    inspected_on: Mapped[dt.date] = mapped_column(Date)  # inspected_at's day in TIMEZONE
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who posted it
    households_seen: Mapped[int]
    households_sorted: Mapped[int]
    items_inspected: Mapped[int]
    items_correct: Mapped[int]
    contaminated_recyclable: Mapped[int] = mapped_column(Integer, default=0)
    contaminated_hazardous: Mapped[int] = mapped_column(Integer, default=0)
    contaminated_kitchen: Mapped[int] = mapped_column(Integer, default=0)
    contaminated_residual: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(String(500))
    posted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    community: Mapped[Community] = relationship()
    recycling_point: Mapped[RecyclingPoint | None] = relationship()
    sorting_bin: Mapped[SortingBin | None] = relationship()
    photos: Mapped[list["InspectionPhoto"]] = relationship(
        back_populates="inspection", order_by="InspectionPhoto.id")


class InspectionPhoto(db.Model):
    """A picture attached to an inspection. The file lives in the instance folder under a
    random name (:mod:`wastesort.storage`); the row says whose it is and what it is. The same
    picture attached twice to one inspection is one photo (``sha256``): a retried upload
    counts once, without a key."""

    __tablename__ = "inspection_photos"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size_positive"),
        Index("uq_inspection_photos_inspection_sha256", "inspection_id", "sha256", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="photos")
