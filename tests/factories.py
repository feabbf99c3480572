"""Small, explicit test data built with the real models.

``small_city()`` makes two districts; district A has a street and a town, district B one
street; each township has two communities, a recycling point and bins; facilities of every
type; one user per role (password ``password123``) scoped to township/point "a1" (the
inspector, "inspector", to township a1 too).
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wastesort.accounts.models import Role, User
from wastesort.areas.models import Community, District, Township, TownshipKind
from wastesort.bins.models import SortingBin
from wastesort.collections.models import Collection
from wastesort.enums import FacilityType, WasteCategory
from wastesort.extensions import db
from wastesort.facilities.models import FacilityCapacity, TreatmentFacility
from wastesort.households.models import Household
from wastesort.intake.models import WeighbridgeTicket
from wastesort.points.models import PointKind, RecyclingPoint

PASSWORD = "password123"


@dataclass
class City:
    districts: dict[str, District]
    townships: dict[str, Township]
    communities: dict[str, Community]
    points: dict[str, RecyclingPoint]
    users: dict[str, User]
    facilities: dict[str, TreatmentFacility] = field(default_factory=dict)  # by type


def small_city() -> City:
    da = District(code="500103", name="渝中区", name_en="Yuzhong")
    dbb = District(code="500104", name="大渡口区", name_en="Dadukou")
    townships = {
        "a1": Township(district=da, name="解放碑街道", kind=TownshipKind.STREET),
        "a2": Township(district=da, name="八桥镇", kind=TownshipKind.TOWN),
        "b1": Township(district=dbb, name="新山村街道", kind=TownshipKind.STREET),
    }
    communities = {}
    points = {}
    for key, township in townships.items():
        for n in (1, 2):
            communities[f"{key}c{n}"] = Community(township=township, name=f"{key}社区{n}")
        points[key] = RecyclingPoint(township=township, community=communities[f"{key}c1"],
                                     name=f"{key}回收站", kind=PointKind.STATION,
                                     latitude=29.55, longitude=106.57)
    db.session.add_all([da, dbb, *townships.values(), *communities.values(), *points.values()])
    for n, community in enumerate(communities.values()):
        for category in WasteCategory:
            db.session.add(SortingBin(community=community, serial=f"S{n}{category.value[:3]}",
                                      category=category, capacity_l=240))
    # one facility of each type but landfill (the city landfills nothing; a test needing one
    # adds it), each with 100 t/day in force since long before any test's day
    facilities = {}
    for n, facility_type in enumerate(t for t in FacilityType if t is not FacilityType.LANDFILL):
        facilities[facility_type.value] = add_facility(f"facility {n}", facility_type, 100, da)
    db.session.flush()
    users = {
        "admin": make_user("admin", Role.ADMIN),
        "manager": make_user("manager", Role.MANAGER),
        "street": make_user("street", Role.STREET_ADMIN, township_id=townships["a1"].id),
        "inspector": make_user("inspector", Role.INSPECTOR, township_id=townships["a1"].id),
        "staff": make_user("staff", Role.POINT_STAFF, recycling_point_id=points["a1"].id),
        "operator": make_user("operator", Role.FACILITY_OPERATOR,
                              treatment_facility_id=facilities["incineration"].id),
    }
    db.session.commit()
    return City({"a": da, "b": dbb}, townships, communities, points, users, facilities)


CAPACITY_SINCE = dt.date(2000, 1, 1)


def add_facility(name: str, facility_type: FacilityType, capacity_t_per_day: int,
                 district: District, since: dt.date = CAPACITY_SINCE) -> TreatmentFacility:
    """A facility with its capacity in force from ``since`` (the session is not committed)."""
    facility = TreatmentFacility(name=name, district=district, facility_type=facility_type,
                                 capacity_t_per_day=capacity_t_per_day)
    db.session.add(facility)
    db.session.add(FacilityCapacity(facility=facility, effective_from=since,
                                    capacity_t_per_day=capacity_t_per_day))
    return facility


def make_user(username: str, role: Role, **scope) -> User:
    """A user with the password ``PASSWORD``. A user of this name and role made already (the
    small city's inspector, which tests also add by that name) is that user, given ``scope``."""
    user = db.session.scalar(select(User).where(User.username == username, User.role == role))
    if user is not None:
        for name, value in scope.items():
            setattr(user, name, value)
        return user
    user = User(username=username, role=role, email=f"{username}@example.org", **scope)
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def add_households(community: Community, count: int, covered: int,
                   since: dt.date = dt.date(2020, 1, 1)) -> None:
    for n in range(count):
        db.session.add(Household(community=community, code=f"H{community.id}-{n}",
                                 building="1", unit="1", room=f"{n:04d}", members=3,
                                 sorting_since=since if n < covered else None))
    db.session.commit()


def add_collection(point: RecyclingPoint, day: dt.date, category: WasteCategory,
                   weight_kg: int, key: str | None = None, voided: bool = False) -> Collection:
    row = Collection(recycling_point=point, collected_on=day, category=category,
                     weight_kg=weight_kg, idempotency_key=key or f"k-{point.id}-{day}-{category}"
                     f"-{weight_kg}", voided=voided, void_reason="test" if voided else None)
    db.session.add(row)
    db.session.commit()
    return row


def add_ticket(facility: TreatmentFacility, day: dt.date, stream: WasteCategory, weight_kg: int,
               number: str | None = None, township: Township | None = None,
               voided: bool = False) -> WeighbridgeTicket:
    """A weighbridge ticket weighed at 10:00 city time on ``day`` (the flush hook adds it to
    the daily intake)."""
    arrived = dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
    row = WeighbridgeTicket(
        treatment_facility_id=facility.id, arrived_at=arrived, arrived_on=day, stream=stream,
        ticket_number=number or f"W-{facility.id}-{day}-{stream}-{weight_kg}",
        net_weight_kg=weight_kg, township_id=township.id if township else None,
        vehicle_plate="渝A12345", voided=voided, void_reason="test" if voided else None)
    db.session.add(row)
    db.session.commit()
    return row
