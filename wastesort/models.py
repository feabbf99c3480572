"""Every model, imported once so the metadata is complete (migrations, tests, seeding)."""

from .accounts.models import ApiToken, LoginSession, Role, User
from .areas.models import Community, District, Township, TownshipKind
from .bins.models import BinStatus, SortingBin
from .bintasks.models import BinProblemReport, BinTask  # noqa: F401
from .collections.models import Collection
from .collections.tonnage import DailyTonnage
from .facilities.models import FacilityCapacity, TreatmentFacility
from .households.models import Household
from .households.tally import HouseholdTally
from .inspections.models import Inspection, InspectionPhoto
from .inspections.tally import DailyInspectionTally
from .intake.aggregate import DailyIntake
from .intake.models import WeighbridgeTicket
from .metrics.daily_cache import DailyFigures  # noqa: F401
from .points.models import PointKind, RecyclingPoint
from .reports.models import (  # noqa: F401
    CapacityAlert,
    Delivery,
    IntakeAlert,
    Report,
    Subscription,
)

__all__ = [
    "ApiToken", "BinStatus", "Collection", "Community", "DailyTonnage", "District", "Household",
    "HouseholdTally", "Inspection", "InspectionPhoto", "DailyInspectionTally", "LoginSession",
    "PointKind",
    "RecyclingPoint", "Role", "SortingBin", "Township", "TownshipKind", "TreatmentFacility", "User",
    "DailyIntake", "FacilityCapacity", "WeighbridgeTicket",
]
