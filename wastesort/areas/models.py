import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import enum_column_type
from ..extensions import db


class TownshipKind(enum.StrEnum):
    TOWN = "town"  # 镇
    STREET = "street"  # 街道, a subdistrict


class District(db.Model):
    """A central-city district (区), e.g. Yuzhong."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # national division code
    name: Mapped[str] = mapped_column(String(40), unique=True)  # Chinese name, 渝中区
    name_en: Mapped[str] = mapped_column(String(40))

    townships: Mapped[list["Township"]] = relationship(back_populates="district")


class Township(db.Model):
    """A town (镇) or street (街道): the township level at which coverage is judged."""

    __tablename__ = "townships"
    __table_args__ = (UniqueConstraint("district_id", "name", name="uq_townships_district_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[TownshipKind] = mapped_column(enum_column_type(TownshipKind, "township_kind"))

    district: Mapped[District] = relationship(back_populates="townships")
    communities: Mapped[list["Community"]] = relationship(back_populates="township")


class Community(db.Model):
    """A residential community (社区) or village (村) inside a township."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("township_id", "name", name="uq_communities_township_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))

    township: Mapped[Township] = relationship(back_populates="communities")
