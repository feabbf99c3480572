import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Community
from ..enums import WasteCategory, enum_column_type
from ..extensions import db


class BinStatus(enum.StrEnum):
    IN_SERVICE = "in_service"
    DAMAGED = "damaged"
    REMOVED = "removed"


class SortingBin(db.Model):
    __tablename__ = "sorting_bins"
    __table_args__ = (
        CheckConstraint("capacity_l > 0", name="capacity_positive"),
        # coverage counts the bins in service per community and category from this index alone
        Index("ix_sorting_bins_status_community_category", "status", "community_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[WasteCategory] = mapped_column(enum_column_type(WasteCategory, "bin_category"))
    capacity_l: Mapped[int]
    status: Mapped[BinStatus] = mapped_column(
        enum_column_type(BinStatus, "bin_status"), default=BinStatus.IN_SERVICE
    )

    community: Mapped[Community] = relationship()
