"""Every model, imported once so the metadata is complete (migrations, tests, seeding)."""

from .accounts.models import ApiToken, Role, User
from .areas.models import Community, District, Township, TownshipKind
from .bins.models import BinStatus, SortingBin
from .collections.models import Collection
from .facilities.models import TreatmentFacility
from .households.models import Household
from .points.models import PointKind, RecyclingPoint

__all__ = [
    "ApiToken", "BinStatus", "Collection", "Community", "District", "Household", "PointKind",
    "RecyclingPoint", "Role", "SortingBin", "Township", "TownshipKind", "TreatmentFacility", "User",
]
