import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import WasteCategory, enum_column_type
from ..extensions import db
from ..points.models import RecyclingPoint
from ..timeutil import utcnow
from ..types import UtcDateTime


class Collection(db.Model):
    """One weighing: a point's tonnage of one category on one local day.

    Never deleted: a correction voids the record (with a reason) and posts a new one. The unique
    ``idempotency_key`` makes a retried posting count once; ``payload_hash`` tells a true retry
    (same body) from a conflicting reuse of the key.
    """

    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint("weight_kg > 0", name="weight_positive"),
        CheckConstraint("NOT voided OR void_reason IS NOT NULL", name="void_has_reason"),
        Index("ix_collections_collected_on_category", "collected_on", "category"),
        Index("ix_collections_point_collected_on", "recycling_point_id", "collected_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recycling_point_id: Mapped[int] = mapped_column(ForeignKey("recycling_points.id"))
    collected_on: Mapped[dt.date] = mapped_column(Date)  # local date in TIMEZONE
    category: Mapped[WasteCategory] = mapped_column(
        enum_column_type(WasteCategory, "collection_category")
    )
    weight_kg: Mapped[int]
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    posted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64), default="")
    voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recycling_point: Mapped[RecyclingPoint] = relationship()
