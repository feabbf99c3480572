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

    Never deleted: a correction voids the record (with a reason) and posts a new one. The
    ``idempotency_key``, unique per poster, makes a retried posting count once; the stored row
    tells a true retry (same body) from a conflicting reuse of the key.

    Keys are scoped to the user who posts (as Stripe scopes them to an account), not city-wide:
    a kiosk's keys then sit together in the index, so a batch of 1,000 random (UUID4) keys
    writes ~90 pages, where a city-wide index of a year's three million keys took a page per key
    (~1,200; batches at 0.56-0.64x the nearly empty database's rate, docs/performance.md). The
    index also serves "postings by user", so it replaces the plain index on ``posted_by_id``.
    """

    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint("weight_kg > 0", name="weight_positive"),
        CheckConstraint("NOT voided OR void_reason IS NOT NULL", name="void_has_reason"),
        Index("ix_collections_collected_on_category", "collected_on", "category"),
        Index("ix_collections_point_collected_on", "recycling_point_id", "collected_on"),
        Index("uq_collections_poster_idempotency_key", "posted_by_id", "idempotency_key",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recycling_point_id: Mapped[int] = mapped_column(ForeignKey("recycling_points.id"))
    collected_on: Mapped[dt.date] = mapped_column(Date)  # local date in TIMEZONE
    category: Mapped[WasteCategory] = mapped_column(
        enum_column_type(WasteCategory, "collection_category")
    )
    weight_kg: Mapped[int]
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recycling_point: Mapped[RecyclingPoint] = relationship()
