import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Township
from ..enums import enum_column_type
from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..points.models import RecyclingPoint
from ..timeutil import utcnow
from ..types import UtcDateTime
from .passwords import hash_password, verify_password


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything
    MANAGER = "manager"  # reads everything, receives reports
    STREET_ADMIN = "street_admin"  # keeps the registry of one township
    POINT_STAFF = "point_staff"  # posts the collections of one recycling point
    INSPECTOR = "inspector"  # 督导员: inspects the sorting in the communities of one township
    FACILITY_OPERATOR = "facility_operator"  # posts the weighbridge tickets of one facility


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role != 'street_admin' OR township_id IS NOT NULL",
                        name="street_admin_has_township"),
        CheckConstraint("role != 'point_staff' OR recycling_point_id IS NOT NULL",
                        name="point_staff_has_point"),
        CheckConstraint("role != 'inspector' OR township_id IS NOT NULL",
                        name="inspector_has_township"),
        CheckConstraint("role != 'facility_operator' OR treatment_facility_id IS NOT NULL",
                        name="facility_operator_has_facility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "user_role"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    recycling_point_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_points.id"))
    treatment_facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_facilities.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str | None] = mapped_column(String(16))  # chosen language, else the browser's
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    township: Mapped[Township | None] = relationship()
    recycling_point: Mapped[RecyclingPoint | None] = relationship()
    treatment_facility: Mapped[TreatmentFacility | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)


class LoginSession(db.Model):
    """A logged-in browser session. The signed cookie names it; only the SHA-256 of its random
    id is stored. Ended at logout, at a password or role change, and after an idle and an
    absolute lifetime (wastesort.accounts.sessions), which a cookie alone could not do."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no token. It
    works until it is revoked or ``expires_at`` passes."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())  # API_TOKEN_LIFETIME_DAYS

    user: Mapped[User] = relationship()
