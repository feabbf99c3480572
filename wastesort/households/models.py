import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Community
from ..extensions import db


class Household(db.Model):
    """A household, by address only: the product keeps no names or phone numbers.

    ``sorting_since`` is the local date it joined garbage sorting; None while not yet covered.
    """

    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint("members > 0", name="members_positive"),
        Index("ix_households_community_sorting", "community_id", "sorting_since"),
        # coverage as of a day counts the households that started earlier that month, per
        # community: from this index alone, without reading the household rows
        Index("ix_households_sorting_since_community", "sorting_since", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    # Code point order on both databases (SQLite compares text so; "C" on PostgreSQL, whatever
    # the database's locale), so that "code starts with" is a range of the unique index
    # (service.code_starts_with) and codes list in the same order everywhere.
    code: Mapped[str] = mapped_column(
        String(32).with_variant(String(32, collation="C"), "postgresql"), unique=True)
    building: Mapped[str] = mapped_column(String(20), default="")
    unit: Mapped[str] = mapped_column(String(10), default="")
    room: Mapped[str] = mapped_column(String(10), default="")
    members: Mapped[int] = mapped_column(SmallInteger, default=1)
    sorting_since: Mapped[dt.date | None] = mapped_column(Date)

    community: Mapped[Community] = relationship()
