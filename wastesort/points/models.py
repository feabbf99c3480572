import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Community, Township
from ..enums import enum_column_type
from ..extensions import db


class PointKind(enum.StrEnum):
    STATION = "station"  # staffed
    KIOSK = "kiosk"  # intelligent recycling kiosk


class RecyclingPoint(db.Model):
    __tablename__ = "recycling_points"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180",
                        name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[PointKind] = mapped_column(enum_column_type(PointKind, "point_kind"))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    township: Mapped[Township] = relationship()
    community: Mapped[Community | None] = relationship()
